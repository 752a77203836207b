//! `personalize_dataset_group`: the container of datasets, solutions and event trackers.
//! Personalize has no UpdateDatasetGroup, so every argument forces replacement.

use async_trait::async_trait;
use aws_sdk_personalize::types::Domain;

use super::common::{described, get_str, times};
use crate::framework::error::AwsError;
use crate::framework::resource::ResourceType;
use crate::framework::schema::{common_computed, status_attr, tags_attr, Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::{opt_string, string, Dyn, Obj};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct DatasetGroup;

/// The domains of a Domain dataset group.
pub const DOMAINS: &[&str] = &["ECOMMERCE", "VIDEO_ON_DEMAND"];

fn domain(v: &Dyn) -> Result<(), String> {
    validate::one_of(v, DOMAINS)
}

#[async_trait]
impl ResourceType for DatasetGroup {
    const DISPLAY: &'static str = "Dataset Group";
    const ARN_FORM: &'static str = "dataset-group/NAME";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(20));
    const UPDATES: bool = false;

    fn description() -> &'static str {
        "An Amazon Personalize dataset group: the container of datasets, solutions, campaigns and event trackers."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("name", Ty::String, "Name of the dataset group.")
                .force_new()
                .check(validate::name),
            Attr::optional(
                "role_arn",
                Ty::String,
                "IAM role Personalize assumes to use `kms_key_arn`.",
            )
            .force_new()
            .check(validate::role_arn),
            Attr::optional(
                "kms_key_arn",
                Ty::String,
                "KMS key that encrypts the datasets.",
            )
            .force_new()
            .check(validate::arn),
            Attr::optional(
                "domain",
                Ty::String,
                "Domain of a Domain dataset group: `ECOMMERCE` or `VIDEO_ON_DEMAND`.",
            )
            .force_new()
            .check(domain),
            Attr::computed(
                "failure_reason",
                Ty::String,
                "Why creation failed, if it did.",
            ),
            status_attr(),
            tags_attr(),
        ];
        attrs.extend(common_computed("dataset_group"));
        attrs
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_dataset_group()
            .set_name(get_str(plan, "name"))
            .set_role_arn(get_str(plan, "role_arn"))
            .set_kms_key_arn(get_str(plan, "kms_key_arn"))
            .set_domain(get_str(plan, "domain").map(|d| Domain::from(d.as_str())))
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        out.dataset_group_arn
            .ok_or_else(|| AwsError::local("CreateDatasetGroup returned no ARN"))
    }

    type Remote = aws_sdk_personalize::types::DatasetGroup;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_dataset_group_by_arn(c, arn).await
    }

    /// DescribeDatasetGroup's shape as attribute values.
    fn flatten(g: &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("name".into(), opt_string(g.name()));
        o.insert("role_arn".into(), opt_string(g.role_arn()));
        o.insert("kms_key_arn".into(), opt_string(g.kms_key_arn()));
        o.insert("domain".into(), opt_string(g.domain().map(Domain::as_str)));
        o.insert("status".into(), opt_string(g.status()));
        o.insert("failure_reason".into(), opt_string(g.failure_reason()));
        times(&mut o, g.creation_date_time(), g.last_updated_date_time());
        if let Some(arn) = g.dataset_group_arn() {
            o.insert("arn".into(), string(arn));
        }
        o
    }

    async fn delete(c: &Clients, arn: &str, _state: &Obj) -> Result<(), AwsError> {
        c.personalize
            .delete_dataset_group()
            .dataset_group_arn(arn)
            .send()
            .await?;
        Ok(())
    }
}

/// The dataset group as DescribeDatasetGroup returns it, `None` when it does not exist.
///
/// # Errors
/// When DescribeDatasetGroup fails otherwise.
pub async fn find_dataset_group_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<aws_sdk_personalize::types::DatasetGroup>, AwsError> {
    described(
        c.personalize
            .describe_dataset_group()
            .dataset_group_arn(arn)
            .send(),
        |o| o.dataset_group,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_personalize::types::DatasetGroup as Api;
    use tf_provider::value::Value;

    #[test]
    fn flatten_maps_every_field() {
        let g = Api::builder()
            .name("movies")
            .dataset_group_arn("arn:aws:personalize:us-east-1:000000000000:dataset-group/movies")
            .status("ACTIVE")
            .domain(Domain::Ecommerce)
            .build();
        let o = <DatasetGroup as ResourceType>::flatten(&g);
        assert_eq!(o["name"], string("movies"));
        assert_eq!(o["domain"], string("ECOMMERCE"));
        assert_eq!(o["role_arn"], Value::Null);
        assert_eq!(o["status"], string("ACTIVE"));
    }

    #[test]
    fn every_argument_forces_replacement() {
        for a in DatasetGroup::attributes()
            .iter()
            .filter(|a| a.configurable())
        {
            assert!(a.force_new || a.name == "tags", "{}", a.name);
        }
        assert!(domain(&string("RETAIL")).is_err());
    }
}
