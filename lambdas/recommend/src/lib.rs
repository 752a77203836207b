//! The recommend Lambda: `GET /recommendations` and the walkthrough's `GET /getRecommendations`
//! from the configured Personalize campaign.
//!
//! # Layout
//! - [`handler`]: [`Recommend`], the handler value; routing and the mapping of upstream
//!   failures to responses.
//! - [`query`]: the query strings of both routes, checked parameter by parameter, and the
//!   `FILTER_ARNS` configuration.
//! - [`upstream`]: the narrow [`Recommender`] trait, its Personalize implementation and the
//!   response shape.

#![warn(missing_docs)]

pub mod handler;
pub mod query;
pub mod upstream;

#[cfg(test)]
mod tests;

pub use handler::Recommend;
pub use upstream::{PersonalizeRecommender, RecommendationRequest, Recommendations, Recommender};

use std::collections::BTreeMap;

use lambda_common::{AuthMode, ConfigError, Cors, Env};

/// The routes this function serves (method, path), as in the OpenAPI document.
pub const ROUTES: &[(&str, &str)] = &[("GET", "/recommendations"), ("GET", "/getRecommendations")];

/// Configuration of the recommend function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The campaign every request goes to (`CAMPAIGN_ARN`).
    pub campaign_arn: String,
    /// Filters callers may name (`FILTER_ARNS`, a JSON object name → ARN; default none).
    pub filters: BTreeMap<String, String>,
    /// Whose recommendations a caller may read (`AUTH_MODE`, `USER_ID_CLAIM`).
    pub auth: AuthMode,
    /// The origin browsers may call from (`CORS_ALLOW_ORIGIN`); `None`: no CORS headers.
    pub cors: Option<Cors>,
}

impl Config {
    /// Configuration for `campaign_arn` without filters, callers bound to their token's user.
    pub fn new(campaign_arn: impl Into<String>) -> Self {
        Self {
            campaign_arn: campaign_arn.into(),
            filters: BTreeMap::new(),
            auth: AuthMode::default(),
            cors: None,
        }
    }

    /// Reads `CAMPAIGN_ARN`, `FILTER_ARNS`, `AUTH_MODE`, `USER_ID_CLAIM` and
    /// `CORS_ALLOW_ORIGIN`.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let campaign_arn = env.required("CAMPAIGN_ARN")?;
        if !campaign_arn.starts_with("arn:") || !campaign_arn.contains(":campaign/") {
            return Err(ConfigError::new("CAMPAIGN_ARN", "must be a campaign ARN"));
        }
        let filters = match env.optional("FILTER_ARNS") {
            None => BTreeMap::new(),
            Some(raw) => {
                query::filter_arns(&raw).map_err(|m| ConfigError::new("FILTER_ARNS", m))?
            }
        };
        Ok(Self {
            campaign_arn,
            filters,
            auth: AuthMode::from_env(env)?,
            cors: Cors::from_env(env)?,
        })
    }
}

impl Recommend<PersonalizeRecommender> {
    /// The handler on the real Personalize runtime client.
    pub fn from_sdk(config: Config, sdk: &pr_sdk::aws_config::SdkConfig) -> Self {
        let client = aws_sdk_personalizeruntime::Client::new(sdk);
        Self::new(config, PersonalizeRecommender::new(client))
    }
}
