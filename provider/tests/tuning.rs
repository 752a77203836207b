//! Hyperparameter optimisation and AutoML through the Terraform CLI against personalize-local,
//! which trains them for real: the ranges and the recipe list reach the emulator, the version
//! reports the hyperparameters HPO chose (inside the ranges), the solution the recipe AutoML
//! chose (from the list), and a second plan shows no change.

mod common;

use common::emulator;
use common::walkthrough::data_chain;
use common::{header, workdir};

const UP: &str = "arn:aws:personalize:::recipe/aws-user-personalization";
const UP2: &str = "arn:aws:personalize:::recipe/aws-user-personalization-v2";

fn config(endpoint: &str) -> String {
    format!(
        r#"{header}{data}
resource "personalize_solution" "hpo" {{
  name                  = "tune-hpo"
  dataset_group_arn     = personalize_dataset_group.g.arn
  recipe_arn            = "{UP}"
  perform_hpo           = true
  perform_auto_training = false
  solution_config {{
    hpo_config {{
      hpo_resource_config {{
        max_number_of_training_jobs = "3"
        max_parallel_training_jobs  = "2"
      }}
      algorithm_hyper_parameter_ranges {{
        integer_hyper_parameter_range {{
          name      = "hidden_dimension"
          min_value = 16
          max_value = 64
        }}
        categorical_hyper_parameter_range {{
          name   = "recency_mask"
          values = ["true", "false"]
        }}
      }}
    }}
  }}
  depends_on = [personalize_dataset_import_job.interactions]
}}

resource "personalize_solution_version" "hpo" {{
  solution_arn = personalize_solution.hpo.arn
}}

resource "personalize_solution" "auto" {{
  name                  = "tune-auto"
  dataset_group_arn     = personalize_dataset_group.g.arn
  perform_auto_ml       = true
  perform_auto_training = false
  solution_config {{
    auto_ml_config {{
      metric_name = "precision_at_25"
      recipe_list = ["{UP}", "{UP2}"]
    }}
  }}
  depends_on = [personalize_dataset_import_job.interactions]
}}

resource "personalize_solution_version" "auto" {{
  solution_arn = personalize_solution.auto.arn
}}

data "personalize_solution_version" "hpo" {{
  arn = personalize_solution_version.hpo.arn
}}

data "personalize_solution" "auto" {{
  arn        = personalize_solution.auto.arn
  depends_on = [personalize_solution_version.auto]
}}
"#,
        header = header(Some(endpoint)),
        data = data_chain("tune"),
    )
}

#[test]
fn hpo_and_automl_train_choose_and_plan_no_change() {
    let emu = emulator::shared();
    let w = workdir(&config(emu.endpoint()));
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let (code, plan) = w.plan_exit_code();
    assert_eq!(code, 0, "no change expected after apply:\n{plan}");

    let version = w.resource("personalize_solution_version.hpo").unwrap();
    assert_eq!(version["status"], "ACTIVE");
    let tuned = &version["tuned_hyper_parameters"];
    let hidden: u32 = tuned["hidden_dimension"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("hidden_dimension tuned: {tuned}"));
    assert!((16..=64).contains(&hidden), "{tuned}");
    assert!(
        ["true", "false"].contains(&tuned["recency_mask"].as_str().unwrap_or("")),
        "{tuned}"
    );
    let data = w
        .resource("data.personalize_solution_version.hpo")
        .expect("data source in state");
    assert_eq!(&data["tuned_hyper_parameters"], tuned);

    // AutoML's choice is known once the version has trained: a refresh reads it.
    w.ok(&["apply", "-refresh-only", "-auto-approve", "-no-color"]);
    let auto = w.resource("personalize_solution.auto").unwrap();
    let best = auto["best_recipe_arn"].as_str().unwrap_or_default();
    assert!([UP, UP2].contains(&best), "best recipe {best:?}");
    let data = w.resource("data.personalize_solution.auto").unwrap();
    assert_eq!(data["best_recipe_arn"], best, "{data}");
    assert_eq!(data["perform_auto_ml"], true, "{data}");
    assert!(data["recipe_arn"].is_null(), "{data}");
    assert_eq!(w.plan_exit_code().0, 0);

    // What Terraform sent is what the emulator holds.
    let c = emu.client();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let hpo = rt
        .block_on(
            c.describe_solution()
                .solution_arn(
                    w.resource("personalize_solution.hpo").unwrap()["arn"]
                        .as_str()
                        .unwrap(),
                )
                .send(),
        )
        .unwrap()
        .solution
        .unwrap();
    assert!(hpo.perform_hpo());
    let ranges = hpo
        .solution_config()
        .and_then(|c| c.hpo_config())
        .and_then(|h| h.algorithm_hyper_parameter_ranges())
        .unwrap();
    assert_eq!(ranges.integer_hyper_parameter_ranges()[0].max_value(), 64);
    assert_eq!(
        ranges.categorical_hyper_parameter_ranges()[0].values(),
        ["true", "false"]
    );

    w.ok(&["destroy", "-auto-approve", "-no-color"]);
    let left = rt.block_on(c.list_solutions().send()).unwrap();
    assert!(left
        .solutions()
        .iter()
        .all(|s| !s.name().unwrap_or_default().starts_with("tune-")));
}
