//! CreateSchema (Describe, List and Delete are the generic ones): the Avro schema is parsed and
//! checked at creation.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::records::{arn_response, copy, insert_created, str_field};
use crate::ctx::Ctx;
use crate::data::avro;
use crate::error::ApiError;
use crate::state::Kind;

/// CreateSchema: the Avro schema is parsed and checked here.
pub fn create_schema(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let name = str_field(input, "name");
    avro::parse(str_field(input, "schema"))
        .map_err(|e| ApiError::invalid(format!("Invalid schema: {e}")))?;
    let arn = ctx.arn(&format!("schema/{name}"));
    ctx.server.state.mutate(|inner, writes| {
        let body = copy(input, &["name", "schema", "domain"]);
        insert_created(
            inner,
            writes,
            Kind::Schema,
            &arn,
            body,
            None,
            BTreeMap::new(),
        )
    })?;
    Ok(arn_response(Kind::Schema, &arn))
}
