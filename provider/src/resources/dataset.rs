//! `personalize_dataset`: a dataset of a dataset group. The schema changes in place through
//! UpdateDataset (waiting until the update is ACTIVE); everything else forces replacement.

use async_trait::async_trait;

use super::common::{described, get_str, summary, summary_members, times};
use crate::framework::error::AwsError;
use crate::framework::resource::ResourceType;
use crate::framework::schema::{common_computed, status_attr, tags_attr, Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Op, Timeouts};
use crate::framework::validate;
use crate::framework::value::{opt_string, string, Dyn, Obj};
use crate::framework::wait;
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct Dataset;

/// Dataset types Personalize accepts.
pub const DATASET_TYPES: &[&str] = &[
    "Interactions",
    "Items",
    "Users",
    "Actions",
    "Action_Interactions",
];

fn dataset_type(v: &Dyn) -> Result<(), String> {
    validate::one_of(v, DATASET_TYPES)
}

#[async_trait]
impl ResourceType for Dataset {
    const DISPLAY: &'static str = "Dataset";
    const ARN_FORM: &'static str = "dataset/GROUP/TYPE";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(20));
    const UPDATES: bool = true;

    fn description() -> &'static str {
        "An Amazon Personalize dataset (interactions, items, users, actions) in a dataset group."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("name", Ty::String, "Name of the dataset.")
                .force_new()
                .check(validate::name),
            Attr::required("dataset_group_arn", Ty::String, "ARN of the dataset group.")
                .force_new()
                .check(validate::personalize_arn),
            Attr::required(
                "dataset_type",
                Ty::String,
                "One of `Interactions`, `Items`, `Users`, `Actions`, `Action_Interactions`.",
            )
            .force_new()
            .check(dataset_type),
            Attr::required(
                "schema_arn",
                Ty::String,
                "ARN of the schema; changed in place with UpdateDataset.",
            )
            .reads("ARN of the schema.")
            .check(validate::personalize_arn),
            Attr::computed("latest_dataset_update", Ty::MapString, "The last UpdateDataset, as Personalize reports it: `status`, `failure_reason`, `schema_arn`, `creation_date_time`, `last_updated_date_time`; null before the first update."),
            status_attr(),
            tags_attr(),
        ];
        attrs.extend(common_computed("dataset"));
        attrs
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_dataset()
            .set_name(get_str(plan, "name"))
            .set_dataset_group_arn(get_str(plan, "dataset_group_arn"))
            .set_dataset_type(get_str(plan, "dataset_type"))
            .set_schema_arn(get_str(plan, "schema_arn"))
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        out.dataset_arn
            .ok_or_else(|| AwsError::local("CreateDataset returned no ARN"))
    }

    type Remote = aws_sdk_personalize::types::Dataset;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_dataset_by_arn(c, arn).await
    }

    fn flatten(d: &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("name".into(), opt_string(d.name()));
        o.insert(
            "dataset_group_arn".into(),
            opt_string(d.dataset_group_arn()),
        );
        o.insert("dataset_type".into(), opt_string(d.dataset_type()));
        o.insert("schema_arn".into(), opt_string(d.schema_arn()));
        o.insert("status".into(), opt_string(d.status()));
        o.insert(
            "latest_dataset_update".into(),
            summary(d.latest_dataset_update().map(|u| {
                let [st, fr, cr, up] = summary_members!(u);
                [
                    st,
                    fr,
                    ("schema_arn", u.schema_arn().map(str::to_owned)),
                    cr,
                    up,
                ]
            })),
        );
        if let Some(arn) = d.dataset_arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, d.creation_date_time(), d.last_updated_date_time());
        o
    }

    /// An update is tracked in latestDatasetUpdate; the dataset stays ACTIVE meanwhile.
    fn status(d: &Self::Remote, op: Op) -> (String, Option<String>) {
        wait::during(
            op,
            (d.status(), None),
            d.latest_dataset_update()
                .map(|u| (u.status(), u.failure_reason())),
        )
    }

    async fn update(c: &Clients, arn: &str, _prior: &Obj, plan: &Obj) -> Result<(), AwsError> {
        c.personalize
            .update_dataset()
            .dataset_arn(arn)
            .set_schema_arn(get_str(plan, "schema_arn"))
            .send()
            .await?;
        Ok(())
    }

    fn update_waits(_prior: &Obj, _plan: &Obj) -> bool {
        true
    }

    async fn delete(c: &Clients, arn: &str, _state: &Obj) -> Result<(), AwsError> {
        c.personalize
            .delete_dataset()
            .dataset_arn(arn)
            .send()
            .await?;
        Ok(())
    }
}

/// The dataset, `None` when it does not exist.
///
/// # Errors
/// When DescribeDataset fails otherwise.
pub async fn find_dataset_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<aws_sdk_personalize::types::Dataset>, AwsError> {
    described(
        c.personalize.describe_dataset().dataset_arn(arn).send(),
        |o| o.dataset,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_schema_updates_in_place() {
        for a in Dataset::attributes().iter().filter(|a| a.configurable()) {
            let in_place = matches!(a.name, "schema_arn" | "tags");
            assert_eq!(a.force_new, !in_place, "{}", a.name);
        }
        assert!(dataset_type(&string("Interactions")).is_ok());
        assert!(dataset_type(&string("interactions")).is_err());
    }
}
