//! Failures through the Terraform CLI: an import job over a bad CSV fails the apply with the
//! emulator's failureReason, a too-short timeout names the resource and keeps it in state
//! (tainted), an `import` block adopts an existing resource, and a provider without region or
//! credentials says so.

mod common;

use common::emulator::{self, INTERACTIONS_SCHEMA};
use common::{block_on, header, workdir};
use personalize_local::testing::TestServer;

#[test]
fn bad_csv_fails_the_apply_with_the_failure_reason_and_taints() {
    let emu = emulator::shared();
    let config = format!(
        r#"{}
resource "personalize_dataset_group" "g" {{
  name = "bad-csv"
}}
resource "personalize_schema" "s" {{
  name   = "bad-csv"
  schema = {}
}}
resource "personalize_dataset" "d" {{
  name              = "bad-csv"
  dataset_group_arn = personalize_dataset_group.g.arn
  dataset_type      = "Interactions"
  schema_arn        = personalize_schema.s.arn
}}
resource "personalize_dataset_import_job" "j" {{
  job_name      = "bad-csv"
  dataset_arn   = personalize_dataset.d.arn
  data_location = "s3://data/bad.csv"
  role_arn      = "arn:aws:iam::123456789012:role/personalize"
}}
"#,
        header(Some(emu.endpoint())),
        testkit::terraform::hcl_string(INTERACTIONS_SCHEMA)
    );
    let w = workdir(&config);
    let out = w.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("waiting for Dataset Import Job (arn:aws:personalize:"),
        "{out}"
    );
    assert!(out.contains("CREATE FAILED: "), "{out}");
    let job = w
        .resource("personalize_dataset_import_job.j")
        .expect("kept in state");
    assert_eq!(job["status"], "CREATE FAILED");
    let reason = job["failure_reason"].as_str().unwrap();
    assert!(
        !reason.is_empty() && out.contains(reason),
        "{reason} / {out}"
    );
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains("personalize_dataset_import_job.j is tainted, so must be replaced"),
        "{plan}"
    );
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn a_failed_batch_inference_job_fails_the_apply_with_the_reason_and_taints() {
    let emu = emulator::shared();
    let config = format!(
        r#"{}
resource "personalize_dataset_group" "g" {{
  name = "bad-batch"
}}
resource "personalize_schema" "s" {{
  name   = "bad-batch"
  schema = {}
}}
resource "personalize_dataset" "d" {{
  name              = "bad-batch"
  dataset_group_arn = personalize_dataset_group.g.arn
  dataset_type      = "Interactions"
  schema_arn        = personalize_schema.s.arn
}}
resource "personalize_dataset_import_job" "j" {{
  job_name      = "bad-batch"
  dataset_arn   = personalize_dataset.d.arn
  data_location = "s3://data/interactions.csv"
}}
resource "personalize_solution" "s" {{
  name              = "bad-batch"
  dataset_group_arn = personalize_dataset_group.g.arn
  recipe_arn        = "arn:aws:personalize:::recipe/aws-user-personalization"
  depends_on        = [personalize_dataset_import_job.j]
}}
resource "personalize_solution_version" "v" {{
  solution_arn = personalize_solution.s.arn
}}
resource "personalize_batch_inference_job" "b" {{
  job_name             = "bad-batch"
  solution_version_arn = personalize_solution_version.v.arn
  input_path           = "s3://data/batch/missing.json"
  output_path          = "s3://data/batch/bad-batch/"
  role_arn             = "arn:aws:iam::123456789012:role/personalize"
}}
"#,
        header(Some(emu.endpoint())),
        testkit::terraform::hcl_string(INTERACTIONS_SCHEMA)
    );
    let w = workdir(&config);
    let out = w.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("waiting for Batch Inference Job (arn:aws:personalize:"),
        "{out}"
    );
    assert!(out.contains("CREATE FAILED: "), "{out}");
    let job = w
        .resource("personalize_batch_inference_job.b")
        .expect("kept in state");
    assert_eq!(job["status"], "CREATE FAILED");
    let reason = job["failure_reason"].as_str().unwrap();
    assert!(
        reason.contains("missing.json") && out.contains(reason),
        "{reason} / {out}"
    );
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains("personalize_batch_inference_job.b is tainted, so must be replaced"),
        "{plan}"
    );
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn a_short_timeout_names_the_resource_and_keeps_it_tainted() {
    // A clock with real stages, so a create takes seconds.
    let slow = TestServer::start(personalize_local::Config {
        instant: false,
        stage_delay: std::time::Duration::from_millis(1500),
        ..Default::default()
    });
    let w = workdir(&format!(
        r#"{}
resource "personalize_dataset_group" "g" {{
  name = "slow"
  timeouts {{
    create = "200ms"
  }}
}}
"#,
        header(Some(slow.endpoint()))
    ));
    let out = w.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("waiting for Dataset Group (arn:aws:personalize:us-east-1:123456789012:dataset-group/slow) to become ACTIVE: timeout"),
        "{out}"
    );
    let g = w
        .resource("personalize_dataset_group.g")
        .expect("kept in state");
    assert_eq!(
        g["arn"],
        "arn:aws:personalize:us-east-1:123456789012:dataset-group/slow"
    );
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains("personalize_dataset_group.g is tainted, so must be replaced"),
        "{plan}"
    );
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
    let c = aws_sdk_personalize::Client::new(&sdk_config::local(slow.endpoint(), "us-east-1"));
    let left = block_on(c.list_dataset_groups().send()).unwrap();
    assert!(left.dataset_groups().is_empty(), "{left:?}");
}

#[test]
fn an_import_block_adopts_an_existing_resource() {
    let emu = emulator::shared();
    let c = emu.client();
    let arn = block_on(c.create_dataset_group().name("adopted").send())
        .unwrap()
        .dataset_group_arn
        .unwrap();
    let w = workdir(&format!(
        "{}import {{\n  to = personalize_dataset_group.g\n  id = \"{arn}\"\n}}\nresource \"personalize_dataset_group\" \"g\" {{\n  name = \"adopted\"\n}}\n",
        header(Some(emu.endpoint()))
    ));
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(w.plan_exit_code().0, 0);

    // A wrong ID is refused with the reason.
    let w2 = workdir(&format!(
        "{}resource \"personalize_dataset_group\" \"g\" {{\n  name = \"other\"\n}}\n",
        header(Some(emu.endpoint()))
    ));
    let out = w2.fails(&[
        "import",
        "-no-color",
        "personalize_dataset_group.g",
        "movies",
    ]);
    assert!(
        out.contains("the import ID must be the resource's ARN"),
        "{out}"
    );
    let missing = arn.replace("adopted", "missing");
    let out = w2.fails(&[
        "import",
        "-no-color",
        "personalize_dataset_group.g",
        &missing,
    ]);
    assert!(
        out.contains("Cannot import non-existent Dataset Group"),
        "{out}"
    );
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn provider_reports_missing_region_and_credentials() {
    let resource = "resource \"personalize_dataset_group\" \"g\" {\n  name = \"x\"\n}\n";
    let mut w = workdir(&format!("{}{resource}", header(Some("http://127.0.0.1:9"))));
    for k in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
    ] {
        w.unset(k);
    }
    w.env("AWS_CONFIG_FILE", "/nonexistent/config");
    w.env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    let out = w.fails(&["plan", "-no-color"]);
    assert!(out.contains("No valid AWS credentials"), "{out}");

    let no_region = header(Some("http://127.0.0.1:9")).replace("  region = \"us-east-1\"\n", "");
    let mut w = workdir(&format!("{no_region}{resource}"));
    for k in ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"] {
        w.unset(k);
    }
    w.env("AWS_CONFIG_FILE", "/nonexistent/config");
    let out = w.fails(&["plan", "-no-color"]);
    assert!(out.contains("No AWS region"), "{out}");
}

#[test]
fn data_sources_refuse_bad_keys_and_name_what_is_missing() {
    let emu = emulator::shared();
    let w = workdir(&format!(
        "{}data \"personalize_recipe\" \"r\" {{\n  name = \"aws-nope\"\n}}\n",
        header(Some(emu.endpoint()))
    ));
    let out = w.fails(&["plan", "-no-color"]);
    assert!(out.contains("Recipe not found"), "{out}");
    assert!(out.contains("no Recipe \"aws-nope\" exists"), "{out}");

    let w = workdir(&format!(
        "{}data \"personalize_recipe\" \"r\" {{\n  name = \"bad name\"\n}}\ndata \"personalize_campaign\" \"c\" {{\n  arn = \"campaign/x\"\n}}\n",
        header(Some(emu.endpoint()))
    ));
    let out = w.fails(&["validate", "-no-color"]);
    assert!(out.contains("\"bad name\" is not a recipe name"), "{out}");
    assert!(out.contains("\"campaign/x\" is not an ARN"), "{out}");
}
