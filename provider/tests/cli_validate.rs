//! Terraform CLI tests that need no emulator: the schema reaches Terraform, `validate` passes a
//! good configuration, and `validate`/`plan` refuse bad values with attribute-level errors.

mod common;

use common::{header, Workdir};

const GOOD: &str = r#"
resource "personalize_dataset_group" "g" {
  name = "movies"
  tags = { team = "recs" }
}

resource "personalize_schema" "s" {
  name   = "movies-interactions"
  schema = jsonencode({
    type   = "record"
    name   = "Interactions"
    fields = [
      { name = "USER_ID", type = "string" },
      { name = "ITEM_ID", type = "string" },
      { name = "TIMESTAMP", type = "long" },
    ]
    version = "1.0"
  })
  timeouts {
    create = "5m"
  }
}
"#;

const BAD: &str = r#"
resource "personalize_dataset_group" "g" {
  name     = "bad name!"
  role_arn = "arn:aws:iam::123456789012:user/bob"
  domain   = "RETAIL"
  tags     = { "aws:reserved" = "x" }
  timeouts {
    create = "ten minutes"
  }
}

resource "personalize_schema" "s" {
  name   = "ok"
  schema = "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"A\",\"type\":\"varchar\"}]}"
}
"#;

#[test]
fn validate_and_plan_accept_a_good_configuration() {
    let w = Workdir::new(&format!("{}{GOOD}", header(Some("http://127.0.0.1:9"))));
    let out = w.ok(&["validate", "-json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], true, "{out}");
    assert_eq!(v["error_count"], 0, "{out}");
}

#[test]
fn bad_values_fail_validate_and_plan_at_the_attribute() {
    let config = format!("{}{BAD}", header(Some("http://127.0.0.1:9")));
    let name_line = config
        .lines()
        .position(|l| l.contains("\"bad name!\""))
        .unwrap()
        + 1;
    let w = Workdir::new(&config);
    let out = w.run(&["validate", "-json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let diags = v["diagnostics"].as_array().unwrap();
    let find = |summary: &str| {
        diags
            .iter()
            .find(|d| d["summary"] == summary)
            .unwrap_or_else(|| panic!("no {summary:?} in {diags:#?}"))
    };
    let name = find("Invalid value for name");
    assert!(
        name["detail"].as_str().unwrap().contains("\"bad name!\""),
        "{name}"
    );
    // Attribute-level: Terraform points at the line of the attribute in main.tf.
    assert_eq!(name["range"]["start"]["line"], name_line, "{name}");
    assert!(
        !name["detail"].as_str().unwrap().contains("backtrace"),
        "{name}"
    );
    assert!(find("Invalid value for role_arn")["detail"]
        .as_str()
        .unwrap()
        .contains("IAM role"));
    assert!(find("Invalid value for domain")["detail"]
        .as_str()
        .unwrap()
        .contains("ECOMMERCE, VIDEO_ON_DEMAND"));
    assert!(find("Invalid value for tags")["detail"]
        .as_str()
        .unwrap()
        .contains("reserved"));
    assert!(find("Invalid value for timeouts.create")["detail"]
        .as_str()
        .unwrap()
        .contains("not a duration"));
    assert!(find("Invalid value for schema")["detail"]
        .as_str()
        .unwrap()
        .contains("\"varchar\" is not an Avro primitive type"));

    let text = w.fails(&["plan", "-no-color"]);
    assert!(text.contains("Invalid value for name"), "{text}");
    assert!(
        text.contains(&format!("on main.tf line {name_line}")),
        "{text}"
    );
}

#[test]
fn the_schema_lists_every_resource() {
    let w = Workdir::new(&header(None));
    w.ok(&["validate"]);
    let out = w.ok(&["providers", "schema", "-json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let provider = &v["provider_schemas"]["registry.terraform.io/personalize-realtime/personalize"];
    let resources = provider["resource_schemas"].as_object().unwrap();
    for name in [
        "personalize_dataset_group",
        "personalize_schema",
        "personalize_dataset",
        "personalize_dataset_import_job",
        "personalize_solution",
        "personalize_solution_version",
        "personalize_campaign",
        "personalize_event_tracker",
        "personalize_filter",
    ] {
        let attrs = &resources[name]["block"]["attributes"];
        assert_eq!(attrs["arn"]["computed"], true, "{name}");
        assert!(
            resources[name]["block"]["block_types"]["timeouts"].is_object(),
            "{name}"
        );
    }
}

#[test]
fn bad_solution_config_values_fail_validate_at_the_nested_attribute() {
    let config = format!(
        "{}{}",
        header(Some("http://127.0.0.1:9")),
        r#"
resource "personalize_solution" "s" {
  name                  = "s"
  dataset_group_arn     = "arn:aws:personalize:us-east-1:123456789012:dataset-group/g"
  recipe_arn            = "arn:aws:personalize:::recipe/aws-user-personalization"
  perform_auto_training = true
  solution_config {
    auto_training_config {
      scheduling_expression = "rate(45 days)"
    }
    optimization_objective {
      objective_sensitivity = "EXTREME"
    }
    hpo_config {
      hpo_resource_config {
        max_parallel_training_jobs = "11"
      }
    }
    training_data_config {
      excluded_dataset_columns = { ACTIONS = "X" }
    }
  }
}
"#
    );
    let line = |needle: &str| config.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let w = Workdir::new(&config);
    let out = w.run(&["validate", "-json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    let errors = diags.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(errors, 4, "{diags:#?}");
    for (summary, needle, detail) in [
        (
            "Invalid value for scheduling_expression",
            "rate(45 days)",
            "between 1 and 30",
        ),
        (
            "Invalid value for objective_sensitivity",
            "EXTREME",
            "LOW, MEDIUM, HIGH, OFF",
        ),
        (
            "Invalid value for max_parallel_training_jobs",
            "\"11\"",
            "from 1 to 10",
        ),
        (
            "Invalid value for excluded_dataset_columns",
            "ACTIONS",
            "INTERACTIONS, ITEMS, USERS",
        ),
    ] {
        let d = diags
            .iter()
            .find(|d| d["summary"] == summary)
            .unwrap_or_else(|| panic!("no {summary:?} in {diags:#?}"));
        assert!(d["detail"].as_str().unwrap().contains(detail), "{d}");
        assert_eq!(d["range"]["start"]["line"], line(needle), "{d}");
    }
}
