//! The walkthrough's `POST /data`: generate `interactions` events of one user on one item,
//! spread evenly over `[dateFrom, dateTo]`, as if the user had interacted that often.
//!
//! Body: `{"stream-name", "Data": {"userId", "interactions", "itemId", "trackingId",
//! "eventType", "dateFrom", "dateTo"}, "PartitionKey"}`. The stream is the configured one
//! (another name is refused), the partition key is derived from the user
//! ([`crate::partition_key`]) and the tracking id is always the configured one (ingest's), so
//! the caller's `PartitionKey` and `trackingId` are checked for shape and otherwise ignored.
//! Generated timestamps are kept inside collect's `sentAt` window ([`DataRequest::clip`]).

use lambda_common::fields::{integer_value, string_value, type_name, FieldError, Fields};
use lambda_common::record::{StreamEvent, StreamRecord, MAX_EVENTS_PER_RECORD};
use lambda_common::ApiError;
use lambda_http::http::StatusCode;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

/// Largest `SEED_MAX_INTERACTIONS` (the walkthrough's own limit).
pub const MAX_INTERACTIONS: i64 = 1000;

/// A checked `/data` request.
#[derive(Debug, Clone, PartialEq)]
pub struct DataRequest {
    /// The user.
    pub user_id: String,
    /// How many events to generate.
    pub interactions: usize,
    /// The item.
    pub item_id: String,
    /// Their event type.
    pub event_type: String,
    /// First timestamp, epoch seconds.
    pub date_from: f64,
    /// Last timestamp, epoch seconds.
    pub date_to: f64,
}

/// Checks a `/data` body; `stream` is the configured stream name, `max_interactions` the most
/// events a request may generate.
pub fn parse(body: &Value, stream: &str, max_interactions: usize) -> Result<DataRequest, ApiError> {
    let top = Fields::object(body, "")?;
    top.deny_unknown(&["stream-name", "Data", "PartitionKey"])?;
    if let Some(name) = top.opt_string("stream-name", 1, 2048)? {
        if !same_stream(&name, stream) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "this API writes only to its configured stream",
            )
            .with_field("stream-name"));
        }
    }
    top.opt_string("PartitionKey", 1, 256)?;
    let data = top
        .get("Data")
        .ok_or_else(|| FieldError::new("Data", "is required"))?;
    let d = Fields::object(data, "Data")?;
    d.deny_unknown(&[
        "userId",
        "interactions",
        "itemId",
        "trackingId",
        "eventType",
        "dateFrom",
        "dateTo",
    ])?;
    d.opt_string("trackingId", 1, 256)?;
    let interactions = match d.get("interactions") {
        None => return Err(FieldError::new("Data.interactions", "is required").into()),
        Some(v) => integer_value(
            v,
            "Data.interactions",
            1,
            (max_interactions as i64).min(MAX_INTERACTIONS),
        )?,
    };
    let date_from = date(&d, "dateFrom", false)?;
    let date_to = date(&d, "dateTo", true)?;
    if date_to < date_from {
        return Err(FieldError::new("Data.dateTo", "must not be before Data.dateFrom").into());
    }
    Ok(DataRequest {
        user_id: id(&d, "userId")?,
        interactions: interactions as usize,
        item_id: id(&d, "itemId")?,
        event_type: d.string("eventType", 1, 256)?,
        date_from,
        date_to,
    })
}

/// Epoch seconds as an RFC 3339 date-time, for messages.
pub fn rfc3339(secs: f64) -> String {
    OffsetDateTime::from_unix_timestamp(secs.floor() as i64)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{secs} s"))
}

/// `name` is the configured stream, given by name or ARN.
fn same_stream(name: &str, configured: &str) -> bool {
    let short = |s: &str| s.rsplit_once(":stream/").map_or(s, |(_, n)| n).to_owned();
    name == configured || short(name) == short(configured)
}

/// An id the walkthrough may send as a string or an integer.
fn id(d: &Fields<'_>, name: &str) -> Result<String, FieldError> {
    let path = d.path_of(name);
    match d.get(name) {
        None => Err(FieldError::new(path, "is required")),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        Some(v @ Value::String(_)) => string_value(v, &path, 1, 256),
        Some(other) => Err(FieldError::new(
            path,
            format!("must be a string or an integer, not {}", type_name(other)),
        )),
    }
}

/// An ISO date (`2024-05-01`) or RFC 3339 date-time. A bare date is the start of that day for
/// `dateFrom` and its last second for `dateTo`, so the range includes both days.
fn date(d: &Fields<'_>, name: &str, end_of_day: bool) -> Result<f64, FieldError> {
    let path = d.path_of(name);
    let text = d.string(name, 1, 64)?;
    let parsed = if let Ok(day) = Date::parse(&text, format_description!("[year]-[month]-[day]")) {
        let time = if end_of_day {
            Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT)
        } else {
            Time::MIDNIGHT
        };
        day.with_time(time).assume_utc()
    } else {
        OffsetDateTime::parse(&text, &Rfc3339).map_err(|_| {
            FieldError::new(
                &path,
                "must be an ISO date (YYYY-MM-DD) or an RFC 3339 date-time",
            )
        })?
    };
    let secs = parsed.unix_timestamp();
    if !(0..=253_402_300_799).contains(&secs) {
        return Err(FieldError::new(
            path,
            "must be between 1970-01-01 and 9999-12-31",
        ));
    }
    Ok(parsed.unix_timestamp_nanos() as f64 / 1e9)
}

impl DataRequest {
    /// Narrows `[date_from, date_to]` to the accepted `sentAt` window `(oldest, latest)`, so
    /// no generated event falls outside it (a range of today's dates ends in the future).
    ///
    /// # Errors
    /// 400 naming `Data.dateTo` when the range ends before the window, `Data.dateFrom` when it
    /// starts after it.
    pub fn clip(&mut self, (oldest, latest): (f64, f64)) -> Result<(), FieldError> {
        if self.date_to < oldest {
            return Err(FieldError::new(
                "Data.dateTo",
                format!(
                    "must not be before {}: events older than the accepted window are refused",
                    rfc3339(oldest)
                ),
            ));
        }
        if self.date_from > latest {
            return Err(FieldError::new(
                "Data.dateFrom",
                format!(
                    "must not be after {}: events ahead of the clock are refused",
                    rfc3339(latest)
                ),
            ));
        }
        self.date_from = self.date_from.max(oldest.ceil());
        self.date_to = self.date_to.min(latest.floor());
        Ok(())
    }

    /// The generated events as records of at most [`MAX_EVENTS_PER_RECORD`] events, all in
    /// session `session_id`, timestamps evenly spaced from `date_from` to `date_to`.
    pub fn records(&self, session_id: &str) -> Vec<StreamRecord> {
        let n = self.interactions;
        let step = if n > 1 {
            (self.date_to - self.date_from) / (n - 1) as f64
        } else {
            0.0
        };
        let events: Vec<StreamEvent> = (0..n)
            .map(|i| StreamEvent {
                event_type: self.event_type.clone(),
                item_id: Some(self.item_id.clone()),
                sent_at: (self.date_from + step * i as f64).floor(),
                event_value: None,
                properties: None,
                recommendation_id: None,
                impression: None,
                event_id: None,
            })
            .collect();
        events
            .chunks(MAX_EVENTS_PER_RECORD)
            .map(|chunk| StreamRecord {
                user_id: self.user_id.clone(),
                session_id: session_id.to_owned(),
                events: chunk.to_vec(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(data: Value) -> Value {
        json!({"stream-name": "events", "Data": data, "PartitionKey": "x"})
    }

    fn good() -> Value {
        json!({"userId": "429", "interactions": 5, "itemId": 185, "trackingId": "caller's",
               "eventType": "watch", "dateFrom": "2024-01-01", "dateTo": "2024-01-02"})
    }

    #[test]
    fn parses_the_walkthrough_body_and_spreads_timestamps() {
        let r = parse(&body(good()), "events", 1000).unwrap();
        assert_eq!(r.item_id, "185");
        assert_eq!(r.date_from, 1_704_067_200.0);
        assert_eq!(r.date_to, 1_704_239_999.0);
        let records = r.records("s");
        assert_eq!(records.len(), 1);
        let times: Vec<f64> = records[0].events.iter().map(|e| e.sent_at).collect();
        assert_eq!(times[0], r.date_from);
        assert_eq!(times[4], r.date_to);
        assert!(times.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_thousand_interactions_make_ten_records_of_one_session() {
        let mut d = good();
        d["interactions"] = json!(1000);
        let records = parse(&body(d), "events", 1000).unwrap().records("s");
        assert_eq!(records.len(), 10);
        assert!(records
            .iter()
            .all(|r| r.events.len() == 100 && r.session_id == "s"));
    }

    #[test]
    fn bad_values_name_their_field() {
        let field = |b: Value| parse(&b, "events", 1000).unwrap_err().field.unwrap();
        let with = |k: &str, v: Value| {
            let mut d = good();
            d[k] = v;
            body(d)
        };
        assert_eq!(field(with("interactions", json!(0))), "Data.interactions");
        assert_eq!(field(with("interactions", json!(-5))), "Data.interactions");
        assert_eq!(
            field(with("interactions", json!(1001))),
            "Data.interactions"
        );
        assert_eq!(
            field(with("interactions", json!(1e20))),
            "Data.interactions"
        );
        assert_eq!(
            field(with("interactions", json!("many"))),
            "Data.interactions"
        );
        assert_eq!(
            field(with("dateFrom", json!("2024-13-01"))),
            "Data.dateFrom"
        );
        assert_eq!(field(with("dateFrom", json!(20240101))), "Data.dateFrom");
        assert_eq!(field(with("dateTo", json!("2023-12-31"))), "Data.dateTo");
        assert_eq!(field(with("userId", json!(true))), "Data.userId");
        assert_eq!(field(with("userId", json!(""))), "Data.userId");
        assert_eq!(field(with("itemId", json!(1.5))), "Data.itemId");
        assert_eq!(field(with("eventType", json!(null))), "Data.eventType");
        assert_eq!(field(with("bogus", json!(1))), "Data.bogus");
        assert_eq!(field(json!({"stream-name": "events"})), "Data");
        assert_eq!(field(json!({"Data": []})), "Data");
    }

    #[test]
    fn another_stream_is_refused_and_an_arn_of_ours_accepted() {
        let mut b = body(good());
        b["stream-name"] = json!("someone-elses");
        let e = parse(&b, "events", 1000).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.field.as_deref()),
            (403, Some("stream-name"))
        );
        b["stream-name"] = json!("arn:aws:kinesis:us-east-1:123456789012:stream/events");
        assert!(parse(&b, "events", 1000).is_ok());
    }

    #[test]
    fn interactions_are_bounded_by_the_configured_limit() {
        let mut d = good();
        d["interactions"] = json!(101);
        let e = parse(&body(d.clone()), "events", 100).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("Data.interactions"));
        assert!(e.message.contains("between 1 and 100"), "{e}");
        d["interactions"] = json!(100);
        assert_eq!(parse(&body(d), "events", 100).unwrap().interactions, 100);
    }

    #[test]
    fn the_range_is_clipped_to_the_sent_at_window() {
        let mut r = parse(&body(good()), "events", 1000).unwrap();
        // good() spans 2024-01-01T00:00:00Z .. 2024-01-02T23:59:59Z.
        let noon_day_two = 1_704_196_800.0;
        r.clip((1_704_067_200.0 + 3600.0, noon_day_two)).unwrap();
        assert_eq!((r.date_from, r.date_to), (1_704_070_800.0, noon_day_two));
        let records = r.records("s");
        assert!(records
            .iter()
            .flat_map(|r| &r.events)
            .all(|e| (1_704_070_800.0..=noon_day_two).contains(&e.sent_at)));
        let mut r = parse(&body(good()), "events", 1000).unwrap();
        let e = r.clip((1_800_000_000.0, 1_800_000_300.0)).unwrap_err();
        assert_eq!(e.field, "Data.dateTo");
        assert!(e.message.contains("2027-01-15T08:00:00Z"), "{e}");
        let e = r.clip((0.0, 1_000.0)).unwrap_err();
        assert_eq!(e.field, "Data.dateFrom");
    }
}
