//! Reading one Kinesis shard in order, from the start of the stream, the way both the event
//! source mapping and Firehose consume a stream: a shard iterator advanced by `GetRecords`,
//! re-created after the last record read when it expires.

use aws_sdk_kinesis::types::{Record, ShardIteratorType};
use aws_sdk_kinesis::Client;

/// A cursor over one shard.
#[derive(Debug)]
pub struct ShardReader {
    client: Client,
    stream_name: String,
    shard_id: String,
    iterator: Option<String>,
    /// Sequence number of the last record handed out; the iterator restarts after it.
    checkpoint: Option<String>,
    closed: bool,
}

impl ShardReader {
    /// A reader of `shard_id` that starts at the oldest record still in the stream
    /// (`TRIM_HORIZON`).
    pub fn new(client: Client, stream_name: &str, shard_id: &str) -> Self {
        Self {
            client,
            stream_name: stream_name.to_owned(),
            shard_id: shard_id.to_owned(),
            iterator: None,
            checkpoint: None,
            closed: false,
        }
    }

    /// The shard this reader follows.
    pub fn shard_id(&self) -> &str {
        &self.shard_id
    }

    /// True once the shard has been closed (split or merged) and read to its end.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The next records, at most `limit` of them; empty when the reader is at the tip.
    ///
    /// # Errors
    /// When Kinesis refuses both `GetRecords` and a fresh iterator.
    pub async fn next_batch(&mut self, limit: i32) -> anyhow::Result<Vec<Record>> {
        if self.closed {
            return Ok(Vec::new());
        }
        let iterator = match self.iterator.take() {
            Some(it) => it,
            None => self.fresh_iterator().await?,
        };
        let out = match self
            .client
            .get_records()
            .shard_iterator(&iterator)
            .limit(limit)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let e = e.into_service_error();
                if e.is_expired_iterator_exception() {
                    // An iterator lives five minutes; start again after the checkpoint.
                    self.iterator = None;
                    return Ok(Vec::new());
                }
                return Err(anyhow::Error::new(e).context(format!(
                    "GetRecords on {}/{}",
                    self.stream_name, self.shard_id
                )));
            }
        };
        match out.next_shard_iterator {
            Some(next) => self.iterator = Some(next),
            None => self.closed = true,
        }
        if let Some(last) = out.records.last() {
            self.checkpoint = Some(last.sequence_number.clone());
        }
        Ok(out.records)
    }

    async fn fresh_iterator(&self) -> anyhow::Result<String> {
        let request = self
            .client
            .get_shard_iterator()
            .stream_name(&self.stream_name)
            .shard_id(&self.shard_id);
        let request = match &self.checkpoint {
            Some(seq) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .starting_sequence_number(seq),
            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let out = request.send().await.map_err(|e| {
            anyhow::Error::new(e.into_service_error()).context(format!(
                "GetShardIterator on {}/{}",
                self.stream_name, self.shard_id
            ))
        })?;
        out.shard_iterator
            .ok_or_else(|| anyhow::anyhow!("GetShardIterator returned no iterator"))
    }
}

/// The ids of every shard of `stream_name`, oldest first.
///
/// # Errors
/// When `ListShards` fails.
pub async fn shard_ids(client: &Client, stream_name: &str) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let request = match &token {
            Some(t) => client.list_shards().next_token(t),
            None => client.list_shards().stream_name(stream_name),
        };
        let out = request.send().await.map_err(|e| {
            anyhow::Error::new(e.into_service_error())
                .context(format!("ListShards on {stream_name}"))
        })?;
        ids.extend(
            out.shards
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.shard_id),
        );
        match out.next_token {
            Some(t) => token = Some(t),
            None => return Ok(ids),
        }
    }
}
