//! Replay: sends the events the pipeline kept back to Personalize, through the same
//! [`Ingest`] handler the Lambda runs (sessions kept together and in order, at most 10 events
//! a PutEvents call, the SDK's one retry layer, dead letters for what can never succeed).
//!
//! Two sources, both S3 prefixes:
//! - [`Source::Failures`], the ingest mapping's S3 on-failure destination
//!   (`aws/lambda/<mapping UUID>/<shard>/YYYY/MM/DD/...`). Each object is Lambda's invocation
//!   record with the whole Kinesis event under `payload` ("Retain discarded batch records for
//!   a Kinesis Data Streams event source in Lambda", Lambda developer guide); it is handled as
//!   the Lambda would have handled it, so an event without an `eventId` gets the id derived
//!   from its shard and sequence number, the one its first delivery used.
//! - [`Source::Archive`], the objects Firehose writes (GZIP, one stream record a line). An
//!   event without an `eventId` (a record written before collect gave every event one, or by
//!   another producer) gets one derived from its record's content and its position in it, so
//!   replaying the same archive twice, or a line Firehose delivered twice, sends it once.
//!
//! A replay is idempotent: each event goes out with the same `eventId` every time, and
//! Personalize leaves an event whose `eventId` it has already seen out of training (the
//! Personalize Events API reference, `Event.eventId`: any events after the first with the same
//! event ID are not used in model training). So a replay can be stopped
//! and run again, or run over both sources, without an event counting twice. Nothing in S3 is
//! changed or deleted.
//!
//! Objects are read in key order (the keys are time-partitioned) and each is replayed in
//! full before the next; a PutEvents failure that outlasts the SDK's retries stops the replay
//! at that object ([`ReplayError::Stopped`]) with the key to start after on the next run.

use std::fmt;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use async_trait::async_trait;
use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
use base64::Engine;
use lambda_common::{Failure, Upstream};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::decode::decode;
use crate::dlq::{message_body, DeadLetter, DeadLetterQueue, MAX_DATA_CHARS};
use crate::handler::Ingest;
use crate::sink::EventSink;

/// Most archive lines handed to the handler at once (a Kinesis batch holds up to 10,000).
pub const ARCHIVE_LINES_PER_BATCH: usize = 500;

/// Largest object replay reads: on-failure records hold one batch (at most 6 MB of
/// invocation payload) and Firehose objects at most 128 MiB of records before compression.
pub const MAX_OBJECT_BYTES: usize = 256 << 20;

/// Where the kept events are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The ingest mapping's S3 on-failure destination.
    Failures,
    /// The Firehose archive.
    Archive,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Failures => "on-failure destination",
            Self::Archive => "archive",
        })
    }
}

/// An `s3://bucket/prefix` location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The bucket.
    pub bucket: String,
    /// The key prefix (may be empty).
    pub prefix: String,
}

impl std::str::FromStr for Location {
    type Err = String;

    /// Parses `s3://bucket` or `s3://bucket/prefix`, with S3's bucket naming rules.
    fn from_str(s: &str) -> Result<Self, String> {
        let rest = s
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{s:?} is not an S3 location: expected s3://bucket/prefix"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !valid {
            return Err(format!(
                "{bucket:?} is not a bucket name: 3 to 63 lowercase letters, digits, dots and \
                 hyphens, starting and ending with a letter or digit"
            ));
        }
        if prefix.len() > 1024 {
            return Err(format!(
                "the prefix is {} bytes; S3 keys are at most 1024",
                prefix.len()
            ));
        }
        Ok(Self {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// What one object gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Objects read.
    pub objects: usize,
    /// Stream records in them.
    pub records: usize,
    /// Events in the records that could be decoded.
    pub events: usize,
    /// PutEvents calls made.
    pub put_calls: usize,
    /// Dead letters sent: records, events or objects that can never succeed.
    pub dead_letters: usize,
}

impl Counts {
    fn add(&mut self, other: &Self) {
        self.objects += other.objects;
        self.records += other.records;
        self.events += other.events;
        self.put_calls += other.put_calls;
        self.dead_letters += other.dead_letters;
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} objects, {} records, {} events, {} PutEvents calls, {} dead letters",
            self.objects, self.records, self.events, self.put_calls, self.dead_letters
        )
    }
}

/// Why a replay ended early.
#[derive(Debug)]
pub enum ReplayError {
    /// Listing or reading S3 failed.
    S3 {
        /// What was being done.
        doing: String,
        /// The SDK's error, with its causes.
        detail: String,
    },
    /// PutEvents (or the dead-letter queue) still failed after the SDK's retries. Objects
    /// before `key` were replayed in full; `key` was replayed in part (run again with
    /// `start_after` = `resume_after`: the events already sent are left out of training).
    Stopped {
        /// The object being replayed.
        key: String,
        /// The last object replayed in full, if any.
        resume_after: Option<String>,
        /// What was done before the stop.
        done: Counts,
    },
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::S3 { doing, detail } => write!(f, "{doing}: {detail}"),
            Self::Stopped {
                key,
                resume_after,
                done,
            } => {
                write!(
                    f,
                    "stopped at {key}: Personalize or the dead-letter queue still failed after \
                     the SDK's retries (see the warnings above); done before the stop: {done}. \
                     Run again"
                )?;
                match resume_after {
                    Some(k) => write!(f, " with --start-after {k}"),
                    None => f.write_str(" from the start"),
                }?;
                f.write_str(": events sent twice are left out of training")
            }
        }
    }
}

impl std::error::Error for ReplayError {}

/// The objects of a prefix and their content.
#[async_trait]
pub trait Objects: Send + Sync {
    /// Keys under `location`'s prefix after `start_after`, in key order.
    async fn keys(
        &self,
        location: &Location,
        start_after: Option<&str>,
    ) -> Result<Vec<String>, ReplayError>;
    /// The object's bytes and its last-modified time in epoch seconds.
    async fn get(&self, bucket: &str, key: &str) -> Result<(Vec<u8>, i64), ReplayError>;
}

/// S3 through the SDK.
#[derive(Debug, Clone)]
pub struct S3Objects {
    client: aws_sdk_s3::Client,
}

impl S3Objects {
    /// Objects read with `client`.
    pub fn new(client: aws_sdk_s3::Client) -> Self {
        Self { client }
    }
}

fn s3_error(doing: String, e: &(dyn std::error::Error + 'static)) -> ReplayError {
    ReplayError::S3 {
        doing,
        detail: sdk_config::error_chain(e),
    }
}

#[async_trait]
impl Objects for S3Objects {
    async fn keys(
        &self,
        location: &Location,
        start_after: Option<&str>,
    ) -> Result<Vec<String>, ReplayError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&location.bucket)
            .prefix(&location.prefix)
            .set_start_after(start_after.map(str::to_owned))
            .into_paginator()
            .send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| s3_error(format!("listing {location}"), &e))?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
        // ListObjectsV2 returns keys in UTF-8 binary order already; sorting keeps the order
        // whatever the store.
        keys.sort();
        Ok(keys)
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<(Vec<u8>, i64), ReplayError> {
        let doing = || format!("reading s3://{bucket}/{key}");
        let object = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| s3_error(doing(), &e))?;
        if object.content_length().unwrap_or(0) > MAX_OBJECT_BYTES as i64 {
            return Err(ReplayError::S3 {
                doing: doing(),
                detail: format!(
                    "the object is {} bytes, over the {MAX_OBJECT_BYTES} replay reads",
                    object.content_length().unwrap_or(0)
                ),
            });
        }
        let modified = object.last_modified().map_or(0, |t| t.secs());
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| s3_error(doing(), &e))?
            .into_bytes();
        Ok((bytes.to_vec(), modified))
    }
}

/// Dead letters appended to a local file, one JSON object a line (the SQS message body), for
/// a replay run where the dead-letter queue is not at hand. The file is created at the first
/// letter.
#[derive(Debug)]
pub struct FileQueue {
    path: PathBuf,
    file: Mutex<Option<std::fs::File>>,
}

impl FileQueue {
    /// Letters go to `path` (appended to when it exists).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            file: Mutex::new(None),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

#[async_trait]
impl DeadLetterQueue for FileQueue {
    async fn send(&self, letters: &[DeadLetter]) -> Result<Vec<usize>, Upstream> {
        let failed = |e: std::io::Error| Upstream {
            service: "dead-letter file",
            kind: Failure::Unavailable,
            code: "IoError".into(),
            detail: format!("{}: {e}", self.path.display()),
        };
        let mut guard = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(failed)?;
            *guard = Some(file);
        }
        let file = guard.as_mut().expect("opened above");
        let mut text = String::new();
        for letter in letters {
            text.push_str(&message_body(letter));
            text.push('\n');
        }
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(failed)?;
        Ok(Vec::new())
    }
}

/// Replays objects through an [`Ingest`] handler.
#[derive(Debug)]
pub struct Replay<'a, P, D, O> {
    ingest: &'a Ingest<P, D>,
    objects: &'a O,
    dry_run: bool,
}

impl<'a, P: EventSink, D: DeadLetterQueue, O: Objects> Replay<'a, P, D, O> {
    /// A replay sending through `ingest` what it reads from `objects`.
    pub fn new(ingest: &'a Ingest<P, D>, objects: &'a O) -> Self {
        Self {
            ingest,
            objects,
            dry_run: false,
        }
    }

    /// Only reads and decodes: counts records and events, sends nothing.
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }

    /// Replays every object of `source` under `location` after `start_after`, in key order,
    /// calling `progress` after each object with its key and counts.
    ///
    /// # Errors
    /// [`ReplayError::S3`] when listing or reading fails, [`ReplayError::Stopped`] when
    /// PutEvents or the dead-letter queue still fails after the SDK's retries.
    pub async fn run(
        &self,
        source: Source,
        location: &Location,
        start_after: Option<&str>,
        mut progress: impl FnMut(&str, &Counts),
    ) -> Result<Counts, ReplayError> {
        let keys = self.objects.keys(location, start_after).await?;
        let mut done = Counts::default();
        let mut resume_after = start_after.map(str::to_owned);
        for key in keys {
            let (bytes, modified) = self.objects.get(&location.bucket, &key).await?;
            let origin = format!("s3://{}/{key}", location.bucket);
            let batches = match source {
                Source::Failures => failure_batches(&origin, &bytes),
                Source::Archive => archive_batches(&origin, &bytes, modified),
            };
            let mut counts = Counts {
                objects: 1,
                ..Counts::default()
            };
            let sent = match batches {
                Ok(batches) => self.send(batches, &mut counts).await,
                Err(letter) => {
                    counts.dead_letters += 1;
                    self.dry_run || self.letter(*letter).await
                }
            };
            if !sent {
                return Err(ReplayError::Stopped {
                    key,
                    resume_after,
                    done,
                });
            }
            done.add(&counts);
            progress(&key, &counts);
            resume_after = Some(key);
        }
        Ok(done)
    }

    /// Sends the batches of one object; `false` when the handler asked for a retry.
    async fn send(&self, batches: Vec<KinesisEvent>, counts: &mut Counts) -> bool {
        for event in batches {
            counts.records += event.records.len();
            if self.dry_run {
                for record in &event.records {
                    match decode(record) {
                        Ok(r) => counts.events += r.events.len(),
                        Err(_) => counts.dead_letters += 1,
                    }
                }
                continue;
            }
            let outcome = self.ingest.process(event).await;
            counts.events += outcome.events;
            counts.put_calls += outcome.put_calls;
            counts.dead_letters += outcome.dead_letters;
            if outcome.retry_from.is_some() {
                return false;
            }
        }
        true
    }

    /// Sends one dead letter for an object that cannot be read as its source's format.
    async fn letter(&self, letter: DeadLetter) -> bool {
        match self.ingest.dlq().send(std::slice::from_ref(&letter)).await {
            Ok(not_taken) => not_taken.is_empty(),
            Err(e) => {
                tracing::warn!(code = %e.code, "dead-letter queue failed: {}", e.detail);
                false
            }
        }
    }
}

/// A dead letter for a whole object that is not in its source's format.
fn object_letter(origin: &str, bytes: &[u8], reason: String) -> Box<DeadLetter> {
    let (mut data, encoding) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "text"),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(bytes),
            "base64",
        ),
    };
    let truncated = data.len() > MAX_DATA_CHARS;
    if truncated {
        let mut cut = MAX_DATA_CHARS;
        while !data.is_char_boundary(cut) {
            cut -= 1;
        }
        data.truncate(cut);
    }
    Box::new(DeadLetter {
        reason,
        field: None,
        event_id: None,
        event_source_arn: origin.to_owned(),
        shard_id: String::new(),
        sequence_number: String::new(),
        partition_key: String::new(),
        data,
        data_encoding: encoding,
        data_truncated: truncated,
    })
}

/// The Kinesis event kept in an on-failure record: `payload`, as an object or as a string
/// holding one.
fn failure_batches(origin: &str, bytes: &[u8]) -> Result<Vec<KinesisEvent>, Box<DeadLetter>> {
    let bad = |reason: String| object_letter(origin, bytes, reason);
    let record: Value = serde_json::from_slice(bytes)
        .map_err(|e| bad(format!("not an on-failure record: not JSON: {e}")))?;
    let payload = match record.get("payload") {
        Some(Value::String(text)) => serde_json::from_str(text)
            .map_err(|e| bad(format!("the on-failure record's payload is not JSON: {e}")))?,
        Some(payload) => payload.clone(),
        None if record.get("KinesisBatchInfo").is_some() => {
            return Err(bad(
                "the on-failure record has no payload: it holds only the shard and sequence \
                 numbers (an SQS or SNS destination's record); replay the archive over \
                 KinesisBatchInfo's arrival times instead"
                    .into(),
            ))
        }
        None => return Err(bad("not an on-failure record: no payload".into())),
    };
    let event: KinesisEvent = serde_json::from_value(payload).map_err(|e| {
        bad(format!(
            "the on-failure record's payload is not a Kinesis event: {e}"
        ))
    })?;
    Ok(vec![event])
}

/// The `eventId` of an archived event that has none: a hash of its record's user, session
/// and event (as archived) and its position in the record.
pub fn archived_event_id(
    user_id: &str,
    session_id: &str,
    event: &Value,
    position: usize,
) -> String {
    let mut hash = Sha256::new();
    for part in [
        user_id,
        session_id,
        &event.to_string(),
        &position.to_string(),
    ] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("archive:{hex}")
}

/// Gives each event of an archived record without an `eventId` its [`archived_event_id`].
/// A line that is not a record is left as it is (the handler dead-letters it with the reason).
fn with_event_ids(line: &[u8]) -> Vec<u8> {
    let Ok(mut record) = serde_json::from_slice::<Value>(line) else {
        return line.to_vec();
    };
    let user = record
        .get("userId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let session = record
        .get("sessionId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let (Some(user), Some(session)) = (user, session) else {
        return line.to_vec();
    };
    let Some(events) = record.get_mut("events").and_then(Value::as_array_mut) else {
        return line.to_vec();
    };
    let mut changed = false;
    for (position, event) in events.iter_mut().enumerate() {
        if event.is_object() && event.get("eventId").is_none() {
            let id = archived_event_id(&user, &session, event, position);
            event["eventId"] = Value::String(id);
            changed = true;
        }
    }
    if changed {
        serde_json::to_vec(&record).unwrap_or_else(|_| line.to_vec())
    } else {
        line.to_vec()
    }
}

/// The records of an archive object, in batches of [`ARCHIVE_LINES_PER_BATCH`]: each line
/// becomes a Kinesis record from shard `archive` with the line number as its sequence number,
/// so a dead letter points at the object and the line.
fn archive_batches(
    origin: &str,
    bytes: &[u8],
    modified: i64,
) -> Result<Vec<KinesisEvent>, Box<DeadLetter>> {
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .take(MAX_OBJECT_BYTES as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| object_letter(origin, bytes, format!("not a GZIP archive object: {e}")))?;
        if out.len() > MAX_OBJECT_BYTES {
            return Err(object_letter(
                origin,
                &[],
                format!("the archive object holds over {MAX_OBJECT_BYTES} bytes of records"),
            ));
        }
        out
    } else {
        bytes.to_vec()
    };
    let records: Vec<KinesisEventRecord> = text
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|(i, line)| archive_record(origin, i + 1, &with_event_ids(line), modified))
        .collect::<Result<_, _>>()
        .map_err(|e| object_letter(origin, &[], format!("building a record: {e}")))?;
    // Moved into their batches, not cloned: an object may hold millions of lines.
    let mut records = records.into_iter().peekable();
    let mut batches = Vec::new();
    while records.peek().is_some() {
        let mut event = KinesisEvent::default();
        event.records = records.by_ref().take(ARCHIVE_LINES_PER_BATCH).collect();
        batches.push(event);
    }
    Ok(batches)
}

fn archive_record(
    origin: &str,
    line: usize,
    data: &[u8],
    modified: i64,
) -> Result<KinesisEventRecord, serde_json::Error> {
    serde_json::from_value(json!({
        "eventSource": "aws:kinesis",
        "eventSourceARN": origin,
        "eventID": format!("archive:{line}"),
        "kinesis": {
            "data": base64::engine::general_purpose::STANDARD.encode(data),
            "sequenceNumber": line.to_string(),
            "partitionKey": "",
            "approximateArrivalTimestamp": modified.max(0),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_bad_ones_say_why() {
        let l: Location = "s3://my-data/aws/lambda/".parse().unwrap();
        assert_eq!(
            (l.bucket.as_str(), l.prefix.as_str()),
            ("my-data", "aws/lambda/")
        );
        let l: Location = "s3://my-data".parse().unwrap();
        assert_eq!(l.prefix, "");
        for (bad, says) in [
            ("my-data/events", "not an S3 location"),
            ("https://my-data/x", "not an S3 location"),
            ("s3://", "not a bucket name"),
            ("s3://ab", "not a bucket name"),
            ("s3://My-Data/x", "not a bucket name"),
            ("s3://-data/x", "not a bucket name"),
            ("s3://data;rm -rf/x", "not a bucket name"),
        ] {
            let e = bad.parse::<Location>().unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        let long = format!("s3://my-data/{}", "k".repeat(1025));
        assert!(long.parse::<Location>().unwrap_err().contains("1024"));
    }

    #[test]
    fn archived_ids_are_stable_and_tell_events_apart() {
        let e = json!({"eventType": "watch", "itemId": "185", "sentAt": 1.0});
        let a = archived_event_id("429", "s", &e, 0);
        assert_eq!(a, archived_event_id("429", "s", &e, 0));
        assert!(a.starts_with("archive:") && a.len() == 8 + 32, "{a}");
        assert_ne!(a, archived_event_id("429", "s", &e, 1));
        assert_ne!(a, archived_event_id("430", "s", &e, 0));
        assert_ne!(a, archived_event_id("429", "t", &e, 0));
        // Length-prefixed parts: moving bytes between fields changes the id.
        assert_ne!(
            archived_event_id("42", "9s", &e, 0),
            archived_event_id("429", "s", &e, 0)
        );
    }

    #[test]
    fn archive_lines_become_records_and_keep_their_ids() {
        let lines = concat!(
            r#"{"userId":"u","sessionId":"s","events":[{"eventType":"a","sentAt":1},{"eventType":"b","sentAt":1,"eventId":"mine"}]}"#,
            "\n\n",
            "not json\n",
            r#"{"userId":"u","sessionId":"s","events":[{"eventType":"a","sentAt":1}]}"#,
            "\n",
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(lines.as_bytes()).unwrap();
        let bytes = gz.finish().unwrap();
        let batches = archive_batches("s3://b/k.gz", &bytes, 1_700_000_000).unwrap();
        assert_eq!(batches.len(), 1);
        let records = &batches[0].records;
        assert_eq!(records.len(), 3, "blank lines are skipped");
        assert_eq!(
            records
                .iter()
                .map(|r| r.kinesis.sequence_number.as_str())
                .collect::<Vec<_>>(),
            ["1", "3", "4"]
        );
        let first = decode(&records[0]).unwrap();
        let id = first.events[0].event_id.clone().unwrap();
        assert!(id.starts_with("archive:"), "{id}");
        assert_eq!(first.events[1].event_id.as_deref(), Some("mine"));
        // The same record on another line (Firehose delivered it twice) gets the same id.
        let again = decode(&records[2]).unwrap();
        assert_eq!(again.events[0].event_id.as_deref(), Some(id.as_str()));
        // The line that is not a record is dead-lettered with its object and line.
        let letter = decode(&records[1]).unwrap_err();
        assert!(letter.reason.contains("not JSON"), "{}", letter.reason);
        assert_eq!(
            (
                letter.event_source_arn.as_str(),
                letter.shard_id.as_str(),
                letter.sequence_number.as_str()
            ),
            ("s3://b/k.gz", "archive", "3")
        );
    }

    #[test]
    fn archive_objects_are_split_into_batches() {
        let line = r#"{"userId":"u","sessionId":"s","events":[{"eventType":"a","sentAt":1}]}"#;
        let text = format!("{line}\n").repeat(ARCHIVE_LINES_PER_BATCH * 2 + 1);
        let batches = archive_batches("s3://b/k", text.as_bytes(), 0).unwrap();
        assert_eq!(
            batches.iter().map(|b| b.records.len()).collect::<Vec<_>>(),
            [ARCHIVE_LINES_PER_BATCH, ARCHIVE_LINES_PER_BATCH, 1]
        );
    }

    #[test]
    fn a_broken_gzip_object_is_one_dead_letter() {
        let letter = archive_batches("s3://b/k.gz", &[0x1f, 0x8b, 0, 1, 2], 0).unwrap_err();
        assert!(letter.reason.contains("not a GZIP"), "{}", letter.reason);
        assert_eq!(letter.data_encoding, "base64");
    }

    #[test]
    fn failure_records_give_their_payload_and_bad_ones_say_why() {
        let event = json!({"Records": [{
            "eventSource": "aws:kinesis", "eventID": "shardId-000000000001:42",
            "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/events",
            "kinesis": {"data": base64::engine::general_purpose::STANDARD
                .encode(r#"{"userId":"u","sessionId":"s","events":[{"eventType":"a","sentAt":1}]}"#),
                "sequenceNumber": "42", "partitionKey": "k", "approximateArrivalTimestamp": 1.5}}]});
        for payload in [event.clone(), Value::String(event.to_string())] {
            let record = json!({"version": "1.0", "KinesisBatchInfo": {}, "payload": payload});
            let batches = failure_batches("s3://b/k", record.to_string().as_bytes()).unwrap();
            let decoded = decode(&batches[0].records[0]).unwrap();
            // The id of the first delivery: shard, sequence number, position.
            assert_eq!(
                decoded.events[0].event_id.as_deref(),
                Some("shardId-000000000001:42:0")
            );
        }
        for (bytes, says) in [
            (b"\x00\x01".to_vec(), "not JSON"),
            (
                json!({"KinesisBatchInfo": {"shardId": "s"}})
                    .to_string()
                    .into_bytes(),
                "replay the archive",
            ),
            (json!({"x": 1}).to_string().into_bytes(), "no payload"),
            (
                json!({"payload": "{oops"}).to_string().into_bytes(),
                "payload is not JSON",
            ),
            (
                json!({"payload": {"Records": 5}}).to_string().into_bytes(),
                "not a Kinesis event",
            ),
        ] {
            let letter = failure_batches("s3://b/k", &bytes).unwrap_err();
            assert!(letter.reason.contains(says), "{says}: {}", letter.reason);
            assert_eq!(letter.event_source_arn, "s3://b/k");
        }
    }

    #[tokio::test]
    async fn the_file_queue_appends_one_letter_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let queue = FileQueue::new(dir.path().join("letters.jsonl"));
        let letter = object_letter("s3://b/k", b"x", "bad".into());
        assert!(queue.send(&[*letter.clone()]).await.unwrap().is_empty());
        assert!(queue
            .send(&[*letter.clone(), *letter])
            .await
            .unwrap()
            .is_empty());
        let text = std::fs::read_to_string(queue.path()).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["reason"], "bad");
        assert_eq!(lines[0]["eventSourceArn"], "s3://b/k");
        // A queue that cannot write says where.
        let broken = FileQueue::new(dir.path().join("no/such/dir/letters.jsonl"));
        let e = broken
            .send(&[*object_letter("s3://b/k", b"x", "bad".into())])
            .await
            .unwrap_err();
        assert!(e.detail.contains("no/such/dir"), "{}", e.detail);
    }
}
