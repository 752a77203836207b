//! The collect Lambda: `POST /events` and the walkthrough's `POST /data`, validated field by
//! field and written to Kinesis with PutRecords (partition key = user id).
//!
//! # Layout
//! - [`handler`]: [`Collect`], the handler value (configuration + stream), routing and answers.
//! - [`data`]: the `/data` body and the events it generates.
//! - [`writer`]: PutRecords batching within the Kinesis limits and retry of failed entries.
//! - [`stream`]: the narrow [`RecordStream`] trait and its Kinesis implementation.
//!
//! The `/events` body and the record format are checked by
//! [`lambda_common::record::parse_record`], shared with ingest.

#![warn(missing_docs)]

pub mod data;
pub mod handler;
pub mod stream;
pub mod writer;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

pub use handler::Collect;
pub use stream::{Entry, KinesisStream, RecordStream};

use lambda_common::{Backoff, ConfigError, Env};

/// The routes this function serves (method, path), as in the OpenAPI document.
pub const ROUTES: &[(&str, &str)] = &[("POST", "/events"), ("POST", "/data")];

/// Default largest `/events` body: 100 events of a few hundred bytes each fit with room.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Configuration of the collect function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The Kinesis stream (name or ARN) every event goes to; `STREAM_NAME`.
    pub stream_name: String,
    /// Largest `/events` body in bytes.
    pub max_body_bytes: usize,
    /// Retries of records Kinesis did not take.
    pub backoff: Backoff,
}

impl Config {
    /// Configuration for `stream_name` with the defaults.
    pub fn new(stream_name: impl Into<String>) -> Self {
        Self {
            stream_name: stream_name.into(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            backoff: Backoff::default(),
        }
    }

    /// Reads `STREAM_NAME`.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self::new(env.required("STREAM_NAME")?))
    }
}

impl Collect<KinesisStream> {
    /// The handler on the real Kinesis client.
    pub fn from_sdk(config: Config, sdk: &pr_sdk::aws_config::SdkConfig) -> Self {
        let stream = KinesisStream::new(aws_sdk_kinesis::Client::new(sdk), &config.stream_name);
        Self::new(config, stream)
    }
}
