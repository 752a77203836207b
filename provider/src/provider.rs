//! The `provider "personalize"` block: configuration, SDK clients, and the list of resources
//! and data sources.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_sdk_personalize::config::ProvideCredentials;
use tf_provider::schema::Schema;
use tf_provider::value::ValueEmpty;
use tf_provider::{AttributePath, Diagnostics, DynamicDataSource, DynamicResource, Provider};

use crate::framework::schema::{self, Attr, Ty};
use crate::framework::tags::{self, TagConfig};
use crate::framework::validate;
use crate::framework::value::{Dyn, DynExt, Obj};
use crate::{data_sources, resources};

/// Default number of attempts for throttled or transient AWS errors.
pub const DEFAULT_MAX_RETRIES: u32 = 5;

/// The configured AWS clients, shared by every resource after `configure`.
#[derive(Debug, Clone)]
pub struct Clients {
    /// Amazon Personalize control plane.
    pub personalize: aws_sdk_personalize::Client,
    /// `default_tags` and `ignore_tags` of the provider block.
    pub tags: TagConfig,
}

/// Where the resources find the clients: empty until Terraform configures the provider.
#[derive(Debug, Clone, Default)]
pub struct ClientSlot(Arc<RwLock<Option<Clients>>>);

impl ClientSlot {
    /// The clients, or the error to show when the provider was not configured.
    ///
    /// # Errors
    /// When `configure` has not run (Terraform always runs it before any resource call that
    /// reaches AWS, so this is an internal error).
    pub fn get(&self) -> Result<Clients, String> {
        self.0
            .read()
            .map_err(|_| "provider state poisoned".to_owned())?
            .clone()
            .ok_or_else(|| "the personalize provider is not configured".to_owned())
    }

    fn set(&self, clients: Clients) {
        if let Ok(mut slot) = self.0.write() {
            *slot = Some(clients);
        }
    }
}

/// The Amazon Personalize provider.
#[derive(Debug, Default)]
pub struct PersonalizeProvider {
    clients: ClientSlot,
}

impl PersonalizeProvider {
    /// A provider that is not configured yet.
    pub fn new() -> Self {
        Self::default()
    }
}

fn endpoint_check(v: &Dyn) -> Result<(), String> {
    let s = v.str().ok_or("expected a string")?;
    if !(s.starts_with("http://") || s.starts_with("https://")) || s.len() > 2048 {
        return Err(format!("{s:?} is not an http(s) URL"));
    }
    Ok(())
}

fn retries_check(v: &Dyn) -> Result<(), String> {
    validate::number_in(v, 0.0, 100.0, true)
        .map_err(|e| format!("max_retries must be a whole number from 0 to 100: {e}"))
}

/// The provider's configuration attributes.
pub fn attributes() -> Vec<Attr> {
    let endpoint = |name, what| Attr::optional(name, Ty::String, what).check(endpoint_check);
    vec![
        Attr::optional(
            "region",
            Ty::String,
            "AWS region; defaults to `AWS_REGION` / the profile's region.",
        ),
        Attr::optional(
            "profile",
            Ty::String,
            "Named profile from the shared AWS config files.",
        ),
        Attr::optional(
            "max_retries",
            Ty::Number,
            "Attempts for throttled or transient AWS errors (default 5).",
        )
        .check(retries_check),
        Attr::optional(
            "endpoints",
            Ty::Block(vec![
                endpoint(
                    "personalize",
                    "Endpoint of the Personalize control plane (e.g. personalize-local).",
                ),
                endpoint("personalize_events", "Endpoint of personalize-events."),
                endpoint("personalize_runtime", "Endpoint of personalize-runtime."),
                endpoint("s3", "Endpoint of S3."),
            ]),
            "Custom service endpoints, e.g. the local stack's emulator.",
        ),
    ]
    .into_iter()
    .chain(tags::provider_attrs())
    .collect()
}

#[async_trait]
impl Provider for PersonalizeProvider {
    type Config<'a> = Obj;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema::data_source_schema(
            &attributes(),
            "Amazon Personalize: dataset groups to campaigns, including solution versions.",
        ))
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Obj) -> Option<()> {
        crate::framework::resource::check_attrs(
            diags,
            &attributes(),
            &config,
            &AttributePath::root(),
        );
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        _terraform_version: String,
        config: Obj,
    ) -> Option<()> {
        let get = |k: &str| config.get(k).and_then(|v| v.str()).map(str::to_owned);
        let endpoints = config
            .get("endpoints")
            .and_then(|v| v.list())
            .and_then(|l| l.first())
            .and_then(|v| v.obj())
            .cloned()
            .unwrap_or_default();
        let endpoint = |k: &str| endpoints.get(k).and_then(|v| v.str()).map(str::to_owned);
        let retries = config
            .get("max_retries")
            .and_then(|v| v.num())
            .map_or(DEFAULT_MAX_RETRIES, |n| n as u32);
        let sdk = pr_sdk::load(&pr_sdk::Settings {
            region: get("region"),
            profile: get("profile"),
            endpoint_url: None,
        })
        .await;
        if sdk.region().is_none() {
            diags.error(
                "No AWS region",
                "Set `region` in the provider block, or AWS_REGION / AWS_DEFAULT_REGION, or a region in the profile.",
                AttributePath::new("region"),
            );
            return None;
        }
        let Some(credentials) = sdk.credentials_provider() else {
            diags.root_error_short("No AWS credentials provider could be built");
            return None;
        };
        if let Err(e) = credentials.provide_credentials().await {
            diags.root_error(
                "No valid AWS credentials",
                format!(
                    "The standard AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, ECS, IMDS) found none: {e}"
                ),
            );
            return None;
        }
        let mut builder = aws_sdk_personalize::config::Builder::from(&sdk)
            .retry_config(RetryConfig::standard().with_max_attempts(retries.max(1)));
        if let Some(url) = endpoint("personalize") {
            builder = builder.endpoint_url(url);
        }
        self.clients.set(Clients {
            personalize: aws_sdk_personalize::Client::from_conf(builder.build()),
            tags: TagConfig::from_provider(&config),
        });
        Some(())
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(resources::all(&self.clients))
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(data_sources::all(&self.clients))
    }
}
