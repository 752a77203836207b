//! PutEvents, PutItems, PutUsers: validated in full first, then appended to the dataset group's
//! log in one durable write, so a call either stores everything or nothing. An event whose
//! `eventId` was already stored for the tracking id is kept as a repeat: it reaches the user's
//! real-time recommendations, and training leaves it out.

use std::collections::{BTreeMap, HashSet};

use personalize_recommender::{Interaction, Item, User, Value as Attr};
use serde_json::{json, Map, Value};

use super::avro::{self, DatasetType, Schema};
use crate::error::ApiError;
use crate::faults::Call;
use crate::state::{Kind, LogEntry, Txn, View, Write};
use crate::wire::Ctx;

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `properties` (a JSON object in a string, camelCase keys) as schema-named attributes.
fn properties(
    text: Option<&str>,
    schema: Option<&Schema>,
    what: &str,
) -> Result<BTreeMap<String, Attr>, ApiError> {
    let Some(text) = text else {
        return Ok(BTreeMap::new());
    };
    let parsed: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::invalid(format!("{what}: properties is not a JSON object: {e}")))?;
    let object = parsed
        .as_object()
        .ok_or_else(|| ApiError::invalid(format!("{what}: properties must be a JSON object")))?;
    let mut out = BTreeMap::new();
    for (key, value) in object {
        let name = snake_upper(key);
        let cell = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => continue,
            _ => {
                return Err(ApiError::invalid(format!(
                    "{what}: property {key} must be a string, number or boolean"
                )))
            }
        };
        let attr = match schema {
            Some(schema) => {
                let field = schema.field(&name).ok_or_else(|| {
                    ApiError::invalid(format!(
                        "{what}: property {key} ({name}) is not in the dataset's schema"
                    ))
                })?;
                avro::convert(field, &cell)
                    .map_err(|e| ApiError::invalid(format!("{what}: property {key}: {e}")))?
            }
            None => Some(match value {
                Value::Number(n) => Attr::Num(n.as_f64().unwrap_or(0.0)),
                Value::Bool(b) => Attr::Bool(*b),
                _ => Attr::Str(cell),
            }),
        };
        if let Some(attr) = attr {
            out.insert(name, attr);
        }
    }
    Ok(out)
}

/// `numberOfRatings` -> `NUMBER_OF_RATINGS` (Personalize's mapping of property keys to fields).
pub fn snake_upper(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut after_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() && after_lower {
            out.push('_');
        }
        after_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn schema_of(inner: &impl View, dataset_arn: &str) -> Option<Schema> {
    let dataset = inner.records().get(dataset_arn)?;
    let schema = inner.records().get(dataset.str("schemaArn")?)?;
    avro::parse(schema.str("schema")?).ok()
}

/// PutEvents.
pub fn put_events(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    ctx.server.faults.check(Call::PutEvents)?;
    let tracking_id = input
        .get("trackingId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let session_id = input.get("sessionId").and_then(Value::as_str).unwrap_or("");
    // Anonymous events belong to their session, as in Personalize.
    let user_id = input
        .get("userId")
        .and_then(Value::as_str)
        .unwrap_or(session_id)
        .to_owned();
    let events = input
        .get("eventList")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    ctx.server.state.mutate(|inner, writes| {
        let tracker = inner
            .records
            .values()
            .find(|r| r.kind == Kind::EventTracker && r.str("trackingId") == Some(tracking_id))
            .ok_or_else(|| {
                ApiError::invalid(format!("No event tracker has trackingId {tracking_id}"))
            })?;
        if tracker.status() != "ACTIVE" {
            return Err(ApiError::invalid(format!(
                "Event tracker for {tracking_id} is {}",
                tracker.status()
            )));
        }
        let group = tracker.str("datasetGroupArn").unwrap_or("").to_owned();
        let interactions_schema = inner
            .children(Kind::Dataset, "datasetGroupArn", &group)
            .find(|d| {
                d.str("datasetType")
                    .and_then(|t| DatasetType::parse(t).ok())
                    == Some(DatasetType::Interactions)
            })
            .and_then(|d| schema_of(inner, d.str("datasetArn").unwrap_or("")));
        let mut batch = Vec::new();
        let mut in_call = HashSet::new();
        for (i, event) in events.iter().enumerate() {
            let what = format!("eventList[{i}]");
            let item_id = str_of(event, "itemId").ok_or_else(|| {
                ApiError::invalid(format!("{what}: itemId is required by personalize-local"))
            })?;
            let sent_at = event.get("sentAt").and_then(Value::as_f64).unwrap_or(0.0);
            if !(0.0..=253_402_300_799.0).contains(&sent_at) {
                return Err(ApiError::invalid(format!(
                    "{what}: sentAt {sent_at} is out of range"
                )));
            }
            let mut attributes = properties(str_of(event, "properties"), None, &what)?;
            if let Some(schema) = &interactions_schema {
                attributes.retain(|k, _| schema.field(k).is_some());
            }
            let interaction = Interaction {
                user_id: user_id.clone(),
                item_id: item_id.to_owned(),
                timestamp: sent_at as i64,
                event_type: str_of(event, "eventType").unwrap_or("").to_owned(),
                event_value: event.get("eventValue").and_then(Value::as_f64),
                session_id: Some(session_id.to_owned()),
                attributes,
            };
            let dedup = str_of(event, "eventId").map(|id| format!("{tracking_id}/{id}"));
            batch.push(match dedup {
                // "Any subsequent events after the first with the same event ID are not used
                // in model training" (Amazon Personalize API reference, Event): a repeat is
                // kept for the user's real-time recommendations and left out of training.
                Some(key)
                    if inner
                        .logs
                        .get(&group)
                        .is_some_and(|l| l.seen.contains(&key))
                        || !in_call.insert(key.clone()) =>
                {
                    LogEntry::Repeat {
                        dedup: key,
                        interaction,
                    }
                }
                dedup => LogEntry::Event { dedup, interaction },
            });
        }
        append(inner, writes, &group, batch);
        Ok(json!({}))
    })
}

fn append(
    inner: &mut Txn<'_>,
    writes: &mut crate::state::Writes,
    group: &str,
    batch: Vec<LogEntry>,
) {
    for entry in batch {
        let seq = inner.seq();
        writes.push(Write::Log(group.to_owned(), seq, entry));
    }
}

/// The dataset at `arn`, which must be an ACTIVE dataset of type `want`: (group, schema).
fn target_dataset(
    inner: &impl View,
    arn: &str,
    want: DatasetType,
) -> Result<(String, Schema), ApiError> {
    let dataset = inner.get(Kind::Dataset, arn)?;
    let ty =
        DatasetType::parse(dataset.str("datasetType").unwrap_or("")).map_err(ApiError::invalid)?;
    if ty != want {
        return Err(ApiError::invalid(format!(
            "{arn} is not a {want:?} dataset"
        )));
    }
    if dataset.status() != "ACTIVE" {
        return Err(ApiError::in_use(format!("{arn} is {}", dataset.status())));
    }
    let schema = schema_of(inner, arn)
        .ok_or_else(|| ApiError::invalid(format!("{arn} has no valid schema")))?;
    Ok((
        dataset.str("datasetGroupArn").unwrap_or("").to_owned(),
        schema,
    ))
}

/// PutItems.
pub fn put_items(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    put_entities(ctx, input, DatasetType::Items, "items", "itemId")
}

/// PutUsers.
pub fn put_users(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    put_entities(ctx, input, DatasetType::Users, "users", "userId")
}

fn put_entities(
    ctx: &Ctx,
    input: &Map<String, Value>,
    ty: DatasetType,
    list: &str,
    id_key: &str,
) -> Result<Value, ApiError> {
    let arn = input
        .get("datasetArn")
        .and_then(Value::as_str)
        .unwrap_or("");
    let entries = input
        .get(list)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    ctx.server.state.mutate(|inner, writes| {
        let (group, schema) = target_dataset(inner, arn, ty)?;
        let mut batch = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let what = format!("{list}[{i}]");
            let id = str_of(entry, id_key).unwrap_or("").to_owned();
            let attributes = properties(str_of(entry, "properties"), Some(&schema), &what)?;
            batch.push(match ty {
                DatasetType::Items => LogEntry::Item(Item {
                    item_id: id,
                    attributes,
                }),
                _ => LogEntry::User(User {
                    user_id: id,
                    attributes,
                }),
            });
        }
        append(inner, writes, &group, batch);
        Ok(json!({}))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_keys_map_to_schema_names() {
        assert_eq!(snake_upper("numberOfRatings"), "NUMBER_OF_RATINGS");
        assert_eq!(snake_upper("genre"), "GENRE");
        assert_eq!(snake_upper("GENRE"), "GENRE");
        assert_eq!(snake_upper("creationTimestamp"), "CREATION_TIMESTAMP");
    }

    #[test]
    fn properties_are_typed_by_the_schema() {
        let schema = avro::parse(
            r#"{"type":"record","name":"I","fields":[{"name":"ITEM_ID","type":"string"},
               {"name":"GENRE","type":["null","string"],"categorical":true},{"name":"YEAR","type":"int"}]}"#,
        )
        .unwrap();
        let p = properties(
            Some(r#"{"genre":"Comedy|Drama","year":1999}"#),
            Some(&schema),
            "x",
        )
        .unwrap();
        assert_eq!(p["YEAR"], Attr::Num(1999.0));
        assert_eq!(p["GENRE"], Attr::Str("Comedy|Drama".into()));
        assert!(properties(Some(r#"{"colour":"red"}"#), Some(&schema), "x").is_err());
        assert!(properties(Some(r#"{"year":"soon"}"#), Some(&schema), "x").is_err());
        assert!(properties(Some("[1]"), Some(&schema), "x").is_err());
        assert!(properties(Some("{"), None, "x").is_err());
    }
}
