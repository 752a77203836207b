//! Terraform CLI tests that need no emulator: the schema reaches Terraform, `validate` passes a
//! good configuration, and `validate`/`plan` refuse bad values with attribute-level errors.

mod common;

use common::{header, workdir};

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
    let w = workdir(&format!("{}{GOOD}", header(Some("http://127.0.0.1:9"))));
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
    let w = workdir(&config);
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
    let w = workdir(&header(None));
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
  perform_hpo           = true
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
      excluded_dataset_columns = { ACTIONS = ["X"] }
    }
  }
}
"#
    );
    let line = |needle: &str| config.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let w = workdir(&config);
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

/// The repeated blocks and lists: per-item checks point at the item, whole-block checks
/// (duplicates, min > max, counts) at the block, cross-argument checks at the argument.
#[test]
fn bad_repeated_blocks_and_lists_fail_validate_where_they_are() {
    let events: String = (0..11)
        .map(|i| format!("      event_parameters {{\n        event_type = \"e{i}\"\n      }}\n"))
        .collect();
    let config = format!(
        r#"{header}
resource "personalize_solution" "hpo" {{
  name              = "hpo"
  dataset_group_arn = "arn:aws:personalize:us-east-1:123456789012:dataset-group/g"
  recipe_arn        = "arn:aws:personalize:::recipe/aws-user-personalization"
  solution_config {{
    hpo_config {{
      hpo_objective {{
        metric_name = "precision_at_25"
      }}
      algorithm_hyper_parameter_ranges {{
        integer_hyper_parameter_range {{
          name      = "hidden_dimension"
          min_value = 256
          max_value = 32
        }}
        continuous_hyper_parameter_range {{
          name      = "hidden_dimension"
          min_value = 0
          max_value = 1
        }}
        categorical_hyper_parameter_range {{
          name   = "recency_mask"
          values = []
        }}
      }}
    }}
    events_config {{ # two blocks for click
      event_parameters {{
        event_type = "click"
        weight     = 1.5
      }}
      event_parameters {{
        event_type = "click"
      }}
    }}
    training_data_config {{
      included_dataset_columns = {{ ITEMS = ["GENRE", "9LIVES"] }}
    }}
  }}
}}

resource "personalize_solution" "auto" {{
  name              = "auto"
  dataset_group_arn = "arn:aws:personalize:us-east-1:123456789012:dataset-group/g"
  recipe_arn        = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
  perform_auto_ml   = true
  solution_config {{
    auto_ml_config {{
      recipe_list = ["arn:aws:personalize:::recipe/aws-sims", "aws-user-personalization"]
    }}
    events_config {{ # eleven event types
{events}    }}
  }}
}}

resource "personalize_campaign" "c" {{
  name                 = "c"
  solution_version_arn = "arn:aws:personalize:us-east-1:123456789012:solution/s/1"
  campaign_config {{
    ranking_influence = {{ POPULARITY = 0.5, PRICE = 1 }}
  }}
}}
"#,
        header = header(Some("http://127.0.0.1:9")),
    );
    let line = |needle: &str| config.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let w = workdir(&config);
    let out = w.run(&["validate", "-json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    let expected = [
        (
            "Invalid value for integer_hyper_parameter_range",
            "integer_hyper_parameter_range {",
            "min_value 256 is greater than max_value 32",
        ),
        (
            "Invalid value for algorithm_hyper_parameter_ranges",
            "algorithm_hyper_parameter_ranges {",
            "\"hidden_dimension\" has more than one range",
        ),
        (
            "Invalid value for values",
            "values = []",
            "at least one value",
        ),
        (
            "hpo_config without perform_hpo",
            "hpo_config {",
            "perform_hpo = true",
        ),
        (
            "hpo_objective is not supported",
            "hpo_objective {",
            "doesn't support configuring the HPO objective",
        ),
        (
            "Invalid value for weight",
            "weight     = 1.5",
            "between 0 and 1",
        ),
        (
            "Invalid value for event_parameters",
            "two blocks for click",
            "\"click\" appears in more than one block",
        ),
        (
            "Invalid value for included_dataset_columns",
            "9LIVES",
            "item 2 (\"9LIVES\")",
        ),
        (
            "Conflicting recipe_arn",
            "recipe/aws-user-personalization-v2",
            "remove recipe_arn",
        ),
        (
            "Invalid value for recipe_list",
            "aws-sims",
            "item 2 (\"aws-user-personalization\")",
        ),
        (
            "Too many event_parameters blocks",
            "eleven event types",
            "at most 10 are allowed, got 11",
        ),
        (
            "Invalid value for ranking_influence",
            "PRICE = 1",
            "\"PRICE\" is not one of POPULARITY, FRESHNESS",
        ),
    ];
    let found: Vec<(String, u64, String)> = diags
        .iter()
        .map(|d| {
            (
                d["summary"].as_str().unwrap_or_default().to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap_or_default(),
                d["detail"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let problems: Vec<String> = expected
        .iter()
        .filter(|(summary, needle, detail)| {
            !found.iter().any(|(s, at, d)| {
                s == summary && d.contains(detail) && *at as usize == line(needle)
            })
        })
        .map(|(summary, needle, _)| format!("{summary} at line {}", line(needle)))
        .collect();
    assert!(problems.is_empty(), "missing {problems:#?} in {found:#?}");
    let errors = diags.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(errors, expected.len(), "{found:#?}");
}

#[test]
fn a_metric_attribution_needs_metrics_with_unique_names_and_an_output() {
    let w = workdir(&format!(
        "{}{}",
        header(Some("http://127.0.0.1:9")),
        r#"
resource "personalize_metric_attribution" "none" {
  name              = "none"
  dataset_group_arn = "arn:aws:personalize:us-east-1:123456789012:dataset-group/g"
}

resource "personalize_metric_attribution" "twice" {
  name              = "twice"
  dataset_group_arn = "arn:aws:personalize:us-east-1:123456789012:dataset-group/g"
  metrics {
    metric_name = "CLICKS"
    event_type  = "click"
    expression  = "SAMPLECOUNT()"
  }
  metrics {
    metric_name = "CLICKS"
    event_type  = "watch"
    expression  = "SAMPLECOUNT()"
  }
  metrics_output_config {
    s3_path  = "s3://reports/ma"
    role_arn = "arn:aws:iam::123456789012:role/personalize"
  }
}
"#
    ));
    let out = w.fails(&["validate", "-no-color"]);
    assert!(out.contains("Missing metrics"), "{out}");
    assert!(out.contains("Missing metrics_output_config"), "{out}");
    assert!(
        out.contains("Duplicate metric_name") && out.contains("\"CLICKS\""),
        "{out}"
    );
}
