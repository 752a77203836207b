//! TagResource, UntagResource and ListTagsForResource, on any resource by ARN.

use serde_json::{json, Map, Value};

use super::records::{str_field, tags_of, MAX_TAGS};
use crate::ctx::Ctx;
use crate::error::{ApiError, ErrorKind};
use crate::state::{Record, Txn};

fn tag_target<'a>(inner: &'a mut Txn<'_>, arn: &str) -> Result<&'a mut Record, ApiError> {
    inner
        .records
        .get_mut(arn)
        .ok_or_else(|| ApiError::not_found(arn))
}

/// TagResource: merges the tags, within [`MAX_TAGS`].
///
/// # Errors
/// ResourceNotFoundException, TooManyTagsException.
pub fn tag_resource(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = str_field(input, "resourceArn").to_owned();
    let new_tags = tags_of(input)?;
    ctx.server.state.mutate(|inner, writes| {
        let record = tag_target(inner, &arn)?;
        let mut merged = record.tags.clone();
        merged.extend(new_tags);
        if merged.len() > MAX_TAGS {
            return Err(ApiError::new(
                ErrorKind::TooManyTags,
                format!("A resource can have at most {MAX_TAGS} tags"),
            ));
        }
        record.tags = merged;
        writes.record(inner, &arn);
        Ok(json!({}))
    })
}

/// UntagResource: removes the tag keys given.
///
/// # Errors
/// ResourceNotFoundException, TooManyTagKeysException.
pub fn untag_resource(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = str_field(input, "resourceArn").to_owned();
    let keys: Vec<String> = input
        .get("tagKeys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    if keys.len() > MAX_TAGS {
        return Err(ApiError::new(
            ErrorKind::TooManyTagKeys,
            format!("At most {MAX_TAGS} tag keys per call"),
        ));
    }
    ctx.server.state.mutate(|inner, writes| {
        let record = tag_target(inner, &arn)?;
        for k in &keys {
            record.tags.remove(k);
        }
        writes.record(inner, &arn);
        Ok(json!({}))
    })
}

/// ListTagsForResource.
///
/// # Errors
/// ResourceNotFoundException.
pub fn list_tags(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = str_field(input, "resourceArn");
    let inner = ctx.server.state.read();
    let record = inner
        .records
        .get(arn)
        .ok_or_else(|| ApiError::not_found(arn))?;
    let tags: Vec<Value> = record
        .tags
        .iter()
        .map(|(k, v)| json!({"tagKey": k, "tagValue": v}))
        .collect();
    Ok(json!({ "tags": tags }))
}
