//! The ingest Lambda: Kinesis batches to Personalize PutEvents.
//!
//! # Layout
//! - [`handler`]: [`Ingest`], the handler value; grouping by session, bounded parallelism,
//!   retries, dead letters and the partial batch response.
//! - [`decode`]: a Kinesis record to its events with deterministic `eventId`s, or to a dead
//!   letter.
//! - [`sink`]: the narrow [`EventSink`] trait (one PutEvents call) and its Personalize client.
//! - [`dlq`]: [`DeadLetter`], the narrow [`DeadLetterQueue`] trait and its SQS client.
//! - [`replay`]: sends the events kept in the on-failure destination or the archive again,
//!   through the same handler, idempotently (`cargo xtask replay`).

#![warn(missing_docs)]

pub mod decode;
pub mod dlq;
pub mod handler;
pub mod replay;
pub mod sink;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

pub use dlq::{DeadLetter, DeadLetterQueue, SqsQueue};
pub use handler::{BatchOutcome, Ingest};
pub use sink::{CallLimits, EventSink, PersonalizeSink, PutEventsCall};

use std::time::Duration;

use lambda_common::{Backoff, ConfigError, Env};

/// Default PutEvents calls in flight per invocation.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Largest accepted `PUT_EVENTS_CONCURRENCY`.
pub const MAX_CONCURRENCY: usize = 64;

/// Configuration of the ingest function.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// The event tracker's tracking id (`TRACKING_ID`). A credential of sorts: anyone holding
    /// it can write events, so it is never logged (see the `Debug` impl).
    pub tracking_id: String,
    /// The dead-letter SQS queue URL (`DLQ_URL`).
    pub dlq_url: String,
    /// PutEvents calls in flight (`PUT_EVENTS_CONCURRENCY`, default 8).
    pub concurrency: usize,
    /// The one retry layer of a PutEvents call: the SDK's attempts and timeouts.
    pub put_events: CallLimits,
    /// Time kept back at the end of an invocation: no PutEvents call starts unless its
    /// operation timeout plus this margin fit before the deadline, so the dead letters and
    /// the answer are sent in time.
    pub deadline_margin: Duration,
    /// Retries of the dead letters SQS did not take (SendMessageBatch reports them per
    /// entry; the SDK does not retry them), before handing over to Kinesis redelivery.
    pub backoff: Backoff,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("tracking_id", &"<redacted>")
            .field("dlq_url", &self.dlq_url)
            .field("concurrency", &self.concurrency)
            .field("put_events", &self.put_events)
            .field("deadline_margin", &self.deadline_margin)
            .field("backoff", &self.backoff)
            .finish()
    }
}

impl Config {
    /// Configuration with the defaults.
    pub fn new(tracking_id: impl Into<String>, dlq_url: impl Into<String>) -> Self {
        Self {
            tracking_id: tracking_id.into(),
            dlq_url: dlq_url.into(),
            concurrency: DEFAULT_CONCURRENCY,
            put_events: CallLimits::default(),
            deadline_margin: Duration::from_secs(2),
            backoff: Backoff {
                attempts: 3,
                base: Duration::from_millis(100),
                cap: Duration::from_secs(1),
            },
        }
    }

    /// Reads `TRACKING_ID`, `DLQ_URL` and `PUT_EVENTS_CONCURRENCY`.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let mut config = Self::new(env.required("TRACKING_ID")?, env.required("DLQ_URL")?);
        config.concurrency = env.positive(
            "PUT_EVENTS_CONCURRENCY",
            DEFAULT_CONCURRENCY,
            MAX_CONCURRENCY,
        )?;
        Ok(config)
    }
}

impl Ingest<PersonalizeSink, SqsQueue> {
    /// The handler on the real Personalize events and SQS clients.
    pub fn from_sdk(config: Config, sdk: &sdk_config::aws_config::SdkConfig) -> Self {
        let sink = PersonalizeSink::from_sdk(sdk, config.put_events);
        let dlq = SqsQueue::new(aws_sdk_sqs::Client::new(sdk), &config.dlq_url);
        Self::new(config, sink, dlq)
    }
}
