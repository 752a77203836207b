//! `personalize_recommender` through the Terraform CLI against personalize-local: on a
//! VIDEO_ON_DEMAND domain dataset group, `basic` (apply, then no change), `import` (then no
//! change), `update` (configuration and `status` in place, as the plan says), `disappears`
//! (deleted behind Terraform's back, the next plan recreates it); a recommender created
//! stopped; a stopped one whose configuration changes; and the plan-time refusal of a recipe
//! that is no use case.

mod common;

use common::emulator::{self, INTERACTIONS_SCHEMA};
use common::{block_on, header, workdir, Workdir};

/// A domain dataset group named after `prefix`, its domain interactions schema and dataset, and
/// the shared emulator's interactions imported.
fn domain_group(prefix: &str) -> String {
    format!(
        r#"
resource "personalize_dataset_group" "g" {{
  name   = "{prefix}-group"
  domain = "VIDEO_ON_DEMAND"
}}

resource "personalize_schema" "s" {{
  name   = "{prefix}-interactions"
  domain = "VIDEO_ON_DEMAND"
  schema = {schema}
}}

resource "personalize_dataset" "d" {{
  name              = "{prefix}-interactions"
  dataset_group_arn = personalize_dataset_group.g.arn
  dataset_type      = "Interactions"
  schema_arn        = personalize_schema.s.arn
}}

resource "personalize_dataset_import_job" "j" {{
  job_name      = "{prefix}-import"
  dataset_arn   = personalize_dataset.d.arn
  data_location = "s3://data/interactions.csv"
  role_arn      = "arn:aws:iam::123456789012:role/personalize"
}}
"#,
        schema = testkit::terraform::hcl_string(INTERACTIONS_SCHEMA)
    )
}

/// A top-picks recommender with `extra` lines in its body.
fn recommender(prefix: &str, extra: &str) -> String {
    format!(
        r#"
resource "personalize_recommender" "x" {{
  name              = "{prefix}-top-picks"
  dataset_group_arn = personalize_dataset_group.g.arn
  recipe_arn        = "arn:aws:personalize:::recipe/aws-vod-top-picks"
  depends_on        = [personalize_dataset_import_job.j]
{extra}
}}
"#
    )
}

fn config(prefix: &str, extra: &str) -> String {
    let emu = emulator::shared();
    format!(
        "{}{}{}",
        header(Some(emu.endpoint())),
        domain_group(prefix),
        recommender(prefix, extra)
    )
}

/// The recommender's status as Personalize reports it.
fn remote_status(arn: &str) -> String {
    let client = emulator::shared().client();
    block_on(client.describe_recommender().recommender_arn(arn).send())
        .unwrap()
        .recommender
        .unwrap()
        .status
        .unwrap()
}

fn no_change(w: &Workdir, when: &str) {
    let (code, plan) = w.plan_exit_code();
    assert_eq!(code, 0, "no change expected {when}:\n{plan}");
}

const ADDRESS: &str = "personalize_recommender.x";

#[test]
fn recommender_basic_import_update_and_disappears() {
    let prefix = "rc";
    let w = workdir(&config(prefix, ""));
    // basic
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    no_change(&w, "after apply");
    let before = w.resource(ADDRESS).unwrap();
    let arn = before["arn"].as_str().unwrap().to_owned();
    assert_eq!(before["status"], "ACTIVE");
    assert!(
        before["model_metrics"]["precision_at_25"].is_number(),
        "{before}"
    );
    // What AWS filled in (rate 1, exploration 0.3 / 30) reads as no block.
    assert_eq!(before["recommender_config"], serde_json::json!([]));

    // import
    w.ok(&["state", "rm", ADDRESS]);
    w.ok(&["import", "-no-color", ADDRESS, &arn]);
    no_change(&w, "after import");

    // update: the configuration and the status, in place
    w.write(&config(
        prefix,
        "  status = \"INACTIVE\"\n  recommender_config {\n    min_recommendation_requests_per_second = 2\n    item_exploration_config = { explorationWeight = \"0.6\" }\n  }\n",
    ));
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains(&format!("{ADDRESS} will be updated in-place"))
            && plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let after = w.resource(ADDRESS).unwrap();
    assert_eq!(after["arn"], before["arn"]);
    assert_eq!(after["status"], "INACTIVE");
    assert_eq!(remote_status(&arn), "INACTIVE");
    let block = &after["recommender_config"][0];
    assert_eq!(block["min_recommendation_requests_per_second"], 2.0);
    assert_eq!(block["item_exploration_config"]["explorationWeight"], "0.6");
    assert_eq!(after["latest_recommender_update"]["status"], "ACTIVE");
    no_change(&w, "after stopping");

    // Started again, with the configuration removed: both in place, the rate back to 1.
    w.write(&config(prefix, "  status = \"ACTIVE\"\n"));
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(remote_status(&arn), "ACTIVE");
    let started = w.resource(ADDRESS).unwrap();
    assert_eq!(started["recommender_config"], serde_json::json!([]));
    no_change(&w, "after starting");

    // disappears
    let client = emulator::shared().client();
    block_on(client.delete_recommender().recommender_arn(&arn).send()).unwrap();
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains(&format!("{ADDRESS} will be created")),
        "{plan}"
    );
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn a_recommender_created_stopped_is_inactive_and_a_stopped_one_takes_updates() {
    let prefix = "rs";
    let w = workdir(&config(prefix, "  status = \"INACTIVE\"\n"));
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let created = w.resource(ADDRESS).unwrap();
    let arn = created["arn"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "INACTIVE");
    assert_eq!(remote_status(&arn), "INACTIVE");
    no_change(&w, "after creating it stopped");
    // A configuration change of a stopped recommender: started for the update, stopped again.
    w.write(&config(
        prefix,
        "  status = \"INACTIVE\"\n  recommender_config {\n    enable_metadata_with_recommendations = true\n  }\n",
    ));
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let updated = w.resource(ADDRESS).unwrap();
    assert_eq!(remote_status(&arn), "INACTIVE");
    assert_eq!(
        updated["recommender_config"][0]["enable_metadata_with_recommendations"],
        true
    );
    no_change(&w, "after updating it stopped");
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn a_recipe_that_is_no_use_case_and_an_unknown_status_fail_the_plan() {
    let w = workdir(&format!(
        "{}{}",
        header(Some(emulator::shared().endpoint())),
        r#"
resource "personalize_recommender" "x" {
  name              = "bad"
  dataset_group_arn = "arn:aws:personalize:us-east-1:123456789012:dataset-group/g"
  recipe_arn        = "arn:aws:personalize:::recipe/aws-user-personalization"
  status            = "PAUSED"
}
"#
    ));
    let out = w.fails(&["plan", "-no-color"]);
    assert!(out.contains("not the recipe of a use case"), "{out}");
    assert!(
        out.contains("\"PAUSED\" is not one of ACTIVE, INACTIVE"),
        "{out}"
    );
}
