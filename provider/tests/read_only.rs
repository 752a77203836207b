//! Read-only attributes and data sources, through the Terraform CLI against personalize-local:
//! `latest_campaign_update`, `latest_solution_update`, `latest_dataset_update`, the solution's
//! `latest_solution_version`, the version's `training_type` and `recipe_arn`, on the
//! resources and their by-ARN data sources; the schema, dataset and filter data sources, the
//! newest ACTIVE version of a solution, the plural (list) data sources; ARNs in the partition
//! of the region; the metric attribution, batch inference, batch segment and export job data
//! sources (by ARN and lists) against the resources they read.

mod common;

use common::emulator::{self, INTERACTIONS_SCHEMA};
use common::{header, walkthrough, workdir, Workdir};
use serde_json::Value;

const DATA: &str = r#"
data "personalize_schema" "s" {
  arn = personalize_schema.interactions.arn
}

data "personalize_dataset" "d" {
  arn = personalize_dataset.interactions.arn
}

data "personalize_filter" "f" {
  arn = personalize_filter.f.arn
}

data "personalize_solution" "s" {
  arn        = personalize_solution.s.arn
  depends_on = [personalize_solution_version.v]
}

data "personalize_active_solution_version" "a" {
  solution_arn = personalize_solution.s.arn
  depends_on   = [personalize_solution_version.v]
}

data "personalize_dataset_groups" "all" {
  depends_on = [personalize_dataset_group.g]
}

data "personalize_schemas" "all" {
  depends_on = [personalize_schema.interactions]
}

data "personalize_datasets" "g" {
  dataset_group_arn = personalize_dataset_group.g.arn
  depends_on        = [personalize_dataset.interactions]
}

data "personalize_dataset_import_jobs" "d" {
  dataset_arn = personalize_dataset.interactions.arn
  depends_on  = [personalize_dataset_import_job.interactions]
}

data "personalize_solutions" "g" {
  dataset_group_arn = personalize_dataset_group.g.arn
  depends_on        = [personalize_solution.s]
}

data "personalize_solution_versions" "s" {
  solution_arn = personalize_solution.s.arn
  depends_on   = [personalize_solution_version.v]
}

data "personalize_campaigns" "s" {
  solution_arn = personalize_solution.s.arn
  depends_on   = [personalize_campaign.c]
}

data "personalize_event_trackers" "g" {
  dataset_group_arn = personalize_dataset_group.g.arn
  depends_on        = [personalize_event_tracker.t]
}

data "personalize_filters" "g" {
  dataset_group_arn = personalize_dataset_group.g.arn
  depends_on        = [personalize_filter.f]
}

resource "personalize_schema" "second" {
  name   = "walk-interactions-2"
  schema = SCHEMA
}
"#;

/// The walkthrough, the data sources above, and (`updated`) an in-place update of the
/// campaign (TPS), the solution (auto-training) and the dataset (schema).
fn config(endpoint: &str, updated: bool) -> String {
    let mut c = walkthrough::config(endpoint, "1")
        + &DATA.replace(
            "SCHEMA",
            &testkit::terraform::hcl_string(INTERACTIONS_SCHEMA),
        );
    if updated {
        for (from, to) in [
            ("min_provisioned_tps  = 1", "min_provisioned_tps  = 2"),
            (
                "  recipe_arn        = data.personalize_recipe.up.arn\n",
                "  recipe_arn        = data.personalize_recipe.up.arn\n  perform_auto_training = false\n",
            ),
            (
                "  schema_arn        = personalize_schema.interactions.arn\n",
                "  schema_arn        = personalize_schema.second.arn\n",
            ),
        ] {
            assert!(c.contains(from), "{from}");
            c = c.replacen(from, to, 1);
        }
    }
    c
}

/// A data source's values in state.
fn data(w: &Workdir, address: &str) -> Value {
    w.resource(address)
        .unwrap_or_else(|| panic!("{address} in state"))
}

#[test]
fn read_only_attributes_and_data_sources_report_what_personalize_has() {
    let emu = emulator::shared();
    let w = workdir(&config(emu.endpoint(), false));
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let (code, plan) = w.plan_exit_code();
    assert_eq!(code, 0, "no change after apply:\n{plan}");

    // The solution was read before its version existed: a refresh shows the version.
    w.ok(&["apply", "-refresh-only", "-auto-approve", "-no-color"]);
    let version = w.resource("personalize_solution_version.v").unwrap();
    let solution = w.resource("personalize_solution.s").unwrap();
    let campaign = w.resource("personalize_campaign.c").unwrap();
    let dataset = w.resource("personalize_dataset.interactions").unwrap();
    assert_eq!(version["training_type"], "MANUAL");
    assert_eq!(version["recipe_arn"], solution["recipe_arn"]);
    let latest = &solution["latest_solution_version"];
    assert_eq!(latest["arn"], version["arn"], "{latest}");
    assert_eq!(latest["status"], "ACTIVE");
    assert_eq!(latest["training_type"], "MANUAL");
    assert_eq!(latest["training_mode"], "FULL");
    // Nothing was updated yet.
    assert!(campaign["latest_campaign_update"].is_null(), "{campaign}");
    assert!(solution["latest_solution_update"].is_null(), "{solution}");
    assert!(dataset["latest_dataset_update"].is_null(), "{dataset}");

    // Data sources by ARN.
    let schema = data(&w, "data.personalize_schema.s");
    assert_eq!(schema["name"], "walk-interactions");
    assert!(schema["schema"].as_str().unwrap().contains("USER_ID"));
    let d = data(&w, "data.personalize_dataset.d");
    assert_eq!(d["dataset_type"], "Interactions");
    assert_eq!(d["status"], "ACTIVE");
    let f = data(&w, "data.personalize_filter.f");
    assert_eq!(f["name"], "walk-no-repeats");
    assert!(f["filter_expression"]
        .as_str()
        .unwrap()
        .starts_with("EXCLUDE"));
    // The by-ARN data sources carry the resources' read-only attributes (walkthrough's
    // campaign and version, this file's solution).
    let dv = data(&w, "data.personalize_solution_version.v");
    for key in ["training_type", "recipe_arn", "name", "training_hours"] {
        assert_eq!(dv[key], version[key], "{key}: {dv}");
    }
    let ds = data(&w, "data.personalize_solution.s");
    assert_eq!(
        ds["latest_solution_version"],
        solution["latest_solution_version"]
    );
    assert!(data(&w, "data.personalize_campaign.c")["latest_campaign_update"].is_null());
    let active = data(&w, "data.personalize_active_solution_version.a");
    assert_eq!(active["arn"], version["arn"]);
    assert_eq!(active["status"], "ACTIVE");
    assert!(active["metrics"]["coverage"].as_f64().is_some(), "{active}");

    // Plural data sources.
    let arns = |address: &str, key: &str| -> Vec<String> {
        data(&w, address)[key]
            .as_array()
            .unwrap_or_else(|| panic!("{address}.{key}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let group = w.resource("personalize_dataset_group.g").unwrap();
    assert!(arns("data.personalize_dataset_groups.all", "arns")
        .contains(&group["arn"].as_str().unwrap().to_owned()));
    assert!(arns("data.personalize_dataset_groups.all", "names").contains(&"walk".to_owned()));
    assert!(
        arns("data.personalize_schemas.all", "names").contains(&"walk-interactions-2".to_owned())
    );
    for (address, resource) in [
        (
            "data.personalize_datasets.g",
            "personalize_dataset.interactions",
        ),
        (
            "data.personalize_dataset_import_jobs.d",
            "personalize_dataset_import_job.interactions",
        ),
        ("data.personalize_solutions.g", "personalize_solution.s"),
        (
            "data.personalize_solution_versions.s",
            "personalize_solution_version.v",
        ),
        ("data.personalize_campaigns.s", "personalize_campaign.c"),
        (
            "data.personalize_event_trackers.g",
            "personalize_event_tracker.t",
        ),
        ("data.personalize_filters.g", "personalize_filter.f"),
    ] {
        let want = w.resource(resource).unwrap()["arn"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            arns(address, "arns"),
            vec![want],
            "{address}: only its parent's"
        );
    }
    assert_eq!(
        arns("data.personalize_solution_versions.s", "statuses"),
        vec!["ACTIVE"]
    );

    // In-place updates report their outcome.
    w.write(&config(emu.endpoint(), true));
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains("0 to add, 3 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(
        plan.contains("latest_campaign_update") && plan.contains("(known after apply)"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let campaign = w.resource("personalize_campaign.c").unwrap();
    let u = &campaign["latest_campaign_update"];
    assert_eq!(u["status"], "ACTIVE", "{u}");
    assert_eq!(u["min_provisioned_tps"], "2", "{u}");
    assert!(u.get("failure_reason").is_none(), "{u}");
    let solution = w.resource("personalize_solution.s").unwrap();
    let u = &solution["latest_solution_update"];
    assert_eq!(u["status"], "ACTIVE", "{u}");
    assert_eq!(u["perform_auto_training"], "false", "{u}");
    let dataset = w.resource("personalize_dataset.interactions").unwrap();
    let u = &dataset["latest_dataset_update"];
    assert_eq!(u["status"], "ACTIVE", "{u}");
    assert_eq!(
        u["schema_arn"],
        w.resource("personalize_schema.second").unwrap()["arn"],
        "{u}"
    );
    // The data sources read before the updates; a refresh reads them again.
    w.ok(&["apply", "-refresh-only", "-auto-approve", "-no-color"]);
    let dc = data(&w, "data.personalize_campaign.c");
    assert_eq!(
        dc["latest_campaign_update"]["min_provisioned_tps"], "2",
        "{dc}"
    );
    let ds = data(&w, "data.personalize_solution.s");
    assert_eq!(
        ds["latest_solution_update"]["perform_auto_training"], "false",
        "{ds}"
    );
    let (code, plan) = w.plan_exit_code();
    assert_eq!(code, 0, "no change after the updates:\n{plan}");
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn a_solution_without_an_active_version_is_a_clear_error() {
    let emu = emulator::shared();
    let config = format!(
        "{}{}\nresource \"personalize_solution\" \"s\" {{\n  name = \"none-active\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  recipe_arn = \"arn:aws:personalize:::recipe/aws-user-personalization\"\n  depends_on = [personalize_dataset_import_job.interactions]\n}}\n\ndata \"personalize_active_solution_version\" \"a\" {{\n  solution_arn = personalize_solution.s.arn\n}}\n",
        header(Some(emu.endpoint())),
        walkthrough::data_chain("none-active"),
    );
    let w = workdir(&config);
    let out = w.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("ACTIVE solution version of the solution not found"),
        "{out}"
    );
    // The data source fails on every read, so destroy without a refresh.
    w.ok(&["destroy", "-auto-approve", "-refresh=false", "-no-color"]);
}

#[test]
fn arns_and_recipes_are_in_the_partition_of_the_region() {
    let emu = emulator::shared();
    for (region, partition) in [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")] {
        let config = header(Some(emu.endpoint())).replace("us-east-1", region)
            + &format!(
                "resource \"personalize_dataset_group\" \"g\" {{\n  name = \"partition-{partition}\"\n}}\n\ndata \"personalize_recipe\" \"up\" {{\n  name = \"aws-user-personalization\"\n}}\n\noutput \"recipe\" {{\n  value = data.personalize_recipe.up.arn\n}}\n"
            );
        let w = workdir(&config);
        w.ok(&["apply", "-auto-approve", "-no-color"]);
        let group = w.resource("personalize_dataset_group.g").unwrap();
        assert!(
            group["arn"]
                .as_str()
                .unwrap()
                .starts_with(&format!("arn:{partition}:personalize:{region}:")),
            "{group}"
        );
        let outputs: Value = serde_json::from_str(&w.ok(&["output", "-json"])).unwrap();
        assert_eq!(
            outputs["recipe"]["value"],
            format!("arn:{partition}:personalize:::recipe/aws-user-personalization")
        );
        w.ok(&["destroy", "-auto-approve", "-no-color"]);
    }
}

/// The job-like resources and the metric attribution with their by-ARN and list data sources.
const JOBS: &str = r#"
resource "personalize_dataset_group" "g" {
  name = "jobs-ds"
}
resource "personalize_schema" "s" {
  name   = "jobs-ds"
  schema = SCHEMA
}
resource "personalize_dataset" "d" {
  name              = "jobs-ds"
  dataset_group_arn = personalize_dataset_group.g.arn
  dataset_type      = "Interactions"
  schema_arn        = personalize_schema.s.arn
}
resource "personalize_dataset_import_job" "j" {
  job_name      = "jobs-ds"
  dataset_arn   = personalize_dataset.d.arn
  data_location = "s3://data/interactions.csv"
}
resource "personalize_metric_attribution" "m" {
  name              = "jobs-ds"
  dataset_group_arn = personalize_dataset_group.g.arn
  metrics {
    metric_name = "WATCHES"
    event_type  = "watch"
    expression  = "SAMPLECOUNT()"
  }
  metrics_output_config {
    s3_path  = "s3://data/jobs-ds/metrics"
    role_arn = "arn:aws:iam::123456789012:role/personalize"
  }
  depends_on = [personalize_dataset.d]
}
resource "personalize_dataset_export_job" "e" {
  job_name       = "jobs-ds"
  dataset_arn    = personalize_dataset.d.arn
  ingestion_mode = "BULK"
  output_path    = "s3://data/jobs-ds/export/"
  role_arn       = "arn:aws:iam::123456789012:role/personalize"
  depends_on     = [personalize_dataset_import_job.j]
}
resource "personalize_solution" "up" {
  name              = "jobs-ds-up"
  dataset_group_arn = personalize_dataset_group.g.arn
  recipe_arn        = "arn:aws:personalize:::recipe/aws-user-personalization"
  depends_on        = [personalize_dataset_import_job.j]
}
resource "personalize_solution_version" "up" {
  solution_arn = personalize_solution.up.arn
}
resource "personalize_batch_inference_job" "b" {
  job_name             = "jobs-ds"
  solution_version_arn = personalize_solution_version.up.arn
  num_results          = 3
  input_path           = "s3://data/batch/users.json"
  output_path          = "s3://data/jobs-ds/recs/"
  role_arn             = "arn:aws:iam::123456789012:role/personalize"
}
resource "personalize_solution" "aff" {
  name              = "jobs-ds-aff"
  dataset_group_arn = personalize_dataset_group.g.arn
  recipe_arn        = "arn:aws:personalize:::recipe/aws-item-affinity"
  depends_on        = [personalize_dataset_import_job.j]
}
resource "personalize_solution_version" "aff" {
  solution_arn = personalize_solution.aff.arn
}
resource "personalize_batch_segment_job" "s" {
  job_name             = "jobs-ds"
  solution_version_arn = personalize_solution_version.aff.arn
  num_results          = 4
  input_path           = "s3://data/batch/items.json"
  output_path          = "s3://data/jobs-ds/segments/"
  role_arn             = "arn:aws:iam::123456789012:role/personalize"
}

data "personalize_metric_attribution" "m" {
  arn = personalize_metric_attribution.m.arn
}
data "personalize_dataset_export_job" "e" {
  arn = personalize_dataset_export_job.e.arn
}
data "personalize_batch_inference_job" "b" {
  arn = personalize_batch_inference_job.b.arn
}
data "personalize_batch_segment_job" "s" {
  arn = personalize_batch_segment_job.s.arn
}
data "personalize_metric_attributions" "g" {
  dataset_group_arn = personalize_metric_attribution.m.dataset_group_arn
}
data "personalize_dataset_export_jobs" "d" {
  dataset_arn = personalize_dataset_export_job.e.dataset_arn
}
data "personalize_batch_inference_jobs" "v" {
  solution_version_arn = personalize_batch_inference_job.b.solution_version_arn
}
data "personalize_batch_segment_jobs" "v" {
  solution_version_arn = personalize_batch_segment_job.s.solution_version_arn
}
"#;

#[test]
fn job_and_metric_attribution_data_sources_report_what_personalize_has() {
    let emu = emulator::shared();
    let w = workdir(
        &(header(Some(emu.endpoint()))
            + &JOBS.replace(
                "SCHEMA",
                &testkit::terraform::hcl_string(INTERACTIONS_SCHEMA),
            )),
    );
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let (code, plan) = w.plan_exit_code();
    assert_eq!(code, 0, "no change after apply:\n{plan}");

    for (kind, name) in [
        ("metric_attribution", "m"),
        ("dataset_export_job", "e"),
        ("batch_inference_job", "b"),
        ("batch_segment_job", "s"),
    ] {
        let resource = w
            .resource(&format!("personalize_{kind}.{name}"))
            .unwrap_or_else(|| panic!("{kind} in state"));
        let read = data(&w, &format!("data.personalize_{kind}.{name}"));
        assert_eq!(read["status"], "ACTIVE", "{kind}: {read}");
        // Every attribute the data source has is the resource's value.
        for (key, value) in read.as_object().unwrap() {
            assert_eq!(&resource[key], value, "{kind}.{key}");
        }
    }
    let batch = data(&w, "data.personalize_batch_inference_job.b");
    assert_eq!(batch["num_results"], 3);
    assert_eq!(batch["input_path"], "s3://data/batch/users.json");
    assert_eq!(
        data(&w, "data.personalize_batch_segment_job.s")["num_results"],
        4
    );
    assert_eq!(
        data(&w, "data.personalize_dataset_export_job.e")["ingestion_mode"],
        "BULK"
    );
    // The jobs ran: their output is where they were told to write it.
    assert!(emu
        .data_root
        .join("data/jobs-ds/recs/users.json.out")
        .is_file());
    assert!(emu
        .data_root
        .join("data/jobs-ds/segments/items.json.out")
        .is_file());
    assert!(emu
        .data_root
        .join("data/jobs-ds/export/jobs-ds.csv")
        .is_file());

    for (list, name) in [
        ("metric_attributions.g", "jobs-ds"),
        ("dataset_export_jobs.d", "jobs-ds"),
        ("batch_inference_jobs.v", "jobs-ds"),
        ("batch_segment_jobs.v", "jobs-ds"),
    ] {
        let listed = data(&w, &format!("data.personalize_{list}"));
        assert_eq!(listed["names"], serde_json::json!([name]), "{list}");
        assert_eq!(listed["arns"].as_array().unwrap().len(), 1, "{list}");
    }
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}
