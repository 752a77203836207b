//! AWS SDK configuration, built the same way by every binary and test of the project.
//!
//! The SDK crates are used with `default-features = false` (see the workspace `Cargo.toml`), so
//! they carry no HTTP client of their own: aws-lc would add minutes of C compilation and break
//! cross-compiling the Lambdas. [`http_client`] supplies one rustls client with the `ring`
//! crypto provider instead, and [`load`] / [`local`] put it into an [`SdkConfig`].

#![warn(missing_docs)]

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_smithy_http_client::{
    tls::{self, rustls_provider::CryptoMode},
    Builder,
};

pub use aws_config;
pub use aws_types::sdk_config::SharedHttpClient;

/// The HTTPS client every SDK client of the project uses: hyper with rustls on `ring`.
pub fn http_client() -> SharedHttpClient {
    Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// Where and as whom to call AWS. Every field falls back to the standard AWS chain
/// (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`, credentials from env, profile, SSO-less
/// web identity, ECS or IMDS).
#[derive(Debug, Default, Clone)]
pub struct Settings {
    /// Region; `None` takes it from the environment or profile.
    pub region: Option<String>,
    /// Named profile from the shared config files.
    pub profile: Option<String>,
    /// One endpoint for every service (e.g. an emulator); per-service overrides belong to the
    /// service client builders.
    pub endpoint_url: Option<String>,
}

/// Loads an [`SdkConfig`] from the standard chain, with the project's HTTP client.
pub async fn load(settings: &Settings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http_client());
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = &settings.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// An [`SdkConfig`] for a local endpoint (moto, personalize-local): fixed test credentials and
/// region, nothing read from the environment, so a developer's real AWS settings never leak in.
pub fn local(endpoint_url: &str, region: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(http_client())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint_url)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                "testing",
                "testing",
                None,
                None,
                "pr-sdk-local",
            )),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_config_pins_endpoint_region_and_credentials() {
        let config = local("http://127.0.0.1:1234", "eu-west-1");
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:1234"));
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert!(config.credentials_provider().is_some());
        assert!(config.http_client().is_some());
    }

    #[tokio::test]
    async fn load_honours_explicit_region_and_endpoint() {
        let config = load(&Settings {
            region: Some("us-west-2".into()),
            profile: None,
            endpoint_url: Some("http://127.0.0.1:9".into()),
        })
        .await;
        assert_eq!(config.region().map(|r| r.as_ref()), Some("us-west-2"));
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:9"));
    }
}
