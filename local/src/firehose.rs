//! The archiver: a Firehose delivery stream with the Kinesis stream as its source and S3 as
//! its destination. It reads every shard from the start, buffers records, and writes each
//! buffer as one GZIP object of newline-delimited records under a time-partitioned prefix.
//!
//! Firehose semantics kept: a buffer is flushed when it reaches its size or its age limit
//! (whichever first) and on shutdown; the prefix's `!{timestamp:...}` expressions are
//! evaluated, in UTC, on the approximate arrival time of the oldest record in the object, and
//! a prefix without any gets Firehose's default `YYYY/MM/DD/HH/`; objects are named
//! `<delivery stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>.gz`. Each record gets a trailing newline
//! unless it has one, as the `AppendDelimiterToRecord` processor does.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use flate2::write::GzEncoder;
use flate2::Compression;
use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::shard::{shard_ids, ShardReader};

/// How the delivery stream is configured.
#[derive(Debug, Clone)]
pub struct ArchiveConfig {
    /// The delivery stream's name (starts each object name).
    pub delivery_stream_name: String,
    /// Source stream.
    pub stream_name: String,
    /// Destination bucket.
    pub bucket: String,
    /// Object prefix, with optional `!{timestamp:<format>}` expressions (`yyyy`, `MM`, `dd`,
    /// `HH`, `mm`, `ss` in the format).
    pub prefix: String,
    /// `BufferingHints.SizeInMBs`, in bytes of uncompressed records.
    pub buffer_bytes: usize,
    /// `BufferingHints.IntervalInSeconds`.
    pub buffer_interval: Duration,
    /// Pause after an empty `GetRecords` on a shard.
    pub poll_interval: Duration,
}

/// Counters of a running archiver.
#[derive(Debug, Default)]
pub struct ArchiveStats {
    /// Records written to S3.
    pub records_written: AtomicU64,
    /// Objects written to S3.
    pub objects_written: AtomicU64,
}

/// A record on its way to the archive.
#[derive(Debug)]
struct Pending {
    data: Vec<u8>,
    arrival: OffsetDateTime,
}

/// Runs the archiver until `shutdown` turns true, then flushes what it holds.
///
/// # Errors
/// When the stream's shards cannot be listed. A failed `PutObject` is retried at the next
/// flush with the same records (Firehose retries delivery too), so nothing is dropped.
pub async fn run(
    config: ArchiveConfig,
    kinesis: aws_sdk_kinesis::Client,
    s3: aws_sdk_s3::Client,
    stats: Arc<ArchiveStats>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::channel::<Vec<Pending>>(64);
    let mut readers = JoinSet::new();
    for shard_id in shard_ids(&kinesis, &config.stream_name).await? {
        let mut reader = ShardReader::new(kinesis.clone(), &config.stream_name, &shard_id);
        let tx = tx.clone();
        let mut shutdown = shutdown.clone();
        let poll = config.poll_interval;
        readers.spawn(async move {
            // On shutdown a reader reads up to the tip once more, so that records put before
            // the stop are archived.
            let mut stopping = false;
            loop {
                let batch = match reader.next_batch(10_000).await {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::warn!("archiver: {e:#}");
                        Vec::new()
                    }
                };
                if batch.is_empty() {
                    if stopping || reader.is_closed() {
                        return;
                    }
                    tokio::select! {
                        _ = shutdown.changed() => stopping = true,
                        () = tokio::time::sleep(poll) => {}
                    }
                    stopping |= *shutdown.borrow();
                    continue;
                }
                let pending = batch
                    .into_iter()
                    .map(|r| Pending {
                        arrival: r
                            .approximate_arrival_timestamp
                            .and_then(|t| {
                                OffsetDateTime::from_unix_timestamp_nanos(t.as_nanos()).ok()
                            })
                            .unwrap_or_else(OffsetDateTime::now_utc),
                        data: r.data.into_inner(),
                    })
                    .collect();
                if tx.send(pending).await.is_err() {
                    return;
                }
            }
        });
    }
    drop(tx);

    let mut buffer: Vec<Pending> = Vec::new();
    let mut bytes = 0usize;
    let mut oldest: Option<tokio::time::Instant> = None;
    loop {
        let deadline = oldest.map(|t| t + config.buffer_interval);
        let received = tokio::select! {
            received = rx.recv() => received,
            () = sleep_until(deadline) => {
                flush(&config, &s3, &stats, &mut buffer, &mut bytes).await;
                oldest = None;
                continue;
            }
        };
        let Some(records) = received else { break };
        for record in records {
            bytes += record.data.len() + 1;
            buffer.push(record);
        }
        oldest.get_or_insert_with(tokio::time::Instant::now);
        if bytes >= config.buffer_bytes {
            flush(&config, &s3, &stats, &mut buffer, &mut bytes).await;
            oldest = None;
        }
    }
    // Every reader is done: deliver the rest, retrying a failed put a few times.
    for _ in 0..5 {
        if buffer.is_empty() {
            break;
        }
        flush(&config, &s3, &stats, &mut buffer, &mut bytes).await;
    }
    anyhow::ensure!(
        buffer.is_empty(),
        "archiver stopped with {} records it could not deliver",
        buffer.len()
    );
    Ok(())
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

async fn flush(
    config: &ArchiveConfig,
    s3: &aws_sdk_s3::Client,
    stats: &ArchiveStats,
    buffer: &mut Vec<Pending>,
    bytes: &mut usize,
) {
    let Some(first) = buffer.iter().map(|p| p.arrival).min() else {
        return;
    };
    let key = object_key(config, first, uuid::Uuid::new_v4());
    let body = match gzip_lines(buffer.iter().map(|p| p.data.as_slice())) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("archiver: compressing: {e}");
            return;
        }
    };
    match s3
        .put_object()
        .bucket(&config.bucket)
        .key(&key)
        .content_encoding("gzip")
        .content_type("application/x-ndjson")
        .body(ByteStream::from(body))
        .send()
        .await
    {
        Ok(_) => {
            stats
                .records_written
                .fetch_add(buffer.len() as u64, Ordering::Relaxed);
            stats.objects_written.fetch_add(1, Ordering::Relaxed);
            buffer.clear();
            *bytes = 0;
        }
        Err(e) => tracing::warn!(
            "archiver: PutObject s3://{}/{key}: {:#}; kept for the next flush",
            config.bucket,
            anyhow::Error::new(e.into_service_error())
        ),
    }
}

/// The key of an object whose oldest record arrived at `oldest`.
pub fn object_key(config: &ArchiveConfig, oldest: OffsetDateTime, id: uuid::Uuid) -> String {
    let oldest = oldest.to_offset(time::UtcOffset::UTC);
    let mut prefix = expand_prefix(&config.prefix, oldest);
    if prefix == config.prefix {
        // No expression: Firehose appends its default time prefix.
        prefix.push_str(&format!(
            "{:04}/{:02}/{:02}/{:02}/",
            oldest.year(),
            u8::from(oldest.month()),
            oldest.day(),
            oldest.hour()
        ));
    }
    format!(
        "{prefix}{}-1-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{id}.gz",
        config.delivery_stream_name,
        oldest.year(),
        u8::from(oldest.month()),
        oldest.day(),
        oldest.hour(),
        oldest.minute(),
        oldest.second()
    )
}

/// Evaluates `!{timestamp:<format>}` expressions (Java DateTimeFormatter letters `yyyy`, `MM`,
/// `dd`, `HH`, `mm`, `ss`) in `prefix` at `at`.
pub fn expand_prefix(prefix: &str, at: OffsetDateTime) -> String {
    let mut out = String::with_capacity(prefix.len());
    let mut rest = prefix;
    while let Some(start) = rest.find("!{timestamp:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "!{timestamp:".len()..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&format_timestamp(&after[..end], at));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn format_timestamp(format: &str, at: OffsetDateTime) -> String {
    let fields: [(&str, String); 6] = [
        ("yyyy", format!("{:04}", at.year())),
        ("MM", format!("{:02}", u8::from(at.month()))),
        ("dd", format!("{:02}", at.day())),
        ("HH", format!("{:02}", at.hour())),
        ("mm", format!("{:02}", at.minute())),
        ("ss", format!("{:02}", at.second())),
    ];
    let mut out = String::new();
    let mut rest = format;
    'outer: while !rest.is_empty() {
        for (pattern, value) in &fields {
            if let Some(tail) = rest.strip_prefix(pattern) {
                out.push_str(value);
                rest = tail;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// GZIP of the records, each ending with one newline.
///
/// # Errors
/// Only if compression into memory fails.
pub fn gzip_lines<'a>(records: impl Iterator<Item = &'a [u8]>) -> std::io::Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    for data in records {
        gz.write_all(data)?;
        if data.last() != Some(&b'\n') {
            gz.write_all(b"\n")?;
        }
    }
    gz.finish()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use time::macros::datetime;

    use super::*;

    fn config(prefix: &str) -> ArchiveConfig {
        ArchiveConfig {
            delivery_stream_name: "events-archive".into(),
            stream_name: "events".into(),
            bucket: "archive".into(),
            prefix: prefix.into(),
            buffer_bytes: 1 << 20,
            buffer_interval: Duration::from_secs(1),
            poll_interval: Duration::from_millis(100),
        }
    }

    #[test]
    fn hive_style_prefix_is_expanded_at_the_oldest_arrival() {
        let id = uuid::Uuid::nil();
        let key = object_key(
            &config("events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"),
            datetime!(2026-03-07 04:05:06 UTC),
            id,
        );
        assert_eq!(
            key,
            format!("events/year=2026/month=03/day=07/hour=04/events-archive-1-2026-03-07-04-05-06-{id}.gz")
        );
    }

    #[test]
    fn a_prefix_without_expressions_gets_firehose_default_time_path_in_utc() {
        let key = object_key(
            &config("raw/"),
            datetime!(2026-12-31 23:59:59 -02:00),
            uuid::Uuid::nil(),
        );
        assert!(
            key.starts_with("raw/2027/01/01/01/events-archive-1-2027-01-01-01-59-59-"),
            "{key}"
        );
    }

    #[test]
    fn unterminated_expression_is_kept_verbatim() {
        let at = datetime!(2026-01-02 03:04:05 UTC);
        assert_eq!(
            expand_prefix("a/!{timestamp:yyyy", at),
            "a/!{timestamp:yyyy"
        );
        assert_eq!(
            expand_prefix("!{timestamp:yyyy-MM-dd'T'HH}/", at),
            "2026-01-02'T'03/"
        );
    }

    #[test]
    fn gzip_lines_adds_one_newline_per_record() {
        let gz = gzip_lines([&b"{\"a\":1}"[..], b"{\"b\":2}\n", b""].into_iter()).unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "{\"a\":1}\n{\"b\":2}\n\n");
    }
}
