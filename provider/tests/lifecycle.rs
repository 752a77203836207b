//! Per resource, through the Terraform CLI against personalize-local: `basic` (apply, then a
//! plan shows no change), `import` (CLI `terraform import`, then no change), `update` (in place
//! where the API allows, replacement otherwise, as the plan says) and `disappears` (deleted
//! behind Terraform's back, the next plan recreates it). Job-like resources (import, batch
//! inference, batch segment and export jobs, solution versions) cannot disappear: Personalize
//! has no delete API for them.

mod common;

use common::emulator::{self, INTERACTIONS_SCHEMA};
use common::{block_on, header, workdir};

/// What to expect from changing the configuration from `v1` to `v2`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    InPlace,
    Replace,
}

struct Case<'a> {
    /// Unique prefix for names, so cases share one emulator.
    prefix: &'a str,
    /// Address of the resource under test.
    address: &'a str,
    /// Configuration of everything it depends on (`PREFIX` is replaced).
    base: &'a str,
    /// The resource, first and second version.
    v1: &'a str,
    v2: &'a str,
    change: Change,
    /// Deletes the resource by ARN behind Terraform's back (None: Personalize cannot).
    delete: Option<fn(&aws_sdk_personalize::Client, String)>,
}

fn run(case: Case<'_>) {
    let emu = emulator::shared();
    let cfg = |res: &str| {
        format!(
            "{}{}\n{}",
            header(Some(emu.endpoint())),
            case.base.replace("PREFIX", case.prefix),
            res.replace("PREFIX", case.prefix)
        )
    };
    let mut w = workdir(&cfg(case.v1));

    // basic
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let (code, plan) = w.plan_exit_code();
    assert_eq!(
        code, 0,
        "{}: no change expected after apply:\n{plan}",
        case.address
    );
    let before = w.resource(case.address).expect("in state");
    let arn = before["arn"].as_str().unwrap().to_owned();
    assert_eq!(before["id"], before["arn"]);
    assert!(
        before["creation_date_time"]
            .as_str()
            .is_some_and(|t| t.contains('T')),
        "{before}"
    );

    // import (CLI)
    w.ok(&["state", "rm", case.address]);
    w.ok(&["import", "-no-color", case.address, &arn]);
    let (code, plan) = w.plan_exit_code();
    assert_eq!(
        code, 0,
        "{}: no change expected after import:\n{plan}",
        case.address
    );

    // update
    w.write(&cfg(case.v2));
    let plan = w.ok(&["plan", "-no-color"]);
    let wanted = match case.change {
        Change::InPlace => format!("{} will be updated in-place", case.address),
        Change::Replace => format!("{} must be replaced", case.address),
    };
    assert!(
        plan.contains(&wanted),
        "{}: expected {wanted:?}:\n{plan}",
        case.address
    );
    match case.change {
        Change::Replace => assert!(plan.contains("# forces replacement"), "{plan}"),
        Change::InPlace => assert!(
            plan.contains("0 to add, 1 to change, 0 to destroy"),
            "{}: expected one in-place change and nothing replaced:\n{plan}",
            case.address
        ),
    }
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let after = w.resource(case.address).unwrap();
    match case.change {
        Change::InPlace => assert_eq!(after["arn"], before["arn"]),
        // Names make ARNs, so a replacement may keep the ARN; the plan said "replaced".
        Change::Replace => {}
    }
    let (code, plan) = w.plan_exit_code();
    assert_eq!(
        code, 0,
        "{}: no change expected after update:\n{plan}",
        case.address
    );

    // disappears
    if let Some(delete) = case.delete {
        let arn = after["arn"].as_str().unwrap().to_owned();
        delete(&emu.client(), arn.clone());
        // The read that drops it says so where terraform-provider-aws does, in TF_LOG.
        w.env("TF_LOG", "WARN");
        let out = w.run(&["plan", "-no-color"]);
        w.unset("TF_LOG");
        let (plan, log) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            out.status.success(),
            "{}: plan failed:\n{plan}\n{log}",
            case.address
        );
        assert!(
            plan.contains(&format!("{} will be created", case.address)),
            "{}: expected recreation:\n{plan}",
            case.address
        );
        let vanished = format!("({arn}) not found, removing from state");
        assert!(
            log.lines()
                .any(|l| l.contains("[WARN]") && l.contains(&vanished)),
            "{}: expected a [WARN] line with {vanished:?} in TF_LOG:\n{log}",
            case.address
        );
    }
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

const GROUP: &str = r#"
resource "personalize_dataset_group" "g" {
  name = "PREFIX-group"
}
"#;

fn schema_hcl(name: &str) -> String {
    format!(
        "resource \"personalize_schema\" \"{name}\" {{\n  name   = \"PREFIX-{name}\"\n  schema = {}\n}}\n",
        testkit::terraform::hcl_string(INTERACTIONS_SCHEMA)
    )
}

fn trained() -> String {
    format!(
        r#"{GROUP}
{}
resource "personalize_dataset" "d" {{
  name              = "PREFIX-interactions"
  dataset_group_arn = personalize_dataset_group.g.arn
  dataset_type      = "Interactions"
  schema_arn        = personalize_schema.s.arn
}}

resource "personalize_dataset_import_job" "j" {{
  job_name      = "PREFIX-import"
  dataset_arn   = personalize_dataset.d.arn
  data_location = "s3://data/interactions.csv"
  role_arn      = "arn:aws:iam::123456789012:role/personalize"
}}

resource "personalize_solution" "s" {{
  name              = "PREFIX-solution"
  dataset_group_arn = personalize_dataset_group.g.arn
  recipe_arn        = "arn:aws:personalize:::recipe/aws-user-personalization"
  depends_on        = [personalize_dataset_import_job.j]
}}
"#,
        schema_hcl("s")
    )
}

#[test]
fn dataset_group() {
    run(Case {
        prefix: "dg",
        address: "personalize_dataset_group.x",
        base: "",
        v1: "resource \"personalize_dataset_group\" \"x\" {\n  name = \"PREFIX-a\"\n  tags = { env = \"test\" }\n}\n",
        v2: "resource \"personalize_dataset_group\" \"x\" {\n  name = \"PREFIX-b\"\n  tags = { env = \"test\" }\n}\n",
        change: Change::Replace,
        delete: Some(|c, arn| {
            block_on(c.delete_dataset_group().dataset_group_arn(arn).send()).unwrap();
        }),
    });
}

#[test]
fn schema() {
    let v1 = schema_hcl("x");
    let v2 = v1.replace("PREFIX-x", "PREFIX-y");
    run(Case {
        prefix: "sc",
        address: "personalize_schema.x",
        base: "",
        v1: &v1,
        v2: &v2,
        change: Change::Replace,
        delete: Some(|c, arn| {
            block_on(c.delete_schema().schema_arn(arn).send()).unwrap();
        }),
    });
}

#[test]
fn dataset_schema_updates_in_place() {
    let base = format!("{GROUP}\n{}\n{}", schema_hcl("s1"), schema_hcl("s2"));
    let ds = |schema: &str| {
        format!(
            "resource \"personalize_dataset\" \"x\" {{\n  name              = \"PREFIX-ds\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  dataset_type      = \"Interactions\"\n  schema_arn        = personalize_schema.{schema}.arn\n}}\n"
        )
    };
    run(Case {
        prefix: "ds",
        address: "personalize_dataset.x",
        base: &base,
        v1: &ds("s1"),
        v2: &ds("s2"),
        change: Change::InPlace,
        delete: Some(|c, arn| {
            block_on(c.delete_dataset().dataset_arn(arn).send()).unwrap();
        }),
    });
}

#[test]
fn solution_version_and_campaign() {
    let base = format!(
        "{}\nresource \"personalize_solution_version\" \"v1\" {{\n  solution_arn = personalize_solution.s.arn\n}}\nresource \"personalize_solution_version\" \"v2\" {{\n  solution_arn = personalize_solution.s.arn\n  depends_on   = [personalize_solution_version.v1]\n}}\n",
        trained()
    );
    let campaign = |v: &str, tps: u32, influence: &str| {
        format!(
            "resource \"personalize_campaign\" \"x\" {{\n  name                 = \"PREFIX-campaign\"\n  solution_version_arn = personalize_solution_version.{v}.arn\n  min_provisioned_tps  = {tps}\n  campaign_config {{\n    item_exploration_config = {{ explorationWeight = \"0.4\" }}\n    {influence}\n  }}\n}}\n"
        )
    };
    run(Case {
        prefix: "cp",
        address: "personalize_campaign.x",
        base: &base,
        v1: &campaign("v1", 1, ""),
        v2: &campaign("v2", 2, "ranking_influence = { POPULARITY = 0.2 }"),
        change: Change::InPlace,
        delete: Some(|c, arn| {
            block_on(c.delete_campaign().campaign_arn(arn).send()).unwrap();
        }),
    });
}

#[test]
fn solution() {
    let sol = |name: &str| {
        format!(
            "resource \"personalize_solution\" \"x\" {{\n  name              = \"PREFIX-{name}\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  recipe_arn        = \"arn:aws:personalize:::recipe/aws-user-personalization\"\n  solution_config {{\n    algorithm_hyper_parameters = {{ hidden_dimension = \"64\" }}\n  }}\n}}\n"
        )
    };
    run(Case {
        prefix: "so",
        address: "personalize_solution.x",
        base: GROUP,
        v1: &sol("a"),
        v2: &sol("b"),
        change: Change::Replace,
        delete: Some(|c, arn| {
            block_on(c.delete_solution().solution_arn(arn).send()).unwrap();
        }),
    });
}

/// A solution with every in-place member (`perform_auto_training`,
/// `perform_incremental_update`, the schedule, `events_config`) and some that replace.
fn tuned_solution(auto: bool, schedule: &str, weight: f64, sensitivity: &str) -> String {
    format!(
        r#"resource "personalize_solution" "x" {{
  name                       = "PREFIX-tuned"
  dataset_group_arn          = personalize_dataset_group.g.arn
  recipe_arn                 = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
  perform_auto_training      = {auto}
  perform_incremental_update = {auto}
  solution_config {{
    auto_training_config {{
      scheduling_expression = "{schedule}"
    }}
    events_config {{
      event_parameters {{
        event_type = "watch"
        weight     = {weight}
      }}
      event_parameters {{
        event_type            = "click"
        event_value_threshold = 0.7
        weight                = 0.3
      }}
    }}
    optimization_objective {{
      item_attribute        = "PRICE"
      objective_sensitivity = "{sensitivity}"
    }}
  }}
}}
"#
    )
}

#[test]
fn solution_training_schedule_and_events_update_in_place() {
    run(Case {
        prefix: "sa",
        address: "personalize_solution.x",
        base: GROUP,
        v1: &tuned_solution(false, "rate(5 days)", 1.0, "LOW"),
        v2: &tuned_solution(true, "rate(3 days)", 0.5, "LOW"),
        change: Change::InPlace,
        delete: None,
    });
}

#[test]
fn solution_config_outside_auto_training_replaces() {
    run(Case {
        prefix: "sr",
        address: "personalize_solution.x",
        base: GROUP,
        v1: &tuned_solution(false, "rate(5 days)", 1.0, "LOW"),
        v2: &tuned_solution(false, "rate(3 days)", 0.5, "HIGH"),
        change: Change::Replace,
        delete: None,
    });
}

#[test]
fn event_tracker_and_filter() {
    let base = format!(
        "{GROUP}\n{}\nresource \"personalize_dataset\" \"d\" {{\n  name              = \"PREFIX-interactions\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  dataset_type      = \"Interactions\"\n  schema_arn        = personalize_schema.s.arn\n}}\n",
        schema_hcl("s")
    );
    let tracker = |name: &str| {
        format!(
            "resource \"personalize_event_tracker\" \"x\" {{\n  name              = \"PREFIX-{name}\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  depends_on        = [personalize_dataset.d]\n}}\n"
        )
    };
    run(Case {
        prefix: "et",
        address: "personalize_event_tracker.x",
        base: &base,
        v1: &tracker("a"),
        v2: &tracker("b"),
        change: Change::Replace,
        delete: Some(|c, arn| {
            block_on(c.delete_event_tracker().event_tracker_arn(arn).send()).unwrap();
        }),
    });
    let filter = |expr: &str| {
        format!(
            "resource \"personalize_filter\" \"x\" {{\n  name              = \"PREFIX-f\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  filter_expression = {}\n  depends_on        = [personalize_dataset.d]\n}}\n",
            testkit::terraform::hcl_string(expr)
        )
    };
    run(Case {
        prefix: "fi",
        address: "personalize_filter.x",
        base: &base,
        v1: &filter("EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"watch\")"),
        v2: &filter("EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"click\")"),
        change: Change::Replace,
        delete: Some(|c, arn| {
            block_on(c.delete_filter().filter_arn(arn).send()).unwrap();
        }),
    });
}

#[test]
fn import_job_and_solution_version_replace_and_cannot_disappear() {
    let base = format!("{GROUP}\n{}", schema_hcl("s"));
    let job = |mode: &str| {
        format!(
            "resource \"personalize_dataset\" \"d\" {{\n  name              = \"PREFIX-interactions\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  dataset_type      = \"Interactions\"\n  schema_arn        = personalize_schema.s.arn\n}}\nresource \"personalize_dataset_import_job\" \"x\" {{\n  job_name      = \"PREFIX-{mode}\"\n  dataset_arn   = personalize_dataset.d.arn\n  data_location = \"s3://data/interactions.csv\"\n  role_arn      = \"arn:aws:iam::123456789012:role/personalize\"\n  import_mode   = \"{mode}\"\n}}\n"
        )
    };
    run(Case {
        prefix: "ij",
        address: "personalize_dataset_import_job.x",
        base: &base,
        v1: &job("FULL"),
        v2: &job("INCREMENTAL"),
        change: Change::Replace,
        delete: None,
    });
    let version = |mode: &str| {
        format!(
            "resource \"personalize_solution_version\" \"x\" {{\n  solution_arn  = personalize_solution.s.arn\n  training_mode = \"{mode}\"\n}}\n"
        )
    };
    run(Case {
        prefix: "sv",
        address: "personalize_solution_version.x",
        base: &trained(),
        v1: &version("FULL"),
        v2: &version("UPDATE"),
        change: Change::Replace,
        delete: None,
    });
}

/// A group with an Interactions dataset (metric attributions sum its numeric columns).
fn group_with_interactions() -> String {
    format!(
        "{GROUP}\n{}\nresource \"personalize_dataset\" \"d\" {{\n  name              = \"PREFIX-interactions\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  dataset_type      = \"Interactions\"\n  schema_arn        = personalize_schema.s.arn\n}}\n",
        schema_hcl("s")
    )
}

#[test]
fn metric_attribution_metrics_and_output_update_in_place() {
    // v2 changes CLICKS's expression (removed and added again by name), adds WATCHES, lists
    // the metrics in another order than Personalize returns them, and moves the reports.
    let v1 = r#"resource "personalize_metric_attribution" "x" {
  name              = "PREFIX-ma"
  dataset_group_arn = personalize_dataset_group.g.arn
  metrics {
    metric_name = "CLICKS"
    event_type  = "click"
    expression  = "SAMPLECOUNT()"
  }
  metrics_output_config {
    s3_path  = "s3://reports/PREFIX/v1"
    role_arn = "arn:aws:iam::123456789012:role/personalize"
  }
  depends_on = [personalize_dataset.d]
}
"#;
    let v2 = r#"resource "personalize_metric_attribution" "x" {
  name              = "PREFIX-ma"
  dataset_group_arn = personalize_dataset_group.g.arn
  metrics {
    metric_name = "WATCHES"
    event_type  = "watch"
    expression  = "SAMPLECOUNT()"
  }
  metrics {
    metric_name = "CLICKS"
    event_type  = "click"
    expression  = "SUM(Interactions.TIMESTAMP)"
  }
  metrics_output_config {
    s3_path     = "s3://reports/PREFIX/v2"
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/reports"
    role_arn    = "arn:aws:iam::123456789012:role/personalize"
  }
  depends_on = [personalize_dataset.d]
}
"#;
    run(Case {
        prefix: "ma",
        address: "personalize_metric_attribution.x",
        base: &group_with_interactions(),
        v1,
        v2,
        change: Change::InPlace,
        delete: Some(|c, arn| {
            let metrics = block_on(
                c.list_metric_attribution_metrics()
                    .metric_attribution_arn(&arn)
                    .send(),
            )
            .unwrap();
            // The update reached Personalize: the changed metric under its name, the new one.
            let mut got: Vec<(String, String)> = metrics
                .metrics()
                .iter()
                .map(|m| (m.metric_name().to_owned(), m.expression().to_owned()))
                .collect();
            got.sort();
            assert_eq!(
                got,
                [
                    (
                        "CLICKS".to_owned(),
                        "SUM(Interactions.TIMESTAMP)".to_owned()
                    ),
                    ("WATCHES".to_owned(), "SAMPLECOUNT()".to_owned())
                ]
            );
            block_on(
                c.delete_metric_attribution()
                    .metric_attribution_arn(arn)
                    .send(),
            )
            .unwrap();
        }),
    });
}

/// `trained()` plus an ACTIVE version of its solution.
fn with_version(recipe: &str) -> String {
    format!(
        "{}\nresource \"personalize_solution_version\" \"v\" {{\n  solution_arn = personalize_solution.s.arn\n}}\n",
        trained().replace("aws-user-personalization", recipe)
    )
}

#[test]
fn batch_inference_job_replaces_and_cannot_disappear() {
    let job = |name: &str, num: u32, trigger: &str| {
        format!(
            r#"resource "personalize_batch_inference_job" "x" {{
  job_name             = "PREFIX-{name}"
  solution_version_arn = personalize_solution_version.v.arn
  num_results          = {num}
  input_path           = "s3://data/batch/users.json"
  output_path          = "s3://data/batch/PREFIX-out/"
  role_arn             = "arn:aws:iam::123456789012:role/personalize"
  item_exploration_config = {{ explorationWeight = "0.5" }}
  triggers             = {{ run = "{trigger}" }}
  tags                 = {{ team = "recs" }}
}}
"#
        )
    };
    run(Case {
        prefix: "bi",
        address: "personalize_batch_inference_job.x",
        base: &with_version("aws-user-personalization"),
        v1: &job("a", 5, "1"),
        v2: &job("b", 5, "2"),
        change: Change::Replace,
        delete: None,
    });
}

#[test]
fn batch_segment_job_replaces_and_cannot_disappear() {
    let job = |name: &str, num: u32| {
        format!(
            r#"resource "personalize_batch_segment_job" "x" {{
  job_name             = "PREFIX-{name}"
  solution_version_arn = personalize_solution_version.v.arn
  num_results          = {num}
  input_path           = "s3://data/batch/items.json"
  output_path          = "s3://data/batch/PREFIX-out/"
  role_arn             = "arn:aws:iam::123456789012:role/personalize"
}}
"#
        )
    };
    run(Case {
        prefix: "bs",
        address: "personalize_batch_segment_job.x",
        base: &with_version("aws-item-affinity"),
        v1: &job("a", 4),
        v2: &job("b", 6),
        change: Change::Replace,
        delete: None,
    });
}

#[test]
fn dataset_export_job_replaces_and_cannot_disappear() {
    let base = format!(
        "{}\nresource \"personalize_dataset_import_job\" \"j\" {{\n  job_name      = \"PREFIX-import\"\n  dataset_arn   = personalize_dataset.d.arn\n  data_location = \"s3://data/interactions.csv\"\n}}\n",
        group_with_interactions()
    );
    let job = |name: &str, mode: &str| {
        format!(
            r#"resource "personalize_dataset_export_job" "x" {{
  job_name       = "PREFIX-{name}"
  dataset_arn    = personalize_dataset.d.arn
  ingestion_mode = "{mode}"
  output_path    = "s3://data/exports/PREFIX/"
  role_arn       = "arn:aws:iam::123456789012:role/personalize"
  depends_on     = [personalize_dataset_import_job.j]
}}
"#
        )
    };
    run(Case {
        prefix: "ex",
        address: "personalize_dataset_export_job.x",
        base: &base,
        v1: &job("bulk", "BULK"),
        v2: &job("all", "ALL"),
        change: Change::Replace,
        delete: None,
    });
}
