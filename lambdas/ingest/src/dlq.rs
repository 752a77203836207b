//! The dead-letter queue: records and events that can never succeed, with the reason, so an
//! operator can fix and replay them. The narrow [`DeadLetterQueue`] trait and its SQS
//! implementation.

use async_trait::async_trait;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use lambda_common::{Kind, Upstream};
use serde::Serialize;

/// Most bytes of record data copied into a dead letter (SQS messages are at most 256 KiB);
/// longer data is cut and flagged, and the record's position still locates it in the stream
/// and in the S3 archive.
pub const MAX_DATA_CHARS: usize = 200 * 1024;

/// One thing that can never succeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// Why it can never succeed.
    pub reason: String,
    /// The field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The event, when one event of a valid record was refused by Personalize.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The stream ARN.
    pub event_source_arn: String,
    /// The shard.
    pub shard_id: String,
    /// The record's sequence number.
    pub sequence_number: String,
    /// The record's partition key.
    pub partition_key: String,
    /// The record's data: UTF-8 text as is, anything else base64 (`dataEncoding`).
    pub data: String,
    /// `text` or `base64`.
    pub data_encoding: &'static str,
    /// Whether `data` was cut at [`MAX_DATA_CHARS`].
    pub data_truncated: bool,
}

/// Where dead letters go.
#[async_trait]
pub trait DeadLetterQueue: Send + Sync {
    /// Sends `letters` (at most 10). `Ok` holds the indexes of letters not taken.
    async fn send(&self, letters: &[DeadLetter]) -> Result<Vec<usize>, Upstream>;
}

/// An SQS queue.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsQueue {
    /// The queue at `url`.
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }
}

#[async_trait]
impl DeadLetterQueue for SqsQueue {
    async fn send(&self, letters: &[DeadLetter]) -> Result<Vec<usize>, Upstream> {
        let mut request = self.client.send_message_batch().queue_url(&self.url);
        for (i, letter) in letters.iter().enumerate() {
            let body = serde_json::to_string(letter).unwrap_or_default();
            let entry = SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(body)
                .build()
                .map_err(|e| Upstream {
                    service: "SQS",
                    kind: Kind::Rejected,
                    code: "BuildError".into(),
                    detail: e.to_string(),
                })?;
            request = request.entries(entry);
        }
        let output = request
            .send()
            .await
            .map_err(|e| Upstream::classify("SQS", &e))?;
        Ok(output
            .failed()
            .iter()
            .filter_map(|f| f.id().parse().ok())
            .collect())
    }
}
