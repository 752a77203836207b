//! From a Kinesis event record to the events it holds, each with its `eventId`, or to a dead
//! letter saying why it can never be sent.

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use base64::Engine;
use lambda_common::record::{parse_record, StreamRecord};

use crate::dlq::{DeadLetter, MAX_DATA_CHARS};

/// Longest `eventId` Personalize takes.
const MAX_EVENT_ID: usize = 256;

/// The shard a record came from: the part of the Lambda `eventID` (`shardId-...:<seq>`)
/// before the colon.
pub fn shard_id(record: &KinesisEventRecord) -> String {
    record
        .event_id
        .as_deref()
        .and_then(|id| id.split_once(':').map(|(shard, _)| shard.to_owned()))
        .unwrap_or_else(|| "shard-unknown".to_owned())
}

/// The `eventId` of event `position` of a record: `<shard>:<sequence number>:<position>`.
/// The same record redelivered gives the same ids, so Personalize keeps each event once.
/// (Ids past Personalize's 256 characters, which real shard ids and sequence numbers never
/// reach, are shortened to a stable hash.)
pub fn event_id(shard: &str, sequence_number: &str, position: usize) -> String {
    let id = format!("{shard}:{sequence_number}:{position}");
    if id.len() <= MAX_EVENT_ID {
        return id;
    }
    // FNV-1a, twice with different offsets: stable across builds and platforms.
    let hash = |seed: u64| {
        id.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "h:{:016x}{:016x}:{position}",
        hash(0xcbf2_9ce4_8422_2325),
        hash(0x8422_2325_cbf2_9ce4)
    )
}

/// Decodes `record`: its events with every `eventId` set (the caller's, or derived), or the
/// dead letter of a record that is not a valid event record.
pub fn decode(record: &KinesisEventRecord) -> Result<StreamRecord, Box<DeadLetter>> {
    let data = &record.kinesis.data.0;
    let arrival = record.kinesis.approximate_arrival_timestamp.0.timestamp() as f64;
    let value: serde_json::Value = serde_json::from_slice(data).map_err(|e| {
        Box::new(dead_letter(
            record,
            format!("record data is not JSON: {e}"),
            None,
        ))
    })?;
    let mut parsed = parse_record(&value, arrival.max(0.0)).map_err(|e| {
        Box::new(dead_letter(
            record,
            format!("invalid event record: {}", e.message),
            Some(e.field),
        ))
    })?;
    let shard = shard_id(record);
    for (position, event) in parsed.events.iter_mut().enumerate() {
        if event.event_id.is_none() {
            event.event_id = Some(event_id(&shard, &record.kinesis.sequence_number, position));
        }
    }
    Ok(parsed)
}

/// A dead letter for `record`.
pub fn dead_letter(
    record: &KinesisEventRecord,
    reason: String,
    field: Option<String>,
) -> DeadLetter {
    let bytes = &record.kinesis.data.0;
    let (data, encoding) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "text"),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(bytes),
            "base64",
        ),
    };
    let truncated = data.len() > MAX_DATA_CHARS;
    let data = if truncated {
        let mut cut = MAX_DATA_CHARS;
        while !data.is_char_boundary(cut) {
            cut -= 1;
        }
        data[..cut].to_owned()
    } else {
        data
    };
    DeadLetter {
        reason,
        field,
        event_id: None,
        event_source_arn: record.event_source_arn.clone().unwrap_or_default(),
        shard_id: shard_id(record),
        sequence_number: record.kinesis.sequence_number.clone(),
        partition_key: record.kinesis.partition_key.clone(),
        data,
        data_encoding: encoding,
        data_truncated: truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_stable_and_within_limits() {
        assert_eq!(
            event_id("shardId-000000000000", "4954", 2),
            "shardId-000000000000:4954:2"
        );
        let long = "9".repeat(300);
        let a = event_id("shardId-1", &long, 0);
        assert_eq!(a, event_id("shardId-1", &long, 0));
        assert_ne!(a, event_id("shardId-1", &long, 1));
        assert!(a.len() <= 256);
    }
}
