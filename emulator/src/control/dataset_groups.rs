//! CreateDatasetGroup (Describe, List and Delete are the generic ones).

use serde_json::{Map, Value};

use super::records::{arn_response, copy, insert_pending, str_field, tags_of};
use crate::ctx::Ctx;
use crate::error::{ApiError, ErrorKind};
use crate::lifecycle;
use crate::state::Kind;

/// Most dataset groups per account and region (Personalize's default quota).
pub const MAX_DATASET_GROUPS: usize = 500;

/// CreateDatasetGroup.
pub async fn create_dataset_group(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let name = str_field(input, "name");
    let arn = ctx.arn(&format!("dataset-group/{name}"));
    let tags = tags_of(input)?;
    ctx.server.state.mutate(|inner, writes| {
        let count = inner
            .records
            .iter()
            .filter(|(arn, r)| r.kind == Kind::DatasetGroup && ctx.in_region(arn))
            .count();
        if count >= MAX_DATASET_GROUPS && !inner.records.contains_key(&arn) {
            return Err(ApiError::new(
                ErrorKind::LimitExceeded,
                format!("At most {MAX_DATASET_GROUPS} dataset groups"),
            ));
        }
        let body = copy(input, &["name", "roleArn", "kmsKeyArn", "domain"]);
        insert_pending(inner, writes, Kind::DatasetGroup, &arn, body, tags)
    })?;
    lifecycle::run_create(&ctx.server, &arn, None).await;
    Ok(arn_response(Kind::DatasetGroup, &arn))
}
