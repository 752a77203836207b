//! The collect Lambda: `POST /events` and the walkthrough's `POST /data`, validated field by
//! field and written to Kinesis with PutRecords, for the caller's own user only (see
//! [`lambda_common::identity`]), partition key derived from that user and a salt.
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
pub use stream::{Entry, KinesisStream, Placed, RecordStream};

use lambda_common::{AuthMode, Backoff, ConfigError, Cors, Env};
use ring::hmac;

/// The routes this function serves (method, path), as in the OpenAPI document.
pub const ROUTES: &[(&str, &str)] = &[("POST", "/events"), ("POST", "/data")];

/// Default largest `/events` body: 100 events of a few hundred bytes each fit with room.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Default most events one `/data` request may generate: 100 events are 10 PutEvents calls,
/// so `/data`'s gateway throttle (requests per second) times 10 is its worst-case share of
/// Personalize's PutEvents rate quota (1,000 calls a second; "Amazon Personalize endpoints and
/// quotas", developer guide).
pub const DEFAULT_SEED_MAX_INTERACTIONS: usize = 100;

/// Default oldest accepted `sentAt`: seven days before the request.
pub const DEFAULT_SENT_AT_MAX_AGE_SECONDS: usize = 7 * 24 * 3600;

/// Default latest accepted `sentAt`: five minutes after the request (clients' clock skew).
pub const DEFAULT_SENT_AT_MAX_AHEAD_SECONDS: usize = 300;

/// Configuration of the collect function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The Kinesis stream (name or ARN) every event goes to; `STREAM_NAME`.
    pub stream_name: String,
    /// Largest `/events` body in bytes.
    pub max_body_bytes: usize,
    /// Retries of records Kinesis did not take.
    pub backoff: Backoff,
    /// For whom a caller may write events (`AUTH_MODE`, `USER_ID_CLAIM`).
    pub auth: AuthMode,
    /// Key of the partition-key HMAC (`PARTITION_KEY_SALT`; the stream name when unset).
    pub partition_key_salt: String,
    /// Most events one `/data` request may generate (`SEED_MAX_INTERACTIONS`).
    pub seed_max_interactions: usize,
    /// Oldest accepted `sentAt`, seconds before now (`SENT_AT_MAX_AGE_SECONDS`).
    pub sent_at_max_age: usize,
    /// Latest accepted `sentAt`, seconds after now (`SENT_AT_MAX_AHEAD_SECONDS`).
    pub sent_at_max_ahead: usize,
    /// The origin browsers may call from (`CORS_ALLOW_ORIGIN`); `None`: no CORS headers.
    pub cors: Option<Cors>,
}

impl Config {
    /// Configuration for `stream_name` with the defaults: callers bound to their token's
    /// user, the stream name as partition-key salt.
    pub fn new(stream_name: impl Into<String>) -> Self {
        let stream_name = stream_name.into();
        Self {
            partition_key_salt: stream_name.clone(),
            stream_name,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            backoff: Backoff::default(),
            auth: AuthMode::default(),
            seed_max_interactions: DEFAULT_SEED_MAX_INTERACTIONS,
            sent_at_max_age: DEFAULT_SENT_AT_MAX_AGE_SECONDS,
            sent_at_max_ahead: DEFAULT_SENT_AT_MAX_AHEAD_SECONDS,
            cors: None,
        }
    }

    /// Reads `STREAM_NAME`, `AUTH_MODE`, `USER_ID_CLAIM`, `PARTITION_KEY_SALT`,
    /// `SEED_MAX_INTERACTIONS` (1..1000), `SENT_AT_MAX_AGE_SECONDS` (1..one year) and
    /// `SENT_AT_MAX_AHEAD_SECONDS` (1..one day) and `CORS_ALLOW_ORIGIN`.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let mut config = Self::new(env.required("STREAM_NAME")?);
        config.auth = AuthMode::from_env(env)?;
        if let Some(salt) = env.optional("PARTITION_KEY_SALT") {
            config.partition_key_salt = salt;
        }
        config.seed_max_interactions = env.positive(
            "SEED_MAX_INTERACTIONS",
            DEFAULT_SEED_MAX_INTERACTIONS,
            data::MAX_INTERACTIONS as usize,
        )?;
        config.sent_at_max_age = env.positive(
            "SENT_AT_MAX_AGE_SECONDS",
            DEFAULT_SENT_AT_MAX_AGE_SECONDS,
            366 * 24 * 3600,
        )?;
        config.sent_at_max_ahead = env.positive(
            "SENT_AT_MAX_AHEAD_SECONDS",
            DEFAULT_SENT_AT_MAX_AHEAD_SECONDS,
            24 * 3600,
        )?;
        config.cors = Cors::from_env(env)?;
        Ok(config)
    }

    /// The accepted `sentAt` range, epoch seconds, for a request at `now`.
    pub fn sent_at_window(&self, now: f64) -> (f64, f64) {
        (
            now - self.sent_at_max_age as f64,
            now + self.sent_at_max_ahead as f64,
        )
    }
}

/// The Kinesis partition key of `user_id`'s records: HMAC-SHA256 keyed with `salt`, in hex.
/// The same user always maps to the same key, so a user's (and so each session's) records
/// stay on one shard, in order; but no caller chooses the key or can aim at a shard without
/// the salt.
pub fn partition_key(salt: &str, user_id: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, salt.as_bytes());
    hmac::sign(&key, user_id.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Collect<KinesisStream> {
    /// The handler on the real Kinesis client.
    pub fn from_sdk(config: Config, sdk: &sdk_config::aws_config::SdkConfig) -> Self {
        let stream = KinesisStream::new(aws_sdk_kinesis::Client::new(sdk), &config.stream_name);
        Self::new(config, stream)
    }
}
