//! Fault soak: Personalize fails for a simulated hour (throttling, then 5xx, then full
//! unavailability) while a generator sends a known set of events through `POST /events` and
//! `POST /data` of the local stack (behind its authorizer, each user with its own token), with
//! the real collect and ingest handlers, moto's Kinesis and S3, and personalize-local. The
//! mapping's clock is compressed (one simulated hour in six real seconds): record ages and
//! back-off run on it, so the hour is long enough to expire records under the old mapping
//! settings (5 retries, 1 h maximum age) and short enough for a test.
//!
//! When the outage ends, every event must reach Personalize exactly once in training terms
//! (repeats are kept for real time and left out of training, as the PutEvents reference says
//! of `eventId`), and the archive must hold every event. The test prints what it measured:
//! events sent, lost, delivered more than once (repeats), delayed past the recovery, and the
//! p99 delay after recovery.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use local_stack::authorizer::Authorizer;
use local_stack::config::StackConfig;
use local_stack::esm::batch::{Clock, RetryPolicy};
use local_stack::resources::AwsClients;
use local_stack::stack::{self, Options};
use personalize_local::data::training;
use personalize_local::state::LogEntry;
use personalize_local::testing::TestServer;
use personalize_local::{FaultKind, Faults};
use serde_json::{json, Value};
use testkit::moto::Moto;

/// Simulated seconds per real second: an hour in six seconds.
const SPEED: u32 = 600;
const SIM_MINUTE: Duration = Duration::from_secs(60);

/// An event as the test knows it: (session, item, sentAt).
type Key = (String, String, i64);

fn key_of(session: &str, item: &str, sent_at: i64) -> Key {
    (session.to_owned(), item.to_owned(), sent_at)
}

/// The events personalize-local holds for `group`: (training count, repeat count) per key.
fn stored(emulator: &TestServer, group: &str) -> (BTreeMap<Key, usize>, usize) {
    let inner = emulator.server().state.read();
    let mut trained: BTreeMap<Key, usize> = BTreeMap::new();
    for i in training::gather(&*inner, group, u64::MAX).interactions {
        let session = i.session_id.unwrap_or_default();
        *trained
            .entry(key_of(&session, &i.item_id, i.timestamp))
            .or_default() += 1;
    }
    let repeats = inner.logs.get(group).map_or(0, |l| {
        l.entries
            .iter()
            .filter(|(_, e)| matches!(e, LogEntry::Repeat { .. }))
            .count()
    });
    (trained, repeats)
}

fn p99(mut delays: Vec<Duration>) -> Duration {
    if delays.is_empty() {
        return Duration::ZERO;
    }
    delays.sort();
    let rank = (delays.len() * 99).div_ceil(100).max(1) - 1;
    delays[rank]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hour_long_personalize_outage_loses_no_event() {
    let moto = Moto::start().unwrap();
    let emulator = TestServer::start(personalize_local::Config {
        instant: true,
        ..personalize_local::Config::default()
    });
    let personalize =
        aws_sdk_personalize::Client::new(&pr_sdk::local(emulator.endpoint(), "us-east-1"));
    let group = personalize
        .create_dataset_group()
        .name("soak")
        .send()
        .await
        .unwrap()
        .dataset_group_arn
        .unwrap();
    let tracking_id = personalize
        .create_event_tracker()
        .name("soak")
        .dataset_group_arn(&group)
        .send()
        .await
        .unwrap()
        .tracking_id
        .unwrap();

    let config = StackConfig {
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        name_prefix: "soak".into(),
        personalize_endpoint: emulator.endpoint().into(),
        aws_endpoint: moto.endpoint().into(),
        campaign_arn: "arn:aws:personalize:us-east-1:123456789012:campaign/soak".into(),
        tracking_id,
        filter_arns: BTreeMap::new(),
        stream_name: "soak-events".into(),
        bucket_name: "soak-data".into(),
        archive_prefix: "events/".into(),
        dlq_name: "soak-dlq".into(),
        enable_seed_routes: true,
        cors_allow_origin: None,
    };
    let aws = AwsClients::new(&config);
    let resources = local_stack::resources::ensure(&config, &aws).await.unwrap();
    let functions =
        local_stack::functions::build_with(&config, &resources, Duration::from_secs(60)).unwrap();
    let authorizer = Authorizer::new(
        Authorizer::random_key(),
        &config.region,
        &config.name_prefix,
    )
    .unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let token = |user: &str| authorizer.issue(user, now, 3600).unwrap();
    // Event times inside collect's accepted `sentAt` window (7 days back, 5 minutes ahead):
    // the simulated hour ends an hour before now, and `/data`'s days are two and three days ago.
    let first_sent_at = now - 2 * 3600;
    let day = |days_ago: i64| {
        time::OffsetDateTime::from_unix_timestamp(now - days_ago * 86_400)
            .unwrap()
            .date()
    };
    let (date_from, date_to) = (day(3), day(2));
    let midnight = |d: time::Date| d.midnight().assume_utc().unix_timestamp();
    let options = Options {
        poll_interval: Duration::from_millis(20),
        retry: RetryPolicy {
            // The pipeline module's mapping (no retry limit, records kept until the
            // retention nears), with back-off in simulated time.
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            clock: Clock::compressed(SPEED),
            ..RetryPolicy::default()
        },
        archive_interval: Duration::from_millis(500),
        authorizer: Some(authorizer.clone()),
        ..Options::default()
    };
    let running = stack::start_with(&config, &aws, resources.clone(), functions, options)
        .await
        .unwrap();
    let clock = Clock::compressed(SPEED);
    let http = reqwest::Client::new();
    let base = running.base_url();

    // The outage: three phases of twenty simulated minutes.
    let phases = [
        (0.5, FaultKind::Throttling),
        (0.5, FaultKind::Internal),
        (1.0, FaultKind::Unavailable),
    ];
    let mut expected: BTreeSet<Key> = BTreeSet::new();
    let mut sent_requests = 0;
    for minute in 0..60u32 {
        if minute % 20 == 0 {
            let (share, kind) = phases[(minute / 20) as usize];
            emulator.server().faults.set(Faults {
                put_events: share,
                kind,
                seed: u64::from(minute) + 1,
                ..Faults::default()
            });
        }
        // Two users a minute through POST /events, three events each.
        for user in 0..2u32 {
            let session = format!("s-{user}-{}", minute / 10);
            let sent_at = first_sent_at + i64::from(minute) * 60;
            let events: Vec<Value> = (0..3)
                .map(|k| json!({"eventType": "watch", "itemId": format!("m{minute}-u{user}-{k}"), "sentAt": sent_at}))
                .collect();
            let body =
                json!({"userId": format!("u{user}"), "sessionId": session, "events": events});
            let response = http
                .post(format!("{base}/events"))
                .header("authorization", token(&format!("u{user}")))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
            for k in 0..3 {
                expected.insert(key_of(&session, &format!("m{minute}-u{user}-{k}"), sent_at));
            }
            sent_requests += 1;
        }
        // Every ten minutes the walkthrough's POST /data: 50 clicks of one user on one item.
        if minute % 10 == 5 {
            let item = format!("d{minute}");
            let body = json!({"stream-name": config.stream_name, "PartitionKey": "7",
                "Data": {"userId": "7", "interactions": 50, "itemId": item, "trackingId": "x",
                         "eventType": "click", "dateFrom": date_from.to_string(), "dateTo": date_to.to_string()}});
            let response = http
                .post(format!("{base}/data"))
                .header("authorization", token("7"))
                .json(&body)
                .send()
                .await
                .unwrap();
            // The walkthrough's answer: 200 "Event sent successfully".
            assert_eq!(response.status(), 200);
            let answer: Value = response.json().await.unwrap();
            let session = answer["sessionId"].as_str().unwrap().to_owned();
            // dateFrom 00:00:00 to dateTo 23:59:59 of the next day, 50 evenly spaced seconds.
            let (from, to) = (
                midnight(date_from) as f64,
                (midnight(date_to) + 86_399) as f64,
            );
            for i in 0..50 {
                let t = (from + (to - from) / 49.0 * f64::from(i)).floor() as i64;
                expected.insert(key_of(&session, &item, t));
            }
            sent_requests += 1;
        }
        clock.sleep(SIM_MINUTE).await;
    }
    let during_outage = stored(&emulator, &group).0.len();
    emulator.server().faults.set(Faults::default());
    let recovered = Instant::now();

    // Every event arrives once the service is back; the first sighting of each is its
    // arrival (the emulator is polled, not waited on blindly).
    let mut arrived: BTreeMap<Key, Duration> = BTreeMap::new();
    let (mut trained, mut repeats) = stored(&emulator, &group);
    for key in trained.keys() {
        arrived.insert(key.clone(), Duration::ZERO);
    }
    let limit = Duration::from_secs(40);
    while !expected.iter().all(|k| trained.contains_key(k)) && recovered.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(20)).await;
        (trained, repeats) = stored(&emulator, &group);
        for key in trained.keys() {
            arrived
                .entry(key.clone())
                .or_insert_with(|| recovered.elapsed());
        }
    }
    let stats = running.mapping.clone();
    running.stop().await.unwrap();

    let lost: Vec<&Key> = expected
        .iter()
        .filter(|k| !trained.contains_key(*k))
        .collect();
    let twice: Vec<(&Key, &usize)> = trained.iter().filter(|(_, n)| **n > 1).collect();
    let strangers: Vec<&Key> = trained.keys().filter(|k| !expected.contains(*k)).collect();
    let delays: Vec<Duration> = arrived.values().copied().filter(|d| !d.is_zero()).collect();
    let delayed = delays.len();
    let p99_delay = p99(delays);

    // The archive holds every event.
    let mut archived: BTreeSet<Key> = BTreeSet::new();
    let mut archived_events = 0;
    let listed = aws
        .s3
        .list_objects_v2()
        .bucket(&config.bucket_name)
        .prefix("events/")
        .send()
        .await
        .unwrap();
    for object in listed.contents() {
        let body = aws
            .s3
            .get_object()
            .bucket(&config.bucket_name)
            .key(object.key().unwrap())
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut text)
            .unwrap();
        for line in text.lines() {
            let record: Value = serde_json::from_str(line).unwrap();
            let session = record["sessionId"].as_str().unwrap();
            for e in record["events"].as_array().unwrap() {
                archived_events += 1;
                archived.insert(key_of(
                    session,
                    e["itemId"].as_str().unwrap(),
                    e["sentAt"].as_f64().unwrap() as i64,
                ));
            }
        }
    }
    let failures = aws
        .s3
        .list_objects_v2()
        .bucket(&config.bucket_name)
        .prefix("aws/lambda/")
        .send()
        .await
        .unwrap()
        .key_count
        .unwrap_or(0);

    println!(
        "soak: {} requests, {} events sent over a simulated hour of outage; {} in training \
         before recovery; lost {}; delivered more than once {} (left out of training); \
         delayed past recovery {}; p99 delay after recovery {} ms ({:.0} simulated s); \
         archived {} of {}; mapping invocations {}, records given up {}",
        sent_requests,
        expected.len(),
        during_outage,
        lost.len(),
        repeats,
        delayed,
        p99_delay.as_millis(),
        p99_delay.as_secs_f64() * f64::from(SPEED),
        archived.len(),
        expected.len(),
        stats.invocations.load(Ordering::Relaxed),
        stats.records_failed.load(Ordering::Relaxed),
    );
    assert!(
        lost.is_empty(),
        "lost {} events: {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    assert!(twice.is_empty(), "trained on more than once: {twice:?}");
    assert!(strangers.is_empty(), "unknown events: {strangers:?}");
    assert!(
        delayed > 0,
        "the outage delayed nothing: the faults did not bite"
    );
    assert_eq!(archived, expected, "the archive holds every event");
    assert_eq!(archived_events, expected.len(), "and each once");
    assert_eq!(failures, 0, "nothing was given up on");
    assert_eq!(stats.records_lost.load(Ordering::Relaxed), 0);
}
