//! `personalize_solution_version`: a trained model. Creating it trains (hours on AWS); a change
//! of `triggers` (or any argument) trains a new version that replaces the old one in state.
//! Personalize has no DeleteSolutionVersion: destroy stops a training still in progress
//! (StopSolutionVersionCreation), otherwise it only forgets the version.

use async_trait::async_trait;
use aws_sdk_personalize::types::TrainingMode;

use super::common::{described, get_str, times};
use crate::framework::error::AwsError;
use crate::framework::resource::{Lifecycle, ResourceType};
use crate::framework::schema::{common_computed, status_attr, tags_attr, Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::{number, obj, opt_string, string, string_map, Dyn, Obj};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct SolutionVersion;

/// Statuses of a training that StopSolutionVersionCreation can stop.
const TRAINING: &[&str] = &["CREATE PENDING", "CREATE IN_PROGRESS"];

#[async_trait]
impl ResourceType for SolutionVersion {
    const DISPLAY: &'static str = "Solution Version";
    const ARN_FORM: &'static str = "solution/NAME/ID";
    // Training takes hours on AWS.
    const TIMEOUTS: Timeouts = Timeouts {
        create: minutes(12 * 60),
        update: minutes(12 * 60),
        delete: minutes(60),
    };
    const UPDATES: bool = false;
    // No DeleteSolutionVersion exists: destroy stops a training in progress, waits for it to
    // end and forgets the version; its name is used once.
    const LIFECYCLE: Lifecycle = Lifecycle::NoDeleteApi { name_attr: "name" };

    fn description() -> &'static str {
        "An Amazon Personalize solution version: a trained model of a solution. There is no delete API: destroy stops a training in progress, otherwise forgets the version."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("solution_arn", Ty::String, "ARN of the solution to train.")
                .reads("ARN of the solution it belongs to.")
                .force_new()
                .check(validate::personalize_arn),
            Attr::optional_computed("training_mode", Ty::String, "`FULL` (default) or `UPDATE` (incremental: User-Personalization or HRNN-Coldstart, after an ACTIVE `FULL` version).")
                .reads("`FULL` or `UPDATE`.")
                .force_new()
                .default(string("FULL"))
                .check(|v| validate::one_of(v, &["FULL", "UPDATE"])),
            Attr::optional("name", Ty::String, "Name of the solution version.")
                .force_new()
                .check(validate::name),
            Attr::optional(
                "triggers",
                Ty::MapString,
                "Arbitrary values; changing any of them trains a new version (e.g. the import job's ARN or a data checksum). Also kept as `tf-personalize:trigger:KEY` tags on the version when they fit tag rules, so an import reads them back; otherwise an import adopts the configuration's triggers without training.",
            )
            .force_new()
            .local(),
            Attr::computed("metrics", Ty::MapNumber, "Offline metrics from GetSolutionMetrics (e.g. `precision_at_25`), usable in preconditions."),
            Attr::computed("failure_reason", Ty::String, "Why training failed, if it did."),
            Attr::computed("training_hours", Ty::Number, "Billed training hours."),
            Attr::computed("training_type", Ty::String, "`MANUAL` (CreateSolutionVersion, as this resource does) or `AUTOMATIC` (auto-training).")
                .reads("`MANUAL` (CreateSolutionVersion) or `AUTOMATIC` (auto-training)."),
            Attr::computed("recipe_arn", Ty::String, "The recipe the version trained with (with AutoML, the one it chose)."),
            tuned_attr(),
            status_attr(),
            tags_attr(),
        ];
        attrs.extend(common_computed("solution_version"));
        attrs
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_solution_version()
            .set_solution_arn(get_str(plan, "solution_arn"))
            .set_name(get_str(plan, "name"))
            .set_training_mode(
                get_str(plan, "training_mode").map(|m| TrainingMode::from(m.as_str())),
            )
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        out.solution_version_arn
            .ok_or_else(|| AwsError::local("CreateSolutionVersion returned no ARN"))
    }

    /// The version and, once ACTIVE, its metrics (GetSolutionMetrics).
    type Remote = (aws_sdk_personalize::types::SolutionVersion, Option<Dyn>);

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        let Some(v) = find_solution_version_by_arn(c, arn).await? else {
            return Ok(None);
        };
        let metrics = match v.status() {
            Some("ACTIVE") => Some(solution_metrics(c, arn).await?),
            _ => None,
        };
        Ok(Some((v, metrics)))
    }

    /// The version's attribute values, its metrics included once ACTIVE.
    fn flatten((v, metrics): &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("solution_arn".into(), opt_string(v.solution_arn()));
        o.insert("name".into(), opt_string(v.name()));
        o.insert(
            "training_mode".into(),
            opt_string(v.training_mode().map(TrainingMode::as_str)),
        );
        o.insert("status".into(), opt_string(v.status()));
        o.insert("failure_reason".into(), opt_string(v.failure_reason()));
        o.insert(
            "training_type".into(),
            opt_string(v.training_type().map(|t| t.as_str())),
        );
        o.insert("recipe_arn".into(), opt_string(v.recipe_arn()));
        o.insert(
            "training_hours".into(),
            v.training_hours()
                .map_or(tf_provider::value::Value::Null, number),
        );
        o.insert(
            "tuned_hyper_parameters".into(),
            string_map(
                v.tuned_hpo_params()
                    .and_then(|t| t.algorithm_hyper_parameters())
                    .cloned()
                    .unwrap_or_default(),
            ),
        );
        if let Some(arn) = v.solution_version_arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, v.creation_date_time(), v.last_updated_date_time());
        if let Some(metrics) = metrics {
            o.insert("metrics".into(), metrics.clone());
        }
        o
    }

    async fn delete(c: &Clients, arn: &str, _state: &Obj) -> Result<(), AwsError> {
        let Some(v) = find_solution_version_by_arn(c, arn).await? else {
            return Ok(());
        };
        let status = v.status().unwrap_or_default();
        if TRAINING.contains(&status) {
            super::solution::stop_training(c, arn).await?;
        }
        Ok(())
    }
}

/// The version as DescribeSolutionVersion returns it (without metrics), `None` when it does
/// not exist.
///
/// # Errors
/// When DescribeSolutionVersion fails otherwise.
pub async fn find_solution_version_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<aws_sdk_personalize::types::SolutionVersion>, AwsError> {
    described(
        c.personalize
            .describe_solution_version()
            .solution_version_arn(arn)
            .send(),
        |o| o.solution_version,
    )
    .await
}

/// The computed `tuned_hyper_parameters` (resource and data source).
pub fn tuned_attr() -> Attr {
    Attr::computed(
        "tuned_hyper_parameters",
        Ty::MapString,
        "Hyperparameter values HPO chose (with the solution's `perform_hpo = true`); empty otherwise.",
    )
}

/// GetSolutionMetrics as a map of numbers.
///
/// # Errors
/// When GetSolutionMetrics fails.
pub async fn solution_metrics(
    c: &Clients,
    arn: &str,
) -> Result<crate::framework::value::Dyn, AwsError> {
    let out = c
        .personalize
        .get_solution_metrics()
        .solution_version_arn(arn)
        .send()
        .await?;
    Ok(obj(out
        .metrics()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), number(*v))).collect())
        .unwrap_or_default()))
}
