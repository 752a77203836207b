//! The collect handler: route, validate, write, answer. It never fails as a Lambda
//! invocation: every outcome is an HTTP response, errors in the `{"message","field"}` format.

use lambda_common::http::{json_body, json_response, match_route};
use lambda_common::record::{now_seconds, parse_record, StreamRecord, MAX_RECORD_BYTES};
use lambda_common::ApiError;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::stream::{Entry, RecordStream};
use crate::writer::{write_all, WriteError};
use crate::{data, Config, ROUTES};

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
        result.unwrap_or_else(|e| {
            if e.status.is_server_error() {
                tracing::error!(status = e.status.as_u16(), message = %e.message, "request failed");
            } else {
                tracing::info!(status = e.status.as_u16(), field = ?e.field, message = %e.message, "request refused");
            }
            e.into_response()
        })
    }

    async fn events(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let body = json_body(req, self.config.max_body_bytes)?;
        let record = parse_record(&body, now_seconds().floor())?;
        let accepted = record.events.len();
        self.write(std::slice::from_ref(&record)).await?;
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
        let body = json_body(req, MAX_DATA_BODY_BYTES)?;
        let request = data::parse(&body, &self.config.stream_name)?;
        let session_id = uuid::Uuid::new_v4().to_string();
        let records = request.records(&session_id);
        self.write(&records).await?;
        tracing::info!(
            route = "/data",
            events = request.interactions,
            records = records.len(),
            "accepted"
        );
        Ok(json_response(
            StatusCode::ACCEPTED,
            &Accepted {
                accepted: request.interactions,
                records: records.len(),
                user_id: &request.user_id,
                session_id: &session_id,
            },
        ))
    }

    async fn write(&self, records: &[StreamRecord]) -> Result<(), ApiError> {
        let mut entries = Vec::with_capacity(records.len());
        for record in records {
            let data = serde_json::to_vec(record).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("encoding a record: {e}"),
                )
            })?;
            if data.len() + record.user_id.len() > MAX_RECORD_BYTES {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the events make a record over {MAX_RECORD_BYTES} bytes; send fewer per request"),
                )
                .with_field("events"));
            }
            entries.push(Entry {
                partition_key: record.user_id.clone(),
                data,
            });
        }
        match write_all(&self.stream, entries, &self.config.backoff).await {
            Ok(_) => Ok(()),
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
