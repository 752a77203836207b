//! The collect handler: route, validate, write, answer. It never fails as a Lambda
//! invocation: every outcome is an HTTP response, errors in the `{"message","field"}` format.

use lambda_common::fields::FieldError;
use lambda_common::http::{json_body, json_response, match_route};
use lambda_common::identity::Caller;
use lambda_common::record::{now_seconds, parse_record, StreamRecord, MAX_RECORD_BYTES};
use lambda_common::ApiError;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::Value;

use crate::stream::{Entry, Placed, RecordStream};
use crate::writer::{write_all, WriteError};
use crate::{data, partition_key, Config, ROUTES};

/// Largest `/data` body: its fields are a few short strings.
const MAX_DATA_BODY_BYTES: usize = 16 * 1024;

/// The collect function: configuration plus the stream it writes to, built once per container.
#[derive(Debug)]
pub struct Collect<S> {
    config: Config,
    stream: S,
}

/// The 202 answer: what was accepted.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Accepted<'a> {
    accepted: usize,
    records: usize,
    user_id: &'a str,
    session_id: &'a str,
}

/// `/data`'s 200 answer: the walkthrough's `{"Message", "data": {"SequenceNumber",
/// "ShardId"}}` (its Lambda answered with Kinesis PutRecord's output), then what was accepted.
#[derive(Debug, Serialize)]
struct SeedAccepted<'a> {
    #[serde(rename = "Message")]
    message: &'static str,
    data: SeedPlacement<'a>,
    #[serde(flatten)]
    accepted: Accepted<'a>,
}

/// Where the request's last record went, as PutRecord names it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct SeedPlacement<'a> {
    sequence_number: &'a str,
    shard_id: &'a str,
}

/// When the caller is a user and `object` has no `key` (absent or null), adds the user's id,
/// so a client may leave out the id its token already carries.
fn default_user(object: &mut Value, key: &str, caller: &Caller) {
    if let (Caller::User(me), Value::Object(map)) = (caller, object) {
        if map.get(key).is_none_or(Value::is_null) {
            map.insert(key.to_owned(), Value::String(me.clone()));
        }
    }
}

impl<S: RecordStream> Collect<S> {
    /// A handler writing to `stream`.
    pub fn new(config: Config, stream: S) -> Self {
        Self { config, stream }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The stream written to.
    pub fn stream(&self) -> &S {
        &self.stream
    }

    /// Handles one HTTP request (API Gateway REST or HTTP API, function URL, local stack).
    pub async fn handle(&self, req: Request) -> Response<Body> {
        let result = match match_route(&req, ROUTES) {
            Ok("/events") => self.events(&req).await,
            Ok("/data") => self.data(&req).await,
            Ok(other) => Err(ApiError::no_route(other)),
            Err(e) => Err(e),
        };
        let mut response = result.unwrap_or_else(|e| {
            if e.status.is_server_error() {
                tracing::error!(status = e.status.as_u16(), message = %e.message, "request failed");
            } else {
                tracing::info!(status = e.status.as_u16(), field = ?e.field, message = %e.message, "request refused");
            }
            e.into_response()
        });
        if let Some(cors) = &self.config.cors {
            cors.apply(req.headers(), &mut response);
        }
        response
    }

    async fn events(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let caller = self.config.auth.caller(req)?;
        let mut body = json_body(req, self.config.max_body_bytes)?;
        default_user(&mut body, "userId", &caller);
        let now = now_seconds();
        let mut record = parse_record(&body, now.floor())?;
        caller.acting_for(Some(record.user_id.clone()), "userId")?;
        let (oldest, latest) = self.config.sent_at_window(now);
        for (i, event) in record.events.iter().enumerate() {
            if !(oldest..=latest).contains(&event.sent_at) {
                return Err(FieldError::new(
                    format!("events[{i}].sentAt"),
                    format!(
                        "must be between {} and {} (the accepted window around now)",
                        data::rfc3339(oldest),
                        data::rfc3339(latest)
                    ),
                )
                .into());
            }
        }
        let accepted = record.events.len();
        self.write(std::slice::from_mut(&mut record)).await?;
        tracing::info!(
            route = "/events",
            events = accepted,
            records = 1,
            "accepted"
        );
        Ok(json_response(
            StatusCode::ACCEPTED,
            &Accepted {
                accepted,
                records: 1,
                user_id: &record.user_id,
                session_id: &record.session_id,
            },
        ))
    }

    async fn data(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let caller = self.config.auth.caller(req)?;
        let mut body = json_body(req, MAX_DATA_BODY_BYTES)?;
        if let Some(data) = body.get_mut("Data") {
            default_user(data, "userId", &caller);
        }
        let mut request = data::parse(
            &body,
            &self.config.stream_name,
            self.config.seed_max_interactions,
        )?;
        caller.acting_for(Some(request.user_id.clone()), "Data.userId")?;
        request.clip(self.config.sent_at_window(now_seconds()))?;
        let session_id = uuid::Uuid::new_v4().to_string();
        let mut records = request.records(&session_id);
        let placed = self.write(&mut records).await?;
        tracing::info!(
            route = "/data",
            events = request.interactions,
            records = records.len(),
            "accepted"
        );
        let last = placed.last().cloned().unwrap_or_default();
        Ok(json_response(
            StatusCode::OK,
            &SeedAccepted {
                message: "Event sent successfully",
                data: SeedPlacement {
                    sequence_number: &last.sequence_number,
                    shard_id: &last.shard_id,
                },
                accepted: Accepted {
                    accepted: request.interactions,
                    records: records.len(),
                    user_id: &request.user_id,
                    session_id: &session_id,
                },
            },
        ))
    }

    /// Writes `records`, each under its user's partition key, after giving every event
    /// without an `eventId` its own; where each went, in order.
    async fn write(&self, records: &mut [StreamRecord]) -> Result<Vec<Placed>, ApiError> {
        let mut entries = Vec::with_capacity(records.len());
        for record in records {
            record.mint_event_ids();
            let data = serde_json::to_vec(record).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("encoding a record: {e}"),
                )
            })?;
            // The partition key is 64 hex characters.
            if data.len() + 64 > MAX_RECORD_BYTES {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the events make a record over {MAX_RECORD_BYTES} bytes; send fewer per request"),
                )
                .with_field("events"));
            }
            entries.push(Entry {
                partition_key: partition_key(&self.config.partition_key_salt, &record.user_id),
                data,
            });
        }
        match write_all(&self.stream, entries, &self.config.backoff).await {
            Ok(written) => Ok(written.placed),
            Err(WriteError::Unavailable {
                unwritten,
                total,
                attempts,
                last,
            }) => {
                tracing::error!(unwritten, total, attempts, code = %last, "Kinesis unavailable");
                Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("the event stream is unavailable: {unwritten} of {total} records not written; retry later"),
                )
                .with_retry_after(1))
            }
            Err(WriteError::Rejected {
                unwritten,
                total,
                source,
            }) => {
                tracing::error!(error = %source, unwritten, total, "Kinesis rejected PutRecords");
                Err(ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    format!(
                        "{}: {unwritten} of {total} records not written",
                        source.public_message()
                    ),
                ))
            }
        }
    }
}
