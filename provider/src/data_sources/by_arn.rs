//! Data sources that read an existing resource by ARN with the resource's own finder:
//! `personalize_campaign`, `personalize_dataset_group`, `personalize_event_tracker`,
//! `personalize_solution`, `personalize_solution_version`.

use async_trait::async_trait;

use super::generic::DataKind;
use crate::framework::error::AwsError;
use crate::framework::schema::{Attr, Ty};
use crate::framework::validate;
use crate::framework::value::Obj;
use crate::provider::Clients;
use crate::resources::{campaign, dataset_group, event_tracker, solution, solution_version};

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
        use crate::framework::resource::Kind;
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
