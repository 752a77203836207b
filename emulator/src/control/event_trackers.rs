//! CreateEventTracker (Describe, List and Delete are the generic ones): one tracker per
//! dataset group, whose trackingId also shows on the group's interactions dataset.

use serde_json::{json, Map, Value};

use super::records::{insert_pending, require_active, str_field, tags_of};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::lifecycle;
use crate::state::{Kind, View};

/// CreateEventTracker: one per dataset group; its trackingId also shows on the group's
/// interactions dataset.
pub async fn create_event_tracker(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let group_arn = str_field(input, "datasetGroupArn").to_owned();
    let tags = tags_of(input)?;
    let id = uuid::Uuid::new_v4();
    let arn = ctx.arn(&format!("event-tracker/{:08x}", id.as_u128() as u32));
    let tracking_id = id.to_string();
    ctx.server.state.mutate(|inner, writes| {
        let group = inner.get(Kind::DatasetGroup, &group_arn)?;
        require_active(group, "Dataset group")?;
        if let Some(t) = inner
            .children(Kind::EventTracker, Kind::DatasetGroup, &group_arn)
            .next()
        {
            return Err(ApiError::exists(t.arn()));
        }
        let mut body = Map::new();
        body.insert("name".into(), str_field(input, "name").into());
        body.insert("datasetGroupArn".into(), group_arn.clone().into());
        body.insert("trackingId".into(), tracking_id.clone().into());
        body.insert(
            "accountId".into(),
            ctx.server.config.account_id.clone().into(),
        );
        insert_pending(inner, writes, Kind::EventTracker, &arn, body, tags)?;
        let interactions: Vec<String> = inner
            .children(Kind::Dataset, Kind::DatasetGroup, &group_arn)
            .filter(|d| {
                d.str("datasetType")
                    .is_some_and(|t| t.eq_ignore_ascii_case("interactions"))
            })
            .map(|d| d.arn().to_owned())
            .collect();
        for d in interactions {
            if let Some(r) = inner.records.get_mut(&d) {
                r.body
                    .insert("trackingId".into(), tracking_id.clone().into());
            }
            writes.record(inner, &d);
        }
        Ok(())
    })?;
    lifecycle::run_create(&ctx.server, &arn, None).await;
    Ok(json!({ "eventTrackerArn": arn, "trackingId": tracking_id }))
}
