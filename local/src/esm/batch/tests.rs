use std::sync::{Arc, Mutex};

use aws_sdk_kinesis::primitives::{Blob, DateTime};
use aws_sdk_kinesis::types::Record;
use serde_json::{json, Value};

use super::*;
use crate::function::{FunctionError, Invocation};

fn record_at(seq: u32, data: &str, arrival: i64) -> Record {
    Record::builder()
        .sequence_number(format!("{seq:056}"))
        .partition_key("429")
        .data(Blob::new(data.as_bytes().to_vec()))
        .approximate_arrival_timestamp(DateTime::from_secs(arrival))
        .build()
        .unwrap()
}

fn record(seq: u32, data: &str) -> Record {
    record_at(seq, data, 1_700_000_000)
}

fn source() -> Source {
    Source {
        region: "us-east-1".into(),
        stream_arn: "arn:aws:kinesis:us-east-1:123456789012:stream/events".into(),
        role_arn: "arn:aws:iam::123456789012:role/ingest".into(),
        shard_id: "shardId-000000000000".into(),
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_retry_attempts: Some(2),
        backoff: Duration::ZERO,
        // The fixtures arrived in 2023.
        max_record_age: None,
        retention: Duration::from_secs(100 * 365 * 86_400),
        ..RetryPolicy::default()
    }
}

/// Decides an answer from the (sequence number, data) pairs of a batch and the call count.
type Script = dyn Fn(&[(String, String)], usize) -> Result<Value, FunctionError> + Send + Sync;

/// A function that decides its answer from the decoded records it receives and logs every
/// batch (as lists of record data).
struct Scripted {
    seen: Mutex<Vec<Vec<String>>>,
    answer: Box<Script>,
}

impl Scripted {
    fn new(
        answer: impl Fn(&[(String, String)], usize) -> Result<Value, FunctionError>
            + Send
            + Sync
            + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            seen: Mutex::new(Vec::new()),
            answer: Box::new(answer),
        })
    }

    fn seen(&self) -> Vec<Vec<String>> {
        self.seen.lock().unwrap().clone()
    }
}

impl Function for Scripted {
    fn invoke(&self, payload: Value) -> Invocation {
        // Read the event through the Lambda event types, as the ingest handler does.
        let event: aws_lambda_events::event::kinesis::KinesisEvent =
            serde_json::from_value(payload).unwrap();
        let records: Vec<(String, String)> = event
            .records
            .iter()
            .map(|r| {
                (
                    r.kinesis.sequence_number.clone(),
                    String::from_utf8(r.kinesis.data.0.clone()).unwrap(),
                )
            })
            .collect();
        let mut seen = self.seen.lock().unwrap();
        seen.push(records.iter().map(|(_, d)| d.clone()).collect());
        let call = seen.len();
        drop(seen);
        let answer = (self.answer)(&records, call);
        Box::pin(async move { answer })
    }
}

fn names(batches: &[&[&str]]) -> Vec<Vec<String>> {
    batches
        .iter()
        .map(|b| b.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn event_has_the_fields_lambda_sends() {
    let event = kinesis_event(&source(), &[record(7, "{\"a\":1}")]);
    let r = &event["Records"][0];
    assert_eq!(r["eventID"], format!("shardId-000000000000:{:056}", 7));
    assert_eq!(r["eventSource"], "aws:kinesis");
    assert_eq!(r["eventName"], "aws:kinesis:record");
    assert_eq!(r["eventSourceARN"], source().stream_arn);
    assert_eq!(r["awsRegion"], "us-east-1");
    assert_eq!(r["kinesis"]["data"], "eyJhIjoxfQ==");
    assert_eq!(r["kinesis"]["partitionKey"], "429");
    assert_eq!(r["kinesis"]["approximateArrivalTimestamp"], 1_700_000_000.0);
}

#[tokio::test]
async fn a_clean_batch_is_one_invocation() {
    let f = Scripted::new(|_, _| Ok(json!({ "batchItemFailures": [] })));
    let d = deliver(
        &*f,
        &source(),
        &policy(),
        vec![record(1, "a"), record(2, "b")],
    )
    .await;
    assert_eq!(d.invocations, 1);
    assert!(d.failed.is_empty());
    assert_eq!(f.seen(), names(&[&["a", "b"]]));
}

#[tokio::test]
async fn a_partial_failure_retries_from_the_lowest_failed_record() {
    // The first call fails c and d; the retry holds c, d, e and succeeds.
    let f = Scripted::new(|records, call| {
        if call == 1 {
            Ok(json!({ "batchItemFailures": [
                { "itemIdentifier": records[3].0 },
                { "itemIdentifier": records[2].0 },
            ]}))
        } else {
            Ok(json!({ "batchItemFailures": [] }))
        }
    });
    let batch = ["a", "b", "c", "d", "e"]
        .iter()
        .enumerate()
        .map(|(i, d)| record(i as u32, d))
        .collect();
    let d = deliver(&*f, &source(), &policy(), batch).await;
    assert!(d.failed.is_empty());
    assert_eq!(
        f.seen(),
        names(&[&["a", "b", "c", "d", "e"], &["c", "d", "e"]])
    );
}

#[tokio::test]
async fn a_function_error_bisects_down_to_the_poison_record_which_goes_to_the_failed_list() {
    let f = Scripted::new(|records, _| {
        if records.iter().any(|(_, d)| d == "poison") {
            Err(FunctionError::new("Unhandled", "cannot parse"))
        } else {
            Ok(json!({}))
        }
    });
    let batch = ["a", "b", "poison", "d"]
        .iter()
        .enumerate()
        .map(|(i, d)| record(i as u32, d))
        .collect();
    let d = deliver(&*f, &source(), &policy(), batch).await;
    assert_eq!(
        f.seen(),
        names(&[
            &["a", "b", "poison", "d"],
            &["a", "b"],
            &["poison", "d"],
            &["poison"],
            &["poison"],
            &["poison"],
            &["d"],
        ])
    );
    assert_eq!(d.failed.len(), 1);
    let failed = &d.failed[0];
    assert_eq!(failed.records.len(), 1);
    assert_eq!(failed.records[0].sequence_number, format!("{:056}", 2));
    // In the whole batch, its half, then alone three times.
    assert_eq!(failed.invoke_count, 5);
    assert!(
        failed.last_error.contains("cannot parse"),
        "{}",
        failed.last_error
    );
}

#[tokio::test]
async fn a_malformed_report_fails_the_whole_batch_until_retries_run_out() {
    for report in [
        json!({ "batchItemFailures": [{ "itemIdentifier": "not-in-batch" }] }),
        json!({ "batchItemFailures": [{ "itemIdentifier": "" }] }),
        json!({ "batchItemFailures": [{}] }),
        json!({ "batchItemFailures": "all" }),
    ] {
        let f = Scripted::new(move |_, _| Ok(report.clone()));
        let d = deliver(
            &*f,
            &source(),
            &policy(),
            vec![record(1, "a"), record(2, "b")],
        )
        .await;
        // One attempt and two retries, never bisected: the function did not error.
        assert_eq!(f.seen(), names(&[&["a", "b"], &["a", "b"], &["a", "b"]]));
        assert_eq!(d.failed.len(), 1);
        assert_eq!(d.failed[0].records.len(), 2);
        assert_eq!(d.failed[0].condition, "RetryAttemptsExhausted");
    }
}

#[tokio::test(start_paused = true)]
async fn a_function_that_outlives_its_timeout_counts_as_an_error() {
    struct Slow;
    impl Function for Slow {
        fn invoke(&self, _: Value) -> Invocation {
            Box::pin(async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(json!({}))
            })
        }
    }
    let policy = RetryPolicy {
        max_retry_attempts: Some(0),
        function_timeout: Duration::from_secs(3),
        ..policy()
    };
    let d = deliver(&Slow, &source(), &policy, vec![record(1, "a")]).await;
    assert_eq!(d.invocations, 1);
    assert!(
        d.failed[0].last_error.contains("Timedout"),
        "{:?}",
        d.failed
    );
}

#[tokio::test(start_paused = true)]
async fn retries_back_off_exponentially_up_to_the_cap() {
    let f = Scripted::new(|_, _| Err(FunctionError::new("Unhandled", "down")));
    let policy = RetryPolicy {
        max_retry_attempts: Some(4),
        backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(300),
        ..policy()
    };
    let started = tokio::time::Instant::now();
    let d = deliver(&*f, &source(), &policy, vec![record(1, "a")]).await;
    assert_eq!(d.invocations, 5);
    // 100 + 200 + 300 + 300 ms of back-off, on the paused clock.
    assert_eq!(started.elapsed(), Duration::from_millis(900));
}

#[tokio::test]
async fn records_past_the_maximum_age_go_to_the_failed_list_unsent() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let f = Scripted::new(|_, _| Ok(json!({})));
    let policy = RetryPolicy {
        max_record_age: Some(Duration::from_secs(3600)),
        ..policy()
    };
    let batch = vec![
        record_at(1, "old", now - 7200),
        record_at(2, "older-than-an-hour", now - 3601),
        record_at(3, "fresh", now - 5),
    ];
    let d = deliver(&*f, &source(), &policy, batch).await;
    assert_eq!(f.seen(), names(&[&["fresh"]]));
    assert_eq!(d.failed.len(), 1);
    assert_eq!(d.failed[0].condition, "RecordAgeExceeded");
    assert_eq!(d.failed[0].records.len(), 2);
    assert_eq!(d.failed[0].invoke_count, 0);
}

#[tokio::test(start_paused = true)]
async fn without_a_retry_limit_a_failing_batch_is_retried_until_it_succeeds() {
    // Down for 50 attempts, then up: -1 retries never gives up on the records.
    let f = Scripted::new(|_, call| {
        if call <= 50 {
            Err(FunctionError::new("Unhandled", "down"))
        } else {
            Ok(json!({}))
        }
    });
    let policy = RetryPolicy {
        max_retry_attempts: None,
        backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(2),
        ..policy()
    };
    let d = deliver(&*f, &source(), &policy, vec![record(1, "a")]).await;
    assert_eq!(d.invocations, 51);
    assert!(d.failed.is_empty(), "{:?}", d.failed);
}

#[tokio::test]
async fn without_a_maximum_age_records_are_kept_until_the_retention_ends() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let f = Scripted::new(|_, _| Ok(json!({})));
    let policy = RetryPolicy {
        max_record_age: None,
        retention: Duration::from_secs(24 * 3600),
        ..policy()
    };
    let batch = vec![
        record_at(1, "past-retention", now - 24 * 3600 - 60),
        record_at(2, "within-retention", now - 23 * 3600),
    ];
    let d = deliver(&*f, &source(), &policy, batch).await;
    assert_eq!(f.seen(), names(&[&["within-retention"]]));
    assert_eq!(d.failed.len(), 1);
    assert_eq!(d.failed[0].condition, "RecordAgeExceeded");
    // A maximum age past the retention cannot keep a record longer than the stream does.
    let longer = RetryPolicy {
        max_record_age: Some(Duration::from_secs(48 * 3600)),
        ..policy
    };
    assert_eq!(longer.age_limit(), Duration::from_secs(24 * 3600));
}

#[tokio::test(start_paused = true)]
async fn a_compressed_clock_ages_records_and_shortens_back_off_by_its_speed() {
    let clock = Clock::compressed(3600);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    // Two real seconds are two simulated hours.
    let age = clock.age(now - 2.0);
    assert!(
        age >= Duration::from_secs(7200) && age < Duration::from_secs(7300),
        "{age:?}"
    );
    let started = tokio::time::Instant::now();
    clock.sleep(Duration::from_secs(3600)).await;
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert_eq!(
        Clock::compressed(0).speed(),
        1,
        "a speed of 0 would stop time"
    );
}
