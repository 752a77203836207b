//! The README's "Use it from your infra repo", as a test: a folder outside the workspace, laid
//! out like an infra repo, consumes a release of this project the way that section says:
//! - the modules by git source `?ref=vVERSION`, cloned from a bare repository of this project
//!   (what a git host serves) holding that tag;
//! - the provider from the release's network mirror, served over HTTPS on localhost, through a
//!   `provider_installation { network_mirror }` CLI config (no dev_overrides);
//! - the Lambda packages from S3 (moto), copied there as the README's two lines do, with the
//!   `.base64sha256` objects the pipeline module's `source_code_hash` takes.
//!
//! The personalize stack inits, plans and applies against personalize-local and then plans
//! clean; the pipeline stack fetches its module at the tag (`terraform get`; hashicorp/aws
//! itself cannot be installed where the tests run) and its packages' pins match the objects.
//! Only host-platform dev builds are packaged, so the test stays fast.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::emulator::{self, INTERACTIONS_SCHEMA};
use testkit::{aws_schema, hcl, paths, python, terraform};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn run(command: &mut Command) -> String {
    let out = command.output().expect("command runs");
    let text = text(&out);
    assert!(out.status.success(), "{command:?}:\n{text}");
    text
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Zips the host's dev builds of the Lambdas as a release names them, writes the
/// `.base64sha256` beside each, and copies them to `s3://BUCKET/PREFIX/` on `endpoint`; prints
/// each object's key and the body of its hash object as read back from S3.
const PUBLISH: &str = r#"
import base64, hashlib, os, sys, zipfile, boto3
endpoint, bucket, prefix, arch, out = sys.argv[1:6]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
s3.create_bucket(Bucket=bucket)
for function, binary in zip(["collect", "ingest", "recommend"], sys.argv[6:9]):
    name = f"{function}-{arch}.zip"
    path = os.path.join(out, name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o100755 << 16
        z.writestr(info, open(binary, "rb").read())
    digest = base64.b64encode(hashlib.sha256(open(path, "rb").read()).digest()).decode()
    open(path + ".base64sha256", "w").write(digest)
    for f in (name, name + ".base64sha256"):
        s3.upload_file(os.path.join(out, f), bucket, f"{prefix}/{f}")
    body = s3.get_object(Bucket=bucket, Key=f"{prefix}/{name}")["Body"].read()
    pin = s3.get_object(Bucket=bucket, Key=f"{prefix}/{name}.base64sha256")["Body"].read().decode()
    assert base64.b64encode(hashlib.sha256(body).digest()).decode() == pin, name
    print(f"{prefix}/{name} {pin}")
"#;

#[test]
fn an_infra_repo_consumes_a_release() {
    let tag = format!("v{VERSION}");
    let root = tempfile::tempdir().unwrap();

    // The project as its git host serves it: a bare repository with the release tag.
    let bare = root.path().join("personalize-realtime.git");
    run(Command::new("git")
        .args(["clone", "--quiet", "--bare", "--no-tags"])
        .arg(paths::workspace_root())
        .arg(&bare));
    run(Command::new("git")
        .arg("-C")
        .arg(&bare)
        .args(["tag", &tag, "HEAD"]));
    let source = |module: &str| {
        format!(
            "git::file://{}//terraform/modules/{module}?ref={tag}",
            bare.display()
        )
    };

    // The provider: the release's network mirror on a static HTTPS host.
    let dist = root.path().join("dist");
    let provider = env!("CARGO_BIN_EXE_terraform-provider-personalize");
    common::dist_provider(&["--binary".as_ref(), provider.as_ref()], &dist);
    let host = testkit::https::StaticHost::start(&dist.join("mirror")).unwrap();
    let cli_config = root.path().join("infra.tfrc");
    std::fs::write(
        &cli_config,
        common::mirror_cli_config("network_mirror", &format!("url     = \"{}\"", host.url())),
    )
    .unwrap();

    // The Lambda packages in the infra team's bucket.
    let moto = testkit::moto::Moto::start().unwrap();
    let arch = if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "x86_64"
    };
    let prefix = format!("personalize-realtime/{tag}");
    let lambda_dir = root.path().join("lambda");
    std::fs::create_dir_all(&lambda_dir).unwrap();
    let mut publish = python::venv().unwrap().python_command();
    publish
        .args([
            "-c",
            PUBLISH,
            moto.endpoint(),
            "my-artifacts",
            &prefix,
            arch,
        ])
        .arg(&lambda_dir);
    for function in ["collect", "ingest", "recommend"] {
        publish.arg(paths::workspace_bin(function).unwrap());
    }
    let published = run(&mut publish);
    let pins: Vec<(&str, &str)> = published
        .lines()
        .filter_map(|l| l.split_once(' '))
        .collect();
    assert_eq!(pins.len(), 3, "{published}");

    // The infra repo: one stack per module.
    let infra = root.path().join("infra");
    let emu = emulator::shared();
    let personalize = infra.join("personalize");
    std::fs::create_dir_all(&personalize).unwrap();
    std::fs::write(
        personalize.join("main.tf"),
        format!(
            r#"terraform {{
  required_providers {{
    personalize = {{
      source = "personalize-realtime/personalize"
    }}
  }}
}}

provider "personalize" {{
  region = "us-east-1"
  endpoints {{
    personalize = "{endpoint}"
  }}
}}

module "personalize" {{
  source = "{source}"

  name_prefix = "consumer"
  role_arn    = "arn:aws:iam::123456789012:role/consumer-personalize"
  bucket_name = "data"
  interactions = {{
    key          = "interactions.csv"
    data_version = "v1"
    schema       = {schema}
  }}
}}

output "campaign_arn" {{
  value = module.personalize.campaign_arn
}}
"#,
            endpoint = emu.endpoint(),
            source = source("personalize"),
            schema = terraform::hcl_string(INTERACTIONS_SCHEMA),
        ),
    )
    .unwrap();
    let tf = terraform::find().unwrap();
    let terraform = |dir: &Path, args: &[&str]| {
        let mut command = tf.command(dir, &cli_config);
        command
            .args(args)
            .arg("-no-color")
            .env("SSL_CERT_FILE", host.cert())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
        run(&mut command)
    };
    let init = terraform(&personalize, &["init"]);
    assert!(
        init.contains(&format!(
            "Installed personalize-realtime/personalize v{VERSION}"
        )),
        "{init}"
    );
    assert!(!init.contains("dev_overrides"), "{init}");
    let plan = terraform(&personalize, &["plan"]);
    assert!(
        plan.contains("module.personalize.personalize_campaign.this[0] will be created"),
        "{plan}"
    );
    let apply = terraform(&personalize, &["apply", "-auto-approve"]);
    assert!(apply.contains("Apply complete!"), "{apply}");
    let again = terraform(&personalize, &["plan", "-detailed-exitcode"]);
    assert!(again.contains("No changes"), "{again}");

    // The pipeline stack: its module at the tag, its packages pinned by the release's hashes.
    let pipeline = infra.join("pipeline");
    std::fs::create_dir_all(&pipeline).unwrap();
    let packages: String = pins
        .iter()
        .map(|(key, pin)| {
            let function = key.rsplit('/').next().unwrap().split('-').next().unwrap();
            format!(
                "    {function} = {{\n      s3_bucket        = \"my-artifacts\"\n      s3_key           = \"{key}\"\n      source_code_hash = \"{pin}\"\n    }}\n"
            )
        })
        .collect();
    let inputs = format!(
        "name_prefix         = \"consumer\"\nlambda_architecture = \"{arch}\"\nlambda_packages = {{\n{packages}}}\ncampaign_arn      = \"arn:aws:personalize:us-east-1:123456789012:campaign/consumer-campaign\"\nevent_tracker_arn = \"arn:aws:personalize:us-east-1:123456789012:event-tracker/1cd6e5f5\"\ntracking_id       = \"1cd6e5f5-0c1b-4b8e-9e0a-3f6f2b0e7d11\"\n"
    );
    std::fs::write(
        pipeline.join("main.tf"),
        format!(
            "module \"pipeline\" {{\n  source = \"{}\"\n\n{inputs}}}\n",
            source("pipeline")
        ),
    )
    .unwrap();
    terraform(&pipeline, &["get"]);
    let fetched = std::fs::read_to_string(
        pipeline.join(".terraform/modules/pipeline/terraform/modules/pipeline/variables.tf"),
    )
    .unwrap();
    assert!(
        fetched.contains("variable \"lambda_packages\""),
        "{fetched}"
    );
    // hashicorp/aws cannot be installed here, so `terraform validate` cannot run on the
    // fetched module: check its aws_ blocks against that provider's schema instead.
    let schema = aws_schema::schema().unwrap();
    let fetched_module = pipeline.join(".terraform/modules/pipeline/terraform/modules/pipeline");
    let report = aws_schema::check(schema, &hcl::parse_dir(&fetched_module).unwrap());
    assert!(
        report.checked >= 30,
        "only {} aws_ blocks checked",
        report.checked
    );
    assert!(
        report.problems.is_empty(),
        "the pipeline module at the tag does not match hashicorp/aws {}:\n{}",
        schema.provider_version,
        report.problems.join("\n")
    );
}
