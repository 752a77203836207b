//! The `provider "personalize"` block: configuration, SDK clients, and the list of resources
//! and data sources.
//!
//! The arguments that say where and as whom to call AWS have the names and meaning of the
//! `hashicorp/aws` provider's (profile, shared files, `assume_role`,
//! `assume_role_with_web_identity`, account lists, retries), so one set of habits covers both;
//! `sdk_config::load` builds the SDK configuration from them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_personalize::config::ProvideCredentials;
use tf_provider::schema::Schema;
use tf_provider::value::ValueEmpty;
use tf_provider::{AttributePath, Diagnostics, DynamicDataSource, DynamicResource, Provider};

use crate::framework::schema::{self, Attr, Ty};
use crate::framework::tags::{self, TagConfig};
use crate::framework::timeouts::parse_duration;
use crate::framework::validate;
use crate::framework::value::{list_of_strings, map_of_strings, Dyn, DynExt, Obj};
use crate::{data_sources, resources};

/// Default number of retries (after the first attempt) of throttled or transient AWS errors.
pub const DEFAULT_MAX_RETRIES: u32 = 5;

/// The configured AWS clients, shared by every resource after `configure`.
#[derive(Debug, Clone)]
pub struct Clients {
    /// Amazon Personalize control plane.
    pub personalize: aws_sdk_personalize::Client,
    /// `default_tags` and `ignore_tags` of the provider block.
    pub tags: TagConfig,
    /// The partition of the configured region (`aws`, `aws-cn`, `aws-us-gov`...), for the ARNs
    /// the provider writes itself (recipes).
    pub partition: &'static str,
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

fn retry_mode_check(v: &Dyn) -> Result<(), String> {
    sdk_config::retry_mode(v.str().ok_or("expected a string")?).map(|_| ())
}

fn account_id(v: &Dyn) -> Result<(), String> {
    let s = v.str().ok_or("expected a string")?;
    if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} is not an AWS account ID (12 digits)"));
    }
    Ok(())
}

fn account_ids_check(v: &Dyn) -> Result<(), String> {
    validate::each(v, 1000, account_id)
}

fn file_path(v: &Dyn) -> Result<(), String> {
    let s = v.str().ok_or("expected a string")?;
    if s.is_empty() || s.len() > 4096 || s.contains('\0') {
        return Err(format!("{s:?} is not a file path"));
    }
    Ok(())
}

fn file_paths_check(v: &Dyn) -> Result<(), String> {
    validate::each(v, 100, file_path)
}

/// An IAM policy ARN: the account is 12 digits, or `aws` for an AWS managed policy.
fn policy_arn(v: &Dyn) -> Result<(), String> {
    let s = v.str().ok_or("expected a string")?;
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && (parts[4] == "aws"
            || (parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit())))
        && parts[5].len() > "policy/".len()
        && parts[5].starts_with("policy/")
        && s.len() <= 2048;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not an IAM policy ARN (arn:aws:iam::ACCOUNT:policy/NAME, ACCOUNT `aws` for a managed policy)"
        ))
    }
}

fn policy_arns_check(v: &Dyn) -> Result<(), String> {
    validate::each(v, 10, policy_arn)
}

/// A session name as STS accepts it: 2-64 characters of `[\w+=,.@-]`.
fn session_name_check(v: &Dyn) -> Result<(), String> {
    let s = v.str().ok_or("expected a string")?;
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if !(2..=64).contains(&s.len()) || !s.chars().all(ok_char) {
        return Err(format!(
            "{s:?} is not a session name (2 to 64 characters: letters, digits and _+=,.@-)"
        ));
    }
    Ok(())
}

/// A role session duration: a Go-style duration from 15 minutes to 12 hours (STS's
/// `DurationSeconds` range, 900 to 43200).
fn session_duration(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if !(Duration::from_secs(900)..=Duration::from_secs(43_200)).contains(&d) {
        return Err(format!(
            "{text:?} is outside the session durations STS accepts (15m to 12h)"
        ));
    }
    Ok(d)
}

fn duration_check(v: &Dyn) -> Result<(), String> {
    session_duration(v.str().ok_or("expected a string")?).map(|_| ())
}

fn policy_check(v: &Dyn) -> Result<(), String> {
    let s = v.str().ok_or("expected a string")?;
    serde_json::from_str::<serde_json::Value>(s).map_err(|e| format!("policy is not JSON: {e}"))?;
    Ok(())
}

fn role_attrs() -> Vec<Attr> {
    vec![
        Attr::optional(
            "session_name",
            Ty::String,
            "Session name; a generated one when unset.",
        )
        .check(session_name_check),
        Attr::optional(
            "duration",
            Ty::String,
            "Session duration, e.g. `1h` (15m to 12h; STS checks the role's maximum).",
        )
        .check(duration_check),
        Attr::optional(
            "policy",
            Ty::String,
            "IAM policy JSON further restricting the session.",
        )
        .check(policy_check),
        Attr::optional(
            "policy_arns",
            Ty::ListString,
            "ARNs of managed policies further restricting the session.",
        )
        .check(policy_arns_check),
    ]
}

/// The provider's configuration attributes.
pub fn attributes() -> Vec<Attr> {
    let endpoint = |name, what| Attr::optional(name, Ty::String, what).check(endpoint_check);
    let mut assume_role =
        vec![
            Attr::required("role_arn", Ty::String, "ARN of the IAM role to assume.")
                .check(validate::role_arn),
        ];
    assume_role.extend(role_attrs());
    assume_role.extend([
        Attr::optional(
            "external_id",
            Ty::String,
            "External ID the role's trust policy expects.",
        )
        .check(|v| validate::max_len(v, 1224)),
        Attr::optional("tags", Ty::MapString, "Session tags.").check(validate::tags),
        Attr::optional(
            "transitive_tag_keys",
            Ty::ListString,
            "Session tag keys passed on to later sessions of a role chain.",
        ),
        Attr::optional(
            "source_identity",
            Ty::String,
            "Source identity of the session.",
        )
        .check(|v| validate::max_len(v, 64)),
    ]);
    let mut web_identity = vec![Attr::optional(
        "role_arn",
        Ty::String,
        "ARN of the IAM role to assume; defaults to `AWS_ROLE_ARN`.",
    )
    .check(validate::role_arn)];
    web_identity.extend(role_attrs());
    web_identity.extend([
        Attr::optional(
            "web_identity_token",
            Ty::String,
            "The OIDC token. Conflicts with `web_identity_token_file`.",
        ),
        Attr::optional(
            "web_identity_token_file",
            Ty::String,
            "File holding the OIDC token, read again at every refresh; defaults to `AWS_WEB_IDENTITY_TOKEN_FILE`.",
        )
        .check(file_path),
    ]);
    vec![
        Attr::optional(
            "region",
            Ty::String,
            "AWS region; defaults to `AWS_REGION` / the profile's region.",
        ),
        Attr::optional(
            "profile",
            Ty::String,
            "Named profile from the shared AWS config files; defaults to `AWS_PROFILE`.",
        ),
        Attr::optional(
            "shared_config_files",
            Ty::ListString,
            "Shared config files to read instead of `AWS_CONFIG_FILE` / `~/.aws/config`; a later file wins.",
        )
        .check(file_paths_check),
        Attr::optional(
            "shared_credentials_files",
            Ty::ListString,
            "Shared credentials files to read instead of `AWS_SHARED_CREDENTIALS_FILE` / `~/.aws/credentials`.",
        )
        .check(file_paths_check),
        Attr::optional(
            "assume_role",
            Ty::Blocks(assume_role, 10),
            "An IAM role to assume with the credentials found so far; several blocks chain, in order.",
        ),
        Attr::optional(
            "assume_role_with_web_identity",
            Ty::Block(web_identity),
            "An IAM role to assume with an OIDC token; its credentials replace the standard chain.",
        ),
        Attr::optional(
            "allowed_account_ids",
            Ty::ListString,
            "Account IDs the credentials must belong to (GetCallerIdentity). Conflicts with `forbidden_account_ids`.",
        )
        .check(account_ids_check),
        Attr::optional(
            "forbidden_account_ids",
            Ty::ListString,
            "Account IDs the credentials must not belong to. Conflicts with `allowed_account_ids`.",
        )
        .check(account_ids_check),
        Attr::optional(
            "max_retries",
            Ty::Number,
            "Retries (after the first attempt) of throttled or transient AWS errors (default 5).",
        )
        .check(retries_check),
        Attr::optional(
            "retry_mode",
            Ty::String,
            "`standard` or `adaptive`; defaults to `AWS_RETRY_MODE` / the profile's `retry_mode` / `standard`.",
        )
        .check(retry_mode_check),
        Attr::optional(
            "sts_region",
            Ty::String,
            "Region of the STS calls (roles, account check); defaults to `region`.",
        ),
        Attr::optional(
            "endpoints",
            Ty::Block(vec![
                endpoint(
                    "personalize",
                    "Endpoint of the Personalize control plane (e.g. personalize-local).",
                ),
                endpoint(
                    "sts",
                    "Endpoint of STS, for `assume_role`, `assume_role_with_web_identity` and the account check.",
                ),
            ]),
            "Custom service endpoints, e.g. the local stack's emulator.",
        ),
    ]
    .into_iter()
    .chain(tags::provider_attrs())
    .collect()
}

/// The single object of an optional block (`None` when absent).
fn block<'a>(config: &'a Obj, name: &str) -> Option<&'a Obj> {
    blocks(config, name).next()
}

/// The objects of a (possibly repeated) block, in order.
fn blocks<'a>(config: &'a Obj, name: &str) -> impl Iterator<Item = &'a Obj> {
    config
        .get(name)
        .and_then(|v| v.list())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.obj())
}

fn string(config: &Obj, key: &str) -> Option<String> {
    config.get(key).and_then(|v| v.str()).map(str::to_owned)
}

fn strings(config: &Obj, key: &str) -> Vec<String> {
    config.get(key).map(list_of_strings).unwrap_or_default()
}

fn duration(config: &Obj) -> Option<Duration> {
    string(config, "duration").and_then(|d| session_duration(&d).ok())
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// The SDK settings of a provider block (already validated).
fn settings(config: &Obj) -> Result<sdk_config::Settings, (String, AttributePath)> {
    let endpoints = block(config, "endpoints");
    let web_identity = match block(config, "assume_role_with_web_identity") {
        None => None,
        Some(web) => {
            let path = AttributePath::new("assume_role_with_web_identity").index(0);
            let role_arn = string(web, "role_arn")
                .or_else(|| env("AWS_ROLE_ARN"))
                .ok_or((
                    "assume_role_with_web_identity needs `role_arn` (or AWS_ROLE_ARN)".to_owned(),
                    path.clone().attribute("role_arn"),
                ))?;
            let token = match string(web, "web_identity_token") {
                Some(token) => sdk_config::WebIdentityToken::Value(token),
                None => string(web, "web_identity_token_file")
                    .or_else(|| env("AWS_WEB_IDENTITY_TOKEN_FILE"))
                    .map(|f| sdk_config::WebIdentityToken::File(f.into()))
                    .ok_or((
                        "assume_role_with_web_identity needs `web_identity_token` or `web_identity_token_file` (or AWS_WEB_IDENTITY_TOKEN_FILE)".to_owned(),
                        path,
                    ))?,
            };
            Some(sdk_config::WebIdentity {
                role_arn,
                session_name: string(web, "session_name").or_else(|| env("AWS_ROLE_SESSION_NAME")),
                token,
                duration: duration(web),
                policy: string(web, "policy"),
                policy_arns: strings(web, "policy_arns"),
            })
        }
    };
    let assume_role = blocks(config, "assume_role")
        .map(|role| sdk_config::AssumeRole {
            role_arn: string(role, "role_arn").unwrap_or_default(),
            session_name: string(role, "session_name"),
            external_id: string(role, "external_id"),
            duration: duration(role),
            policy: string(role, "policy"),
            policy_arns: strings(role, "policy_arns"),
            tags: role
                .get("tags")
                .map(map_of_strings)
                .unwrap_or_default()
                .into_iter()
                .collect(),
            transitive_tag_keys: strings(role, "transitive_tag_keys"),
            source_identity: string(role, "source_identity"),
        })
        .collect();
    Ok(sdk_config::Settings {
        region: string(config, "region"),
        profile: string(config, "profile"),
        endpoint_url: None,
        shared_config_files: strings(config, "shared_config_files")
            .into_iter()
            .map(Into::into)
            .collect(),
        shared_credentials_files: strings(config, "shared_credentials_files")
            .into_iter()
            .map(Into::into)
            .collect(),
        max_retries: Some(
            config
                .get("max_retries")
                .and_then(|v| v.num())
                .map_or(DEFAULT_MAX_RETRIES, |n| n as u32),
        ),
        retry_mode: string(config, "retry_mode").and_then(|m| sdk_config::retry_mode(&m).ok()),
        sts_endpoint: endpoints.and_then(|e| string(e, "sts")),
        sts_region: string(config, "sts_region"),
        web_identity,
        assume_role,
    })
}

/// Checks that span arguments: the account lists exclude each other, and a web identity token
/// comes from one place.
fn check_conflicts(diags: &mut Diagnostics, config: &Obj) {
    let set = |o: &Obj, k: &str| o.get(k).is_some_and(|v| !v.is_null());
    if set(config, "allowed_account_ids") && set(config, "forbidden_account_ids") {
        diags.error(
            "Conflicting account lists",
            "Set `allowed_account_ids` or `forbidden_account_ids`, not both.",
            AttributePath::new("forbidden_account_ids"),
        );
    }
    if let Some(web) = block(config, "assume_role_with_web_identity") {
        if set(web, "web_identity_token") && set(web, "web_identity_token_file") {
            diags.error(
                "Conflicting web identity token",
                "Set `web_identity_token` or `web_identity_token_file`, not both.",
                AttributePath::new("assume_role_with_web_identity")
                    .index(0)
                    .attribute("web_identity_token_file"),
            );
        }
    }
}

/// The detail of a credentials failure: where credentials are looked for, the SDK's reason, and
/// for an IAM Identity Center failure (`sso`, see [`sdk_config::is_sso_failure`]) the command that
/// signs in.
fn credentials_error(reason: &str, sso: bool, profile: Option<&str>) -> String {
    let mut text = format!(
        "Credentials are looked for in the provider block (assume_role_with_web_identity, then assume_role on top), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile (static keys, SSO, credential_process, role_arn with source_profile), web identity from the environment, ECS and IMDS. {reason}"
    );
    if sso {
        let profile = profile.map_or_else(String::new, |p| format!(" --profile {p}"));
        text.push_str(&format!(
            "\nThe profile uses IAM Identity Center (SSO): sign in with `aws sso login{profile}`, then run Terraform again."
        ));
    }
    text
}

/// Refuses credentials of an account outside `allowed_account_ids` or inside
/// `forbidden_account_ids`.
fn check_account(account: &str, allowed: &[String], forbidden: &[String]) -> Result<(), String> {
    if !allowed.is_empty() && !allowed.iter().any(|a| a == account) {
        return Err(format!(
            "The credentials belong to AWS account {account}, which is not in allowed_account_ids ({}).",
            allowed.join(", ")
        ));
    }
    if forbidden.iter().any(|a| a == account) {
        return Err(format!(
            "The credentials belong to AWS account {account}, which is in forbidden_account_ids."
        ));
    }
    Ok(())
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
        check_conflicts(diags, &config);
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        _terraform_version: String,
        config: Obj,
    ) -> Option<()> {
        let settings = match settings(&config) {
            Ok(s) => s,
            Err((detail, path)) => {
                diags.error("Incomplete provider configuration", detail, path);
                return None;
            }
        };
        let sdk = sdk_config::load(&settings).await;
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
                credentials_error(
                    &sdk_config::error_chain(&e),
                    sdk_config::is_sso_failure(&e),
                    settings.profile.as_deref(),
                ),
            );
            return None;
        }
        let allowed = strings(&config, "allowed_account_ids");
        let forbidden = strings(&config, "forbidden_account_ids");
        if !allowed.is_empty() || !forbidden.is_empty() {
            let account = match sdk_config::caller_account(&sdk, &settings).await {
                Ok(a) => a,
                Err(e) => {
                    diags.root_error(
                        "Cannot check the AWS account",
                        format!("allowed_account_ids / forbidden_account_ids need the account of the credentials: {e}"),
                    );
                    return None;
                }
            };
            if let Err(e) = check_account(&account, &allowed, &forbidden) {
                diags.root_error("AWS account not allowed", e);
                return None;
            }
        }
        let mut builder = aws_sdk_personalize::config::Builder::from(&sdk);
        if let Some(url) = block(&config, "endpoints").and_then(|e| string(e, "personalize")) {
            builder = builder.endpoint_url(url);
        }
        self.clients.set(Clients {
            personalize: aws_sdk_personalize::Client::from_conf(builder.build()),
            tags: TagConfig::from_provider(&config),
            partition: sdk_config::partition(sdk.region().map_or("", |r| r.as_ref())),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::value::{string, string_list};

    #[test]
    fn account_lists() {
        let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(check_account("111111111111", &ids(&["111111111111"]), &[]).is_ok());
        assert!(check_account("111111111111", &[], &ids(&["222222222222"])).is_ok());
        let e = check_account("111111111111", &ids(&["222222222222"]), &[]).unwrap_err();
        assert!(
            e.contains("111111111111") && e.contains("not in allowed_account_ids (222222222222)"),
            "{e}"
        );
        let e = check_account("111111111111", &[], &ids(&["111111111111"])).unwrap_err();
        assert!(e.contains("in forbidden_account_ids"), "{e}");
    }

    #[test]
    fn argument_checks_name_the_problem() {
        assert!(account_ids_check(&string_list(["123456789012"])).is_ok());
        let e = account_ids_check(&string_list(["12345678901"])).unwrap_err();
        assert!(e.contains("not an AWS account ID (12 digits)"), "{e}");
        assert!(account_ids_check(&string_list(["12345678901a"])).is_err());
        assert!(session_name_check(&string("ci-run_1@x")).is_ok());
        assert!(session_name_check(&string("a")).is_err());
        assert!(session_name_check(&string("bad name")).is_err());
        assert!(session_name_check(&string("x".repeat(65))).is_err());
        assert!(duration_check(&string("1h")).is_ok());
        let e = duration_check(&string("10m")).unwrap_err();
        assert!(e.contains("15m to 12h"), "{e}");
        assert!(duration_check(&string("13h")).is_err());
        assert!(duration_check(&string("soon"))
            .unwrap_err()
            .contains("not a duration"));
        assert!(retry_mode_check(&string("adaptive")).is_ok());
        assert!(retry_mode_check(&string("fast"))
            .unwrap_err()
            .contains("not a retry mode"));
        assert!(policy_check(&string("{\"Version\":\"2012-10-17\"}")).is_ok());
        assert!(policy_arn(&string("arn:aws:iam::aws:policy/ReadOnlyAccess")).is_ok());
        assert!(policy_arn(&string("arn:aws-cn:iam::123456789012:policy/team/Deploy")).is_ok());
        for bad in [
            "arn:aws:iam::aws:role/x",
            "arn:aws:iam::12:policy/x",
            "arn:aws:s3:::b",
            "arn:aws:iam::aws:policy/",
        ] {
            assert!(
                policy_arn(&string(bad))
                    .unwrap_err()
                    .contains("not an IAM policy ARN"),
                "{bad}"
            );
        }
        assert!(policy_check(&string("{")).unwrap_err().contains("not JSON"));
        assert!(file_path(&string("")).is_err());
        assert!(file_path(&string("a\0b")).is_err());
        assert!(endpoint_check(&string("ftp://x")).is_err());
    }

    #[test]
    fn sso_failures_say_how_to_sign_in() {
        let text = credentials_error("the SSO token has expired", true, Some("dev"));
        assert!(text.contains("aws sso login --profile dev"), "{text}");
        let text = credentials_error("the SSO token has expired", true, None);
        assert!(text.contains("`aws sso login`"), "{text}");
        let text = credentials_error("the credential provider was not enabled", false, None);
        assert!(!text.contains("aws sso login"), "{text}");
    }

    #[test]
    fn max_retries_defaults_and_counts_retries() {
        let sdk = settings(&Obj::new()).unwrap();
        assert_eq!(sdk.max_retries, Some(DEFAULT_MAX_RETRIES));
        let mut config = Obj::new();
        config.insert("max_retries".into(), crate::framework::value::number(0.0));
        assert_eq!(settings(&config).unwrap().max_retries, Some(0));
    }
}
