//! Roles a Terraform provider block assumes on top of the standard chain, through STS:
//! [`AssumeRole`] (AssumeRole, with the previous credentials) and [`WebIdentity`]
//! (AssumeRoleWithWebIdentity, unsigned, with an OIDC token), and the account check
//! ([`caller_account`], GetCallerIdentity).
//!
//! Arguments follow the STS API reference (AssumeRole, AssumeRoleWithWebIdentity,
//! GetCallerIdentity: <https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html>).

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::SdkConfig;
use aws_credential_types::provider::{error::CredentialsError, future, ProvideCredentials};
use aws_credential_types::Credentials;
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};

use crate::{error_chain, Settings};

/// An `assume_role` block: AssumeRole with the credentials resolved before it.
#[derive(Debug, Default, Clone)]
pub struct AssumeRole {
    /// ARN of the role.
    pub role_arn: String,
    /// `RoleSessionName`; a generated one when `None`.
    pub session_name: Option<String>,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `DurationSeconds` (15 minutes to 12 hours; STS checks the role's maximum).
    pub duration: Option<Duration>,
    /// Inline session `Policy` (JSON).
    pub policy: Option<String>,
    /// Managed `PolicyArns`.
    pub policy_arns: Vec<String>,
    /// Session `Tags`.
    pub tags: Vec<(String, String)>,
    /// `TransitiveTagKeys`.
    pub transitive_tag_keys: Vec<String>,
    /// `SourceIdentity`.
    pub source_identity: Option<String>,
}

/// An `assume_role_with_web_identity` block: AssumeRoleWithWebIdentity with an OIDC token.
#[derive(Debug, Default, Clone)]
pub struct WebIdentity {
    /// ARN of the role.
    pub role_arn: String,
    /// `RoleSessionName`; a generated one when `None`.
    pub session_name: Option<String>,
    /// Where the token comes from.
    pub token: WebIdentityToken,
    /// `DurationSeconds`.
    pub duration: Option<Duration>,
    /// Inline session `Policy` (JSON).
    pub policy: Option<String>,
    /// Managed `PolicyArns`.
    pub policy_arns: Vec<String>,
}

/// The OIDC token of a [`WebIdentity`].
#[derive(Debug, Clone)]
pub enum WebIdentityToken {
    /// The token itself.
    Value(String),
    /// A file holding it, read again at every refresh (tokens rotate).
    File(PathBuf),
}

impl Default for WebIdentityToken {
    fn default() -> Self {
        Self::Value(String::new())
    }
}

/// What [`RoleProvider`] asks STS for.
#[derive(Debug)]
enum Request {
    Assume(AssumeRole),
    WebIdentity(WebIdentity),
}

/// Credentials from one STS role call; the SDK's identity cache refreshes them before expiry.
#[derive(Debug)]
pub(crate) struct RoleProvider {
    client: aws_sdk_sts::Client,
    request: Request,
}

/// An STS client for the calls made here: the configuration's HTTP client, retries and (for
/// AssumeRole) credentials, with [`Settings::sts_endpoint`] / [`Settings::sts_region`].
fn client(sdk: &SdkConfig, settings: &Settings, signed: bool) -> aws_sdk_sts::Client {
    let mut builder = aws_sdk_sts::config::Builder::from(sdk);
    if !signed {
        builder.set_credentials_provider(None);
    }
    if let Some(endpoint) = &settings.sts_endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    if let Some(region) = &settings.sts_region {
        builder = builder.region(aws_config::Region::new(region.clone()));
    }
    aws_sdk_sts::Client::from_conf(builder.build())
}

fn session_name(name: Option<&String>) -> String {
    name.cloned().unwrap_or_else(|| {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        format!("terraform-provider-personalize-{ms}")
    })
}

fn seconds(duration: Option<Duration>) -> Option<i32> {
    duration.map(|d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX))
}

fn policy_arns(arns: &[String]) -> Option<Vec<PolicyDescriptorType>> {
    (!arns.is_empty()).then(|| {
        arns.iter()
            .map(|arn| PolicyDescriptorType::builder().arn(arn).build())
            .collect()
    })
}

fn credentials(
    out: Option<&aws_sdk_sts::types::Credentials>,
    source: &'static str,
) -> Result<Credentials, CredentialsError> {
    let c = out.ok_or_else(|| CredentialsError::unhandled("STS answered without credentials"))?;
    let expiry = SystemTime::try_from(*c.expiration()).ok();
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        expiry,
        source,
    ))
}

impl RoleProvider {
    pub(crate) fn assume_role(sdk: &SdkConfig, settings: &Settings, role: AssumeRole) -> Self {
        Self {
            client: client(sdk, settings, true),
            request: Request::Assume(role),
        }
    }

    pub(crate) fn web_identity(sdk: &SdkConfig, settings: &Settings, web: WebIdentity) -> Self {
        Self {
            client: client(sdk, settings, false),
            request: Request::WebIdentity(web),
        }
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        match &self.request {
            Request::Assume(role) => {
                let tags = role
                    .tags
                    .iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(CredentialsError::invalid_configuration)?;
                let out = self
                    .client
                    .assume_role()
                    .role_arn(&role.role_arn)
                    .role_session_name(session_name(role.session_name.as_ref()))
                    .set_external_id(role.external_id.clone())
                    .set_duration_seconds(seconds(role.duration))
                    .set_policy(role.policy.clone())
                    .set_policy_arns(policy_arns(&role.policy_arns))
                    .set_tags((!tags.is_empty()).then_some(tags))
                    .set_transitive_tag_keys(
                        (!role.transitive_tag_keys.is_empty())
                            .then(|| role.transitive_tag_keys.clone()),
                    )
                    .set_source_identity(role.source_identity.clone())
                    .send()
                    .await
                    .map_err(|e| {
                        CredentialsError::provider_error(format!(
                            "assume_role {}: {}",
                            role.role_arn,
                            error_chain(&e)
                        ))
                    })?;
                credentials(out.credentials(), "AssumeRole")
            }
            Request::WebIdentity(web) => {
                let token = match &web.token {
                    WebIdentityToken::Value(token) => token.clone(),
                    WebIdentityToken::File(path) => std::fs::read_to_string(path)
                        .map_err(|e| {
                            CredentialsError::invalid_configuration(format!(
                                "assume_role_with_web_identity: web_identity_token_file {}: {e}",
                                path.display()
                            ))
                        })?
                        .trim()
                        .to_owned(),
                };
                let out = self
                    .client
                    .assume_role_with_web_identity()
                    .role_arn(&web.role_arn)
                    .role_session_name(session_name(web.session_name.as_ref()))
                    .web_identity_token(token)
                    .set_duration_seconds(seconds(web.duration))
                    .set_policy(web.policy.clone())
                    .set_policy_arns(policy_arns(&web.policy_arns))
                    .send()
                    .await
                    .map_err(|e| {
                        CredentialsError::provider_error(format!(
                            "assume_role_with_web_identity {}: {}",
                            web.role_arn,
                            error_chain(&e)
                        ))
                    })?;
                credentials(out.credentials(), "AssumeRoleWithWebIdentity")
            }
        }
    }
}

impl ProvideCredentials for RoleProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.fetch())
    }
}

/// The account the configuration's credentials belong to (STS GetCallerIdentity, at
/// [`Settings::sts_endpoint`] when set).
///
/// # Errors
/// The STS error, in full.
pub async fn caller_account(sdk: &SdkConfig, settings: &Settings) -> Result<String, String> {
    let out = client(sdk, settings, true)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| format!("GetCallerIdentity: {}", error_chain(&e)))?;
    out.account()
        .map(str::to_owned)
        .ok_or_else(|| "GetCallerIdentity answered without an account".to_owned())
}
