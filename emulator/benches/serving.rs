//! Serving benchmark (not a test: run `cargo bench -p personalize-local --bench serving`).
//!
//! Against a real server on port 0 and the real SDK clients, on the walkthrough data, the
//! interactions imported twice: into a custom dataset group trained with
//! aws-user-personalization and deployed as a campaign, and into a VIDEO_ON_DEMAND domain group
//! served by a "Top picks for you" recommender (the same recipe underneath, plus the use
//! case's automatic filter and no scores).
//!
//! - **Recommender latency**: GetRecommendations (25 items) for each of the 610 users, `PASSES`
//!   times, alternating campaign and recommender call by call so both see the same machine;
//!   p50 and p99 of each and the recommender's ratio to the campaign (the baseline).
//! - **Batch inference throughput**: a batch inference job over the 610 users (one
//!   `{"userId"}` line each, 25 results), `ROUNDS` times on an instant server
//!   (CreateBatchInferenceJob returns once the output is written); users and items per second,
//!   against the baseline of the same users answered one GetRecommendations call at a time.
//!
//! Figures go to BENCHMARKS.md.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_personalize::types::{
    BatchInferenceJobInput, BatchInferenceJobOutput, DataSource, Domain, S3DataConfig,
};
use personalize_local::testing::{chain, TestServer};
use personalize_local::Config;

const ROUNDS: usize = 5;
/// Times every user is asked for recommendations in the latency measure.
const PASSES: usize = 3;
const NUM_RESULTS: i32 = 25;

fn main() {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/movies/data/interactions.csv");
    let root = tempfile::tempdir().unwrap();
    let bucket = root.path().join("movies");
    std::fs::create_dir_all(bucket.join("batch")).unwrap();
    std::fs::copy(&source, bucket.join("interactions.csv")).unwrap();
    let csv = std::fs::read_to_string(&source).unwrap();
    let users: BTreeSet<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    let input: String = users
        .iter()
        .map(|u| format!("{{\"userId\":\"{u}\"}}\n"))
        .collect();
    std::fs::write(bucket.join("batch/users.json"), input).unwrap();

    let server = TestServer::start(Config {
        instant: true,
        data_root: Some(root.path().to_owned()),
        ..Config::default()
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let config = sdk_config::local(server.endpoint(), "us-east-1");
        let p = aws_sdk_personalize::Client::new(&config);
        let rt = aws_sdk_personalizeruntime::Client::new(&config);
        let version = train(&p).await;
        let (campaign, recommender) = deploy(&p, &version).await;
        let (mut by_campaign, mut by_recommender) =
            latencies(&rt, &campaign, &recommender, &users).await;
        by_campaign.sort();
        by_recommender.sort();
        // One pass over the users, one call each: the baseline of the batch job.
        let sequential: Duration = by_campaign.iter().sum::<Duration>() / PASSES as u32;
        let mut rounds = Vec::new();
        for round in 0..ROUNDS {
            let started = Instant::now();
            let arn = p
                .create_batch_inference_job()
                .job_name(format!("bench-{round}"))
                .solution_version_arn(&version)
                .num_results(NUM_RESULTS)
                .role_arn("arn:aws:iam::123456789012:role/r")
                .job_input(
                    BatchInferenceJobInput::builder()
                        .s3_data_source(
                            S3DataConfig::builder()
                                .path("s3://movies/batch/users.json")
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .job_output(
                    BatchInferenceJobOutput::builder()
                        .s3_data_destination(
                            S3DataConfig::builder()
                                .path(format!("s3://movies/batch/out-{round}/"))
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .send()
                .await
                .unwrap()
                .batch_inference_job_arn
                .unwrap();
            let took = started.elapsed();
            let job = p
                .describe_batch_inference_job()
                .batch_inference_job_arn(arn)
                .send()
                .await
                .unwrap()
                .batch_inference_job
                .unwrap();
            assert_eq!(job.status(), Some("ACTIVE"), "{:?}", job.failure_reason());
            let out = std::fs::read_to_string(
                bucket.join(format!("batch/out-{round}/users.json.out")),
            )
            .unwrap();
            let mut items = 0usize;
            for line in out.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                assert!(v["error"].is_null(), "{line}");
                items += v["output"]["recommendedItems"].as_array().unwrap().len();
            }
            assert_eq!(out.lines().count(), users.len());
            rounds.push((took, items));
        }
        println!("| measure | figure |");
        println!("|---|---|");
        for (what, sorted) in [("campaign", &by_campaign), ("recommender (top picks)", &by_recommender)] {
            println!(
                "| GetRecommendations by {what}, {} calls: p50 / p99 | {} / {} |",
                sorted.len(),
                ms(percentile(sorted, 0.5)),
                ms(percentile(sorted, 0.99))
            );
        }
        println!(
            "| recommender / campaign: p50, p99 | {:.2}x, {:.2}x |",
            percentile(&by_recommender, 0.5).as_secs_f64()
                / percentile(&by_campaign, 0.5).as_secs_f64(),
            percentile(&by_recommender, 0.99).as_secs_f64()
                / percentile(&by_campaign, 0.99).as_secs_f64()
        );
        println!(
            "| baseline: {} users one GetRecommendations call at a time | {} : {:.0} users/s, {:.0} items/s |",
            users.len(),
            secs(sequential),
            users.len() as f64 / sequential.as_secs_f64(),
            (users.len() * NUM_RESULTS as usize) as f64 / sequential.as_secs_f64()
        );
        for (i, (took, items)) in rounds.iter().enumerate() {
            println!(
                "| batch inference, {} users x {NUM_RESULTS}, round {} | {} : {:.0} users/s, {:.0} items/s |",
                users.len(),
                i + 1,
                secs(*took),
                users.len() as f64 / took.as_secs_f64(),
                *items as f64 / took.as_secs_f64()
            );
        }
        rounds.sort_by_key(|r| r.0);
        let (took, items) = rounds[rounds.len() / 2];
        println!(
            "| batch inference, median of {ROUNDS} | {} : {:.0} users/s, {:.0} items/s ({:.2}x the baseline) |",
            secs(took),
            users.len() as f64 / took.as_secs_f64(),
            items as f64 / took.as_secs_f64(),
            sequential.as_secs_f64() / took.as_secs_f64()
        );
    });
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// A dataset group named `name` (of `domain`, if given) with the walkthrough's interactions
/// imported; its ARN.
async fn group_with_data(
    p: &aws_sdk_personalize::Client,
    name: &str,
    domain: Option<Domain>,
) -> String {
    let group = p
        .create_dataset_group()
        .name(name)
        .set_domain(domain.clone())
        .send()
        .await
        .unwrap()
        .dataset_group_arn
        .unwrap();
    let schema = p
        .create_schema()
        .name(format!("{name}-interactions"))
        .set_domain(domain)
        .schema(r#"{"type":"record","name":"Interactions","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"}]}"#)
        .send()
        .await
        .unwrap()
        .schema_arn
        .unwrap();
    let dataset = p
        .create_dataset()
        .name(format!("{name}-interactions"))
        .dataset_group_arn(&group)
        .dataset_type("Interactions")
        .schema_arn(&schema)
        .send()
        .await
        .unwrap()
        .dataset_arn
        .unwrap();
    p.create_dataset_import_job()
        .job_name(name)
        .dataset_arn(&dataset)
        .data_source(
            DataSource::builder()
                .data_location("s3://movies/interactions.csv")
                .build(),
        )
        .send()
        .await
        .unwrap();
    group
}

/// The walkthrough's interactions trained with aws-user-personalization: the version's ARN.
async fn train(p: &aws_sdk_personalize::Client) -> String {
    let group = group_with_data(p, "bench", None).await;
    chain::trained_version(
        p,
        &group,
        "bench",
        "arn:aws:personalize:::recipe/aws-user-personalization",
    )
    .await
    .1
}

/// A campaign of `version` and a top-picks recommender on a VIDEO_ON_DEMAND group of the same
/// data: (campaign ARN, recommender ARN).
async fn deploy(p: &aws_sdk_personalize::Client, version: &str) -> (String, String) {
    let campaign = chain::campaign(p, "bench", version).await;
    let group = group_with_data(p, "bench-vod", Some(Domain::VideoOnDemand)).await;
    let recommender = p
        .create_recommender()
        .name("bench-top-picks")
        .dataset_group_arn(group)
        .recipe_arn("arn:aws:personalize:::recipe/aws-vod-top-picks")
        .send()
        .await
        .unwrap()
        .recommender_arn
        .unwrap();
    let r = p
        .describe_recommender()
        .recommender_arn(&recommender)
        .send()
        .await
        .unwrap()
        .recommender
        .unwrap();
    assert_eq!(r.status(), Some("ACTIVE"), "{:?}", r.failure_reason());
    (campaign, recommender)
}

/// GetRecommendations latencies of the campaign and the recommender, call by call alternated,
/// each user of `users` asked `PASSES` times.
async fn latencies(
    runtime: &aws_sdk_personalizeruntime::Client,
    campaign: &str,
    recommender: &str,
    users: &BTreeSet<&str>,
) -> (Vec<Duration>, Vec<Duration>) {
    let mut by_campaign = Vec::new();
    let mut by_recommender = Vec::new();
    for _ in 0..PASSES {
        for user in users {
            for (arn, out) in [
                (campaign, &mut by_campaign),
                (recommender, &mut by_recommender),
            ] {
                let request = runtime
                    .get_recommendations()
                    .user_id(*user)
                    .num_results(NUM_RESULTS);
                let request = if arn == campaign {
                    request.campaign_arn(arn)
                } else {
                    request.recommender_arn(arn)
                };
                let started = Instant::now();
                let answer = request.send().await.unwrap();
                out.push(started.elapsed());
                assert_eq!(answer.item_list().len(), NUM_RESULTS as usize);
            }
        }
    }
    (by_campaign, by_recommender)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
