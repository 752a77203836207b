//! PutEvents, PutItems, PutUsers: validated in full first, then appended to the dataset group's
//! log in one durable write, so a call either stores everything or nothing. An event whose
//! `eventId` was already stored for the tracking id is kept as a repeat: it reaches the user's
//! real-time recommendations, and training leaves it out.

use std::collections::{BTreeMap, HashSet};

use personalize_recommender::{Interaction, Item, User, Value as Attr};
use serde_json::{json, Map, Value};

use super::avro::{self, DatasetType, Schema};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::faults::Call;
use crate::state::{Kind, LogEntry, Txn, View, Write};

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// What one operation's `properties` may hold: the keys it refuses and the ones it takes as
/// members of the entry rather than as schema fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    /// The dataset's schema: every other key must name one of its fields and fit its type.
    /// `None` (PutEvents to a group without an Interactions dataset yet): kept untyped.
    pub(crate) schema: Option<&'a Schema>,
    /// Keys refused, compared case-insensitively and without underscores (`userId`, `USER_ID`
    /// and `user_id` are one key).
    pub(crate) reserved: &'static [&'static str],
    /// Keys that are the entry's own members, taken whatever the schema says.
    pub(crate) members: &'static [&'static str],
}

/// Event.properties: "The following can't be included as a keyword for properties (case
/// insensitive): userId, sessionId, eventType, timestamp, recommendationId, impression"; the
/// item id and event value may be (API_UBS_Event, `properties`).
const EVENT_RULES: Rules<'static> = Rules {
    schema: None,
    reserved: &[
        "userId",
        "sessionId",
        "eventType",
        "timestamp",
        "recommendationId",
        "impression",
    ],
    members: &["ITEM_ID", "EVENT_VALUE"],
};

/// Item.properties and User.properties: "The keys use camel case names that match the fields
/// in the schema" of the Items (Users) dataset (API_UBS_Item, API_UBS_User). The entry's id is
/// its `itemId` (`userId`) member, so a property naming it is refused rather than left to
/// contradict the member.
const ITEM_RULES: Rules<'static> = Rules {
    schema: None,
    reserved: &["itemId"],
    members: &[],
};
/// Action.properties: "The keys use camel case names that match the fields in the schema for
/// the Actions dataset" (API_UBS_Action); the id is the `actionId` member.
const ACTION_RULES: Rules<'static> = Rules {
    schema: None,
    reserved: &["actionId"],
    members: &[],
};
const USER_RULES: Rules<'static> = Rules {
    schema: None,
    reserved: &["userId"],
    members: &[],
};

fn folded(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// `properties` (a JSON object in a string, camelCase keys) as schema-named attributes: the
/// one checker of PutEvents, PutItems and PutUsers. Values are strings, numbers or booleans
/// (null: absent); each key maps to a field (`numberOfRatings` -> NUMBER_OF_RATINGS) that must
/// exist in the schema, appear once and take the value by its type, categorical strings at
/// most 1,000 characters (the Items and Users dataset requirements pages). The model already
/// bounds the whole string (EventPropertiesJSON 1,024, ItemProperties 32,000, UserProperties
/// 24,000 characters).
pub(crate) fn properties(
    text: Option<&str>,
    rules: Rules<'_>,
    what: &str,
) -> Result<BTreeMap<String, Attr>, ApiError> {
    let Some(text) = text else {
        return Ok(BTreeMap::new());
    };
    let bad = |why: String| ApiError::invalid(format!("{what}: properties {why}"));
    let parsed: Value =
        serde_json::from_str(text).map_err(|e| bad(format!("is not a JSON object: {e}")))?;
    let object = parsed
        .as_object()
        .ok_or_else(|| bad("must be a JSON object".into()))?;
    let mut out = BTreeMap::new();
    for (key, value) in object {
        let name = snake_upper(key);
        if rules.reserved.iter().any(|r| folded(r) == folded(key)) {
            return Err(bad(format!(
                "key {key:?} is not allowed: it is set by the request's own member"
            )));
        }
        let field = match rules.schema {
            Some(schema) if !rules.members.contains(&name.as_str()) => {
                Some(schema.field(&name).ok_or_else(|| {
                    bad(format!(
                        "{key} ({name}) is not a field of the dataset's schema"
                    ))
                })?)
            }
            _ => None,
        };
        let cell = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => continue,
            _ => return Err(bad(format!("{key} must be a string, number or boolean"))),
        };
        let attr = match field {
            Some(field) => avro::convert(field, &cell).map_err(|e| bad(format!("{key}: {e}")))?,
            None => Some(match value {
                Value::Number(n) => Attr::Num(n.as_f64().unwrap_or(0.0)),
                Value::Bool(b) => Attr::Bool(*b),
                _ => Attr::Str(cell),
            }),
        };
        if out.contains_key(&name) {
            return Err(bad(format!("name the field {name} twice")));
        }
        if let Some(attr) = attr {
            out.insert(name, attr);
        }
    }
    Ok(out)
}

/// The event's item id and value. The Event shape leaves `itemId` optional because an event
/// may carry it, and its value, in `properties`: "other than movie ID (`itemId`) and rating
/// (`eventValue`), you might also send..." (API_UBS_Event, `properties`), as the developer
/// guide's "Recording multiple item interaction events with event value data" does with
/// `properties: {"itemId": ..., "eventValue": ...}`. Both leave the attributes; a member and
/// a property that disagree are refused. An event with no item id at all is refused: every
/// Item interactions dataset has a required ITEM_ID ("Item interaction data requirements"),
/// no custom recipe learns from an interaction without an item, and the emulator would have
/// nothing to serve it as.
fn item_and_value(
    event: &Value,
    attributes: &mut BTreeMap<String, Attr>,
    what: &str,
) -> Result<(String, Option<f64>), ApiError> {
    let item_property = match attributes.remove("ITEM_ID") {
        None => None,
        Some(Attr::Str(s)) if (1..=256).contains(&s.chars().count()) => Some(s),
        Some(Attr::Num(n)) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{n}")),
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "{what}: properties itemId must be an item id of 1 to 256 characters, not {other:?}"
            )))
        }
    };
    let item_id = match (str_of(event, "itemId"), item_property) {
        (Some(member), Some(property)) if member != property => {
            return Err(ApiError::invalid(format!(
                "{what}: itemId {member:?} and properties itemId {property:?} disagree"
            )))
        }
        (Some(member), _) => member.to_owned(),
        (None, Some(property)) => property,
        (None, None) => {
            return Err(ApiError::invalid(format!(
                "{what}: the event names no item: give itemId, or itemId in properties \
                 (the Item interactions dataset's ITEM_ID is required)"
            )))
        }
    };
    let value_property = match attributes.remove("EVENT_VALUE") {
        None => None,
        Some(Attr::Num(n)) => Some(n),
        Some(Attr::Str(s)) => Some(
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "{what}: properties eventValue {s:?} is not a number"
                    ))
                })?,
        ),
        Some(Attr::Bool(b)) => {
            return Err(ApiError::invalid(format!(
                "{what}: properties eventValue {b} is not a number"
            )))
        }
    };
    let event_value = match (
        event.get("eventValue").and_then(Value::as_f64),
        value_property,
    ) {
        (Some(member), Some(property)) if member != property => {
            return Err(ApiError::invalid(format!(
                "{what}: eventValue {member} and properties eventValue {property} disagree"
            )))
        }
        (member, property) => member.or(property),
    };
    Ok((item_id, event_value))
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

pub(crate) fn schema_of(inner: &impl View, dataset_arn: &str) -> Option<Schema> {
    let dataset = inner.records().get(dataset_arn)?;
    let schema = inner.records().get(dataset.parent(Kind::Schema)?)?;
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
    // Anonymous events (no userId) are the session's in real time: "specify the sessionId as
    // the userId" of GetRecommendations (developer guide, Recording events for anonymous
    // users); training stitches them to a user later (`GroupLog::training_events`).
    let anonymous = input.get("userId").and_then(Value::as_str).is_none();
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
        // A tracking id is found only in its tracker's region (resources are regional).
        let tracker = inner
            .records
            .iter()
            .find(|(arn, r)| {
                r.kind == Kind::EventTracker
                    && r.str("trackingId") == Some(tracking_id)
                    && ctx.in_region(arn)
            })
            .map(|(_, r)| r)
            .ok_or_else(|| {
                ApiError::invalid(format!("No event tracker has trackingId {tracking_id}"))
            })?;
        if tracker.status() != "ACTIVE" {
            return Err(ApiError::invalid(format!(
                "Event tracker for {tracking_id} is {}",
                tracker.status()
            )));
        }
        let group = tracker.parent(Kind::DatasetGroup).unwrap_or("").to_owned();
        let interactions_schema = inner
            .children(Kind::Dataset, Kind::DatasetGroup, &group)
            .find(|d| {
                d.str("datasetType")
                    .and_then(|t| DatasetType::parse(t).ok())
                    == Some(DatasetType::Interactions)
            })
            .and_then(|d| schema_of(inner, d.arn()));
        let mut batch = Vec::new();
        let mut in_call = HashSet::new();
        for (i, event) in events.iter().enumerate() {
            let what = format!("eventList[{i}]");
            let sent_at = event.get("sentAt").and_then(Value::as_f64).unwrap_or(0.0);
            if !(0.0..=253_402_300_799.0).contains(&sent_at) {
                return Err(ApiError::invalid(format!(
                    "{what}: sentAt {sent_at} is out of range"
                )));
            }
            let rules = Rules {
                schema: interactions_schema.as_ref(),
                ..EVENT_RULES
            };
            let mut attributes = properties(str_of(event, "properties"), rules, &what)?;
            let (item_id, event_value) = item_and_value(event, &mut attributes, &what)?;
            // Kept for metric attribution reports, in the Interactions columns an import
            // reads them from (reserved keywords RECOMMENDATION_ID and
            // EVENT_ATTRIBUTION_SOURCE, Custom datasets and schemas).
            if let Some(id) = str_of(event, "recommendationId") {
                attributes.insert(
                    super::metric_reports::RECOMMENDATION_ID.to_owned(),
                    Attr::Str(id.to_owned()),
                );
            }
            if let Some(source) = event
                .get("metricAttribution")
                .and_then(|m| str_of(m, "eventAttributionSource"))
            {
                attributes.insert(
                    super::metric_reports::EVENT_ATTRIBUTION_SOURCE.to_owned(),
                    Attr::Str(source.to_owned()),
                );
            }
            let interaction = Interaction {
                user_id: user_id.clone(),
                item_id,
                timestamp: sent_at as i64,
                event_type: str_of(event, "eventType").unwrap_or("").to_owned(),
                event_value,
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
                dedup if anonymous => LogEntry::Anonymous { dedup, interaction },
                dedup => LogEntry::Event { dedup, interaction },
            });
        }
        append(inner, writes, &group, batch);
        Ok(json!({}))
    })
}

pub(crate) fn append(
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
        dataset.parent(Kind::DatasetGroup).unwrap_or("").to_owned(),
        schema,
    ))
}

/// PutItems.
pub fn put_items(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    put_entities(ctx, input, DatasetType::Items, "items", "itemId")
}

/// PutActions: actions added or replaced in an ACTIVE Actions dataset, served at once and
/// trained on by the next aws-next-best-action version.
pub fn put_actions(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    put_entities(ctx, input, DatasetType::Actions, "actions", "actionId")
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
            let rules = Rules {
                schema: Some(&schema),
                ..match ty {
                    DatasetType::Items => ITEM_RULES,
                    DatasetType::Actions => ACTION_RULES,
                    _ => USER_RULES,
                }
            };
            let attributes = properties(str_of(entry, "properties"), rules, &what)?;
            batch.push(match ty {
                DatasetType::Items => LogEntry::Item(Item {
                    item_id: id,
                    attributes,
                }),
                DatasetType::Actions => LogEntry::Action(Item {
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

    fn item_and_value_of(event: Value) -> Result<(String, Option<f64>), ApiError> {
        let mut attributes = properties(str_of(&event, "properties"), EVENT_RULES, "e")?;
        let out = item_and_value(&event, &mut attributes, "e")?;
        assert!(!attributes.contains_key("ITEM_ID") && !attributes.contains_key("EVENT_VALUE"));
        Ok(out)
    }

    #[test]
    fn the_item_and_value_may_come_from_properties() {
        let ok = |e: Value| item_and_value_of(e).unwrap();
        assert_eq!(
            ok(json!({"itemId": "i1", "eventValue": 2.5})),
            ("i1".into(), Some(2.5))
        );
        // Developer guide, "Recording multiple item interaction events with event value data".
        assert_eq!(
            ok(json!({"properties": r#"{"itemId": "choc-panama", "eventValue": 4}"#})),
            ("choc-panama".into(), Some(4.0))
        );
        assert_eq!(
            ok(json!({"properties": r#"{"itemId": 42, "eventValue": "3.5"}"#})),
            ("42".into(), Some(3.5))
        );
        assert_eq!(
            ok(json!({"itemId": "i1", "properties": r#"{"itemId": "i1"}"#})),
            ("i1".into(), None)
        );
        for (event, needle) in [
            (json!({}), "names no item"),
            (json!({"properties": r#"{"genre": "x"}"#}), "names no item"),
            (
                json!({"itemId": "a", "properties": r#"{"itemId": "b"}"#}),
                "disagree",
            ),
            (json!({"properties": r#"{"itemId": ""}"#}), "1 to 256"),
            (json!({"properties": r#"{"itemId": true}"#}), "1 to 256"),
            (json!({"properties": r#"{"itemId": 1.5}"#}), "1 to 256"),
            (
                json!({"properties": format!(r#"{{"itemId": "{}"}}"#, "x".repeat(257))}),
                "1 to 256",
            ),
            (
                json!({"itemId": "a", "properties": r#"{"eventValue": "high"}"#}),
                "not a number",
            ),
            (
                json!({"itemId": "a", "properties": r#"{"eventValue": true}"#}),
                "not a number",
            ),
            (
                json!({"itemId": "a", "eventValue": 1.0, "properties": r#"{"eventValue": 2}"#}),
                "disagree",
            ),
        ] {
            let err = item_and_value_of(event.clone()).unwrap_err();
            assert!(err.message.contains(needle), "{event}: {}", err.message);
        }
    }

    #[test]
    fn properties_are_typed_by_the_schema() {
        let schema = avro::parse(
            r#"{"type":"record","name":"I","fields":[{"name":"ITEM_ID","type":"string"},
               {"name":"GENRE","type":["null","string"],"categorical":true},{"name":"YEAR","type":"int"}]}"#,
        )
        .unwrap();
        let items = Rules {
            schema: Some(&schema),
            ..ITEM_RULES
        };
        let p = properties(
            Some(r#"{"genre":"Comedy|Drama","year":1999,"unsetField":null}"#),
            items,
            "x",
        );
        assert!(p.is_err(), "an unknown key is refused even when null");
        let p = properties(Some(r#"{"genre":"Comedy|Drama","year":1999}"#), items, "x").unwrap();
        assert_eq!(p["YEAR"], Attr::Num(1999.0));
        assert_eq!(p["GENRE"], Attr::Str("Comedy|Drama".into()));
        assert!(properties(Some(r#"{"genre":null}"#), items, "x")
            .unwrap()
            .is_empty());
    }

    /// The one checker refuses the same things for the three operations, each with its own
    /// reserved keys.
    #[test]
    fn properties_are_refused_precisely() {
        let schema = avro::parse(
            r#"{"type":"record","name":"I","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},
               {"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"},
               {"name":"GENRE","type":["null","string"],"categorical":true},{"name":"YEAR","type":"int"}]}"#,
        )
        .unwrap();
        let with = |rules: Rules<'static>| Rules {
            schema: Some(&schema),
            ..rules
        };
        let long = format!(r#"{{"genre":"{}"}}"#, "g".repeat(1001));
        for rules in [EVENT_RULES, ITEM_RULES, USER_RULES] {
            for (text, needle) in [
                (r#"{"colour":"red"}"#, "not a field"),
                (r#"{"year":"soon"}"#, "not of type int"),
                (r#"{"year":1.5}"#, "not of type int"),
                (r#"{"year":{"n":1}}"#, "string, number or boolean"),
                (r#"{"genre":["a"]}"#, "string, number or boolean"),
                (r#"{"genre":"a","GENRE":"b"}"#, "twice"),
                ("[1]", "JSON object"),
                ("{", "not a JSON object"),
                ("\u{0}{}", "not a JSON object"),
                (long.as_str(), "1000"),
            ] {
                let err = properties(Some(text), with(rules), "x").unwrap_err();
                assert!(
                    err.message.contains(needle),
                    "{:?} {text}: {}",
                    rules.reserved,
                    err.message
                );
            }
        }
        let reserved = |rules: Rules<'static>, text: &str| {
            properties(Some(text), with(rules), "x")
                .unwrap_err()
                .message
                .contains("not allowed")
        };
        for key in [
            "userId",
            "USERID",
            "session_id",
            "eventType",
            "TIMESTAMP",
            "recommendationId",
            "impression",
        ] {
            assert!(
                reserved(EVENT_RULES, &format!(r#"{{"{key}":"1"}}"#)),
                "{key}"
            );
        }
        assert!(reserved(ITEM_RULES, r#"{"itemId":"1"}"#));
        assert!(reserved(USER_RULES, r#"{"user_id":"1"}"#));
        // An event's item id and value are its own, whatever the schema has.
        let p = properties(
            Some(r#"{"itemId":"i1","eventValue":2}"#),
            with(EVENT_RULES),
            "x",
        )
        .unwrap();
        assert_eq!(p["ITEM_ID"], Attr::Str("i1".into()));
        assert_eq!(p["EVENT_VALUE"], Attr::Num(2.0));
        // Without an Interactions dataset there is no schema to check against.
        assert!(properties(Some(r#"{"anything":"x"}"#), EVENT_RULES, "x").is_ok());
    }
}
