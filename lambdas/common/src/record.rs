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
/// Length of the `eventId` given to an event that came without one: a UUID
/// ([`StreamRecord::mint_event_ids`]).
pub const MINTED_EVENT_ID_CHARS: usize = 36;
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
    /// The event's id: the caller's, else the UUID collect gives it before writing the
    /// record, so the id travels with the event into the archive and a redelivery or a
    /// replay sends the same id again. (A record from another producer may lack it; ingest
    /// then derives one from the record's position in the stream.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

impl StreamRecord {
    /// Gives every event without an `eventId` a new random one (a UUID v4). Personalize
    /// leaves events whose `eventId` it has seen out of training (PutEvents, `Event.eventId`,
    /// Personalize API reference), so an event sent again with the same id, by a Kinesis
    /// redelivery or a replay from the archive, is not counted twice.
    pub fn mint_event_ids(&mut self) {
        for event in &mut self.events {
            if event.event_id.is_none() {
                event.event_id = Some(uuid::Uuid::new_v4().to_string());
            }
        }
    }
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
    // An event without an id is measured with the one it will be given, so minting it cannot
    // push the event past the limit.
    let minted = if event.event_id.is_none() {
        r#","eventId":"""#.len() + MINTED_EVENT_ID_CHARS
    } else {
        0
    };
    let size = serde_json::to_vec(&event).map_or(usize::MAX, |v| v.len() + minted);
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

    /// An event with `pad` bytes of impression ids (each within its 256 characters), with
    /// `event_id` if given, and its size as sent.
    fn padded(pad: usize, event_id: Option<&str>) -> (Value, usize) {
        let full = "\u{20ac}".repeat(255);
        let mut ids = vec![full.clone(); pad / full.len()];
        let rest = pad % full.len();
        if rest > 0 {
            ids.push(format!(
                "{}{}",
                "\u{20ac}".repeat(rest / 3),
                "x".repeat(rest % 3)
            ));
        }
        let mut e = json!({"eventType": "a", "impression": ids, "sentAt": 1});
        if let Some(id) = event_id {
            e["eventId"] = json!(id);
        }
        let r = json!({"userId": "u", "sessionId": "s", "events": [e]});
        let size = parse_record(&r, 1.0)
            .map(|mut r| {
                r.mint_event_ids();
                serde_json::to_vec(&r.events[0]).unwrap().len()
            })
            .unwrap_or(usize::MAX);
        (r, size)
    }

    #[test]
    fn minted_ids_are_new_uuids_and_keep_the_callers() {
        let v = json!({"userId": "u", "sessionId": "s", "events": [
            {"eventType": "a"}, {"eventType": "b", "eventId": "mine"}, {"eventType": "c"}]});
        let mut r = parse_record(&v, 1.0).unwrap();
        r.mint_event_ids();
        let ids: Vec<&str> = r
            .events
            .iter()
            .map(|e| e.event_id.as_deref().unwrap())
            .collect();
        assert_eq!(ids[1], "mine");
        assert_ne!(ids[0], ids[2]);
        for id in [ids[0], ids[2]] {
            assert_eq!(id.len(), MINTED_EVENT_ID_CHARS);
            assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        }
        // Minting twice changes nothing: the ids are part of the record from then on.
        let again = r.clone();
        r.mint_event_ids();
        assert_eq!(r, again);
    }

    #[test]
    fn an_event_is_measured_with_the_id_it_will_be_given() {
        // The largest event without an id is exactly 10 KB once its id is minted.
        let pad = (1..MAX_EVENT_BYTES)
            .rev()
            .find(|&p| padded(p, None).1 <= MAX_EVENT_BYTES)
            .unwrap();
        assert_eq!(padded(pad, None).1, MAX_EVENT_BYTES);
        let (over, _) = padded(pad + 1, None);
        assert_eq!(parse_record(&over, 1.0).unwrap_err().field, "events[0]");
        // The same bytes with a short id of the caller's fit: only the id's own length counts.
        assert!(padded(pad + 1, Some("e")).1 < MAX_EVENT_BYTES);
    }
}
