//! Data sources that read an existing resource by ARN with the resource's own finder:
//! `personalize_campaign`, `personalize_dataset_group`, `personalize_event_tracker`,
//! `personalize_solution`, `personalize_solution_version`; `personalize_schema`,
//! `personalize_dataset` and `personalize_filter` mirror their resource ([`Mirror`]);
//! `personalize_active_solution_version` finds a solution's newest ACTIVE version.

use std::marker::PhantomData;

use async_trait::async_trait;

use super::generic::DataKind;
use crate::framework::error::AwsError;
use crate::framework::resource::Kind;
use crate::framework::schema::{Attr, Ty};
use crate::framework::validate;
use crate::framework::value::Obj;
use crate::provider::Clients;
use crate::resources::{
    campaign, dataset, dataset_group, event_tracker, filter, schema, solution, solution_version,
};

fn arn_attr(what: &'static str) -> Attr {
    Attr::required("arn", Ty::String, what).check(validate::personalize_arn)
}

fn times() -> [Attr; 2] {
    [
        Attr::computed(
            "creation_date_time",
            Ty::String,
            "When it was created (RFC 3339).",
        ),
        Attr::computed(
            "last_updated_date_time",
            Ty::String,
            "When it was last updated (RFC 3339).",
        ),
    ]
}

/// `data "personalize_campaign"`.
#[derive(Debug)]
pub struct CampaignData;

#[async_trait]
impl DataKind for CampaignData {
    const DISPLAY: &'static str = "Campaign";
    const KEY: &'static str = "arn";

    fn description() -> &'static str {
        "Reads an existing Amazon Personalize campaign by ARN."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            arn_attr("ARN of the campaign."),
            Attr::computed("name", Ty::String, "Name of the campaign."),
            Attr::computed(
                "solution_version_arn",
                Ty::String,
                "The deployed solution version.",
            ),
            Attr::computed(
                "min_provisioned_tps",
                Ty::Number,
                "Minimum provisioned TPS.",
            ),
            Attr::computed("status", Ty::String, "Status of the campaign."),
            Attr::computed(
                "failure_reason",
                Ty::String,
                "Why creation failed, if it did.",
            ),
        ];
        attrs.extend(times());
        attrs
    }

    async fn find(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
        Ok(campaign::find_campaign_by_arn(c, arn)
            .await?
            .map(|x| campaign::flatten(&x)))
    }
}

/// `data "personalize_dataset_group"`.
#[derive(Debug)]
pub struct DatasetGroupData;

#[async_trait]
impl DataKind for DatasetGroupData {
    const DISPLAY: &'static str = "Dataset Group";
    const KEY: &'static str = "arn";

    fn description() -> &'static str {
        "Reads an existing Amazon Personalize dataset group by ARN."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            arn_attr("ARN of the dataset group."),
            Attr::computed("name", Ty::String, "Name of the dataset group."),
            Attr::computed("role_arn", Ty::String, "IAM role for the KMS key."),
            Attr::computed("kms_key_arn", Ty::String, "KMS key of the datasets."),
            Attr::computed("domain", Ty::String, "Domain, for a Domain dataset group."),
            Attr::computed("status", Ty::String, "Status of the dataset group."),
        ];
        attrs.extend(times());
        attrs
    }

    async fn find(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
        dataset_group::find_dataset_group_by_arn(c, arn).await
    }
}

/// `data "personalize_solution_version"`.
#[derive(Debug)]
pub struct SolutionVersionData;

#[async_trait]
impl DataKind for SolutionVersionData {
    const DISPLAY: &'static str = "Solution Version";
    const KEY: &'static str = "arn";

    fn description() -> &'static str {
        "Reads an existing Amazon Personalize solution version by ARN, with its metrics."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            arn_attr("ARN of the solution version."),
            Attr::computed("solution_arn", Ty::String, "The solution it belongs to."),
            Attr::computed("training_mode", Ty::String, "`FULL` or `UPDATE`."),
            Attr::computed("status", Ty::String, "Status of the training."),
            Attr::computed(
                "failure_reason",
                Ty::String,
                "Why training failed, if it did.",
            ),
            Attr::computed("metrics", Ty::MapNumber, "GetSolutionMetrics, once ACTIVE."),
            solution_version::tuned_attr(),
        ];
        attrs.extend(times());
        attrs
    }

    async fn find(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
        solution_version::SolutionVersion::find(c, arn).await
    }
}

/// `data "personalize_event_tracker"`: the tracking ID an existing tracker's events need.
#[derive(Debug)]
pub struct EventTrackerData;

#[async_trait]
impl DataKind for EventTrackerData {
    const DISPLAY: &'static str = "Event Tracker";
    const KEY: &'static str = "arn";

    fn description() -> &'static str {
        "Reads an existing Amazon Personalize event tracker by ARN, with the tracking ID PutEvents needs."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            arn_attr("ARN of the event tracker."),
            Attr::computed("name", Ty::String, "Name of the event tracker."),
            Attr::computed("dataset_group_arn", Ty::String, "Its dataset group."),
            Attr::computed(
                "tracking_id",
                Ty::String,
                "The ID PutEvents takes as `trackingId`.",
            ),
            Attr::computed("account_id", Ty::String, "Account that owns it."),
            Attr::computed("status", Ty::String, "Status of the event tracker."),
        ];
        attrs.extend(times());
        attrs
    }

    async fn find(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
        event_tracker::find_event_tracker_by_arn(c, arn).await
    }
}

/// `data "personalize_solution"`.
#[derive(Debug)]
pub struct SolutionData;

#[async_trait]
impl DataKind for SolutionData {
    const DISPLAY: &'static str = "Solution";
    const KEY: &'static str = "arn";

    fn description() -> &'static str {
        "Reads an existing Amazon Personalize solution by ARN, with the recipe AutoML chose."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            arn_attr("ARN of the solution."),
            Attr::computed("name", Ty::String, "Name of the solution."),
            Attr::computed("dataset_group_arn", Ty::String, "Its dataset group."),
            Attr::computed("recipe_arn", Ty::String, "Its recipe (null with AutoML)."),
            Attr::computed(
                "event_type",
                Ty::String,
                "The event type it trains on, if one.",
            ),
            Attr::computed("perform_hpo", Ty::Bool, "Whether training runs HPO."),
            Attr::computed(
                "perform_auto_ml",
                Ty::Bool,
                "Whether AutoML picks the recipe.",
            ),
            Attr::computed(
                "perform_auto_training",
                Ty::Bool,
                "Whether Personalize trains new versions on a schedule.",
            ),
            Attr::computed(
                "perform_incremental_update",
                Ty::Bool,
                "Whether Personalize updates the model between full trainings.",
            ),
            Attr::computed(
                "best_recipe_arn",
                Ty::String,
                "The recipe AutoML chose, once a version has trained.",
            ),
            Attr::computed("status", Ty::String, "Status of the solution."),
        ];
        attrs.extend(times());
        attrs
    }

    async fn find(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
        solution::find_solution_by_arn(c, arn).await
    }
}

/// A resource whose finder a by-ARN data source reuses as it is ([`Mirror`]).
pub trait Mirrored: Kind {
    /// Markdown description of the data source.
    const READS: &'static str;
}

/// `data "personalize_X"` for a resource `K`: every attribute the resource reads back from
/// Personalize, computed, by `arn` (nested blocks, `tags` and Terraform-only arguments such as
/// `triggers` are left out; the resource's finder fills the rest).
#[derive(Debug)]
pub struct Mirror<K>(PhantomData<fn() -> K>);

/// The computed attributes a data source mirrors from a resource's attributes.
fn mirrored(attrs: Vec<Attr>, skip: &[&str]) -> Vec<Attr> {
    attrs
        .into_iter()
        .filter(|a| a.ty.nested().is_none())
        .filter(|a| !["id", "tags", "triggers", "arn"].contains(&a.name) && !skip.contains(&a.name))
        .map(|a| Attr::computed(a.name, a.ty, a.description))
        .collect()
}

#[async_trait]
impl<K: Mirrored> DataKind for Mirror<K> {
    const DISPLAY: &'static str = K::DISPLAY;
    const KEY: &'static str = "arn";

    fn description() -> &'static str {
        K::READS
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![arn_attr("ARN to read.")];
        attrs.extend(mirrored(K::attributes(), &[]));
        attrs
    }

    async fn find(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
        K::find(c, arn).await
    }
}

impl Mirrored for schema::Schema {
    const READS: &'static str = "Reads an existing Amazon Personalize schema by ARN.";
}

impl Mirrored for dataset::Dataset {
    const READS: &'static str =
        "Reads an existing Amazon Personalize dataset by ARN, with its latest update.";
}

impl Mirrored for filter::Filter {
    const READS: &'static str = "Reads an existing Amazon Personalize filter by ARN.";
}

/// `data "personalize_active_solution_version"`: the newest ACTIVE version of a solution
/// (ListSolutionVersions, newest `creationDateTime` among the ACTIVE ones), e.g. to deploy the
/// model auto-training produced.
#[derive(Debug)]
pub struct ActiveSolutionVersionData;

#[async_trait]
impl DataKind for ActiveSolutionVersionData {
    const DISPLAY: &'static str = "ACTIVE solution version of the solution";
    const KEY: &'static str = "solution_arn";

    fn description() -> &'static str {
        "Reads the newest ACTIVE version of an Amazon Personalize solution (trained by Terraform or by auto-training), with its metrics."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("solution_arn", Ty::String, "ARN of the solution.")
                .check(validate::personalize_arn),
            Attr::computed("arn", Ty::String, "ARN of the newest ACTIVE version."),
        ];
        attrs.extend(mirrored(
            solution_version::SolutionVersion::attributes(),
            &["solution_arn"],
        ));
        attrs
    }

    async fn find(c: &Clients, solution_arn: &str) -> Result<Option<Obj>, AwsError> {
        let versions = c
            .personalize
            .list_solution_versions()
            .solution_arn(solution_arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await?;
        let newest = versions
            .iter()
            .filter(|v| v.status() == Some("ACTIVE"))
            .max_by_key(|v| v.creation_date_time().map(|t| (t.secs(), t.subsec_nanos())));
        let Some(arn) = newest.and_then(|v| v.solution_version_arn()) else {
            return Ok(None);
        };
        let found = solution_version::SolutionVersion::find(c, arn).await?;
        Ok(found.map(|mut o| {
            o.insert("arn".into(), crate::framework::value::s(arn));
            o
        }))
    }
}
