//! The dead-letter queue: records and events that can never succeed, with the reason, so an
//! operator can fix and replay them. The narrow [`DeadLetterQueue`] trait and its SQS
//! implementation.

use async_trait::async_trait;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use lambda_common::{Failure, Upstream};
use serde::Serialize;

/// Most bytes of record data copied into a dead letter (SQS messages are at most 256 KiB);
/// longer data is cut and flagged, and the record's position still locates it in the stream
/// and in the S3 archive.
pub const MAX_DATA_CHARS: usize = 200 * 1024;

/// Largest SQS message body: 256 KiB ("Amazon SQS message quotas", SQS developer guide).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// The SQS message body of `letter`, at most [`MAX_MESSAGE_BYTES`]: JSON escaping can make a
/// letter whose data is under [`MAX_DATA_CHARS`] longer than that (a control character takes
/// six bytes), so `data` is cut further, on a character boundary, until the body fits.
pub fn message_body(letter: &DeadLetter) -> String {
    let mut letter = letter.clone();
    loop {
        let body = serde_json::to_string(&letter).unwrap_or_default();
        let over = body.len().saturating_sub(MAX_MESSAGE_BYTES);
        if over == 0 || letter.data.is_empty() {
            return body;
        }
        // Each byte of data takes at most six in the body: cutting `over / 6 + 1` bytes (at
        // least) is safe, and the loop ends in a few rounds.
        let mut cut = letter.data.len().saturating_sub((over / 6).max(1));
        while !letter.data.is_char_boundary(cut) {
            cut -= 1;
        }
        letter.data.truncate(cut);
        letter.data_truncated = true;
    }
}

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

/// A boxed queue, for a caller that picks its queue at run time.
#[async_trait]
impl<T: DeadLetterQueue + ?Sized> DeadLetterQueue for Box<T> {
    async fn send(&self, letters: &[DeadLetter]) -> Result<Vec<usize>, Upstream> {
        (**self).send(letters).await
    }
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
            let body = message_body(letter);
            let entry = SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(body)
                .build()
                .map_err(|e| Upstream {
                    service: "SQS",
                    kind: Failure::Rejected,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(data: String) -> DeadLetter {
        DeadLetter {
            reason: "record data is not JSON".into(),
            field: None,
            event_id: None,
            event_source_arn: "arn:aws:kinesis:us-east-1:123456789012:stream/events".into(),
            shard_id: "shardId-000000000000".into(),
            sequence_number: "4954".into(),
            partition_key: "429".into(),
            data,
            data_encoding: "text",
            data_truncated: false,
        }
    }

    #[test]
    fn a_letter_of_escaped_characters_is_cut_to_the_sqs_limit() {
        // 200 KiB of control characters: six bytes each once escaped, 1.2 MiB in all.
        let hostile = letter("\u{1}".repeat(MAX_DATA_CHARS));
        let body = message_body(&hostile);
        assert!(body.len() <= MAX_MESSAGE_BYTES, "{}", body.len());
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["dataTruncated"], true);
        assert_eq!(parsed["sequenceNumber"], "4954", "the position is kept");
        // Multi-byte characters are cut on a boundary.
        let wide = letter("é\"".repeat(MAX_DATA_CHARS / 3));
        let body = message_body(&wide);
        assert!(body.len() <= MAX_MESSAGE_BYTES);
        serde_json::from_str::<serde_json::Value>(&body).unwrap();
    }

    #[test]
    fn a_letter_under_the_limit_is_unchanged() {
        let plain = letter("x".repeat(1000));
        let body = message_body(&plain);
        assert_eq!(body, serde_json::to_string(&plain).unwrap());
    }
}
