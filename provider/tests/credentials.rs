//! The provider block's credential arguments through the Terraform CLI, as the
//! `hashicorp/aws` provider defines them: shared files, a `credential_process` profile, a
//! profile role chain, `assume_role` blocks, `assume_role_with_web_identity`, the account
//! lists, `max_retries` counted as retries, and clear refusals (SSO without a sign-in, bad
//! arguments, endpoints the provider does not call).
//!
//! STS is moto's (AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity): moto answers
//! GetCallerIdentity for an assumed role's keys with the role's account, and with its default
//! account 123456789012 for any other keys, so the account lists show which credentials the
//! provider ended up with.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::emulator;
use common::Workdir;
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
    let mut w = Workdir::new(config);
    for k in [
        "AWS_ACCESS_KEY_ID",
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
    let home = w.dir.path().join("home");
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
    let mut w = Workdir::new(&config(&body(&format!(
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

#[test]
fn sso_profile_without_a_sign_in_says_to_sign_in() {
    let files = tempfile::tempdir().unwrap();
    let config_file = write(
        files.path(),
        "config",
        "[profile sso-dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Deployer\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n",
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
    let w = Workdir::new(&format!(
        "terraform {{\n  required_providers {{\n    personalize = {{\n      source = \"{PROVIDER_SOURCE}\"\n    }}\n  }}\n}}\n\nprovider \"personalize\" {{\n  region      = \"us-east-1\"\n  max_retries = 2\n  retry_mode  = \"standard\"\n  endpoints {{\n    personalize = \"{endpoint}\"\n  }}\n}}\n\ndata \"personalize_recipe\" \"r\" {{\n  name = \"aws-user-personalization\"\n}}\n"
    ));
    w.fails(&["plan", "-no-color"]);
    assert_eq!(attempts.load(Ordering::SeqCst), 3, "1 attempt + 2 retries");
}

#[test]
fn bad_credential_arguments_are_refused_at_validate() {
    let w = Workdir::new(&config(
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
        let w = Workdir::new(&config(&format!(
            "  endpoints {{\n    {member} = \"http://127.0.0.1:9\"\n  }}\n"
        )));
        let out = w.fails(&["validate", "-no-color"]);
        assert!(out.contains("Unsupported argument"), "{member}: {out}");
        assert!(out.contains(&format!("\"{member}\"")), "{member}: {out}");
    }
}
