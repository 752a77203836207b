//! Batch inference benchmark (not a test: run `cargo bench -p personalize-local --bench batch`).
//!
//! Against a real server on port 0 and the real SDK client, on the walkthrough data: the
//! interactions imported and trained with aws-user-personalization, then a batch inference
//! job over every one of the walkthrough's 610 users (one `{"userId"}` line each, 25 results),
//! run `ROUNDS` times on an instant server (CreateBatchInferenceJob returns once the output is
//! written). Reports the job's wall time, users (input lines) per second and recommended items
//! per second, each round and the median. Figures go to BENCHMARKS.md.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_personalize::types::{
    BatchInferenceJobInput, BatchInferenceJobOutput, DataSource, S3DataConfig,
};
use personalize_local::testing::TestServer;
use personalize_local::Config;

const ROUNDS: usize = 5;
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
        let p = aws_sdk_personalize::Client::new(&pr_sdk::local(server.endpoint(), "us-east-1"));
        let version = train(&p).await;
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
            "| batch inference, median of {ROUNDS} | {} : {:.0} users/s, {:.0} items/s |",
            secs(took),
            users.len() as f64 / took.as_secs_f64(),
            items as f64 / took.as_secs_f64()
        );
    });
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The walkthrough's interactions imported and trained with aws-user-personalization; the
/// version's ARN.
async fn train(p: &aws_sdk_personalize::Client) -> String {
    let group = p
        .create_dataset_group()
        .name("bench")
        .send()
        .await
        .unwrap()
        .dataset_group_arn
        .unwrap();
    let schema = p
        .create_schema()
        .name("bench-interactions")
        .schema(r#"{"type":"record","name":"Interactions","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"}]}"#)
        .send()
        .await
        .unwrap()
        .schema_arn
        .unwrap();
    let dataset = p
        .create_dataset()
        .name("bench-interactions")
        .dataset_group_arn(&group)
        .dataset_type("Interactions")
        .schema_arn(&schema)
        .send()
        .await
        .unwrap()
        .dataset_arn
        .unwrap();
    p.create_dataset_import_job()
        .job_name("bench")
        .dataset_arn(&dataset)
        .data_source(
            DataSource::builder()
                .data_location("s3://movies/interactions.csv")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let solution = p
        .create_solution()
        .name("bench")
        .dataset_group_arn(&group)
        .recipe_arn("arn:aws:personalize:::recipe/aws-user-personalization")
        .send()
        .await
        .unwrap()
        .solution_arn
        .unwrap();
    let version = p
        .create_solution_version()
        .solution_arn(&solution)
        .send()
        .await
        .unwrap()
        .solution_version_arn
        .unwrap();
    let v = p
        .describe_solution_version()
        .solution_version_arn(&version)
        .send()
        .await
        .unwrap();
    assert_eq!(
        v.solution_version.unwrap().status(),
        Some("ACTIVE"),
        "training failed"
    );
    version
}
