//! CreateFilter (Describe, List and Delete are the generic ones): the expression is parsed by
//! the recommender's filter grammar at creation.

use personalize_recommender::filter;
use serde_json::{Map, Value};

use super::records::{arn_response, copy, insert_pending, require_active, str_field, tags_of};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::lifecycle;
use crate::state::{Kind, View};

/// CreateFilter: the expression is parsed by the recommender's grammar here, so a bad one is
/// refused at once with the position of the error.
pub async fn create_filter(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let name = str_field(input, "name");
    let group_arn = str_field(input, "datasetGroupArn").to_owned();
    let expression = str_field(input, "filterExpression");
    filter::parse(expression)
        .map_err(|e| ApiError::invalid(format!("Invalid filterExpression: {e}")))?;
    let tags = tags_of(input)?;
    let arn = ctx.arn(&format!("filter/{name}"));
    ctx.server.state.mutate(|inner, writes| {
        let group = inner.get(Kind::DatasetGroup, &group_arn)?;
        require_active(group, "Dataset group")?;
        let body = copy(input, &["name", "datasetGroupArn", "filterExpression"]);
        insert_pending(inner, writes, Kind::Filter, &arn, body, tags)
    })?;
    lifecycle::run_create(&ctx.server, &arn, None).await;
    Ok(arn_response(Kind::Filter, &arn))
}
