//! The Kinesis record format between collect and ingest (and, through Firehose, the S3
//! archive kept for retraining).
//!
//! One record holds the events of one request for one user and session, in the order the
//! caller sent them, as JSON:
//! `{"userId","sessionId","events":[{"eventType","itemId","sentAt","eventValue","properties",
//! "recommendationId","impression","eventId"}]}`, `sentAt` in epoch seconds and `properties`
//! as the JSON string Personalize takes. Both sides parse with [`parse_record`], so what
//! collect accepts is exactly what ingest can send to Personalize, and a record written by
//! anything else is checked with the same rules before it reaches PutEvents.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::fields::{string_value, type_name, FieldError, Fields};

/// Most events one request (and so one record) may carry.
pub const MAX_EVENTS_PER_RECORD: usize = 100;
/// Largest Kinesis record data (the Kinesis limit is 1 MiB including the partition key).
pub const MAX_RECORD_BYTES: usize = 1_000_000;
/// Largest event, as the JSON PutEvents sends: Personalize takes events of at most 10 KB
/// ("Amazon Personalize endpoints and quotas", developer guide). Each field's own limit
/// allows more (25 impression ids of 256 four-byte characters alone are 25 KiB).
pub const MAX_EVENT_BYTES: usize = 10 * 1024;
/// Latest accepted timestamp: 9999-12-31T23:59:59Z.
pub const MAX_EPOCH_SECONDS: f64 = 253_402_300_799.0;

/// The events of one user and session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamRecord {
    /// Personalize user id.
    pub user_id: String,
    /// Personalize session id.
    pub session_id: String,
    /// The events, in the caller's order.
    pub events: Vec<StreamEvent>,
}

/// One interaction, shaped like a Personalize `Event`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamEvent {
    /// Event type (`watch`, `click`...).
    pub event_type: String,
    /// Item interacted with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// When it happened, epoch seconds.
    pub sent_at: f64,
    /// Value for event-value thresholds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_value: Option<f32>,
    /// Extra properties as a JSON object string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<String>,
    /// Recommendation this interaction came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation_id: Option<String>,
    /// Items shown alongside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impression: Option<Vec<String>>,
    /// Caller-chosen id; when absent ingest derives one from the record's position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

/// Checks a `{"userId","sessionId","events"}` object field by field. Events without `sentAt`
/// get `default_sent_at` (collect: the request time; ingest: the record's arrival time).
pub fn parse_record(value: &Value, default_sent_at: f64) -> Result<StreamRecord, FieldError> {
    let f = Fields::object(value, "")?;
    f.deny_unknown(&["userId", "sessionId", "events"])?;
    let user_id = f.string("userId", 1, 256)?;
    let session_id = f.string("sessionId", 1, 256)?;
    let events = f.array("events")?;
    if events.is_empty() || events.len() > MAX_EVENTS_PER_RECORD {
        return Err(FieldError::new(
            "events",
            format!(
                "must hold 1 to {MAX_EVENTS_PER_RECORD} events, not {}",
                events.len()
            ),
        ));
    }
    let events = events
        .iter()
        .enumerate()
        .map(|(i, e)| parse_event(e, &format!("events[{i}]"), default_sent_at))
        .collect::<Result<_, _>>()?;
    Ok(StreamRecord {
        user_id,
        session_id,
        events,
    })
}

const EVENT_FIELDS: &[&str] = &[
    "eventType",
    "itemId",
    "sentAt",
    "eventValue",
    "properties",
    "recommendationId",
    "impression",
    "eventId",
];

fn parse_event(value: &Value, path: &str, default_sent_at: f64) -> Result<StreamEvent, FieldError> {
    let f = Fields::object(value, path)?;
    f.deny_unknown(EVENT_FIELDS)?;
    let sent_at = match f.get("sentAt") {
        None => default_sent_at,
        Some(v) => timestamp(v, &f.path_of("sentAt"))?,
    };
    let event_value = match f.get("eventValue") {
        None => None,
        Some(Value::Number(n)) => {
            let x = n.as_f64().unwrap_or(f64::INFINITY);
            if !x.is_finite() || x.abs() > f64::from(f32::MAX) {
                return Err(FieldError::new(
                    f.path_of("eventValue"),
                    "must be a finite number within single precision",
                ));
            }
            Some(x as f32)
        }
        Some(other) => {
            return Err(FieldError::new(
                f.path_of("eventValue"),
                format!("must be a number, not {}", type_name(other)),
            ))
        }
    };
    let properties = match f.get("properties") {
        None => None,
        Some(v) => Some(properties(v, &f.path_of("properties"))?),
    };
    let impression = match f.get("impression") {
        None => None,
        Some(Value::Array(items)) if (1..=25).contains(&items.len()) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| string_value(v, &format!("{}[{i}]", f.path_of("impression")), 1, 256))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(Value::Array(items)) => {
            return Err(FieldError::new(
                f.path_of("impression"),
                format!("must hold 1 to 25 item ids, not {}", items.len()),
            ))
        }
        Some(other) => {
            return Err(FieldError::new(
                f.path_of("impression"),
                format!("must be an array of item ids, not {}", type_name(other)),
            ))
        }
    };
    let event = StreamEvent {
        event_type: f.string("eventType", 1, 256)?,
        item_id: f.opt_string("itemId", 1, 256)?,
        sent_at,
        event_value,
        properties,
        recommendation_id: f.opt_string("recommendationId", 1, 40)?,
        impression,
        event_id: f.opt_string("eventId", 1, 256)?,
    };
    let size = serde_json::to_vec(&event).map_or(usize::MAX, |v| v.len());
    if size > MAX_EVENT_BYTES {
        return Err(FieldError::new(
            path,
            format!("is {size} bytes as JSON; Personalize takes events of at most {MAX_EVENT_BYTES} bytes"),
        ));
    }
    Ok(event)
}

/// `properties` as Personalize wants it: a JSON object serialised to at most 1024 characters.
/// An object is serialised; a string must already hold a JSON object.
fn properties(v: &Value, path: &str) -> Result<String, FieldError> {
    let text = match v {
        Value::Object(_) => v.to_string(),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(_)) => s.clone(),
            _ => {
                return Err(FieldError::new(
                    path,
                    "must be a JSON object or a string holding one",
                ))
            }
        },
        other => {
            return Err(FieldError::new(
                path,
                format!("must be a JSON object, not {}", type_name(other)),
            ))
        }
    };
    let len = text.chars().count();
    if len > 1024 {
        return Err(FieldError::new(
            path,
            format!("must serialise to at most 1024 characters, not {len}"),
        ));
    }
    Ok(text)
}

/// A timestamp as epoch seconds: a non-negative number of seconds, or an RFC 3339 string
/// (`2024-05-01T12:00:00Z`), up to the year 9999.
pub fn timestamp(v: &Value, path: &str) -> Result<f64, FieldError> {
    let secs = match v {
        Value::Number(n) => n.as_f64().unwrap_or(f64::INFINITY),
        Value::String(s) => OffsetDateTime::parse(s, &Rfc3339)
            .map_err(|e| {
                FieldError::new(
                    path,
                    format!("must be epoch seconds or an RFC 3339 date-time: {e}"),
                )
            })
            .map(|t| t.unix_timestamp_nanos() as f64 / 1e9)?,
        other => {
            return Err(FieldError::new(
                path,
                format!(
                    "must be epoch seconds or an RFC 3339 date-time, not {}",
                    type_name(other)
                ),
            ))
        }
    };
    if !secs.is_finite() || !(0.0..=MAX_EPOCH_SECONDS).contains(&secs) {
        return Err(FieldError::new(
            path,
            "must be between 1970-01-01 and 9999-12-31 (epoch seconds 0 to 253402300799)",
        ));
    }
    Ok(secs)
}

/// Current time in epoch seconds.
pub fn now_seconds() -> f64 {
    OffsetDateTime::now_utc().unix_timestamp_nanos() as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(v: Value) -> FieldError {
        parse_record(&v, 1.0).unwrap_err()
    }

    #[test]
    fn a_full_record_round_trips_through_json() {
        let v = json!({"userId": "429", "sessionId": "s", "events": [
            {"eventType": "watch", "itemId": "185", "sentAt": "2024-01-01T00:00:00Z",
             "eventValue": 4.5, "properties": {"numberOfRatings": "3"}, "recommendationId": "r",
             "impression": ["1", "2"], "eventId": "e1"},
            {"eventType": "click"}]});
        let r = parse_record(&v, 42.0).unwrap();
        assert_eq!(r.events[0].sent_at, 1_704_067_200.0);
        assert_eq!(
            r.events[0].properties.as_deref(),
            Some(r#"{"numberOfRatings":"3"}"#)
        );
        assert_eq!(r.events[1].sent_at, 42.0);
        let again = parse_record(&serde_json::to_value(&r).unwrap(), 0.0).unwrap();
        assert_eq!(again, r);
    }

    #[test]
    fn every_bad_field_is_named() {
        let ok = |e: Value| json!({"userId": "u", "sessionId": "s", "events": [e]});
        assert_eq!(err(json!({"sessionId": "s", "events": []})).field, "userId");
        assert_eq!(
            err(json!({"userId": 429, "sessionId": "s", "events": []})).field,
            "userId"
        );
        assert_eq!(
            err(json!({"userId": "u", "sessionId": "s", "events": []})).field,
            "events"
        );
        assert_eq!(
            err(json!({"userId": "u", "sessionId": "s", "events": {}})).field,
            "events"
        );
        assert_eq!(
            err(json!({"userId": "u", "sessionId": "s", "events": [], "x": 1})).field,
            "x"
        );
        let many: Vec<Value> = (0..101).map(|_| json!({"eventType": "a"})).collect();
        assert_eq!(
            err(json!({"userId": "u", "sessionId": "s", "events": many})).field,
            "events"
        );
        assert_eq!(err(ok(json!({}))).field, "events[0].eventType");
        assert_eq!(err(ok(json!("x"))).field, "events[0]");
        assert_eq!(
            err(ok(json!({"eventType": "a", "sentAt": -1}))).field,
            "events[0].sentAt"
        );
        assert_eq!(
            err(ok(json!({"eventType": "a", "sentAt": 1e300}))).field,
            "events[0].sentAt"
        );
        assert_eq!(
            err(ok(json!({"eventType": "a", "sentAt": "yesterday"}))).field,
            "events[0].sentAt"
        );
        assert_eq!(
            err(ok(json!({"eventType": "a", "eventValue": "5"}))).field,
            "events[0].eventValue"
        );
        assert_eq!(
            err(ok(json!({"eventType": "a", "eventValue": 1e39}))).field,
            "events[0].eventValue"
        );
        assert_eq!(
            err(ok(json!({"eventType": "a", "properties": "[1]"}))).field,
            "events[0].properties"
        );
        let big = json!({"k": "v".repeat(1100)});
        assert_eq!(
            err(ok(json!({"eventType": "a", "properties": big}))).field,
            "events[0].properties"
        );
        assert_eq!(
            err(ok(json!({"eventType": "a", "impression": []}))).field,
            "events[0].impression"
        );
        assert_eq!(
            err(ok(json!({"eventType": "a", "impression": [1]}))).field,
            "events[0].impression[0]"
        );
        assert_eq!(
            err(ok(
                json!({"eventType": "a", "recommendationId": "r".repeat(41)})
            ))
            .field,
            "events[0].recommendationId"
        );
        assert_eq!(
            err(ok(json!({"eventType": "a", "itemid": "1"}))).field,
            "events[0].itemid"
        );
        // Every field within its own limit, the event over Personalize's 10 KB.
        let wide: Vec<String> = (0..25)
            .map(|i| format!("{i}{}", "\u{20ac}".repeat(250)))
            .collect();
        let e = err(ok(json!({"eventType": "a", "impression": wide})));
        assert_eq!(e.field, "events[0]");
        assert!(e.message.contains("at most 10240 bytes"), "{e}");
    }
}
