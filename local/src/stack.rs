//! The stack assembled: the API on a socket, the event source mapping feeding ingest, and the
//! archiver, all against the resources in moto; stopped gracefully (the server stops
//! accepting, each shard finishes its batch, the archiver flushes).

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::apigw::{self, Route};
use crate::authorizer::Authorizer;
use crate::config::StackConfig;
use crate::esm::{self, batch::RetryPolicy, Destinations, MappingConfig, MappingStats, OnFailure};
use crate::firehose::{self, ArchiveConfig, ArchiveStats};
use crate::function::SharedFunction;
use crate::resources::{self, AwsClients, Resources};

/// The functions the stack hosts.
#[derive(Clone)]
pub struct Functions {
    /// API routes and their functions.
    pub routes: Vec<Route>,
    /// The function the event source mapping invokes.
    pub ingest: SharedFunction,
}

impl std::fmt::Debug for Functions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Functions")
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

/// Tunables that AWS sets per resource (the pipeline module's values by default).
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the API listens; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Event source mapping `BatchSize`.
    pub batch_size: i32,
    /// Pause after an empty poll of a shard (mapping and archiver).
    pub poll_interval: Duration,
    /// Mapping retry rules.
    pub retry: RetryPolicy,
    /// Archiver buffer interval.
    pub archive_interval: Duration,
    /// Archiver buffer size, bytes.
    pub archive_bytes: usize,
    /// The mapping's on-failure destination: the data bucket (full records, the pipeline
    /// module's default) or the dead-letter queue (metadata only).
    pub failure_destination: FailureDestination,
    /// The API's authorizer (`None`: every route open, for tests of the other parts).
    pub authorizer: Option<Authorizer>,
}

/// Which resource takes the batches the mapping gives up on (the pipeline module's
/// `ingest_failure_destination`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailureDestination {
    /// The data bucket, under `aws/lambda/`: the invocation record with every record.
    #[default]
    S3,
    /// The dead-letter queue: the invocation record, metadata only.
    Sqs,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            batch_size: 100,
            // AWS polls an idle shard about once a second; locally a shorter pause keeps the
            // demo's event-to-recommendation latency low at negligible cost.
            poll_interval: Duration::from_millis(200),
            retry: RetryPolicy::default(),
            // Firehose's smallest interval is 60 s (0 with zero buffering); one second keeps
            // the archive observable during the demo.
            archive_interval: Duration::from_secs(1),
            archive_bytes: 1 << 20,
            failure_destination: FailureDestination::default(),
            authorizer: None,
        }
    }
}

/// A running stack.
#[derive(Debug)]
pub struct RunningStack {
    /// Where the API listens.
    pub addr: SocketAddr,
    /// What was created or found in moto.
    pub resources: Resources,
    /// Event source mapping counters.
    pub mapping: Arc<MappingStats>,
    /// Archiver counters.
    pub archive: Arc<ArchiveStats>,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    mapping_task: JoinHandle<anyhow::Result<()>>,
    archive_task: JoinHandle<anyhow::Result<()>>,
}

impl RunningStack {
    /// The API's base URL, stage included, e.g. `http://127.0.0.1:41234/prod`.
    pub fn base_url(&self) -> String {
        format!("http://{}/{}", self.addr, apigw::STAGE)
    }

    /// Stops everything and waits: in-flight requests and batches finish, the archive is
    /// flushed.
    ///
    /// # Errors
    /// When a part ended in error (e.g. records the archiver could not deliver).
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.server
            .await
            .context("API task")?
            .context("API server")?;
        self.mapping_task.await.context("mapping task")??;
        self.archive_task.await.context("archiver task")??;
        tracing::info!(
            records = self.mapping.records_read.load(Ordering::Relaxed),
            invocations = self.mapping.invocations.load(Ordering::Relaxed),
            failed = self.mapping.records_failed.load(Ordering::Relaxed),
            lost = self.mapping.records_lost.load(Ordering::Relaxed),
            archived = self.archive.records_written.load(Ordering::Relaxed),
            "local stack stopped"
        );
        Ok(())
    }
}

/// Creates the resources in moto and starts the stack.
///
/// # Errors
/// When moto is unreachable or refuses a resource, or the address cannot be bound.
pub async fn start(
    config: &StackConfig,
    functions: Functions,
    options: Options,
) -> anyhow::Result<RunningStack> {
    let aws = AwsClients::new(config);
    let resources = resources::ensure(config, &aws).await?;
    start_with(config, &aws, resources, functions, options).await
}

/// Starts the stack on resources already ensured (the caller needed the DLQ URL to build
/// the functions).
///
/// # Errors
/// When the address cannot be bound or the stream's shards cannot be listed.
pub async fn start_with(
    config: &StackConfig,
    aws: &AwsClients,
    resources: Resources,
    functions: Functions,
    options: Options,
) -> anyhow::Result<RunningStack> {
    let (shutdown, watch_rx) = watch::channel(false);
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("binding {}", options.listen))?;
    let addr = listener.local_addr()?;
    let cors = config
        .cors_allow_origin
        .as_deref()
        .map(lambda_common::Cors::parse)
        .transpose()
        .map_err(|m| anyhow::anyhow!("local_stack.cors_allow_origin {m}"))?;
    let app = apigw::app_with(
        functions.routes,
        apigw::Settings {
            authorizer: options.authorizer.clone(),
            cors,
            ..apigw::Settings::default()
        },
    );
    let mut server_shutdown = watch_rx.clone();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = server_shutdown.wait_for(|stop| *stop).await;
        })
        .await
    });

    let mapping = Arc::new(MappingStats::default());
    let mapping_task = tokio::spawn(esm::run(
        MappingConfig {
            stream_name: config.stream_name.clone(),
            stream_arn: config.stream_arn(),
            region: config.region.clone(),
            function_arn: config.function_arn("ingest"),
            role_arn: config.lambda_role_arn(),
            batch_size: options.batch_size,
            poll_interval: options.poll_interval,
            policy: options.retry.clone(),
            on_failure: Some(match options.failure_destination {
                FailureDestination::S3 => OnFailure::S3 {
                    bucket: config.bucket_name.clone(),
                },
                FailureDestination::Sqs => OnFailure::Sqs {
                    queue_url: resources.dlq_url.clone(),
                },
            }),
            uuid: uuid::Uuid::new_v4().to_string(),
        },
        aws.kinesis.clone(),
        Destinations {
            sqs: aws.sqs.clone(),
            s3: aws.s3.clone(),
        },
        functions.ingest,
        mapping.clone(),
        watch_rx.clone(),
    ));

    let archive = Arc::new(ArchiveStats::default());
    let archive_task = tokio::spawn(firehose::run(
        ArchiveConfig {
            delivery_stream_name: format!("{}-archive", config.name_prefix),
            stream_name: config.stream_name.clone(),
            bucket: config.bucket_name.clone(),
            prefix: config.archive_prefix.clone(),
            buffer_bytes: options.archive_bytes,
            buffer_interval: options.archive_interval,
            poll_interval: options.poll_interval,
        },
        aws.kinesis.clone(),
        aws.s3.clone(),
        archive.clone(),
        watch_rx,
    ));

    Ok(RunningStack {
        addr,
        resources,
        mapping,
        archive,
        shutdown,
        server,
        mapping_task,
        archive_task,
    })
}
