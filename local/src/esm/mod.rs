//! The Kinesis event source mapping: polls every shard of the stream, delivers batches to
//! the function with the mapping's retry rules ([`batch`]) and sends what it gives up on to
//! the on-failure destination, as Lambda's poller does with `ReportBatchItemFailures`,
//! `BisectBatchOnFunctionError`, `MaximumRetryAttempts`, `MaximumRecordAgeInSeconds` and a
//! `DestinationConfig.OnFailure`.
//!
//! The destination is an S3 bucket or an SQS queue, written as Lambda writes them ("Retain
//! discarded batch records for a Kinesis Data Streams event source in Lambda", Lambda
//! developer guide): SQS gets the invocation record (metadata: the shard and the sequence
//! numbers, the records stay in the stream); S3 gets the same record plus the whole
//! invocation payload (`payload`: the Kinesis event with every record's data), as an object
//! named `aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`, so
//! the records survive the stream's retention and can be replayed from there.
//!
//! One task per shard keeps the per-shard ordering guarantee: a shard does not advance while a
//! batch of it is being retried. Shards present at start are followed; resharding is out of
//! scope (moto streams keep their shards).

pub mod batch;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::function::SharedFunction;
use crate::shard::{shard_ids, ShardReader};
use batch::{FailedRange, RetryPolicy, Source};

/// How the mapping is configured.
#[derive(Debug, Clone)]
pub struct MappingConfig {
    /// Stream to read.
    pub stream_name: String,
    /// The stream's ARN (`eventSourceARN`).
    pub stream_arn: String,
    /// Region (`awsRegion`).
    pub region: String,
    /// The function's ARN, named in on-failure records.
    pub function_arn: String,
    /// The function's execution role (`invokeIdentityArn`).
    pub role_arn: String,
    /// `BatchSize`: records per invocation at most.
    pub batch_size: i32,
    /// Pause after an empty `GetRecords` on a shard.
    pub poll_interval: Duration,
    /// Retry rules.
    pub policy: RetryPolicy,
    /// The on-failure destination; without one, failed batches are only logged and counted
    /// (as on AWS, they are then lost).
    pub on_failure: Option<OnFailure>,
    /// The mapping's UUID (named in S3 on-failure object keys).
    pub uuid: String,
}

/// Where the mapping sends the batches it gives up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnFailure {
    /// An S3 bucket: the invocation record with the full payload, one object a batch.
    S3 {
        /// The bucket.
        bucket: String,
    },
    /// An SQS queue: the invocation record, metadata only.
    Sqs {
        /// The queue URL.
        queue_url: String,
    },
}

/// Counters of a running mapping.
#[derive(Debug, Default)]
pub struct MappingStats {
    /// Records read from the stream.
    pub records_read: AtomicU64,
    /// Function invocations.
    pub invocations: AtomicU64,
    /// Records sent to the on-failure destination.
    pub records_failed: AtomicU64,
    /// Records given up on that the destination did not take (or that had none): lost.
    pub records_lost: AtomicU64,
}

/// Runs the mapping until `shutdown` turns true; the batch in flight on each shard finishes.
///
/// # Errors
/// When the stream's shards cannot be listed; errors while polling are logged and retried.
pub async fn run(
    config: MappingConfig,
    kinesis: aws_sdk_kinesis::Client,
    destinations: Destinations,
    function: SharedFunction,
    stats: Arc<MappingStats>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let mut tasks = JoinSet::new();
    for shard_id in shard_ids(&kinesis, &config.stream_name).await? {
        let reader = ShardReader::new(kinesis.clone(), &config.stream_name, &shard_id);
        tasks.spawn(poll_shard(
            config.clone(),
            reader,
            destinations.clone(),
            function.clone(),
            stats.clone(),
            shutdown.clone(),
        ));
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// The clients of the destination services.
#[derive(Debug, Clone)]
pub struct Destinations {
    /// SQS.
    pub sqs: aws_sdk_sqs::Client,
    /// S3 (path-style).
    pub s3: aws_sdk_s3::Client,
}

async fn poll_shard(
    config: Arc<MappingConfig>,
    mut reader: ShardReader,
    destinations: Destinations,
    function: SharedFunction,
    stats: Arc<MappingStats>,
    mut shutdown: watch::Receiver<bool>,
) {
    let source = Source {
        region: config.region.clone(),
        stream_arn: config.stream_arn.clone(),
        role_arn: config.role_arn.clone(),
        shard_id: reader.shard_id().to_owned(),
    };
    while !*shutdown.borrow() && !reader.is_closed() {
        let records = tokio::select! {
            _ = shutdown.changed() => break,
            records = reader.next_batch(config.batch_size) => records,
        };
        let records = match records {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(shard = %source.shard_id, "polling failed: {e:#}");
                Vec::new()
            }
        };
        if records.is_empty() {
            tokio::select! {
                _ = shutdown.changed() => break,
                () = tokio::time::sleep(config.poll_interval) => {}
            }
            continue;
        }
        stats
            .records_read
            .fetch_add(records.len() as u64, Ordering::Relaxed);
        let delivery = batch::deliver(&*function, &source, &config.policy, records).await;
        stats
            .invocations
            .fetch_add(u64::from(delivery.invocations), Ordering::Relaxed);
        for failed in delivery.failed {
            stats
                .records_failed
                .fetch_add(failed.records.len() as u64, Ordering::Relaxed);
            if !send_to_destination(&config, &source, &destinations, &failed).await {
                stats
                    .records_lost
                    .fetch_add(failed.records.len() as u64, Ordering::Relaxed);
            }
        }
    }
}

/// The on-failure record Lambda sends for a Kinesis batch: metadata only, the records stay in
/// the stream (within its retention) and are found by their sequence numbers.
pub fn on_failure_record(
    config: &MappingConfig,
    source: &Source,
    failed: &FailedRange,
    now: OffsetDateTime,
) -> serde_json::Value {
    let arrival = |r: Option<&aws_sdk_kinesis::types::Record>| {
        r.and_then(|r| r.approximate_arrival_timestamp)
            .and_then(|t| OffsetDateTime::from_unix_timestamp_nanos(t.as_nanos()).ok())
            .and_then(|t| t.format(&Rfc3339).ok())
    };
    json!({
        "requestContext": {
            "requestId": uuid::Uuid::new_v4().to_string(),
            "functionArn": config.function_arn,
            "condition": failed.condition,
            "approximateInvokeCount": failed.invoke_count,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "version": "1.0",
        "timestamp": now.format(&Rfc3339).unwrap_or_default(),
        "KinesisBatchInfo": {
            "shardId": source.shard_id,
            "startSequenceNumber": failed.records.first().map(|r| r.sequence_number.as_str()),
            "endSequenceNumber": failed.records.last().map(|r| r.sequence_number.as_str()),
            "approximateArrivalOfFirstRecord": arrival(failed.records.first()),
            "approximateArrivalOfLastRecord": arrival(failed.records.last()),
            "batchSize": failed.records.len(),
            "streamArn": config.stream_arn,
        },
        // Not in Lambda's record: why the last attempt failed, so a reader of the local DLQ
        // does not need the function's logs.
        "lastError": failed.last_error,
    })
}

/// The S3 object key Lambda uses for an on-failure record:
/// `aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`.
pub fn on_failure_key(uuid: &str, shard_id: &str, at: OffsetDateTime) -> String {
    format!(
        "aws/lambda/{uuid}/{shard_id}/{:04}/{:02}/{:02}/{:04}-{:02}-{:02}T{:02}.{:02}.{:02}-{}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        uuid::Uuid::new_v4()
    )
}

/// Sends `failed` to the destination; `false` when it was not taken (or there is none).
async fn send_to_destination(
    config: &MappingConfig,
    source: &Source,
    destinations: &Destinations,
    failed: &FailedRange,
) -> bool {
    let now = OffsetDateTime::now_utc();
    let mut body = on_failure_record(config, source, failed, now);
    tracing::warn!(shard = %source.shard_id, records = failed.records.len(),
        "giving up on a batch: {}", failed.last_error);
    let sent = match &config.on_failure {
        None => return false,
        Some(OnFailure::Sqs { queue_url }) => destinations
            .sqs
            .send_message()
            .queue_url(queue_url)
            .message_body(body.to_string())
            .send()
            .await
            .map(drop)
            .map_err(|e| anyhow::Error::new(e.into_service_error())),
        Some(OnFailure::S3 { bucket }) => {
            body["payload"] = batch::kinesis_event(source, &failed.records);
            destinations
                .s3
                .put_object()
                .bucket(bucket)
                .key(on_failure_key(&config.uuid, &source.shard_id, now))
                .content_type("application/json")
                .body(body.to_string().into_bytes().into())
                .send()
                .await
                .map(drop)
                .map_err(|e| anyhow::Error::new(e.into_service_error()))
        }
    };
    match sent {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(
                destination = ?config.on_failure,
                "sending a failed batch to the on-failure destination: {e:#}"
            );
            false
        }
    }
}
