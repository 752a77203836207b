//! AWS SDK configuration, built the same way by every binary and test of the project.
//!
//! The SDK crates are used with `default-features = false` (see the workspace `Cargo.toml`), so
//! they carry no HTTP client of their own: aws-lc would add minutes of C compilation and break
//! cross-compiling the Lambdas. [`http_client`] supplies one rustls client with the `ring`
//! crypto provider instead, and [`load`] / [`local`] put it into an [`SdkConfig`].
//!
//! [`load`] resolves region and credentials as every AWS tool does (environment, shared config
//! and credentials files, SSO, `credential_process`, web identity, ECS, IMDS), then applies the
//! roles a Terraform provider block can add on top ([`Settings::web_identity`],
//! [`Settings::assume_role`]) and the retry settings.

#![warn(missing_docs)]

mod sts;

use std::path::PathBuf;

use aws_config::retry::{RetryConfig, RetryMode};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_smithy_http_client::{
    tls::{self, rustls_provider::CryptoMode},
    Builder,
};

pub mod partition;

pub use aws_config;
pub use aws_types::sdk_config::SharedHttpClient;
pub use partition::partition;
pub use sts::{caller_account, AssumeRole, WebIdentity, WebIdentityToken};

/// The HTTPS client every SDK client of the project uses: hyper with rustls on `ring`.
pub fn http_client() -> SharedHttpClient {
    Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// Where and as whom to call AWS. Every field left at its default falls back to the standard
/// AWS chain (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`, `AWS_CONFIG_FILE`, credentials
/// from the environment, the shared files (static keys, SSO, `credential_process`,
/// `source_profile` + `role_arn` chains), web identity, ECS or IMDS).
#[derive(Debug, Default, Clone)]
pub struct Settings {
    /// Region; `None` takes it from the environment or profile.
    pub region: Option<String>,
    /// Named profile from the shared config files.
    pub profile: Option<String>,
    /// One endpoint for every service (e.g. an emulator); per-service overrides belong to the
    /// service client builders.
    pub endpoint_url: Option<String>,
    /// Shared config files read instead of the default (`AWS_CONFIG_FILE` or `~/.aws/config`),
    /// in order; a later file's setting wins. Empty keeps the default.
    pub shared_config_files: Vec<PathBuf>,
    /// Shared credentials files read instead of the default (`AWS_SHARED_CREDENTIALS_FILE` or
    /// `~/.aws/credentials`), in order. Empty keeps the default.
    pub shared_credentials_files: Vec<PathBuf>,
    /// Retries after the first attempt of a throttled or transient failure; `None` keeps
    /// `AWS_MAX_ATTEMPTS` / the profile's `max_attempts` / the SDK default.
    pub max_retries: Option<u32>,
    /// `standard` or `adaptive`; `None` keeps `AWS_RETRY_MODE` / the profile's `retry_mode`.
    pub retry_mode: Option<RetryMode>,
    /// Endpoint of the STS calls made here (web identity, assumed roles, [`caller_account`]).
    /// A profile's own `role_arn` chain follows the shared config instead
    /// (`AWS_ENDPOINT_URL_STS`, a `services` section), as in every AWS SDK.
    pub sts_endpoint: Option<String>,
    /// Region of those STS calls; `None` uses [`Settings::region`].
    pub sts_region: Option<String>,
    /// Credentials from AssumeRoleWithWebIdentity, replacing the standard chain as the base.
    pub web_identity: Option<WebIdentity>,
    /// Roles assumed in order on top of the base credentials (each with the previous one's).
    pub assume_role: Vec<AssumeRole>,
}

/// An error and its sources, each said once, joined by `: ` (the SDK's errors keep the reason
/// that matters, e.g. the file an SSO token was expected in, several sources deep).
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let part = e.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = e.source();
    }
    text
}

/// Whether a credentials failure came from IAM Identity Center (SSO), which only a new sign-in
/// (`aws sso login`) fixes: a cached token that is missing, unreadable or expired (aws-config
/// says "SSO token" or names the `sso/cache` file), or a token the access portal refused
/// (GetRoleCredentials' `UnauthorizedException`, "the request is not authorized ... due to an
/// invalid access token", AWS IAM Identity Center Portal API Reference). aws-config reads a
/// legacy profile's token (`sso_start_url` in the profile) without checking its expiry, so an
/// expired one shows only as the portal's refusal.
pub fn is_sso_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if text.contains("SSO token") || text.contains("sso/cache") || portal_refused(e) {
            return true;
        }
        next = e.source();
    }
    false
}

#[cfg(feature = "profile-credentials")]
fn portal_refused(error: &(dyn std::error::Error + 'static)) -> bool {
    use aws_sdk_sso::error::SdkError;
    use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
    error
        .downcast_ref::<SdkError<GetRoleCredentialsError>>()
        .and_then(SdkError::as_service_error)
        .is_some_and(GetRoleCredentialsError::is_unauthorized_exception)
}

#[cfg(not(feature = "profile-credentials"))]
fn portal_refused(_error: &(dyn std::error::Error + 'static)) -> bool {
    false
}

/// Parses a retry mode the way `AWS_RETRY_MODE` spells it (`standard`, `adaptive`).
///
/// # Errors
/// Any other value, with the accepted ones.
pub fn retry_mode(text: &str) -> Result<RetryMode, String> {
    match text {
        "standard" => Ok(RetryMode::Standard),
        "adaptive" => Ok(RetryMode::Adaptive),
        other => Err(format!(
            "{other:?} is not a retry mode: expected \"standard\" or \"adaptive\""
        )),
    }
}

fn profile_files(settings: &Settings) -> Option<EnvConfigFiles> {
    if settings.shared_config_files.is_empty() && settings.shared_credentials_files.is_empty() {
        return None;
    }
    let mut files = EnvConfigFiles::builder()
        .include_default_config_file(settings.shared_config_files.is_empty())
        .include_default_credentials_file(settings.shared_credentials_files.is_empty());
    for path in &settings.shared_config_files {
        files = files.with_file(EnvConfigFileKind::Config, path);
    }
    for path in &settings.shared_credentials_files {
        files = files.with_file(EnvConfigFileKind::Credentials, path);
    }
    Some(files.build())
}

/// The retry configuration: what the chain resolved, with the explicit settings on top.
fn retry_config(resolved: Option<&RetryConfig>, settings: &Settings) -> RetryConfig {
    let resolved = resolved.cloned().unwrap_or_else(RetryConfig::standard);
    let mode = settings.retry_mode.unwrap_or(resolved.mode());
    let attempts = settings
        .max_retries
        .map_or(resolved.max_attempts(), |r| r.saturating_add(1));
    let base = match mode {
        RetryMode::Adaptive => RetryConfig::adaptive(),
        _ => RetryConfig::standard(),
    };
    base.with_max_attempts(attempts)
        .with_initial_backoff(resolved.initial_backoff())
        .with_max_backoff(resolved.max_backoff())
}

/// Loads an [`SdkConfig`] from the standard chain, with the project's HTTP client, then
/// applies [`Settings::web_identity`], [`Settings::assume_role`] and the retry settings.
/// Credentials are only fetched when first used, so a bad role shows at the first call.
pub async fn load(settings: &Settings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http_client());
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(files) = profile_files(settings) {
        loader = loader.profile_files(files);
    }
    if let Some(endpoint) = &settings.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    let sdk = loader.load().await;
    let retry = retry_config(sdk.retry_config(), settings);
    let mut sdk = sdk.into_builder().retry_config(retry).build();
    if let Some(web) = &settings.web_identity {
        let provider = sts::RoleProvider::web_identity(&sdk, settings, web.clone());
        sdk = sdk
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
    }
    for role in &settings.assume_role {
        let provider = sts::RoleProvider::assume_role(&sdk, settings, role.clone());
        sdk = sdk
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
    }
    sdk
}

/// An [`SdkConfig`] for a local endpoint (moto, personalize-local): fixed test credentials and
/// region, nothing read from the environment, so a developer's real AWS settings never leak in.
pub fn local(endpoint_url: &str, region: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(http_client())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint_url)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "sdk-config-local",
        )))
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
            endpoint_url: Some("http://127.0.0.1:9".into()),
            ..Settings::default()
        })
        .await;
        assert_eq!(config.region().map(|r| r.as_ref()), Some("us-west-2"));
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:9"));
    }

    #[test]
    fn max_retries_counts_retries_after_the_first_attempt() {
        let settings = Settings {
            max_retries: Some(0),
            ..Settings::default()
        };
        assert_eq!(retry_config(None, &settings).max_attempts(), 1);
        let settings = Settings {
            max_retries: Some(7),
            retry_mode: Some(RetryMode::Adaptive),
            ..Settings::default()
        };
        let config = retry_config(Some(&RetryConfig::standard()), &settings);
        assert_eq!(config.max_attempts(), 8);
        assert_eq!(config.mode(), RetryMode::Adaptive);
        // Unset: what the environment or profile resolved stays.
        let resolved = RetryConfig::adaptive().with_max_attempts(4);
        let kept = retry_config(Some(&resolved), &Settings::default());
        assert_eq!((kept.mode(), kept.max_attempts()), (RetryMode::Adaptive, 4));
    }

    #[test]
    fn error_chains_say_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let outer = aws_credential_types::provider::error::CredentialsError::provider_error(io);
        let text = error_chain(&outer);
        assert!(text.ends_with(": no such file"), "{text}");
        assert_eq!(text.matches("no such file").count(), 1, "{text}");
    }

    #[test]
    fn sso_failures_are_told_apart() {
        use aws_credential_types::provider::error::CredentialsError;
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let cache = CredentialsError::provider_error(std::io::Error::other(
            "failed to read `/h/.aws/sso/cache/x.json`",
        ));
        assert!(is_sso_failure(&cache));
        let expired = CredentialsError::provider_error(std::io::Error::other(
            "the SSO token has expired and cannot be refreshed",
        ));
        assert!(is_sso_failure(&expired));
        assert!(!is_sso_failure(&CredentialsError::provider_error(io)));
    }

    #[cfg(feature = "profile-credentials")]
    #[test]
    fn a_token_the_portal_refuses_is_an_sso_failure() {
        use aws_credential_types::provider::error::CredentialsError;
        use aws_sdk_sso::error::SdkError;
        use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
        use aws_sdk_sso::types::error::{TooManyRequestsException, UnauthorizedException};
        let refused = |e: GetRoleCredentialsError| {
            let response = aws_smithy_runtime_api::http::Response::new(
                401.try_into().unwrap(),
                aws_smithy_types::body::SdkBody::empty(),
            );
            CredentialsError::provider_error(SdkError::service_error(e, response))
        };
        let unauthorized = GetRoleCredentialsError::UnauthorizedException(
            UnauthorizedException::builder().message("invalid").build(),
        );
        assert!(is_sso_failure(&refused(unauthorized)));
        let throttled = GetRoleCredentialsError::TooManyRequestsException(
            TooManyRequestsException::builder().build(),
        );
        assert!(!is_sso_failure(&refused(throttled)));
    }

    #[test]
    fn retry_modes_as_aws_spells_them() {
        assert_eq!(retry_mode("standard"), Ok(RetryMode::Standard));
        assert_eq!(retry_mode("adaptive"), Ok(RetryMode::Adaptive));
        let err = retry_mode("Standard").unwrap_err();
        assert!(err.contains("\"standard\" or \"adaptive\""), "{err}");
        assert!(retry_mode("").is_err());
    }

    #[test]
    fn shared_files_replace_only_their_own_default() {
        assert!(profile_files(&Settings::default()).is_none());
        let files = profile_files(&Settings {
            shared_config_files: vec!["a".into(), "b".into()],
            ..Settings::default()
        })
        .expect("files");
        let debug = format!("{files:?}");
        // The default credentials file stays; the default config file is replaced.
        assert!(debug.contains("Credentials"), "{debug}");
        assert!(
            debug.contains("\"a\"") && debug.contains("\"b\""),
            "{debug}"
        );
    }
}
