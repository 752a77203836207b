//! `personalize_event_tracker`: the tracking ID that PutEvents needs. No update API: every
//! argument forces replacement.

use async_trait::async_trait;

use super::common::{described, get_str, times};
use crate::framework::error::AwsError;
use crate::framework::resource::ResourceType;
use crate::framework::schema::{common_computed, status_attr, tags_attr, Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::{opt_string, string, Obj};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct EventTracker;

#[async_trait]
impl ResourceType for EventTracker {
    const DISPLAY: &'static str = "Event Tracker";
    const ARN_FORM: &'static str = "event-tracker/ID";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(20));
    const UPDATES: bool = false;

    fn description() -> &'static str {
        "An Amazon Personalize event tracker: gives the `tracking_id` that PutEvents calls use."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("name", Ty::String, "Name of the event tracker.")
                .force_new()
                .check(validate::name),
            Attr::required(
                "dataset_group_arn",
                Ty::String,
                "ARN of the dataset group whose Interactions dataset receives the events.",
            )
            .force_new()
            .check(validate::personalize_arn),
            Attr::computed(
                "tracking_id",
                Ty::String,
                "The ID to pass as `trackingId` to PutEvents.",
            ),
            Attr::computed(
                "account_id",
                Ty::String,
                "AWS account that owns the event tracker.",
            ),
            status_attr(),
            tags_attr(),
        ];
        attrs.extend(common_computed("event_tracker"));
        attrs
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_event_tracker()
            .set_name(get_str(plan, "name"))
            .set_dataset_group_arn(get_str(plan, "dataset_group_arn"))
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        out.event_tracker_arn
            .ok_or_else(|| AwsError::local("CreateEventTracker returned no ARN"))
    }

    type Remote = aws_sdk_personalize::types::EventTracker;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_event_tracker_by_arn(c, arn).await
    }

    /// The event tracker's attribute values.
    fn flatten(t: &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("name".into(), opt_string(t.name()));
        o.insert(
            "dataset_group_arn".into(),
            opt_string(t.dataset_group_arn()),
        );
        o.insert("tracking_id".into(), opt_string(t.tracking_id()));
        o.insert("account_id".into(), opt_string(t.account_id()));
        o.insert("status".into(), opt_string(t.status()));
        if let Some(arn) = t.event_tracker_arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, t.creation_date_time(), t.last_updated_date_time());
        o
    }

    async fn delete(c: &Clients, arn: &str, _state: &Obj) -> Result<(), AwsError> {
        c.personalize
            .delete_event_tracker()
            .event_tracker_arn(arn)
            .send()
            .await?;
        Ok(())
    }
}

/// The event tracker as DescribeEventTracker returns it, `None` when it does not exist.
///
/// # Errors
/// When DescribeEventTracker fails otherwise.
pub async fn find_event_tracker_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<aws_sdk_personalize::types::EventTracker>, AwsError> {
    described(
        c.personalize
            .describe_event_tracker()
            .event_tracker_arn(arn)
            .send(),
        |o| o.event_tracker,
    )
    .await
}
