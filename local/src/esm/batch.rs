//! One batch through the function, with the retry rules of a Kinesis event source mapping
//! configured with `ReportBatchItemFailures`, `BisectBatchOnFunctionError` and
//! `MaximumRetryAttempts`:
//!
//! - a response whose `batchItemFailures` is empty (or absent) checkpoints the whole batch;
//! - a partial failure checkpoints before the lowest failed sequence number and retries from
//!   there (one retry attempt);
//! - an identifier that is null, empty or not in the batch fails the whole batch (AWS treats a
//!   malformed report as a complete failure) and it is retried whole;
//! - a function error (error payload, timeout, unreadable response) splits a batch of two or
//!   more records in halves, each retried on its own, without spending a retry attempt; a
//!   single record is retried;
//! - once retries are exhausted, the remaining records are handed back as a failed range
//!   for the on-failure destination, and the shard moves on; `MaximumRetryAttempts` -1
//!   (`None` here) retries without limit, "until the record expires in the event source"
//!   (Lambda API reference, CreateEventSourceMapping);
//! - records older than `MaximumRecordAgeInSeconds` are not (re)sent: they go to the
//!   on-failure destination with the condition `RecordAgeExceeded`. -1 (`None`) means no
//!   age limit below the stream's retention: a record that reaches the retention period
//!   expires from the stream, and it is handed back the same way instead of vanishing.
//!
//! Time (back-off and record ages) runs on a [`Clock`], the real one or one compressed by a
//! factor, so a test can play an hour-long outage in seconds.

use std::time::Duration;

use aws_sdk_kinesis::types::Record;
use base64::Engine;
use serde_json::{json, Value};

use crate::function::Function;

/// The mapping's time: real, or compressed (`speed` simulated seconds pass in each real
/// second). Record ages are real ages times the speed; back-off delays are simulated
/// durations, slept as that duration divided by the speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    speed: u32,
}

impl Clock {
    /// Real time.
    pub const REAL: Self = Self { speed: 1 };

    /// `speed` simulated seconds per real second (at least 1).
    pub fn compressed(speed: u32) -> Self {
        Self {
            speed: speed.max(1),
        }
    }

    /// Simulated seconds per real second.
    pub fn speed(self) -> u32 {
        self.speed
    }

    /// The simulated age of something that happened at `epoch_seconds` (wall clock).
    pub fn age(self, epoch_seconds: f64) -> Duration {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        Duration::from_secs_f64(((now - epoch_seconds).max(0.0)) * f64::from(self.speed))
    }

    /// Sleeps for `simulated` simulated time.
    pub async fn sleep(self, simulated: Duration) {
        tokio::time::sleep(simulated / self.speed).await;
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::REAL
    }
}

/// Kinesis's default retention when a stream is created with a retention of 168 hours, the
/// pipeline module's default (`stream_retention_hours`).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Retry behaviour of the mapping.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// `MaximumRetryAttempts`: retries of one batch after its first attempt; `None` is -1,
    /// retry until the record expires.
    pub max_retry_attempts: Option<u32>,
    /// `BisectBatchOnFunctionError`.
    pub bisect_on_error: bool,
    /// Delay before the first retry, doubled each time up to [`RetryPolicy::max_backoff`]
    /// (the mapping backs off between retries of a shard).
    pub backoff: Duration,
    /// Longest delay between two retries.
    pub max_backoff: Duration,
    /// The function's timeout: an invocation still running after it is a function error.
    pub function_timeout: Duration,
    /// `MaximumRecordAgeInSeconds`: older records are given up on; `None` is -1, no limit
    /// below the stream's retention.
    pub max_record_age: Option<Duration>,
    /// The stream's retention period: a record this old expires from the stream.
    pub retention: Duration,
    /// The clock back-off and record ages run on.
    pub clock: Clock,
}

impl RetryPolicy {
    /// The age at which a record is given up on: the maximum record age, or the retention.
    pub fn age_limit(&self) -> Duration {
        self.max_record_age
            .map_or(self.retention, |age| age.min(self.retention))
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            // The pipeline module's defaults: ingest_max_retries -1 (retry until the records
            // approach the end of the retention), ingest_max_record_age_seconds = the
            // retention (7 days) less one hour, so the records reach the on-failure
            // destination before the stream trims them.
            max_retry_attempts: None,
            bisect_on_error: true,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            function_timeout: Duration::from_secs(60),
            max_record_age: Some(DEFAULT_RETENTION - Duration::from_secs(3600)),
            retention: DEFAULT_RETENTION,
            clock: Clock::REAL,
        }
    }
}

/// Where the records come from, as the event names it.
#[derive(Debug, Clone)]
pub struct Source {
    /// `awsRegion`.
    pub region: String,
    /// `eventSourceARN`: the stream's ARN.
    pub stream_arn: String,
    /// `invokeIdentityArn`: the function's execution role.
    pub role_arn: String,
    /// The shard the batch was read from.
    pub shard_id: String,
}

/// Records the function never accepted, for the on-failure destination.
#[derive(Debug, Clone)]
pub struct FailedRange {
    /// The records, in shard order.
    pub records: Vec<Record>,
    /// `RetryAttemptsExhausted` or `RecordAgeExceeded`.
    pub condition: &'static str,
    /// Invocations that included these records, bisected parents too
    /// (`approximateInvokeCount`).
    pub invoke_count: u32,
    /// What the last attempt answered.
    pub last_error: String,
}

/// What delivering one batch did.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Invocations made.
    pub invocations: u32,
    /// Ranges given up on, in shard order.
    pub failed: Vec<FailedRange>,
}

/// The Kinesis event Lambda sends for `records` (field names, base64 data and `eventID` of
/// the real service).
pub fn kinesis_event(source: &Source, records: &[Record]) -> Value {
    let records: Vec<Value> = records
        .iter()
        .map(|r| {
            let arrival = r
                .approximate_arrival_timestamp
                .map(|t| t.as_secs_f64())
                .unwrap_or_default();
            json!({
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": r.partition_key,
                    "sequenceNumber": r.sequence_number,
                    "data": base64::engine::general_purpose::STANDARD.encode(r.data.as_ref()),
                    "approximateArrivalTimestamp": arrival,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": format!("{}:{}", source.shard_id, r.sequence_number),
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": source.role_arn,
                "awsRegion": source.region,
                "eventSourceARN": source.stream_arn,
            })
        })
        .collect();
    json!({ "Records": records })
}

/// What one invocation answered, read as the mapping reads it.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// Every record processed.
    Done,
    /// Retry from this index of the batch.
    RetryFrom(usize),
    /// The report was malformed: the whole batch failed.
    WholeBatch(String),
    /// The function failed.
    FunctionError(String),
}

fn read_answer(answer: Result<Value, String>, batch: &[Record]) -> Answer {
    let value = match answer {
        Ok(v) => v,
        Err(e) => return Answer::FunctionError(e),
    };
    let failures = match value.get("batchItemFailures") {
        None | Some(Value::Null) => return Answer::Done,
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Answer::WholeBatch(format!("batchItemFailures is not a list: {other}"))
        }
    };
    let mut lowest: Option<usize> = None;
    for item in failures {
        let id = item.get("itemIdentifier").and_then(Value::as_str);
        let Some(id) = id.filter(|id| !id.is_empty()) else {
            return Answer::WholeBatch(format!(
                "batchItemFailures entry without itemIdentifier: {item}"
            ));
        };
        let Some(index) = batch.iter().position(|r| r.sequence_number == id) else {
            return Answer::WholeBatch(format!("itemIdentifier {id} is not in the batch"));
        };
        lowest = Some(lowest.map_or(index, |l| l.min(index)));
    }
    match lowest {
        None => Answer::Done,
        Some(i) => Answer::RetryFrom(i),
    }
}

/// How many records at the front of `batch` arrived more than `max_age` ago on `clock` (a
/// shard's records arrive in order, so the old ones are a prefix).
fn expired_prefix(batch: &[Record], max_age: Duration, clock: Clock) -> usize {
    batch
        .iter()
        .take_while(|r| {
            r.approximate_arrival_timestamp
                .is_some_and(|t| clock.age(t.as_secs_f64()) > max_age)
        })
        .count()
}

/// Delivers `records` to `function` under `policy`, in shard order.
pub async fn deliver(
    function: &dyn Function,
    source: &Source,
    policy: &RetryPolicy,
    records: Vec<Record>,
) -> Delivery {
    let mut delivery = Delivery::default();
    // Pending sub-batches, front first: bisected halves go back at the front so shard order
    // holds. Each carries the retry attempts it has spent and its invocations so far.
    let mut pending: Vec<(Vec<Record>, u32, u32)> = vec![(records, 0, 0)];
    while let Some((mut batch, mut retries, mut invokes)) = pending.pop() {
        loop {
            let expired = expired_prefix(&batch, policy.age_limit(), policy.clock);
            if expired > 0 {
                delivery.failed.push(FailedRange {
                    records: batch.drain(..expired).collect(),
                    condition: "RecordAgeExceeded",
                    invoke_count: invokes,
                    last_error: format!("older than {:?}", policy.age_limit()),
                });
            }
            if batch.is_empty() {
                break;
            }
            let event = kinesis_event(source, &batch);
            let answer =
                match tokio::time::timeout(policy.function_timeout, function.invoke(event)).await {
                    Ok(result) => result.map_err(|e| e.to_string()),
                    Err(_) => Err(format!(
                        "Sandbox.Timedout: task timed out after {:?}",
                        policy.function_timeout
                    )),
                };
            delivery.invocations += 1;
            invokes += 1;
            let error = match read_answer(answer, &batch) {
                Answer::Done => break,
                Answer::RetryFrom(index) => {
                    batch.drain(..index);
                    format!("partial batch failure from {}", batch[0].sequence_number)
                }
                Answer::WholeBatch(why) => why,
                Answer::FunctionError(why) => {
                    if policy.bisect_on_error && batch.len() > 1 {
                        let second = batch.split_off(batch.len() / 2);
                        pending.push((second, retries, invokes));
                        pending.push((batch, retries, invokes));
                        break;
                    }
                    why
                }
            };
            if policy.max_retry_attempts.is_some_and(|max| retries >= max) {
                delivery.failed.push(FailedRange {
                    records: std::mem::take(&mut batch),
                    condition: "RetryAttemptsExhausted",
                    invoke_count: invokes,
                    last_error: error,
                });
                break;
            }
            let backoff = policy
                .backoff
                .saturating_mul(1 << retries.min(16))
                .min(policy.max_backoff);
            retries = retries.saturating_add(1);
            policy.clock.sleep(backoff).await;
        }
    }
    delivery
}

#[cfg(test)]
mod tests;
