//! Server benchmarks (not a test: run `cargo bench -p personalize-local --bench server`).
//!
//! Against a real server on port 0 and the real SDK clients, on the walkthrough data:
//! import and training time through the API, GetSolutionMetrics next to popularity's,
//! GetRecommendations latency and throughput at concurrency 32 (open loop at full speed, then
//! paced at 500 req/s), PutEvents throughput (memory and --state-dir), the time from
//! PutEvents to changed recommendations, and GetRecommendations at 500 req/s on a
//! `--state-dir` server alone and while PutEvents runs at 1,000 calls/s (argument
//! `concurrency`: only that). Figures go to BENCHMARKS.md.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_personalize::types::DataSource;
use aws_sdk_personalizeevents::types::Event;
use aws_smithy_types::DateTime;
use hdrhistogram::Histogram;
use personalize_local::testing::{chain, TestServer};
use personalize_local::Config;

const CONCURRENCY: usize = 32;

struct Clients {
    control: aws_sdk_personalize::Client,
    events: aws_sdk_personalizeevents::Client,
    runtime: aws_sdk_personalizeruntime::Client,
}

fn clients(endpoint: &str) -> Clients {
    let config = sdk_config::local(endpoint, "us-east-1");
    Clients {
        control: aws_sdk_personalize::Client::new(&config),
        events: aws_sdk_personalizeevents::Client::new(&config),
        runtime: aws_sdk_personalizeruntime::Client::new(&config),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

struct Deployed {
    campaign: String,
    tracking_id: String,
}

async fn deploy(c: &Clients, recipe: &str, name: &str, group: &str) -> (String, Duration) {
    let p = &c.control;
    let solution = p
        .create_solution()
        .name(name)
        .dataset_group_arn(group)
        .recipe_arn(format!("arn:aws:personalize:::recipe/{recipe}"))
        .send()
        .await
        .unwrap()
        .solution_arn
        .unwrap();
    let started = Instant::now();
    let version = p
        .create_solution_version()
        .solution_arn(&solution)
        .send()
        .await
        .unwrap()
        .solution_version_arn
        .unwrap();
    let trained = started.elapsed();
    let v = p
        .describe_solution_version()
        .solution_version_arn(&version)
        .send()
        .await
        .unwrap();
    assert_eq!(v.solution_version.unwrap().status(), Some("ACTIVE"));
    (version, trained)
}

async fn setup(c: &Clients, report: &mut Vec<String>) -> Deployed {
    let p = &c.control;
    let group = chain::dataset_group(p, "bench").await;
    let (_, dataset) = chain::dataset(
        p,
        &group,
        "bench-interactions",
        "Interactions",
        chain::INTERACTIONS_SCHEMA,
    )
    .await;
    let started = Instant::now();
    let job = p
        .create_dataset_import_job()
        .job_name("bench")
        .dataset_arn(&dataset)
        .role_arn("arn:aws:iam::123456789012:role/r")
        .data_source(
            DataSource::builder()
                .data_location("s3://movies/data/interactions.csv")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .dataset_import_job_arn
        .unwrap();
    let imported = started.elapsed();
    let job = p
        .describe_dataset_import_job()
        .dataset_import_job_arn(job)
        .send()
        .await
        .unwrap();
    assert_eq!(job.dataset_import_job.unwrap().status(), Some("ACTIVE"));
    report.push(format!(
        "| import of interactions.csv (158,371 rows, CreateDatasetImportJob, instant) | {} |",
        secs(imported)
    ));

    let mut deployed = None;
    for recipe in ["aws-user-personalization", "aws-popularity-count"] {
        let (version, trained) = deploy(c, recipe, recipe, &group).await;
        report.push(format!(
            "| training {recipe} through CreateSolutionVersion | {} |",
            secs(trained)
        ));
        let started = Instant::now();
        let metrics = p
            .get_solution_metrics()
            .solution_version_arn(&version)
            .send()
            .await
            .unwrap()
            .metrics
            .unwrap();
        let took = started.elapsed();
        let mut keys: Vec<_> = metrics.iter().collect();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        let text: Vec<String> = keys.iter().map(|(k, v)| format!("{k}={v:.4}")).collect();
        report.push(format!(
            "| GetSolutionMetrics {recipe} (first call computes) | {} : {} |",
            secs(took),
            text.join(", ")
        ));
        if deployed.is_none() {
            let campaign = p
                .create_campaign()
                .name("bench")
                .solution_version_arn(&version)
                .send()
                .await
                .unwrap()
                .campaign_arn
                .unwrap();
            let tracker = p
                .create_event_tracker()
                .name("bench")
                .dataset_group_arn(&group)
                .send()
                .await
                .unwrap();
            deployed = Some(Deployed {
                campaign,
                tracking_id: tracker.tracking_id.unwrap(),
            });
        }
    }
    deployed.unwrap()
}

/// Runs `CONCURRENCY` workers for `duration`, each calling `call(n)` for the next request
/// number `n`; with `rate`, requests start on a fixed schedule (open loop: latency counts from
/// the scheduled start, so queueing shows). Answers (latencies, achieved rate, errors).
async fn paced<F, Fut>(duration: Duration, rate: Option<f64>, call: F) -> (Histogram<u64>, f64, u64)
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let call = Arc::new(call);
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let next = next.clone();
        let errors = errors.clone();
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new(3).unwrap();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let scheduled = match rate {
                    Some(r) => started + Duration::from_secs_f64(n as f64 / r),
                    None => Instant::now(),
                };
                if scheduled.duration_since(started) >= duration {
                    break;
                }
                tokio::time::sleep_until(scheduled.into()).await;
                if !call(n).await {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                h.record(scheduled.elapsed().as_micros() as u64).unwrap();
            }
            h
        }));
    }
    let mut all = Histogram::<u64>::new(3).unwrap();
    for t in tasks {
        all.add(t.await.unwrap()).unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    (
        all.clone(),
        all.len() as f64 / elapsed,
        errors.load(Ordering::Relaxed),
    )
}

/// GetRecommendations for users 1..610 in turn (see [`paced`]).
async fn load(
    c: &Arc<Clients>,
    campaign: &str,
    duration: Duration,
    rate: Option<f64>,
) -> (Histogram<u64>, f64, u64) {
    let c = c.clone();
    let campaign = campaign.to_owned();
    paced(duration, rate, move |n| {
        let c = c.clone();
        let campaign = campaign.clone();
        async move {
            c.runtime
                .get_recommendations()
                .campaign_arn(&campaign)
                .user_id(format!("{}", 1 + n % 610))
                .send()
                .await
                .is_ok()
        }
    })
    .await
}

/// One PutEvents of one click with a fresh eventId, for user `bench-{n % 1000}`.
async fn put_one(c: &Clients, tracking_id: &str, tag: &str, n: u64) -> bool {
    let event = Event::builder()
        .event_id(format!("{tag}-{n}"))
        .event_type("click")
        .item_id(format!("{}", 1 + n % 9000))
        .sent_at(DateTime::from_secs(1_700_000_000))
        .build()
        .unwrap();
    c.events
        .put_events()
        .tracking_id(tracking_id)
        .user_id(format!("bench-{}", n % 1000))
        .session_id("bench")
        .event_list(event)
        .send()
        .await
        .is_ok()
}

/// Readers never wait for a commit: GetRecommendations paced at 500 req/s on a `--state-dir`
/// server, alone (the baseline) and while PutEvents runs paced at 1,000 calls/s, each call
/// one fsync'd commit.
async fn reads_under_durable_writes(c: &Arc<Clients>, d: &Deployed, report: &mut Vec<String>) {
    let window = Duration::from_secs(10);
    let _ = load(c, &d.campaign, Duration::from_secs(2), Some(500.0)).await;
    let (h, rps, errors) = load(c, &d.campaign, window, Some(500.0)).await;
    report.push(format!("| --state-dir, GetRecommendations paced at 500 req/s alone (baseline) | {rps:.0} req/s, p50 {}, p99 {}, errors {errors} |", pct(&h, 0.5), pct(&h, 0.99)));
    let writer = {
        let c = c.clone();
        let tracking_id = d.tracking_id.clone();
        tokio::spawn(paced(window, Some(1000.0), move |n| {
            let c = c.clone();
            let tracking_id = tracking_id.clone();
            async move { put_one(&c, &tracking_id, "mixed", n).await }
        }))
    };
    let (h, rps, errors) = load(c, &d.campaign, window, Some(500.0)).await;
    let (wh, wrate, werrors) = writer.await.unwrap();
    report.push(format!("| --state-dir, GetRecommendations paced at 500 req/s while PutEvents is paced at 1,000 calls/s | {rps:.0} req/s, p50 {}, p99 {}, errors {errors} |", pct(&h, 0.5), pct(&h, 0.99)));
    report.push(format!("| the PutEvents of that run (1 event a call, one fsync'd commit each) | {wrate:.0} calls/s, p50 {}, p99 {}, errors {werrors} |", pct(&wh, 0.5), pct(&wh, 0.99)));
}

async fn put_events_throughput(
    c: &Arc<Clients>,
    tracking_id: &str,
    duration: Duration,
    tag: &str,
) -> f64 {
    let c = c.clone();
    let tracking_id = tracking_id.to_owned();
    let tag = tag.to_owned();
    let (h, _, errors) = paced(duration, None, move |n| {
        let c = c.clone();
        let tracking_id = tracking_id.clone();
        let tag = tag.clone();
        async move { put_one(&c, &tracking_id, &tag, n).await }
    })
    .await;
    assert_eq!(errors, 0, "PutEvents failed");
    h.len() as f64 / duration.as_secs_f64()
}

async fn reaction(c: &Clients, d: &Deployed) -> Histogram<u64> {
    let mut h = Histogram::<u64>::new(3).unwrap();
    for user in 1..=50 {
        let user = user.to_string();
        let before = c
            .runtime
            .get_recommendations()
            .campaign_arn(&d.campaign)
            .user_id(&user)
            .send()
            .await
            .unwrap()
            .item_list
            .unwrap();
        let started = Instant::now();
        let events: Vec<Event> = (0..3)
            .map(|k| {
                Event::builder()
                    .event_id(format!("react-{user}-{k}"))
                    .event_type("click")
                    .item_id("185")
                    .sent_at(DateTime::from_secs(1_700_000_000))
                    .build()
                    .unwrap()
            })
            .collect();
        c.events
            .put_events()
            .tracking_id(&d.tracking_id)
            .user_id(&user)
            .session_id("react")
            .set_event_list(Some(events))
            .send()
            .await
            .unwrap();
        let after = c
            .runtime
            .get_recommendations()
            .campaign_arn(&d.campaign)
            .user_id(&user)
            .send()
            .await
            .unwrap()
            .item_list
            .unwrap();
        h.record(started.elapsed().as_micros() as u64).unwrap();
        assert_ne!(before, after, "user {user}: recommendations did not change");
    }
    h
}

fn pct(h: &Histogram<u64>, q: f64) -> String {
    format!("{:.2} ms", h.value_at_quantile(q) as f64 / 1000.0)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let data_root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let server = TestServer::start(Config {
        instant: true,
        data_root: Some(data_root.clone()),
        ..Config::default()
    });
    let state = tempfile::tempdir().unwrap();
    let durable = TestServer::start(Config {
        instant: true,
        data_root: Some(data_root),
        state_dir: Some(state.path().to_path_buf()),
        ..Config::default()
    });
    // `cargo bench -p personalize-local --bench server -- concurrency` runs only the reads
    // under durable writes.
    let only_concurrency = std::env::args().skip(1).any(|a| a == "concurrency");
    runtime.block_on(async {
        let mut report = vec!["| measure | figure |".to_owned(), "|---|---|".to_owned()];
        if !only_concurrency {
            let c = Arc::new(clients(server.endpoint()));
            let d = setup(&c, &mut report).await;
            // Warm up connections and caches.
            let _ = load(&c, &d.campaign, Duration::from_secs(1), None).await;
            let (h, rps, errors) = load(&c, &d.campaign, Duration::from_secs(10), None).await;
            report.push(format!("| GetRecommendations, concurrency 32, as fast as possible | {rps:.0} req/s, p50 {}, p99 {}, errors {errors} |", pct(&h, 0.5), pct(&h, 0.99)));
            let (h, rps, errors) = load(&c, &d.campaign, Duration::from_secs(10), Some(500.0)).await;
            report.push(format!("| GetRecommendations, concurrency 32, paced at 500 req/s | {rps:.0} req/s, p50 {}, p99 {}, errors {errors} |", pct(&h, 0.5), pct(&h, 0.99)));
            let rate = put_events_throughput(&c, &d.tracking_id, Duration::from_secs(5), "mem").await;
            report.push(format!("| PutEvents (1 event a call), concurrency 32, memory only | {rate:.0} calls/s |"));
            let h = reaction(&c, &d).await;
            report.push(format!("| PutEvents of 3 clicks then GetRecommendations changed (50 users) | p50 {}, max {} |", pct(&h, 0.5), pct(&h, 1.0)));
        }

        let dc = Arc::new(clients(durable.endpoint()));
        let mut ignored = Vec::new();
        let dd = setup(&dc, &mut ignored).await;
        reads_under_durable_writes(&dc, &dd, &mut report).await;
        if !only_concurrency {
            let rate = put_events_throughput(&dc, &dd.tracking_id, Duration::from_secs(5), "disk").await;
            report.push(format!("| PutEvents (1 event a call), concurrency 32, --state-dir (fsync per call) | {rate:.0} calls/s |"));
        }
        println!("{}", report.join("\n"));
    });
}
