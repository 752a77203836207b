//! Kinesis events as Lambda delivers them to a function reading a stream, for handler tests
//! that need no stream: the one place such JSON is written for tests. (The local stack's
//! event source mapping builds the same shape from the records it reads.)

use base64::Engine as _;
use serde_json::{json, Value};

/// The stream every test event names.
pub const STREAM_ARN: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/events";

/// A Kinesis event (`{"Records": [...]}`) of `records`, each a sequence number and its data,
/// read from `shard_id` of [`STREAM_ARN`] with partition key `p`. Deserialize it into
/// `aws_lambda_events`' `KinesisEvent`.
pub fn lambda_event<S: AsRef<str>, D: AsRef<[u8]>>(shard_id: &str, records: &[(S, D)]) -> Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    let records: Vec<Value> = records
        .iter()
        .map(|(sequence, data)| {
            let sequence = sequence.as_ref();
            json!({
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "p",
                    "sequenceNumber": sequence,
                    "data": b64.encode(data.as_ref()),
                    "approximateArrivalTimestamp": 1_700_000_000.0,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": format!("{shard_id}:{sequence}"),
                "eventName": "aws:kinesis:record",
                "awsRegion": "us-east-1",
                "eventSourceARN": STREAM_ARN,
            })
        })
        .collect();
    json!({ "Records": records })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_carry_their_sequence_shard_and_base64_data() {
        let event = lambda_event("shardId-000000000001", &[("500", b"not json")]);
        let record = &event["Records"][0];
        assert_eq!(record["kinesis"]["sequenceNumber"], "500");
        assert_eq!(record["kinesis"]["data"], "bm90IGpzb24=");
        assert_eq!(record["eventID"], "shardId-000000000001:500");
    }
}
