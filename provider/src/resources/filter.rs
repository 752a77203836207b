//! `personalize_filter`: a filter expression for recommendations. No update API: every
//! argument forces replacement.

use async_trait::async_trait;

use super::common::{described, get_str, times};
use crate::framework::error::AwsError;
use crate::framework::resource::ResourceType;
use crate::framework::schema::{common_computed, status_attr, tags_attr, Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::{opt_string, string, Dyn, DynExt, Obj};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct Filter;

fn expression(v: &Dyn) -> Result<(), String> {
    validate::max_len(v, 2500)?;
    let text = v.str().unwrap_or_default().trim();
    let verb = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    if verb != "INCLUDE" && verb != "EXCLUDE" {
        return Err(format!(
            "a filter expression starts with INCLUDE or EXCLUDE, got {text:?}"
        ));
    }
    Ok(())
}

#[async_trait]
impl ResourceType for Filter {
    const DISPLAY: &'static str = "Filter";
    const ARN_FORM: &'static str = "filter/NAME";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(20));
    const UPDATES: bool = false;

    fn description() -> &'static str {
        "An Amazon Personalize filter: includes or excludes items from recommendations."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("name", Ty::String, "Name of the filter.")
                .force_new()
                .check(validate::name),
            Attr::required("dataset_group_arn", Ty::String, "ARN of the dataset group.")
                .force_new()
                .check(validate::personalize_arn),
            Attr::required(
                "filter_expression",
                Ty::String,
                "The expression, e.g. `EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"watch\")`.",
            )
            .force_new()
            .check(expression),
            Attr::computed("failure_reason", Ty::String, "Why creation failed, if it did."),
            status_attr(),
            tags_attr(),
        ];
        attrs.extend(common_computed("filter"));
        attrs
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_filter()
            .set_name(get_str(plan, "name"))
            .set_dataset_group_arn(get_str(plan, "dataset_group_arn"))
            .set_filter_expression(get_str(plan, "filter_expression"))
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        out.filter_arn
            .ok_or_else(|| AwsError::local("CreateFilter returned no ARN"))
    }

    type Remote = aws_sdk_personalize::types::Filter;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_filter_by_arn(c, arn).await
    }

    /// The filter's attribute values.
    fn flatten(f: &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("name".into(), opt_string(f.name()));
        o.insert(
            "dataset_group_arn".into(),
            opt_string(f.dataset_group_arn()),
        );
        o.insert(
            "filter_expression".into(),
            opt_string(f.filter_expression()),
        );
        o.insert("status".into(), opt_string(f.status()));
        o.insert("failure_reason".into(), opt_string(f.failure_reason()));
        if let Some(arn) = f.filter_arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, f.creation_date_time(), f.last_updated_date_time());
        o
    }

    async fn delete(c: &Clients, arn: &str, _state: &Obj) -> Result<(), AwsError> {
        c.personalize.delete_filter().filter_arn(arn).send().await?;
        Ok(())
    }
}

/// The filter as DescribeFilter returns it, `None` when it does not exist.
///
/// # Errors
/// When DescribeFilter fails otherwise.
pub async fn find_filter_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<aws_sdk_personalize::types::Filter>, AwsError> {
    described(
        c.personalize.describe_filter().filter_arn(arn).send(),
        |o| o.filter,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_start_with_a_verb() {
        assert!(expression(&string(
            "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"watch\")"
        ))
        .is_ok());
        assert!(expression(&string("include ItemID WHERE Items.GENRE IN ($G)")).is_ok());
        assert!(expression(&string("DROP TABLE items")).is_err());
        assert!(expression(&string("INCLUDE ".repeat(400))).is_err());
    }
}
