//! Writing a request's records: split into PutRecords calls within the Kinesis limits, retry
//! the entries a call reports failed (throttled shards, internal failures) and whole calls
//! that fail transiently, with backoff, until written or out of attempts.

use lambda_common::{Backoff, Upstream};

use crate::stream::{Entry, Placed, RecordStream};

/// Most records in one PutRecords call (Kinesis limit).
pub const MAX_RECORDS_PER_CALL: usize = 500;
/// Most bytes (data plus partition keys) in one PutRecords call (Kinesis limit: 5 MiB).
pub const MAX_BYTES_PER_CALL: usize = 5 * 1024 * 1024;

/// Why not every record was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// Kinesis stayed throttled or unavailable through every attempt.
    #[error("{unwritten} of {total} records not written after {attempts} attempts: {last}")]
    Unavailable {
        /// Records not written.
        unwritten: usize,
        /// Records in the request.
        total: usize,
        /// Attempts made.
        attempts: u32,
        /// The last failure (an error code or the classified call failure).
        last: String,
    },
    /// Kinesis refused the call in a way retrying cannot fix (missing stream, no permission).
    #[error("{unwritten} of {total} records not written: {source}")]
    Rejected {
        /// Records not written.
        unwritten: usize,
        /// Records in the request.
        total: usize,
        /// The classified failure.
        source: Upstream,
    },
}

/// Splits `entries` into calls that respect both PutRecords limits, keeping their order.
pub fn batches(entries: Vec<Entry>) -> Vec<Vec<Entry>> {
    let mut out = Vec::new();
    let mut current: Vec<Entry> = Vec::new();
    let mut bytes = 0;
    for entry in entries {
        let size = entry.data.len() + entry.partition_key.len();
        if !current.is_empty()
            && (current.len() == MAX_RECORDS_PER_CALL || bytes + size > MAX_BYTES_PER_CALL)
        {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(entry);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// What a complete write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// PutRecords calls made.
    pub calls: usize,
    /// Where each entry went, in the order of the entries given.
    pub placed: Vec<Placed>,
}

/// Writes every entry, retrying failed ones with `backoff`.
pub async fn write_all<S: RecordStream + ?Sized>(
    stream: &S,
    entries: Vec<Entry>,
    backoff: &Backoff,
) -> Result<Written, WriteError> {
    let total = entries.len();
    let mut calls = 0;
    let mut written = 0;
    let mut placed = vec![Placed::default(); total];
    let mut first_index = 0;
    for batch in batches(entries) {
        let size = batch.len();
        // The pending entries and, beside them, their indexes among all the entries.
        let mut pending = batch;
        let mut indexes: Vec<usize> = (first_index..first_index + size).collect();
        first_index += size;
        let mut attempt = 0;
        loop {
            attempt += 1;
            calls += 1;
            let last = match stream.put_records(&pending).await {
                Ok(outcomes) => {
                    let mut failed = Vec::new();
                    let mut failed_indexes = Vec::new();
                    let mut last = String::new();
                    for ((index, entry), outcome) in indexes.into_iter().zip(pending).zip(outcomes)
                    {
                        match outcome {
                            Ok(place) => {
                                written += 1;
                                placed[index] = place;
                            }
                            Err(code) => {
                                last = code;
                                failed.push(entry);
                                failed_indexes.push(index);
                            }
                        }
                    }
                    pending = failed;
                    indexes = failed_indexes;
                    if pending.is_empty() {
                        break;
                    }
                    last
                }
                Err(e) if e.retryable() => e.code.clone(),
                Err(source) => {
                    return Err(WriteError::Rejected {
                        unwritten: total - written,
                        total,
                        source,
                    })
                }
            };
            if attempt >= backoff.attempts {
                return Err(WriteError::Unavailable {
                    unwritten: total - written,
                    total,
                    attempts: attempt,
                    last,
                });
            }
            tracing::warn!(attempt, pending = pending.len(), code = %last, "retrying PutRecords");
            backoff.wait(attempt - 1).await;
        }
    }
    Ok(Written { calls, placed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::FakeStream;
    use lambda_common::Failure;

    fn entries(n: usize, size: usize) -> Vec<Entry> {
        (0..n)
            .map(|i| Entry {
                partition_key: format!("u{i}"),
                data: vec![b'x'; size],
            })
            .collect()
    }

    #[test]
    fn batches_respect_count_and_byte_limits_in_order() {
        let b = batches(entries(1001, 10));
        assert_eq!(
            b.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![500, 500, 1]
        );
        assert_eq!(b[1][0].partition_key, "u500");
        let b = batches(entries(12, 1024 * 1024));
        assert!(b
            .iter()
            .all(|c| c.iter().map(|e| e.data.len() + 2).sum::<usize>() <= MAX_BYTES_PER_CALL));
        assert_eq!(b.iter().map(Vec::len).sum::<usize>(), 12);
    }

    #[tokio::test]
    async fn failed_entries_are_retried_until_written() {
        let stream = FakeStream::default();
        stream.fail_entries(&[1, 2], "ProvisionedThroughputExceededException");
        let written = write_all(&stream, entries(3, 4), &Backoff::immediate(3))
            .await
            .unwrap();
        assert_eq!(written.calls, 2);
        assert_eq!(stream.written().len(), 3);
        // The retry carried only the two failed entries.
        assert_eq!(stream.call_sizes(), vec![3, 2]);
    }

    #[tokio::test]
    async fn placements_follow_the_entries_not_the_order_kinesis_took_them_in() {
        let stream = FakeStream::default();
        stream.fail_entries(&[0], "ProvisionedThroughputExceededException");
        let written = write_all(&stream, entries(3, 4), &Backoff::immediate(3))
            .await
            .unwrap();
        // Entries 1 and 2 were written first (sequence 1, 2), entry 0 on the retry (3).
        let sequence: Vec<&str> = written
            .placed
            .iter()
            .map(|p| p.sequence_number.trim_start_matches('0'))
            .collect();
        assert_eq!(sequence, ["3", "1", "2"]);
    }

    #[tokio::test]
    async fn persistent_throttling_is_unavailable_after_the_attempts() {
        let stream = FakeStream::default();
        stream.fail_calls(10, Failure::Throttled);
        let err = write_all(&stream, entries(2, 4), &Backoff::immediate(3))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                WriteError::Unavailable {
                    unwritten: 2,
                    total: 2,
                    attempts: 3,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(stream.call_sizes().len(), 3);
    }

    #[tokio::test]
    async fn a_rejected_call_is_not_retried() {
        let stream = FakeStream::default();
        stream.fail_calls(1, Failure::NotFound);
        let err = write_all(&stream, entries(2, 4), &Backoff::immediate(5))
            .await
            .unwrap_err();
        assert!(matches!(err, WriteError::Rejected { .. }), "{err}");
        assert_eq!(stream.call_sizes().len(), 1);
    }
}
