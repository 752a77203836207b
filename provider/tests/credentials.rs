//! The provider block's credential arguments through the Terraform CLI, as the
//! `hashicorp/aws` provider defines them: shared files, a `credential_process` profile, a
//! profile role chain, `assume_role` blocks, `assume_role_with_web_identity`, IAM Identity
//! Center (SSO) profiles signed in with a cached token, the account lists, `max_retries`
//! counted as retries, and clear refusals (SSO without a sign-in or with an expired token, bad
//! arguments, endpoints the provider does not call).
//!
//! SSO goes through aws-config's own SSO provider: the test writes the token cache entry
//! `aws sso login` would, and a local access portal ([`Portal`]) answers GetRoleCredentials.
//!
//! STS is moto's (AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity): moto answers
//! GetCallerIdentity for an assumed role's keys with the role's account, and with its default
//! account 123456789012 for any other keys, so the account lists show which credentials the
//! provider ended up with.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::emulator;
use common::{workdir, Workdir};
use testkit::moto::Moto;
use testkit::terraform::{hcl_string, PROVIDER_SOURCE};

/// moto's account for keys it did not issue.
const MOTO_DEFAULT_ACCOUNT: &str = "123456789012";

fn moto() -> &'static Moto {
    static MOTO: std::sync::OnceLock<Moto> = std::sync::OnceLock::new();
    MOTO.get_or_init(|| Moto::start().expect("moto"))
}

/// A configuration with `provider_body` inside the provider block and one dataset group, so a
/// plan configures the provider (credentials, account check) without creating anything.
fn config(provider_body: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    personalize = {{\n      source = \"{PROVIDER_SOURCE}\"\n    }}\n  }}\n}}\n\nprovider \"personalize\" {{\n  region = \"us-east-1\"\n{provider_body}}}\n\nresource \"personalize_dataset_group\" \"g\" {{\n  name = \"creds\"\n}}\n"
    )
}

/// `endpoints` with the emulator and, when given, moto's STS.
fn endpoints(sts: Option<&str>) -> String {
    let sts = sts
        .map(|e| format!("    sts         = \"{e}\"\n"))
        .unwrap_or_default();
    format!(
        "  endpoints {{\n    personalize = \"{}\"\n{sts}  }}\n",
        emulator::shared().endpoint()
    )
}

/// A working directory with no credentials in the environment and no default shared files,
/// so only what the provider block names can supply them.
fn isolated(config: &str) -> Workdir {
    let mut w = workdir(config);
    for k in [
        "AWS_ACCESS_KEY_ID",
        "AWS_ENDPOINT_URL_SSO",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_STS",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
    ] {
        w.unset(k);
    }
    w.env("AWS_CONFIG_FILE", "/nonexistent/config");
    w.env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    let home = w.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    w.env("HOME", home.to_str().unwrap());
    w
}

/// Terraform wraps diagnostics at 80 columns: compare texts with whitespace runs as one space.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn credential_process_profile_from_shared_config_files() {
    let files = tempfile::tempdir().unwrap();
    let marker = files.path().join("ran");
    let script = write(
        files.path(),
        "creds.sh",
        &format!(
            "touch '{}'\necho '{{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"secret\"}}'\n",
            marker.display()
        ),
    );
    let config_file = write(
        files.path(),
        "config",
        &format!("[profile tool]\ncredential_process = /bin/sh {script}\n"),
    );
    let w = isolated(&config(&format!(
        "  profile             = \"tool\"\n  shared_config_files = [{}]\n{}",
        hcl_string(&config_file),
        endpoints(None)
    )));
    w.ok(&["plan", "-no-color"]);
    assert!(marker.exists(), "the credential_process command never ran");
}

#[test]
fn profile_role_chain_assumes_the_role_at_the_configured_sts() {
    let sts = moto().endpoint();
    let files = tempfile::tempdir().unwrap();
    let credentials = write(
        files.path(),
        "credentials",
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = secret\n",
    );
    // The profile's own chain reaches STS through the shared config's `services` section,
    // as in every AWS SDK.
    let config_file = write(
        files.path(),
        "config",
        &format!(
            "[profile deploy]\nrole_arn = arn:aws:iam::111111111111:role/deployer\nsource_profile = base\nservices = local\n\n[services local]\nsts =\n  endpoint_url = {sts}\n"
        ),
    );
    let body = |allowed: &str| {
        format!(
            "  profile                  = \"deploy\"\n  shared_config_files      = [{}]\n  shared_credentials_files = [{}]\n  allowed_account_ids      = [\"{allowed}\"]\n{}",
            hcl_string(&config_file),
            hcl_string(&credentials),
            endpoints(Some(sts))
        )
    };
    let w = isolated(&config(&body("111111111111")));
    w.ok(&["plan", "-no-color"]);
    w.write(&config(&body(MOTO_DEFAULT_ACCOUNT)));
    let out = flat(&w.fails(&["plan", "-no-color"]));
    assert!(out.contains("AWS account not allowed"), "{out}");
    assert!(
        out.contains("belong to AWS account 111111111111, which is not in allowed_account_ids (123456789012)"),
        "{out}"
    );
}

#[test]
fn assume_role_blocks_chain_in_order_and_forbidden_accounts_refuse() {
    let sts = moto().endpoint();
    let body = |forbidden: &str| {
        format!(
            r#"  forbidden_account_ids = [{forbidden}]
  assume_role {{
    role_arn     = "arn:aws:iam::111111111111:role/hop"
    session_name = "first-hop"
    duration     = "1h"
    external_id  = "ext-1"
    tags = {{
      team = "recs"
    }}
    transitive_tag_keys = ["team"]
  }}
  assume_role {{
    role_arn    = "arn:aws:iam::222222222222:role/target"
    policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    policy      = jsonencode({{ Version = "2012-10-17", Statement = [] }})
  }}
{}"#,
            endpoints(Some(sts))
        )
    };
    let mut w = workdir(&config(&body(&format!(
        "\"{MOTO_DEFAULT_ACCOUNT}\", \"111111111111\""
    ))));
    w.unset("AWS_PROFILE");
    w.ok(&["plan", "-no-color"]);
    w.write(&config(&body("\"222222222222\"")));
    let out = flat(&w.fails(&["plan", "-no-color"]));
    assert!(
        out.contains("belong to AWS account 222222222222, which is in forbidden_account_ids"),
        "{out}"
    );
}

#[test]
fn assume_role_with_web_identity_replaces_the_chain() {
    let sts = moto().endpoint();
    let files = tempfile::tempdir().unwrap();
    let token = write(files.path(), "token", "eyJhbGciOiJub25lIn0.e30.\n");
    let body = |file: &str| {
        format!(
            "  allowed_account_ids = [\"333333333333\"]\n  assume_role_with_web_identity {{\n    role_arn                = \"arn:aws:iam::333333333333:role/ci\"\n    web_identity_token_file = {}\n    session_name            = \"ci-run\"\n  }}\n{}",
            hcl_string(file),
            endpoints(Some(sts))
        )
    };
    let w = isolated(&config(&body(&token)));
    w.ok(&["plan", "-no-color"]);

    let missing = files.path().join("missing-token");
    w.write(&config(&body(missing.to_str().unwrap())));
    let out = flat(&w.fails(&["plan", "-no-color"]));
    assert!(out.contains("No valid AWS credentials"), "{out}");
    assert!(out.contains("web_identity_token_file"), "{out}");
    assert!(out.contains("missing-token"), "{out}");
}

/// The shared config of an IAM Identity Center profile `sso-dev` in the recommended form (an
/// `sso-session` section), reaching the portal at `portal` through a `services` section, the
/// way every AWS SDK overrides one service's endpoint.
fn sso_session_config(portal: &str) -> String {
    format!(
        "[profile sso-dev]\nsso_session = {SSO_SESSION}\nsso_account_id = {SSO_ACCOUNT}\nsso_role_name = {SSO_ROLE}\nregion = us-east-1\nservices = local-portal\n\n[sso-session {SSO_SESSION}]\nsso_start_url = {SSO_START_URL}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n[services local-portal]\nsso =\n  endpoint_url = {portal}\n"
    )
}

/// The same profile in the legacy, non-refreshable form (start URL in the profile); its
/// portal endpoint comes from `AWS_ENDPOINT_URL_SSO`.
fn legacy_sso_config() -> String {
    format!(
        "[profile sso-dev]\nsso_start_url = {SSO_START_URL}\nsso_region = us-east-1\nsso_account_id = {SSO_ACCOUNT}\nsso_role_name = {SSO_ROLE}\nregion = us-east-1\n"
    )
}

const SSO_SESSION: &str = "corp";
const SSO_START_URL: &str = "https://corp.awsapps.com/start";
const SSO_ACCOUNT: &str = "111111111111";
const SSO_ROLE: &str = "Deployer";
/// The refresh token and client registration of a session sign-in, which the portal's
/// CreateToken accepts.
const REFRESH_TOKEN: &str = "refresh-from-aws-sso-login";
const CLIENT_ID: &str = "registered-client";
const CLIENT_SECRET: &str = "client-secret";

/// The token cache entry `aws sso login` writes: the access token and its expiry, with the
/// region and start URL of the session ("How IAM Identity Center authentication is resolved
/// for AWS SDKs and tools", AWS SDKs and Tools Reference Guide).
fn cached_token(token: &str, expires_at: &str) -> serde_json::Value {
    serde_json::json!({
        "accessToken": token,
        "expiresAt": expires_at,
        "region": "us-east-1",
        "startUrl": SSO_START_URL,
    })
}

/// The file of a token cache entry: `~/.aws/sso/cache/<SHA-1 of key>.json`, where the key is
/// the session name (`sso_session` profiles) or the start URL (legacy profiles).
fn token_cache_file(home: &Path, key: &str) -> std::path::PathBuf {
    use sha1::Digest;
    let name: String = sha1::Sha1::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    home.join(".aws/sso/cache").join(format!("{name}.json"))
}

/// A configuration whose plan reads from Personalize (ListDatasetGroups), so the plan makes a
/// signed call with the credentials the provider resolved.
fn reading_config(provider_body: &str) -> String {
    format!(
        "{}\ndata \"personalize_dataset_groups\" \"all\" {{\n}}\n",
        config(provider_body)
    )
}

/// The two ways a profile names its IAM Identity Center sign-in.
#[derive(Debug, Clone, Copy)]
enum SsoProfile {
    /// `sso_session` naming an `sso-session` section (the recommended form).
    Session,
    /// `sso_start_url` in the profile (the legacy, non-refreshable form).
    Legacy,
}

/// A working directory whose provider uses the profile `sso-dev` of `form`, signed in with
/// the token cache `entry` (see [`cached_token`]), with the access
/// portal at `portal` and Personalize at `personalize`. The session form reaches the portal
/// through the profile's `services` section, the legacy one through `AWS_ENDPOINT_URL_SSO`:
/// the two ways every AWS SDK overrides one service's endpoint.
fn sso_workdir(
    form: SsoProfile,
    portal: &str,
    personalize: &str,
    entry: &serde_json::Value,
) -> Workdir {
    let mut w = isolated("");
    let (shared_config, cache_key) = match form {
        SsoProfile::Session => (sso_session_config(portal), SSO_SESSION),
        SsoProfile::Legacy => {
            w.env("AWS_ENDPOINT_URL_SSO", portal);
            (legacy_sso_config(), SSO_START_URL)
        }
    };
    let config_file = write(w.path(), "aws-config", &shared_config);
    w.write(&reading_config(&format!(
        "  profile             = \"sso-dev\"\n  shared_config_files = [{}]\n  endpoints {{\n    personalize = \"{personalize}\"\n  }}\n",
        hcl_string(&config_file)
    )));
    let file = token_cache_file(&w.path().join("home"), cache_key);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, entry.to_string()).unwrap();
    w
}

#[test]
fn sso_profiles_sign_with_the_role_credentials_of_the_portal() {
    for (form, token) in [
        (SsoProfile::Session, "token-from-aws-sso-login"),
        (SsoProfile::Legacy, "legacy-token"),
    ] {
        let portal = Portal::start(token);
        let personalize = Recorder::start(emulator::shared().endpoint());
        let w = sso_workdir(
            form,
            portal.endpoint(),
            personalize.endpoint(),
            &cached_token(token, "2099-01-01T00:00:00Z"),
        );
        w.ok(&["plan", "-no-color"]);
        portal.assert_asked_for_the_role(token);
        personalize.assert_signed_only_by(&Portal::access_key_id());
    }
}

#[test]
fn expired_sso_token_says_to_sign_in_again() {
    // The session form sees the expiry itself and never asks the portal; the legacy form sends
    // the token, and the portal refuses it.
    for (form, reason, portal_asked) in [
        (SsoProfile::Session, "the SSO token has expired", 0),
        (SsoProfile::Legacy, "UnauthorizedException", 1),
    ] {
        let portal = Portal::start("fresh-token");
        let w = sso_workdir(
            form,
            portal.endpoint(),
            emulator::shared().endpoint(),
            &cached_token("stale-token", "2020-01-01T00:00:00Z"),
        );
        let out = flat(&w.fails(&["plan", "-no-color"]));
        assert!(out.contains("No valid AWS credentials"), "{form:?}: {out}");
        assert!(out.contains(reason), "{form:?}: {out}");
        assert!(
            out.contains("aws sso login --profile sso-dev"),
            "{form:?}: {out}"
        );
        assert_eq!(portal.requests().len(), portal_asked, "{form:?}");
    }
}

#[test]
fn sso_session_refreshes_an_expired_token_with_its_refresh_token() {
    // An sso-session sign-in also caches a refresh token and the client registration that may
    // use it; the SDK renews the access token with SSO OIDC CreateToken (`POST /token`,
    // grantType `refresh_token`, IAM Identity Center OIDC API Reference) and saves it back.
    let portal = Portal::start("refreshed-token");
    let personalize = Recorder::start(emulator::shared().endpoint());
    let mut entry = cached_token("stale-token", "2020-01-01T00:00:00Z");
    entry["refreshToken"] = REFRESH_TOKEN.into();
    entry["clientId"] = CLIENT_ID.into();
    entry["clientSecret"] = CLIENT_SECRET.into();
    entry["registrationExpiresAt"] = "2099-01-01T00:00:00Z".into();
    let mut w = sso_workdir(
        SsoProfile::Session,
        portal.endpoint(),
        personalize.endpoint(),
        &entry,
    );
    w.env("AWS_ENDPOINT_URL_SSO_OIDC", portal.endpoint());
    w.ok(&["plan", "-no-color"]);

    let requests = portal.requests();
    let refresh = requests
        .iter()
        .find(|r| r.line.starts_with("POST /token "))
        .unwrap_or_else(|| panic!("no CreateToken in {requests:?}"));
    let body: serde_json::Value = serde_json::from_str(&refresh.body).unwrap();
    assert_eq!(body["grantType"], "refresh_token", "{body}");
    assert_eq!(body["refreshToken"], REFRESH_TOKEN, "{body}");
    assert_eq!(body["clientId"], CLIENT_ID, "{body}");
    assert_eq!(body["clientSecret"], CLIENT_SECRET, "{body}");
    portal.assert_asked_for_the_role("refreshed-token");
    personalize.assert_signed_only_by(&Portal::access_key_id());
    let saved: serde_json::Value = serde_json::from_slice(
        &std::fs::read(token_cache_file(&w.path().join("home"), SSO_SESSION)).unwrap(),
    )
    .unwrap();
    assert_eq!(saved["accessToken"], "refreshed-token", "{saved}");
    assert_eq!(saved["refreshToken"], "rotated-refresh-token", "{saved}");
}

#[test]
fn sso_profile_without_a_sign_in_says_to_sign_in() {
    let files = tempfile::tempdir().unwrap();
    let config_file = write(
        files.path(),
        "config",
        &sso_session_config("http://127.0.0.1:9"),
    );
    let w = isolated(&config(&format!(
        "  profile             = \"sso-dev\"\n  shared_config_files = [{}]\n{}",
        hcl_string(&config_file),
        endpoints(None)
    )));
    let out = flat(&w.fails(&["plan", "-no-color"]));
    assert!(out.contains("No valid AWS credentials"), "{out}");
    assert!(out.contains("failed to load the cached SSO token"), "{out}");
    assert!(out.contains("aws sso login --profile sso-dev"), "{out}");
}

/// One request the portal received.
#[derive(Debug, Clone)]
struct PortalRequest {
    /// `GET /federation/credentials?...`.
    line: String,
    /// Header names lower-cased.
    headers: Vec<(String, String)>,
    /// The body (CreateToken's JSON), empty for GetRoleCredentials.
    body: String,
}

impl PortalRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// IAM Identity Center on loopback: the access portal's GetRoleCredentials as the Portal API
/// reference documents it (`GET /federation/credentials?account_id=..&role_name=..` with the
/// access token in `x-amz-sso_bearer_token`; 200 with `roleCredentials`, 401
/// `UnauthorizedException` for a token it did not issue), and the OIDC service's CreateToken
/// for a refresh (`POST /token`, IAM Identity Center OIDC API Reference; 400
/// `InvalidGrantException` for a grant it did not issue). Neither AWS nor moto (which has only
/// the `sso-admin` API) can serve them here.
struct Portal {
    endpoint: String,
    requests: Arc<std::sync::Mutex<Vec<PortalRequest>>>,
}

impl Portal {
    fn access_key_id() -> String {
        "ASIAPORTALROLE".to_owned()
    }

    fn start(valid_token: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(request) = read_request(&mut stream) else {
                    continue;
                };
                let (status, body) = Self::answer(&request, valid_token);
                seen.lock().unwrap().push(request);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self { endpoint, requests }
    }

    /// The status line's end and extra headers, and the JSON body, of the answer to `request`.
    fn answer(request: &PortalRequest, valid_token: &str) -> (&'static str, String) {
        if request.line.starts_with("POST /token ") {
            let body: serde_json::Value = serde_json::from_str(&request.body).unwrap_or_default();
            let granted = body["grantType"] == "refresh_token"
                && body["refreshToken"] == REFRESH_TOKEN
                && body["clientId"] == CLIENT_ID
                && body["clientSecret"] == CLIENT_SECRET;
            return if granted {
                (
                    "200 OK\r\n",
                    serde_json::json!({
                        "accessToken": valid_token,
                        "tokenType": "Bearer",
                        "expiresIn": 28_800,
                        "refreshToken": "rotated-refresh-token",
                    })
                    .to_string(),
                )
            } else {
                (
                    "400 Bad Request\r\nx-amzn-ErrorType: InvalidGrantException\r\n",
                    r#"{"error":"invalid_grant"}"#.to_owned(),
                )
            };
        }
        if request.header("x-amz-sso_bearer_token") == Some(valid_token) {
            (
                "200 OK\r\n",
                serde_json::json!({"roleCredentials": {
                    "accessKeyId": Self::access_key_id(),
                    "secretAccessKey": "portal-secret",
                    "sessionToken": "portal-session-token",
                    // 2100-01-01, in milliseconds since the epoch.
                    "expiration": 4_102_444_800_000_i64,
                }})
                .to_string(),
            )
        } else {
            (
                "401 Unauthorized\r\nx-amzn-ErrorType: UnauthorizedException\r\n",
                r#"{"message":"Session token not found or invalid"}"#.to_owned(),
            )
        }
    }

    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn requests(&self) -> Vec<PortalRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// Every GetRoleCredentials asked for the profile's role and account, with `token`; there
    /// was at least one.
    fn assert_asked_for_the_role(&self, token: &str) {
        let requests: Vec<_> = self
            .requests()
            .into_iter()
            .filter(|r| !r.line.starts_with("POST /token "))
            .collect();
        assert!(!requests.is_empty(), "the portal was never asked");
        for r in &requests {
            let (path, query) = r
                .line
                .strip_prefix("GET ")
                .and_then(|l| l.split(' ').next())
                .and_then(|target| target.split_once('?'))
                .unwrap_or_else(|| panic!("not a GetRoleCredentials request: {r:?}"));
            assert_eq!(path, "/federation/credentials", "{r:?}");
            let mut params: Vec<&str> = query.split('&').collect();
            params.sort_unstable();
            assert_eq!(
                params,
                [
                    format!("account_id={SSO_ACCOUNT}"),
                    format!("role_name={SSO_ROLE}")
                ],
                "{r:?}"
            );
            assert_eq!(r.header("x-amz-sso_bearer_token"), Some(token), "{r:?}");
        }
    }
}
/// A TCP listener that counts connections and closes each at once: every attempt of an AWS
/// call fails with a transient I/O error on a connection of its own.
fn dead_endpoint() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            // Read the request head so the close is a reset of a sent request, then drop.
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
        }
    });
    (endpoint, count)
}

#[test]
fn max_retries_counts_retries_after_the_first_attempt() {
    let (endpoint, attempts) = dead_endpoint();
    let w = workdir(&format!(
        "terraform {{\n  required_providers {{\n    personalize = {{\n      source = \"{PROVIDER_SOURCE}\"\n    }}\n  }}\n}}\n\nprovider \"personalize\" {{\n  region      = \"us-east-1\"\n  max_retries = 2\n  retry_mode  = \"standard\"\n  endpoints {{\n    personalize = \"{endpoint}\"\n  }}\n}}\n\ndata \"personalize_recipe\" \"r\" {{\n  name = \"aws-user-personalization\"\n}}\n"
    ));
    w.fails(&["plan", "-no-color"]);
    assert_eq!(attempts.load(Ordering::SeqCst), 3, "1 attempt + 2 retries");
}

#[test]
fn bad_credential_arguments_are_refused_at_validate() {
    let w = workdir(&config(
        r#"  allowed_account_ids   = ["12345"]
  forbidden_account_ids = ["123456789012"]
  retry_mode            = "fast"
  max_retries           = 1.5
  shared_config_files   = [""]
  assume_role {
    role_arn     = "arn:aws:iam::111111111111:user/not-a-role"
    duration     = "5m"
    session_name = "has space"
    policy       = "{"
    policy_arns  = ["arn:aws:iam::aws:role/x"]
  }
  assume_role_with_web_identity {
    web_identity_token      = "t"
    web_identity_token_file = "/t"
  }
  endpoints {
    sts = "ftp://sts"
  }
"#,
    ));
    let out = flat(&w.fails(&["validate", "-no-color"]));
    for expected in [
        "\"12345\" is not an AWS account ID (12 digits)",
        "Set `allowed_account_ids` or `forbidden_account_ids`, not both.",
        "\"fast\" is not a retry mode",
        "max_retries must be a whole number",
        "\"\" is not a file path",
        "is not an IAM role ARN",
        "outside the session durations STS accepts (15m to 12h)",
        "\"has space\" is not a session name",
        "policy is not JSON",
        "\"arn:aws:iam::aws:role/x\" is not an IAM policy ARN",
        "Set `web_identity_token` or `web_identity_token_file`, not both.",
        "\"ftp://sts\" is not an http(s) URL",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn endpoints_the_provider_never_calls_are_not_accepted() {
    for member in ["s3", "personalize_events", "personalize_runtime"] {
        let w = workdir(&config(&format!(
            "  endpoints {{\n    {member} = \"http://127.0.0.1:9\"\n  }}\n"
        )));
        let out = w.fails(&["validate", "-no-color"]);
        assert!(out.contains("Unsupported argument"), "{member}: {out}");
        assert!(out.contains(&format!("\"{member}\"")), "{member}: {out}");
    }
}

/// Reads a request: its head, then as many body bytes as `Content-Length` says.
fn read_request(stream: &mut std::net::TcpStream) -> Option<PortalRequest> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let line = lines.next()?.to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut request = PortalRequest {
        line,
        headers,
        body: String::new(),
    };
    let length: usize = request
        .header("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length.min(64 * 1024)];
    stream.read_exact(&mut body).ok()?;
    request.body = String::from_utf8_lossy(&body).into_owned();
    Some(request)
}

/// A TCP proxy in front of personalize-local that keeps every byte the provider sends, so a
/// test sees which credentials signed its requests (`Credential=AKID/...` in `Authorization`,
/// `x-amz-security-token`) without the emulator knowing.
struct Recorder {
    endpoint: String,
    sent: Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Recorder {
    fn start(upstream: &str) -> Self {
        let upstream = upstream
            .strip_prefix("http://")
            .expect("an http endpoint")
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = sent.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { continue };
                let Ok(mut server) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let (Ok(mut client_out), Ok(mut server_in)) =
                    (client.try_clone(), server.try_clone())
                else {
                    continue;
                };
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut server_in, &mut client_out);
                    let _ = client_out.shutdown(std::net::Shutdown::Both);
                });
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    while let Ok(n) = client.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        // Kept before it is forwarded: once the answer is back, it is in the log.
                        log.lock().unwrap().extend_from_slice(&buf[..n]);
                        if server.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = server.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Self { endpoint, sent }
    }

    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The requests were signed with `access_key_id` and the portal's session token, and with
    /// nothing else; there was at least one.
    fn assert_signed_only_by(&self, access_key_id: &str) {
        let sent = String::from_utf8_lossy(&self.sent.lock().unwrap()).into_owned();
        let keys: BTreeSet<&str> = sent
            .split("Credential=")
            .skip(1)
            .filter_map(|rest| rest.split('/').next())
            .collect();
        assert_eq!(keys, BTreeSet::from([access_key_id]), "{sent}");
        let tokens: BTreeSet<&str> = sent
            .split("\r\n")
            .filter_map(|l| l.split_once(':'))
            .filter(|(name, _)| name.eq_ignore_ascii_case("x-amz-security-token"))
            .map(|(_, v)| v.trim())
            .collect();
        assert_eq!(tokens, BTreeSet::from(["portal-session-token"]), "{sent}");
    }
}
