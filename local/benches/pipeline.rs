//! `cargo bench -p local-stack --bench pipeline`: the figures of BENCHMARKS.md, "Lambdas".
//!
//! Against personalize-local (in this process, on a loopback socket) trained on the
//! walkthrough data:
//! - ingest: events per second through the handler and PutEvents calls per 1,000 walkthrough
//!   events, against the original approach (one sequential PutEvents call per event), both
//!   measured in this run on the same events;
//! - recommend: latency of the handler against a direct GetRecommendations call, interleaved,
//!   p50 and p99, and the difference (what the handler adds).

use std::time::{Duration, Instant};

use aws_sdk_kinesis::primitives::{Blob, DateTime as KinesisTime};
use aws_sdk_kinesis::types::Record;
use aws_sdk_personalizeevents::primitives::DateTime;
use aws_sdk_personalizeevents::types::Event;
use ingest::{Config, Ingest};
use lambda_http::{http, Body};
use local_stack::testing::{kinesis_event, personalize_sdk, PipelineStack as Stack};
use personalize_local::Faults;
use recommend::Recommend;
use serde_json::{json, Value};

/// Events replayed through each approach.
const EVENTS: usize = 5_000;
/// Records per Kinesis batch (the event source mapping's default batch size is 100).
const BATCH: usize = 100;
/// Recommendation requests per approach.
const REQUESTS: usize = 2_000;

/// The newest walkthrough interactions as collect would write them: one record per user
/// session (a user's consecutive events on one day), at most 25 events a record.
/// One interaction: user, item, event type, timestamp.
type Row = (String, String, String, i64);

fn walkthrough_records(run: &str) -> (Vec<Record>, Vec<Row>) {
    let csv = std::fs::read_to_string(devenv::paths::project_file(
        "examples/movies/data/interactions.csv",
    ))
    .unwrap();
    let rows: Vec<Row> = csv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((
                f[0].to_owned(),
                f[1].to_owned(),
                f[3].to_owned(),
                f[2].parse().ok()?,
            ))
        })
        .collect();
    let rows = rows[rows.len() - EVENTS..].to_vec();
    let mut records = Vec::new();
    let mut current: Vec<&Row> = Vec::new();
    let flush = |current: &mut Vec<&Row>, records: &mut Vec<Record>| {
        if let Some(first) = current.first() {
            let events: Vec<Value> = current
                .iter()
                .map(|(_, item, kind, ts)| json!({"eventType": kind, "itemId": item, "sentAt": ts}))
                .collect();
            let data = json!({"userId": first.0, "sessionId": format!("{run}-{}-{}", first.0, first.3 / 86_400), "events": events});
            let seq = format!("{}", 10_000 + records.len());
            records.push(
                Record::builder()
                    .partition_key(&first.0)
                    .sequence_number(seq)
                    .data(Blob::new(data.to_string()))
                    .approximate_arrival_timestamp(KinesisTime::from_secs(1_700_000_000))
                    .build()
                    .unwrap(),
            );
        }
        current.clear();
    };
    for row in &rows {
        let same = current
            .last()
            .is_some_and(|last| last.0 == row.0 && last.3 / 86_400 == row.3 / 86_400);
        if !same || current.len() == 25 {
            flush(&mut current, &mut records);
        }
        current.push(row);
    }
    flush(&mut current, &mut records);
    (records, rows)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let walkthrough = devenv::paths::project_file("examples/movies/data/interactions.csv");
        let stack = Stack::start(&walkthrough, Faults::default()).await;
        let sdk = personalize_sdk(&stack.personalize_endpoint, true);

        // Ingest, the handler.
        let ingest = Ingest::from_sdk(Config::new(&stack.tracking_id, &stack.dlq_url), &sdk);
        let (records, rows) = walkthrough_records("bench");
        let started = Instant::now();
        let mut calls = 0;
        let mut events = 0;
        for batch in records.chunks(BATCH) {
            let out = ingest.process(kinesis_event(batch)).await;
            assert!(out.response.batch_item_failures.is_empty());
            calls += out.put_calls;
            events += out.events;
        }
        let handler_time = started.elapsed();
        assert_eq!(events, EVENTS);

        // Ingest, the original approach: one PutEvents call per event, one after another.
        let client = aws_sdk_personalizeevents::Client::new(&sdk);
        let started = Instant::now();
        for (i, (user, item, kind, ts)) in rows.iter().enumerate() {
            let event = Event::builder()
                .event_id(format!("baseline-{i}"))
                .event_type(kind)
                .item_id(item)
                .sent_at(DateTime::from_secs(*ts))
                .build()
                .unwrap();
            client
                .put_events()
                .tracking_id(&stack.tracking_id)
                .user_id(user)
                .session_id(format!("baseline-{user}"))
                .event_list(event)
                .send()
                .await
                .unwrap();
        }
        let baseline_time = started.elapsed();
        let rate = |d: Duration| EVENTS as f64 / d.as_secs_f64();
        println!(
            "ingest: {EVENTS} walkthrough events in {} records, batches of {BATCH}",
            records.len()
        );
        println!(
            "  handler:  {:>8.0} events/s, {:>6.1} PutEvents calls per 1,000 events",
            rate(handler_time),
            calls as f64 * 1000.0 / EVENTS as f64
        );
        println!(
            "  baseline: {:>8.0} events/s, {:>6.1} PutEvents calls per 1,000 events",
            rate(baseline_time),
            1000.0
        );
        println!(
            "  ratio:    {:>8.2}x events/s, {:.2}x fewer calls",
            rate(handler_time) / rate(baseline_time),
            EVENTS as f64 / calls as f64
        );

        // Recommend: the handler against the direct call, interleaved so both see the same
        // machine load.
        // As a service caller (IAM): the benchmark asks for 610 users.
        let mut recommend_config = recommend::Config::new(&stack.campaign);
        recommend_config.auth = lambda_common::AuthMode::Service;
        let recommend = Recommend::from_sdk(recommend_config, &sdk);
        let runtime_client = aws_sdk_personalizeruntime::Client::new(&sdk);
        let mut direct = Vec::with_capacity(REQUESTS);
        let mut handler = Vec::with_capacity(REQUESTS);
        for i in 0..REQUESTS + 100 {
            let user = format!("{}", 1 + i % 610);
            let t = Instant::now();
            runtime_client
                .get_recommendations()
                .campaign_arn(&stack.campaign)
                .user_id(&user)
                .num_results(25)
                .send()
                .await
                .unwrap();
            let d = t.elapsed();
            let req = http::Request::builder()
                .method("GET")
                .uri(format!("/recommendations?userId={user}&numResults=25"))
                .body(Body::Empty)
                .unwrap();
            let t = Instant::now();
            let resp = recommend.handle(req).await;
            let h = t.elapsed();
            assert_eq!(resp.status(), 200);
            if i >= 100 {
                // The first 100 of each warm the connection pools.
                direct.push(d);
                handler.push(h);
            }
        }
        direct.sort();
        handler.sort();
        println!("recommend: {REQUESTS} requests each, 25 items, interleaved");
        for (name, p) in [("p50", 0.50), ("p99", 0.99)] {
            let (d, h) = (percentile(&direct, p), percentile(&handler, p));
            println!(
                "  {name}: direct {:>7.3} ms, handler {:>7.3} ms, added {:>+7.3} ms",
                d.as_secs_f64() * 1e3,
                h.as_secs_f64() * 1e3,
                (h.as_secs_f64() - d.as_secs_f64()) * 1e3
            );
        }
    });
}
