//! Where collect writes: the narrow [`RecordStream`] trait (one PutRecords call) and its
//! Kinesis implementation. Tests drive the handler with a fake stream, integration tests with
//! [`KinesisStream`] against moto.

use async_trait::async_trait;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::PutRecordsRequestEntry;
use lambda_common::{Failure, Upstream};

/// One record to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Partition key: derived from the user id (see [`crate::partition_key`]), so one user's
    /// records stay on one shard, in order.
    pub partition_key: String,
    /// The record's data (a JSON [`lambda_common::record::StreamRecord`]).
    pub data: Vec<u8>,
}

/// Where Kinesis put a record (PutRecords' `ShardId` and `SequenceNumber`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Placed {
    /// The shard holding the record.
    pub shard_id: String,
    /// Its sequence number in that shard.
    pub sequence_number: String,
}

/// The outcome of one entry of a PutRecords call: where it was written, or the error code
/// of an entry Kinesis did not take (to be retried).
pub type Outcome = Result<Placed, String>;

/// One PutRecords call on the configured stream.
#[async_trait]
pub trait RecordStream: Send + Sync {
    /// Writes `entries` (at most 500, at most 5 MiB). `Ok` holds one outcome per entry, in
    /// order. `Err` when the whole call failed.
    async fn put_records(&self, entries: &[Entry]) -> Result<Vec<Outcome>, Upstream>;
}

/// The Kinesis stream named by configuration.
#[derive(Debug, Clone)]
pub struct KinesisStream {
    client: aws_sdk_kinesis::Client,
    stream: String,
}

impl KinesisStream {
    /// Writes to `stream` (a name or an ARN) through `client`.
    pub fn new(client: aws_sdk_kinesis::Client, stream: impl Into<String>) -> Self {
        Self {
            client,
            stream: stream.into(),
        }
    }
}

#[async_trait]
impl RecordStream for KinesisStream {
    async fn put_records(&self, entries: &[Entry]) -> Result<Vec<Outcome>, Upstream> {
        let mut request = self.client.put_records();
        request = if self.stream.starts_with("arn:") {
            request.stream_arn(&self.stream)
        } else {
            request.stream_name(&self.stream)
        };
        for entry in entries {
            let record = PutRecordsRequestEntry::builder()
                .partition_key(&entry.partition_key)
                .data(Blob::new(entry.data.clone()))
                .build()
                .map_err(|e| Upstream {
                    service: "Kinesis",
                    kind: Failure::Rejected,
                    code: "BuildError".into(),
                    detail: e.to_string(),
                })?;
            request = request.records(record);
        }
        let output = request
            .send()
            .await
            .map_err(|e| Upstream::classify("Kinesis", &e))?;
        let outcomes: Vec<Outcome> = output
            .records()
            .iter()
            .map(|r| match r.error_code() {
                Some(code) => Err(code.to_owned()),
                None => Ok(Placed {
                    shard_id: r.shard_id().unwrap_or_default().to_owned(),
                    sequence_number: r.sequence_number().unwrap_or_default().to_owned(),
                }),
            })
            .collect();
        if outcomes.len() != entries.len() {
            return Err(Upstream {
                service: "Kinesis",
                kind: Failure::Unavailable,
                code: "MismatchedResponse".into(),
                detail: format!(
                    "PutRecords answered {} results for {} records",
                    outcomes.len(),
                    entries.len()
                ),
            });
        }
        Ok(outcomes)
    }
}
