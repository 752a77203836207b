//! The request context every operation handler gets besides its input: the server and the
//! region of the request. [`crate::wire`] builds one per request (the region from the SigV4
//! credential scope); the control plane ([`crate::control`]) and the data plane
//! ([`crate::data`]) run on it, so a request sees only its region's resources
//! ([`Ctx::in_region`]) and makes ARNs in its region and partition ([`Ctx::arn`]).

use serde_json::Value;

use crate::error::ApiError;
use crate::AppState;

/// What an operation handler gets besides its input.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The server.
    pub server: AppState,
    /// Region of the request (from the credential scope).
    pub region: String,
}

impl Ctx {
    /// Whether `arn` names something in this request's region. Resources are regional: "The
    /// Region that the resource resides in" is part of its ARN (AWS General Reference, Amazon
    /// Resource Names), and each region's endpoint serves its own resources (Amazon
    /// Personalize endpoints and quotas).
    pub fn in_region(&self, arn: &str) -> bool {
        crate::data::region_of_arn(arn) == self.region
    }

    /// Refuses an input whose top-level `...Arn` member names a Personalize resource of another
    /// region: that region's resources do not exist at this endpoint, so the answer is the
    /// operation's ResourceNotFoundException, as for any ARN it does not know. Recipe ARNs
    /// (no region) and other services' ARNs (roles, keys) are not regional resources here.
    ///
    /// # Errors
    /// ResourceNotFoundException naming the ARN.
    pub fn check_regions(&self, input: &Value) -> Result<(), ApiError> {
        let Some(members) = input.as_object() else {
            return Ok(());
        };
        for (key, value) in members {
            let Some(arn) = value.as_str().filter(|_| key.ends_with("Arn")) else {
                continue;
            };
            let mut parts = arn.split(':');
            let (Some("arn"), Some(_), Some("personalize"), Some(region)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if !region.is_empty() && region != self.region {
                return Err(ApiError::not_found(arn));
            }
        }
        Ok(())
    }

    /// `arn:PARTITION:personalize:REGION:ACCOUNT:<resource>`, the partition of the region
    /// (`aws-cn` in `cn-north-1`: AWS General Reference, "Amazon Resource Names (ARNs)").
    pub fn arn(&self, resource: &str) -> String {
        format!(
            "arn:{}:personalize:{}:{}:{resource}",
            sdk_config::partition(&self.region),
            self.region,
            self.server.config.account_id
        )
    }
}
