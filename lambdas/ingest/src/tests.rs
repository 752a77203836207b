//! Handler tests with fakes: the AWS fixture, grouping and order, retries, redelivery,
//! dead letters, concurrency, configuration and logs.

use std::collections::BTreeSet;

use aws_lambda_events::event::kinesis::KinesisEvent;
use lambda_common::{Backoff, Failure};
use serde_json::json;

use crate::testing::{kinesis_event, FakeDlq, FakeSink};
use crate::{Config, Ingest};

fn ingest() -> Ingest<FakeSink, FakeDlq> {
    ingest_with(crate::DEFAULT_CONCURRENCY)
}

fn ingest_with(concurrency: usize) -> Ingest<FakeSink, FakeDlq> {
    let mut config = Config::new("tracking-id", "https://sqs.example/dlq");
    config.backoff = Backoff::immediate(3);
    config.concurrency = concurrency;
    Ingest::new(config, FakeSink::default(), FakeDlq::default())
}

fn record(user: &str, session: &str, n: usize) -> Vec<u8> {
    let events: Vec<_> = (0..n)
        .map(|i| json!({"eventType": "watch", "itemId": i.to_string()}))
        .collect();
    serde_json::to_vec(&json!({"userId": user, "sessionId": session, "events": events})).unwrap()
}

fn all_ids(event: &KinesisEvent) -> BTreeSet<String> {
    event
        .records
        .iter()
        .filter_map(|r| crate::decode::decode(r).ok())
        .flat_map(|r| r.events.into_iter().map(|e| e.event_id.unwrap()))
        .collect()
}

#[tokio::test]
async fn the_aws_fixture_is_sent_and_its_poison_record_dead_lettered() {
    let event: KinesisEvent =
        serde_json::from_str(include_str!("../tests/data/kinesis_event.json")).unwrap();
    let i = ingest();
    let out = i.process(event).await;
    assert!(out.response.batch_item_failures.is_empty());
    assert_eq!(
        (out.records, out.events, out.put_calls, out.dead_letters),
        (3, 3, 2, 1)
    );
    let calls = i.sink().calls();
    let first = calls.iter().find(|c| c.0 == "429").unwrap();
    assert_eq!(first.1, "s-1");
    assert_eq!(
        first.2,
        vec![
            "shardId-000000000006:49590338271490256608559692538361571095921575989136588898:0",
            "shardId-000000000006:49590338271490256608559692538361571095921575989136588898:1"
        ]
    );
    assert!(calls.iter().any(|c| c.2 == vec!["caller-1"]));
    let letters = i.dlq().letters();
    assert_eq!(
        letters[0].sequence_number,
        "49590338271490256608559692540925702759324208523137515618"
    );
    assert!(
        letters[0].reason.contains("not JSON"),
        "{}",
        letters[0].reason
    );
    assert_eq!(letters[0].data, "not json at all");
}

#[tokio::test]
async fn events_are_grouped_by_session_in_calls_of_ten_keeping_order() {
    let event = kinesis_event(&[
        record("u1", "a", 7),
        record("u2", "b", 3),
        record("u1", "a", 14),
        record("u1", "c", 1),
    ]);
    let i = ingest();
    let out = i.process(event.clone()).await;
    assert_eq!((out.events, out.put_calls), (25, 5)); // a: 10+10+1, b: 3, c: 1
    let calls = i.sink().calls();
    assert!(calls.iter().all(|c| c.2.len() <= 10));
    let session_a: Vec<String> = calls
        .iter()
        .filter(|c| c.1 == "a")
        .flat_map(|c| c.2.clone())
        .collect();
    let mut expected: Vec<String> = (0..7)
        .map(|p| format!("shardId-000000000000:1000:{p}"))
        .collect();
    expected.extend((0..14).map(|p| format!("shardId-000000000000:1002:{p}")));
    assert_eq!(session_a, expected);
    assert_eq!(
        i.sink()
            .delivered()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>(),
        all_ids(&event)
    );
}

#[tokio::test]
async fn a_failed_call_is_not_retried_by_the_handler_but_handed_back_to_kinesis() {
    // The SDK client is the one retry layer; the handler does not add its own.
    let i = ingest();
    i.sink()
        .fail_call(0, Failure::Throttled, "ThrottlingException");
    let out = i.process(kinesis_event(&[record("u", "s", 2)])).await;
    assert_eq!(out.put_calls, 1);
    assert_eq!(out.retry_from, Some(0));
}

#[tokio::test(start_paused = true)]
async fn near_its_deadline_it_starts_no_call_and_reports_the_rest_for_redelivery() {
    let mut config = Config::new("tracking-id", "https://sqs.example/dlq");
    config.put_events.operation_timeout = std::time::Duration::from_millis(100);
    config.deadline_margin = std::time::Duration::ZERO;
    let i = Ingest::new(config, FakeSink::default(), FakeDlq::default());
    i.sink().slow(); // 10 ms a call
                     // Ten records of ten events of one session: one call each, one after the other.
    let event = kinesis_event(&vec![record("u", "s", 10); 10]);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(125);
    let out = i.process_until(event.clone(), Some(deadline)).await;
    // Calls start at 0, 10 and 20 ms; at 30 ms a 100 ms call would end past 125 ms.
    assert_eq!(out.put_calls, 3);
    assert!(out.out_of_time);
    assert_eq!(out.retry_from, Some(3));
    let failed: Vec<_> = out
        .response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone().unwrap())
        .collect();
    assert_eq!(failed, vec!["1003".to_owned()]);
    assert!(
        tokio::time::Instant::now() <= deadline,
        "answered before the deadline"
    );
    // Without a deadline the same batch goes through whole.
    let whole = i.process(event).await;
    assert!(whole.response.batch_item_failures.is_empty());
    assert!(!whole.out_of_time);
}

#[tokio::test]
async fn persistent_failure_reports_the_earliest_record_and_redelivery_completes_exactly_once() {
    let event = kinesis_event(&[
        record("u1", "a", 3),
        record("u2", "b", 2),
        record("u1", "a", 2),
    ]);
    // One call at a time, so session a's first call is call 0: it fails (after the SDK's
    // retries); session b goes through.
    let i = ingest_with(1);
    i.sink()
        .fail_call(0, Failure::Unavailable, "InternalServerError");
    let out = i.process(event.clone()).await;
    assert_eq!(out.retry_from, Some(0));
    let failures: Vec<_> = out
        .response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone().unwrap())
        .collect();
    assert_eq!(failures, vec!["1000".to_owned()]);
    // Kinesis redelivers from the failed record: everything arrives, each id at least once,
    // and the ids are the same as the first time (so Personalize keeps one of each).
    let again = i.process(event.clone()).await;
    assert!(again.response.batch_item_failures.is_empty());
    assert_eq!(
        i.sink()
            .delivered()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>(),
        all_ids(&event)
    );
}

#[tokio::test]
async fn a_refused_event_is_dead_lettered_and_its_call_mates_still_arrive() {
    let i = ingest();
    i.sink().refuse("shardId-000000000000:1000:1");
    let out = i.process(kinesis_event(&[record("u", "s", 4)])).await;
    assert!(out.response.batch_item_failures.is_empty());
    let delivered = i.sink().delivered();
    assert_eq!(delivered.len(), 3);
    assert!(!delivered.contains_key("shardId-000000000000:1000:1"));
    let letters = i.dlq().letters();
    assert_eq!(letters.len(), 1);
    assert_eq!(
        letters[0].event_id.as_deref(),
        Some("shardId-000000000000:1000:1")
    );
    assert!(letters[0].reason.contains("InvalidInputException"));
}

#[tokio::test]
async fn invalid_records_are_dead_lettered_with_the_field_and_do_not_block_the_batch() {
    let i = ingest();
    let bad_event =
        serde_json::to_vec(&json!({"userId": "u", "sessionId": "s", "events": [{"itemId": "1"}]}))
            .unwrap();
    let out = i
        .process(kinesis_event(&[
            bad_event,
            vec![0xff, 0xfe],
            record("u", "s", 1),
            b"{}".to_vec(),
        ]))
        .await;
    assert!(out.response.batch_item_failures.is_empty());
    assert_eq!(i.sink().delivered().len(), 1);
    let letters = i.dlq().letters();
    assert_eq!(letters.len(), 3);
    assert_eq!(letters[0].field.as_deref(), Some("events[0].eventType"));
    assert_eq!(letters[1].data_encoding, "base64");
    assert_eq!(letters[2].field.as_deref(), Some("userId"));
}

#[tokio::test]
async fn a_dead_letter_queue_failure_makes_the_record_come_back() {
    let i = ingest();
    i.dlq().fail_sends(3);
    let out = i
        .process(kinesis_event(&[record("u", "s", 1), b"junk".to_vec()]))
        .await;
    assert_eq!(out.retry_from, Some(1));
    assert_eq!(
        out.response.batch_item_failures[0]
            .item_identifier
            .as_deref(),
        Some("1001")
    );
    // The good record before it was sent.
    assert_eq!(i.sink().delivered().len(), 1);
}

#[tokio::test]
async fn poison_after_the_retry_point_waits_for_redelivery() {
    let i = ingest();
    for n in 0..3 {
        i.sink()
            .fail_call(n, Failure::Throttled, "ThrottlingException");
    }
    let out = i
        .process(kinesis_event(&[record("u", "s", 1), b"junk".to_vec()]))
        .await;
    assert_eq!(out.retry_from, Some(0));
    assert!(i.dlq().letters().is_empty());
}

#[tokio::test(start_paused = true)]
async fn sessions_run_in_parallel_up_to_the_configured_concurrency() {
    let records: Vec<Vec<u8>> = (0..20).map(|n| record(&format!("u{n}"), "s", 1)).collect();
    for limit in [1, 4] {
        let i = ingest_with(limit);
        i.sink().slow();
        i.process(kinesis_event(&records)).await;
        assert_eq!(i.sink().max_in_flight(), limit);
    }
}

#[test]
fn configuration_from_the_environment() {
    let env = lambda_common::Env::from_fn(|n| match n {
        "TRACKING_ID" => Some("t".into()),
        "DLQ_URL" => Some("https://q".into()),
        "PUT_EVENTS_CONCURRENCY" => Some("3".into()),
        _ => None,
    });
    let c = Config::from_env(&env).unwrap();
    assert_eq!(
        (c.tracking_id.as_str(), c.dlq_url.as_str(), c.concurrency),
        ("t", "https://q", 3)
    );
    assert!(!format!("{c:?}").contains("\"t\""));
    let defaults = lambda_common::Env::from_fn(|n| match n {
        "TRACKING_ID" | "DLQ_URL" => Some("x".into()),
        _ => None,
    });
    assert_eq!(Config::from_env(&defaults).unwrap().concurrency, 8);
    let bad = lambda_common::Env::from_fn(|n| match n {
        "TRACKING_ID" | "DLQ_URL" => Some("x".into()),
        _ => Some("0".into()),
    });
    assert_eq!(
        Config::from_env(&bad).unwrap_err().name,
        "PUT_EVENTS_CONCURRENCY"
    );
    assert_eq!(
        Config::from_env(&lambda_common::Env::from_fn(|_| None))
            .unwrap_err()
            .name,
        "TRACKING_ID"
    );
}

/// tracing caches each callsite's interest process-wide, so a scoped subscriber races with
/// other tests that hit the same callsites first (they may cache "no interest" for everyone).
/// The log assertions therefore run in a child process of this test binary, in which
/// [`log_capture_child`] is the only test and installs a global JSON subscriber on stdout.
#[test]
fn logs_carry_counts_and_never_the_tracking_id() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "tests::log_capture_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("batch processed")
            && text.contains("\"put_calls\":1")
            && text.contains("\"out_of_time\":false"),
        "{text}"
    );
    assert!(!text.contains("SECRET-TRACKING-ID"), "{text}");
}

#[tokio::test]
#[ignore = "run in a child process by logs_carry_counts_and_never_the_tracking_id"]
async fn log_capture_child() {
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(std::io::stdout)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let mut config = Config::new("SECRET-TRACKING-ID", "https://q");
    config.backoff = Backoff::immediate(2);
    let i = Ingest::new(config, FakeSink::default(), FakeDlq::default());
    i.sink()
        .fail_call(0, Failure::Throttled, "ThrottlingException");
    i.sink()
        .fail_call(1, Failure::Throttled, "ThrottlingException");
    i.process(kinesis_event(&[record("u", "s", 2), b"junk".to_vec()]))
        .await;
}
