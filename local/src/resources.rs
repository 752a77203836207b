//! The AWS resources the pipeline module creates with `hashicorp/aws`, created in moto by the
//! local stack itself: the Kinesis stream, the bucket (data and archive) and the dead-letter
//! queue. Each is created if missing and reused if present, so a restart keeps them.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_kinesis::types::StreamStatus;

use crate::config::StackConfig;

/// Clients for moto.
#[derive(Debug, Clone)]
pub struct AwsClients {
    /// Kinesis.
    pub kinesis: aws_sdk_kinesis::Client,
    /// S3, path-style (moto serves every bucket on one host).
    pub s3: aws_sdk_s3::Client,
    /// SQS.
    pub sqs: aws_sdk_sqs::Client,
}

impl AwsClients {
    /// Clients for the endpoint of `config`.
    pub fn new(config: &StackConfig) -> Self {
        let sdk = sdk_config::local(&config.aws_endpoint, &config.region);
        Self {
            kinesis: aws_sdk_kinesis::Client::new(&sdk),
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&sdk)
                    .force_path_style(true)
                    .build(),
            ),
            sqs: aws_sdk_sqs::Client::new(&sdk),
        }
    }
}

/// What [`ensure`] made or found.
#[derive(Debug, Clone)]
pub struct Resources {
    /// The dead-letter queue's URL.
    pub dlq_url: String,
}

/// Shards of the local stream: two, so the mapping's per-shard ordering is exercised.
pub const SHARD_COUNT: i32 = 2;

/// Creates the stream (waiting until it is ACTIVE), the bucket and the queue where missing.
///
/// # Errors
/// When moto refuses a call or the stream does not become ACTIVE within 30 s.
pub async fn ensure(config: &StackConfig, aws: &AwsClients) -> anyhow::Result<Resources> {
    let created = aws
        .kinesis
        .create_stream()
        .stream_name(&config.stream_name)
        .shard_count(SHARD_COUNT)
        .send()
        .await;
    if let Err(e) = created {
        let e = e.into_service_error();
        if !e.is_resource_in_use_exception() {
            return Err(
                anyhow::Error::new(e).context(format!("creating stream {}", config.stream_name))
            );
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let described = aws
            .kinesis
            .describe_stream_summary()
            .stream_name(&config.stream_name)
            .send()
            .await
            .map_err(|e| anyhow::Error::new(e.into_service_error()))
            .with_context(|| format!("describing stream {}", config.stream_name))?;
        let status = described
            .stream_description_summary
            .map(|s| s.stream_status);
        if status == Some(StreamStatus::Active) {
            break;
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "stream {} is still {status:?} after 30 s",
            config.stream_name
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    ensure_bucket(&aws.s3, &config.bucket_name).await?;

    // CreateQueue is idempotent for identical attributes.
    let queue = aws
        .sqs
        .create_queue()
        .queue_name(&config.dlq_name)
        .send()
        .await
        .map_err(|e| anyhow::Error::new(e.into_service_error()))
        .with_context(|| format!("creating queue {}", config.dlq_name))?;
    let dlq_url = queue.queue_url.context("CreateQueue returned no URL")?;
    Ok(Resources { dlq_url })
}

/// Creates `bucket` unless it exists.
///
/// # Errors
/// When S3 refuses for another reason than the bucket being there already.
pub async fn ensure_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> anyhow::Result<()> {
    if let Err(e) = s3.create_bucket().bucket(bucket).send().await {
        let e = e.into_service_error();
        if !(e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()) {
            return Err(anyhow::Error::new(e).context(format!("creating bucket {bucket}")));
        }
    }
    Ok(())
}
