//! The event pipeline's real parts for the tests and benchmarks of this crate (feature
//! `testing`, which its own dev-dependency turns on): moto (Kinesis, SQS) and
//! personalize-local (in the caller's runtime, so its state can be inspected), a trained
//! campaign with an event tracker, and ingest fed the way this crate's event source mapping
//! ([`crate::esm`]) feeds it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_sdk_kinesis::types::Record;
use devenv::moto::Moto;
use personalize_local::state::LogEntry;
use personalize_local::{AppState, Faults, Server};

use crate::esm::batch::{self, RetryPolicy, Source};
use crate::shard::ShardReader;

/// The region every client of the stack uses.
pub const REGION: &str = "us-east-1";
/// The stream collect writes to and ingest reads.
pub const STREAM: &str = "events";

/// Everything running, with the ARNs the functions are configured with.
#[derive(Debug)]
pub struct PipelineStack {
    /// moto: the stream and the dead-letter queue.
    pub moto: Moto,
    /// personalize-local's state, served on [`PipelineStack::personalize_endpoint`].
    pub personalize: AppState,
    /// Where personalize-local listens.
    pub personalize_endpoint: String,
    /// The dataset group's ARN.
    pub group: String,
    /// The campaign's ARN.
    pub campaign: String,
    /// The event tracker's tracking id.
    pub tracking_id: String,
    /// The dead-letter queue's URL.
    pub dlq_url: String,
    /// A Kinesis client of moto.
    pub kinesis: aws_sdk_kinesis::Client,
    /// An SQS client of moto.
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
            .retry_config(sdk_config::aws_config::retry::RetryConfig::disabled())
            .build()
    }
}

impl PipelineStack {
    /// Starts moto and personalize-local, trains a campaign on `interactions_csv` (a
    /// walkthrough-shaped CSV file) and creates the stream and the dead-letter queue.
    ///
    /// # Panics
    /// When a part does not start or training fails: this is test setup.
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

    /// Every record of the stream, in shard order, read as the event source mapping reads
    /// it.
    ///
    /// # Panics
    /// When Kinesis refuses a read.
    pub async fn stream_records(&self) -> Vec<Record> {
        let shards = self
            .kinesis
            .list_shards()
            .stream_name(STREAM)
            .send()
            .await
            .unwrap();
        let mut out = Vec::new();
        for shard in shards.shards() {
            let mut reader = ShardReader::new(self.kinesis.clone(), STREAM, shard.shard_id());
            loop {
                let batch = reader.next_batch(10_000).await.unwrap();
                if batch.is_empty() {
                    break;
                }
                out.extend(batch);
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
    ///
    /// # Panics
    /// When SQS refuses a call or a message is not JSON.
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

/// Where the stack's records come from, as the event names it (the stream has one shard).
fn source() -> Source {
    Source {
        region: REGION.to_owned(),
        stream_arn: format!("arn:aws:kinesis:{REGION}:123456789012:stream/{STREAM}"),
        role_arn: "arn:aws:iam::123456789012:role/ingest".to_owned(),
        shard_id: "shardId-000000000000".to_owned(),
    }
}

/// The Kinesis event Lambda would deliver for `records` (the mapping's own
/// [`batch::kinesis_event`]).
///
/// # Panics
/// When the event does not deserialize, which would be a bug of the mapping.
pub fn kinesis_event(records: &[Record]) -> KinesisEvent {
    serde_json::from_value(batch::kinesis_event(&source(), records)).unwrap()
}

/// Delivers `records` to `ingest` through the event source mapping's retry rules
/// ([`batch::deliver`], `ReportBatchItemFailures`, unlimited retries without back-off), in
/// batches of `batch_size`, with a function timeout of a minute (the pipeline module's
/// default). Returns the number of invocations.
///
/// # Panics
/// When the function cannot be started, or a batch is given up on.
pub async fn deliver<P, D>(
    ingest: Arc<ingest::Ingest<P, D>>,
    records: &[Record],
    batch_size: usize,
) -> u32
where
    P: ingest::EventSink + 'static,
    D: ingest::DeadLetterQueue + 'static,
{
    let timeout = Duration::from_secs(60);
    let function = crate::function::sandboxed("ingest", move |event: KinesisEvent| {
        let handler = ingest.clone();
        let deadline = tokio::time::Instant::now() + timeout;
        async move { Ok::<_, std::convert::Infallible>(handler.handle(event, deadline).await) }
    })
    .unwrap();
    let policy = RetryPolicy {
        max_retry_attempts: None,
        backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
        function_timeout: timeout,
        ..RetryPolicy::default()
    };
    let source = source();
    let mut invocations = 0;
    for chunk in records.chunks(batch_size) {
        let delivery = batch::deliver(function.as_ref(), &source, &policy, chunk.to_vec()).await;
        assert!(
            delivery.failed.is_empty(),
            "records given up on: {:?}",
            delivery.failed
        );
        invocations += delivery.invocations;
    }
    invocations
}

/// Dataset group, interactions dataset and import, a user-personalization solution version,
/// campaign and event tracker. Returns (group, campaign, tracking id).
async fn train(p: &aws_sdk_personalize::Client) -> (String, String, String) {
    use personalize_local::testing::chain;
    let group = chain::dataset_group(p, "pipeline").await;
    let (_, dataset) = chain::dataset(
        p,
        &group,
        "interactions",
        "Interactions",
        chain::INTERACTIONS_SCHEMA,
    )
    .await;
    chain::imported(p, &dataset, "interactions", "s3://data/interactions.csv").await;
    let (_, version) = chain::trained_version(
        p,
        &group,
        "pipeline",
        "arn:aws:personalize:::recipe/aws-user-personalization",
    )
    .await;
    let campaign = chain::campaign(p, "pipeline", &version).await;
    let (_, tracking_id) = chain::event_tracker(p, "pipeline", &group).await;
    (group, campaign, tracking_id)
}
