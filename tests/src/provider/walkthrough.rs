//! The walkthrough configuration, shared by the walkthrough test and the benchmark.

use super::emulator::INTERACTIONS_SCHEMA;
use super::header;

/// The data half of the walkthrough under `prefix`: dataset group `g`, the interactions schema,
/// dataset and import job (all named `interactions`), reading `s3://data/interactions.csv`.
pub fn data_chain(prefix: &str) -> String {
    format!(
        r#"
resource "personalize_dataset_group" "g" {{
  name = "{prefix}"
}}

resource "personalize_schema" "interactions" {{
  name   = "{prefix}-interactions"
  schema = {schema}
}}

resource "personalize_dataset" "interactions" {{
  name              = "{prefix}-interactions"
  dataset_group_arn = personalize_dataset_group.g.arn
  dataset_type      = "Interactions"
  schema_arn        = personalize_schema.interactions.arn
}}

resource "personalize_dataset_import_job" "interactions" {{
  job_name      = "{prefix}-import"
  dataset_arn   = personalize_dataset.interactions.arn
  data_location = "s3://data/interactions.csv"
  role_arn      = "arn:aws:iam::123456789012:role/personalize"
}}
"#,
        schema = crate::terraform::hcl_string(INTERACTIONS_SCHEMA),
    )
}

/// Dataset group to campaign, event tracker and filter against `endpoint`; `retrain` goes into
/// the solution version's triggers.
pub fn config(endpoint: &str, retrain: &str) -> String {
    format!(
        r#"{header}{data}
resource "personalize_solution" "s" {{
  name              = "walk-solution"
  dataset_group_arn = personalize_dataset_group.g.arn
  recipe_arn        = data.personalize_recipe.up.arn
  depends_on        = [personalize_dataset_import_job.interactions]
}}

resource "personalize_solution_version" "v" {{
  solution_arn = personalize_solution.s.arn
  triggers = {{
    import = personalize_dataset_import_job.interactions.arn
    retrain = "{retrain}"
  }}
}}

resource "personalize_campaign" "c" {{
  name                 = "walk-campaign"
  solution_version_arn = personalize_solution_version.v.arn
  min_provisioned_tps  = 1
}}

resource "personalize_event_tracker" "t" {{
  name              = "walk-tracker"
  dataset_group_arn = personalize_dataset_group.g.arn
  depends_on        = [personalize_dataset.interactions]
}}

resource "personalize_filter" "f" {{
  name              = "walk-no-repeats"
  dataset_group_arn = personalize_dataset_group.g.arn
  filter_expression = "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"watch\")"
  depends_on        = [personalize_dataset.interactions]
}}

data "personalize_recipe" "up" {{
  name = "aws-user-personalization"
}}

data "personalize_campaign" "c" {{
  arn = personalize_campaign.c.arn
}}

data "personalize_event_tracker" "t" {{
  arn = personalize_event_tracker.t.arn
}}

data "personalize_solution_version" "v" {{
  arn = personalize_solution_version.v.arn
}}

output "campaign_status" {{
  value = data.personalize_campaign.c.status
}}

output "coverage" {{
  value = data.personalize_solution_version.v.metrics["coverage"]
}}

output "campaign_arn" {{
  value = personalize_campaign.c.arn
}}

output "tracking_id" {{
  value = personalize_event_tracker.t.tracking_id
}}

output "tracking_id_read" {{
  value = data.personalize_event_tracker.t.tracking_id
}}
"#,
        header = header(Some(endpoint)),
        data = data_chain("walk"),
    )
}
