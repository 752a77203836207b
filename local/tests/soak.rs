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
//!
//! The second test covers the other way back: with the mapping's old settings the outage
//! sends every batch to the on-failure destination, and `ingest::replay` sends them again
//! from there and from the archive, each event once in training terms.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use devenv::moto::Moto;
use ingest::replay::{Counts, FileQueue, Location, Replay, ReplayError, S3Objects, Source};
use ingest::{Ingest, PersonalizeSink};
use local_stack::authorizer::Authorizer;
use local_stack::config::StackConfig;
use local_stack::esm::batch::{Clock, RetryPolicy};
use local_stack::resources::AwsClients;
use local_stack::stack::{self, Options};
use personalize_local::testing::{TestServer, TrainingKey};
use personalize_local::{FaultKind, Faults};
use serde_json::{json, Value};

/// Simulated seconds per real second: an hour in six seconds.
const SPEED: u32 = 600;
const SIM_MINUTE: Duration = Duration::from_secs(60);

/// An event as the test knows it: (session, item, sentAt).
type Key = TrainingKey;

fn key_of(session: &str, item: &str, sent_at: i64) -> Key {
    (session.to_owned(), item.to_owned(), sent_at)
}

/// POSTs `body` to `url` with `authorization`, asserts the `status` it answers with (the
/// body is in the message otherwise) and returns the JSON answer.
async fn post(
    http: &reqwest::Client,
    url: String,
    authorization: String,
    body: &Value,
    status: u16,
) -> Value {
    let response = http
        .post(url)
        .header("authorization", authorization)
        .json(body)
        .send()
        .await
        .unwrap();
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// The body of one POST /events of `user` in `session`: a watch of each of `items` at
/// `sent_at`; and the keys of those events.
fn watches(user: &str, session: &str, items: &[String], sent_at: i64) -> (Value, Vec<Key>) {
    let events: Vec<Value> = items
        .iter()
        .map(|item| json!({"eventType": "watch", "itemId": item, "sentAt": sent_at}))
        .collect();
    let body = json!({"userId": user, "sessionId": session, "events": events});
    let keys = items
        .iter()
        .map(|item| key_of(session, item, sent_at))
        .collect();
    (body, keys)
}

fn p99(mut delays: Vec<Duration>) -> Duration {
    if delays.is_empty() {
        return Duration::ZERO;
    }
    delays.sort();
    let rank = (delays.len() * 99).div_ceil(100).max(1) - 1;
    delays[rank]
}

/// moto and personalize-local (instant clock), a dataset group with an event tracker, the
/// stack's resources and its functions, all named after `name`.
struct Pipeline {
    moto: Moto,
    emulator: TestServer,
    functions: local_stack::stack::Functions,
    group: String,
    authorizer: Authorizer,
    config: StackConfig,
    aws: AwsClients,
    resources: local_stack::resources::Resources,
}

async fn pipeline(name: &str) -> Pipeline {
    let moto = Moto::start().unwrap();
    let emulator = TestServer::start(personalize_local::Config {
        instant: true,
        ..personalize_local::Config::default()
    });
    let personalize =
        aws_sdk_personalize::Client::new(&sdk_config::local(emulator.endpoint(), "us-east-1"));
    let group = personalize
        .create_dataset_group()
        .name(name)
        .send()
        .await
        .unwrap()
        .dataset_group_arn
        .unwrap();
    let tracking_id = personalize
        .create_event_tracker()
        .name(name)
        .dataset_group_arn(&group)
        .send()
        .await
        .unwrap()
        .tracking_id
        .unwrap();
    let config = StackConfig {
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        name_prefix: name.into(),
        personalize_endpoint: emulator.endpoint().into(),
        aws_endpoint: moto.endpoint().into(),
        campaign_arn: Some(format!(
            "arn:aws:personalize:us-east-1:123456789012:campaign/{name}"
        )),
        recommender_arns: BTreeMap::new(),
        tracking_id,
        filter_arns: BTreeMap::new(),
        stream_name: format!("{name}-events"),
        bucket_name: format!("{name}-data"),
        archive_prefix: "events/".into(),
        dlq_name: format!("{name}-dlq"),
        enable_seed_routes: true,
        cors_allow_origin: None,
    };
    let aws = AwsClients::new(&config);
    let resources = local_stack::resources::ensure(&config, &aws).await.unwrap();
    let authorizer = Authorizer::new(
        Authorizer::random_key(),
        &config.region,
        &config.name_prefix,
    )
    .unwrap();
    let functions =
        local_stack::functions::build_with(&config, &resources, Duration::from_secs(60)).unwrap();
    Pipeline {
        moto,
        emulator,
        functions,
        group,
        authorizer,
        config,
        aws,
        resources,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hour_long_personalize_outage_loses_no_event() {
    let Pipeline {
        moto: _moto,
        emulator,
        functions,
        group,
        authorizer,
        config,
        aws,
        resources,
    } = pipeline("soak").await;
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
            let items: Vec<String> = (0..3).map(|k| format!("m{minute}-u{user}-{k}")).collect();
            let user = format!("u{user}");
            let (body, keys) = watches(&user, &session, &items, sent_at);
            post(&http, format!("{base}/events"), token(&user), &body, 202).await;
            expected.extend(keys);
            sent_requests += 1;
        }
        // Every ten minutes the walkthrough's POST /data: 50 clicks of one user on one item.
        if minute % 10 == 5 {
            let item = format!("d{minute}");
            let body = json!({"stream-name": config.stream_name, "PartitionKey": "7",
                "Data": {"userId": "7", "interactions": 50, "itemId": item, "trackingId": "x",
                         "eventType": "click", "dateFrom": date_from.to_string(), "dateTo": date_to.to_string()}});
            // The walkthrough's answer: 200 "Event sent successfully".
            let answer = post(&http, format!("{base}/data"), token("7"), &body, 200).await;
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
    let during_outage = emulator.training_events(&group).0.len();
    emulator.server().faults.set(Faults::default());
    let recovered = Instant::now();

    // Every event arrives once the service is back; the first sighting of each is its
    // arrival (the emulator is polled, not waited on blindly).
    let mut arrived: BTreeMap<Key, Duration> = BTreeMap::new();
    let (mut trained, mut repeats) = emulator.training_events(&group);
    for key in trained.keys() {
        arrived.insert(key.clone(), Duration::ZERO);
    }
    let limit = Duration::from_secs(40);
    while !expected.iter().all(|k| trained.contains_key(k)) && recovered.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(20)).await;
        (trained, repeats) = emulator.training_events(&group);
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

/// The replay of what the pipeline kept, read back through the real parts.
struct Replayer {
    ingest: Ingest<PersonalizeSink, FileQueue>,
    objects: S3Objects,
    bucket: String,
}

impl Replayer {
    async fn run(&self, source: Source, prefix: &str) -> Result<Counts, ReplayError> {
        let location = Location {
            bucket: self.bucket.clone(),
            prefix: prefix.into(),
        };
        Replay::new(&self.ingest, &self.objects)
            .run(source, &location, None, |_, _| {})
            .await
    }
}

/// With the mapping's old settings (no retry after the first failure) an outage sends every
/// batch to the S3 on-failure destination. `ingest::replay` then sends them again from there
/// and from the archive: every event reaches training exactly once however often it is
/// replayed, archived events written without an `eventId` too, objects that are not in the
/// format go to the dead letters, and a replay during a new outage stops and says where to
/// resume, changing nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_what_the_mapping_gave_up_on_trains_each_event_once() {
    let Pipeline {
        moto: _moto,
        emulator,
        functions,
        group,
        authorizer,
        config,
        aws,
        resources,
    } = pipeline("replay").await;
    let options = Options {
        poll_interval: Duration::from_millis(20),
        retry: RetryPolicy {
            max_retry_attempts: Some(0),
            bisect_on_error: false,
            ..RetryPolicy::default()
        },
        archive_interval: Duration::from_millis(200),
        authorizer: Some(authorizer.clone()),
        ..Options::default()
    };
    let running = stack::start_with(&config, &aws, resources.clone(), functions, options)
        .await
        .unwrap();
    emulator.server().faults.set(Faults {
        put_events: 1.0,
        kind: FaultKind::Unavailable,
        seed: 7,
        ..Faults::default()
    });

    // Three users, four requests of five events each, through POST /events, and one
    // POST /data of 30 clicks, each user with its own token.
    let http = reqwest::Client::new();
    let base = running.base_url();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let token = |user: &str| authorizer.issue(user, now, 3600).unwrap();
    let mut expected: BTreeSet<Key> = BTreeSet::new();
    for user in 0..3 {
        for request in 0..4 {
            let session = format!("s-{user}-{request}");
            let items: Vec<String> = (0..5).map(|k| format!("i{user}-{request}-{k}")).collect();
            let user = format!("u{user}");
            let (body, keys) = watches(&user, &session, &items, now - 60);
            post(&http, format!("{base}/events"), token(&user), &body, 202).await;
            expected.extend(keys);
        }
    }
    let day = time::OffsetDateTime::from_unix_timestamp(now - 86_400)
        .unwrap()
        .date();
    let body = json!({"stream-name": config.stream_name, "PartitionKey": "7", "Data": {
        "userId": "u9", "interactions": 30, "itemId": "d1", "eventType": "click",
        "dateFrom": day.to_string(), "dateTo": day.to_string()}});
    let answer = post(&http, format!("{base}/data"), token("u9"), &body, 200).await;
    let data_session = answer["sessionId"].as_str().unwrap().to_owned();
    let records = 13;

    // Wait until the mapping has given every record up to the destination and the archive
    // holds them all, then stop the stack (which flushes the archive).
    let deadline = Instant::now() + Duration::from_secs(60);
    while (running.mapping.records_failed.load(Ordering::Relaxed) < records
        || running.archive.records_written.load(Ordering::Relaxed) < records)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        running.mapping.records_failed.load(Ordering::Relaxed),
        records
    );
    assert_eq!(running.mapping.records_lost.load(Ordering::Relaxed), 0);
    running.stop().await.unwrap();
    assert!(
        emulator.training_events(&group).0.is_empty(),
        "the outage let nothing through"
    );

    let dir = tempfile::tempdir().unwrap();
    let letters = dir.path().join("dead-letters.jsonl");
    let sdk = sdk_config::local(emulator.endpoint(), "us-east-1");
    let replayer = Replayer {
        ingest: Ingest::new(
            ingest::Config::new(config.tracking_id.clone(), ""),
            PersonalizeSink::from_sdk(&sdk, ingest::CallLimits::default()),
            FileQueue::new(&letters),
        ),
        objects: S3Objects::new(aws.s3.clone()),
        bucket: config.bucket_name.clone(),
    };

    // A replay while Personalize is still down stops at the first object and changes nothing.
    match replayer.run(Source::Failures, "aws/lambda/").await {
        Err(ReplayError::Stopped {
            resume_after: None,
            done,
            ..
        }) => assert_eq!(done.objects, 0),
        other => panic!("expected a stop at the first object, got {other:?}"),
    }
    assert!(emulator.training_events(&group).0.is_empty());
    emulator.server().faults.set(Faults::default());

    let first = replayer.run(Source::Failures, "aws/lambda/").await.unwrap();
    let (trained, repeats) = emulator.training_events(&group);
    // The /data events' keys (collect spread their times over the day).
    let data_keys: Vec<&Key> = trained.keys().filter(|k| k.0 == data_session).collect();
    assert_eq!(data_keys.len(), 30, "one key per generated click");
    expected.extend(data_keys.into_iter().cloned());
    assert_eq!(first.records, records as usize);
    assert_eq!(first.events, 90);
    assert_eq!(first.dead_letters, 0);
    assert_eq!(trained.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(trained.values().all(|n| *n == 1), "{trained:?}");
    assert_eq!(repeats, 0);

    // Again from the destination, then from the archive: nothing new is trained on, every
    // event sent again is a repeat.
    replayer.run(Source::Failures, "aws/lambda/").await.unwrap();
    let archive = replayer.run(Source::Archive, "events/").await.unwrap();
    assert_eq!((archive.records, archive.events), (records as usize, 90));
    let (trained, repeats) = emulator.training_events(&group);
    assert_eq!(trained.len(), 90);
    assert!(trained.values().all(|n| *n == 1), "{trained:?}");
    assert_eq!(repeats, 180);

    // An archive object from before events carried ids (a legacy record, and the same line
    // delivered twice by Firehose) and a line that is not a record; an on-failure object that
    // is not JSON.
    let legacy = r#"{"userId":"u7","sessionId":"legacy","events":[{"eventType":"watch","itemId":"old","sentAt":1700000000}]}"#;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(
        &mut gz,
        format!("{legacy}\n{legacy}\nnot a record\n").as_bytes(),
    )
    .unwrap();
    for (key, body) in [
        ("events/legacy.gz", gz.finish().unwrap()),
        ("aws/lambda/zz/not-json", b"{oops".to_vec()),
    ] {
        aws.s3
            .put_object()
            .bucket(&config.bucket_name)
            .key(key)
            .body(body.into())
            .send()
            .await
            .unwrap();
    }
    for _ in 0..2 {
        replayer
            .run(Source::Archive, "events/legacy")
            .await
            .unwrap();
    }
    let bad = replayer
        .run(Source::Failures, "aws/lambda/zz/")
        .await
        .unwrap();
    assert_eq!(bad.dead_letters, 1);
    let (trained, _) = emulator.training_events(&group);
    assert_eq!(
        trained.get(&key_of("legacy", "old", 1_700_000_000)),
        Some(&1)
    );
    assert_eq!(trained.len(), 91);
    let letters: Vec<Value> = std::fs::read_to_string(&letters)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let arns: Vec<(&str, &str)> = letters
        .iter()
        .map(|l| {
            (
                l["eventSourceArn"].as_str().unwrap(),
                l["sequenceNumber"].as_str().unwrap(),
            )
        })
        .collect();
    let legacy_arn = format!("s3://{}/events/legacy.gz", config.bucket_name);
    let bad_arn = format!("s3://{}/aws/lambda/zz/not-json", config.bucket_name);
    assert_eq!(
        arns,
        [
            (legacy_arn.as_str(), "3"),
            (legacy_arn.as_str(), "3"),
            (bad_arn.as_str(), "")
        ],
        "{letters:?}"
    );
}
