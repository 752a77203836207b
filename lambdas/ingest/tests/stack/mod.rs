//! The pipeline's real parts for the integration tests: moto (Kinesis, SQS) and
//! personalize-local (in this runtime, so its state can be inspected), a trained campaign with
//! an event tracker, and the Kinesis-to-Lambda step an event source mapping performs.

#![allow(dead_code)]

use std::path::Path;

use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_sdk_kinesis::types::ShardIteratorType;
use aws_sdk_personalize::types::DataSource;
use base64::Engine;
use personalize_local::state::LogEntry;
use personalize_local::{AppState, Faults, Server};
use testkit::moto::Moto;

pub const REGION: &str = "us-east-1";
pub const STREAM: &str = "events";

/// Everything running, with the ARNs the functions are configured with.
pub struct Stack {
    pub moto: Moto,
    pub personalize: AppState,
    pub personalize_endpoint: String,
    pub group: String,
    pub campaign: String,
    pub tracking_id: String,
    pub dlq_url: String,
    pub kinesis: aws_sdk_kinesis::Client,
    pub sqs: aws_sdk_sqs::Client,
    _data: tempfile::TempDir,
}

/// SDK configuration for personalize-local; `retries: false` leaves every retry to the code
/// under test (the SDK's own retries would otherwise hide injected faults).
pub fn personalize_sdk(endpoint: &str, retries: bool) -> sdk_config::aws_config::SdkConfig {
    let config = sdk_config::local(endpoint, REGION);
    if retries {
        config
    } else {
        config
            .into_builder()
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build()
    }
}

impl Stack {
    /// Starts moto and personalize-local, trains a campaign on `interactions_csv` (a
    /// walkthrough-shaped CSV file) and creates the stream and the dead-letter queue.
    pub async fn start(interactions_csv: &Path, faults: Faults) -> Self {
        let data = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(data.path().join("data")).unwrap();
        std::fs::copy(interactions_csv, data.path().join("data/interactions.csv")).unwrap();
        let personalize = Server::open(personalize_local::Config {
            instant: true,
            data_root: Some(data.path().to_path_buf()),
            faults,
            ..Default::default()
        })
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let personalize_endpoint = format!("http://{}", listener.local_addr().unwrap());
        let router = personalize_local::app(personalize.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

        let control =
            aws_sdk_personalize::Client::new(&personalize_sdk(&personalize_endpoint, true));
        let (group, campaign, tracking_id) = train(&control).await;

        let moto = Moto::start().unwrap();
        let aws = sdk_config::local(moto.endpoint(), REGION);
        let kinesis = aws_sdk_kinesis::Client::new(&aws);
        kinesis
            .create_stream()
            .stream_name(STREAM)
            .shard_count(1)
            .send()
            .await
            .unwrap();
        let sqs = aws_sdk_sqs::Client::new(&aws);
        let dlq_url = sqs
            .create_queue()
            .queue_name("ingest-dlq")
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        Self {
            moto,
            personalize,
            personalize_endpoint,
            group,
            campaign,
            tracking_id,
            dlq_url,
            kinesis,
            sqs,
            _data: data,
        }
    }

    /// moto's SDK configuration.
    pub fn aws(&self) -> sdk_config::aws_config::SdkConfig {
        sdk_config::local(self.moto.endpoint(), REGION)
    }

    /// Every record of the stream, as the Kinesis event records Lambda would deliver.
    pub async fn stream_records(&self) -> Vec<serde_json::Value> {
        let shards = self
            .kinesis
            .list_shards()
            .stream_name(STREAM)
            .send()
            .await
            .unwrap();
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut out = Vec::new();
        for shard in shards.shards() {
            let mut iterator = self
                .kinesis
                .get_shard_iterator()
                .stream_name(STREAM)
                .shard_id(shard.shard_id())
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await
                .unwrap()
                .shard_iterator
                .unwrap();
            loop {
                let page = self
                    .kinesis
                    .get_records()
                    .shard_iterator(&iterator)
                    .send()
                    .await
                    .unwrap();
                if page.records().is_empty() {
                    break;
                }
                for r in page.records() {
                    let arrival = r
                        .approximate_arrival_timestamp()
                        .map_or(0.0, |t| t.as_secs_f64());
                    out.push(serde_json::json!({
                        "kinesis": {
                            "kinesisSchemaVersion": "1.0",
                            "partitionKey": r.partition_key(),
                            "sequenceNumber": r.sequence_number(),
                            "data": b64.encode(r.data().as_ref()),
                            "approximateArrivalTimestamp": arrival,
                        },
                        "eventSource": "aws:kinesis",
                        "eventVersion": "1.0",
                        "eventID": format!("{}:{}", shard.shard_id(), r.sequence_number()),
                        "eventName": "aws:kinesis:record",
                        "awsRegion": REGION,
                        "eventSourceARN": format!("arn:aws:kinesis:{REGION}:123456789012:stream/{STREAM}"),
                    }));
                }
                match page.next_shard_iterator {
                    Some(next) => iterator = next,
                    None => break,
                }
            }
        }
        out
    }

    /// Event ids personalize-local stored for our tracker (one entry per stored event).
    pub fn stored_event_ids(&self) -> Vec<String> {
        let inner = self.personalize.state.read();
        let prefix = format!("{}/", self.tracking_id);
        inner
            .logs
            .get(&self.group)
            .map(|log| {
                log.entries
                    .iter()
                    .filter_map(|(_, e)| match e {
                        LogEntry::Event {
                            dedup: Some(key), ..
                        } => key.strip_prefix(&prefix).map(str::to_owned),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every message in the dead-letter queue, as JSON.
    pub async fn dead_letters(&self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        loop {
            let page = self
                .sqs
                .receive_message()
                .queue_url(&self.dlq_url)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            if page.messages().is_empty() {
                return out;
            }
            for m in page.messages() {
                out.push(serde_json::from_str(m.body().unwrap()).unwrap());
                self.sqs
                    .delete_message()
                    .queue_url(&self.dlq_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
    }
}

/// A Kinesis event of `records`.
pub fn kinesis_event(records: &[serde_json::Value]) -> KinesisEvent {
    serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
}

/// Delivers `records` to `ingest` as an event source mapping with `ReportBatchItemFailures`
/// does: batches of `batch_size`, and after a reported failure the next batch starts at the
/// failed record. Returns the number of invocations.
pub async fn deliver<P, D>(
    ingest: &ingest::Ingest<P, D>,
    records: &[serde_json::Value],
    batch_size: usize,
) -> usize
where
    P: ingest::EventSink,
    D: ingest::DeadLetterQueue,
{
    let mut position = 0;
    let mut invocations = 0;
    while position < records.len() {
        invocations += 1;
        assert!(invocations < 1000, "no progress at record {position}");
        let end = (position + batch_size).min(records.len());
        // A Lambda timeout of a minute, as the pipeline module's default.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        let response = ingest
            .handle(kinesis_event(&records[position..end]), deadline)
            .await;
        position = match response.batch_item_failures.first() {
            None => end,
            Some(failure) => {
                let seq = failure.item_identifier.as_deref().unwrap();
                records
                    .iter()
                    .position(|r| r["kinesis"]["sequenceNumber"] == seq)
                    .unwrap()
            }
        };
    }
    invocations
}

/// Dataset group, interactions dataset and import, a user-personalization solution version,
/// campaign and event tracker. Returns (group, campaign, tracking id).
async fn train(p: &aws_sdk_personalize::Client) -> (String, String, String) {
    let group = p
        .create_dataset_group()
        .name("pipeline")
        .send()
        .await
        .unwrap()
        .dataset_group_arn
        .unwrap();
    let schema = p
        .create_schema()
        .name("interactions")
        .schema(r#"{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"}],"version":"1.0"}"#)
        .send()
        .await
        .unwrap()
        .schema_arn
        .unwrap();
    let dataset = p
        .create_dataset()
        .name("interactions")
        .dataset_group_arn(&group)
        .dataset_type("Interactions")
        .schema_arn(&schema)
        .send()
        .await
        .unwrap()
        .dataset_arn
        .unwrap();
    let job = p
        .create_dataset_import_job()
        .job_name("interactions")
        .dataset_arn(&dataset)
        .role_arn("arn:aws:iam::123456789012:role/personalize")
        .data_source(
            DataSource::builder()
                .data_location("s3://data/interactions.csv")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .dataset_import_job_arn
        .unwrap();
    let job = p
        .describe_dataset_import_job()
        .dataset_import_job_arn(&job)
        .send()
        .await
        .unwrap();
    let job = job.dataset_import_job.unwrap();
    assert_eq!(
        job.status.as_deref(),
        Some("ACTIVE"),
        "{:?}",
        job.failure_reason
    );
    let solution = p
        .create_solution()
        .name("pipeline")
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
    let v = v.solution_version.unwrap();
    assert_eq!(
        v.status.as_deref(),
        Some("ACTIVE"),
        "{:?}",
        v.failure_reason
    );
    let campaign = p
        .create_campaign()
        .name("pipeline")
        .solution_version_arn(&version)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let tracker = p
        .create_event_tracker()
        .name("pipeline")
        .dataset_group_arn(&group)
        .send()
        .await
        .unwrap();
    (group, campaign, tracker.tracking_id.unwrap())
}
