//! collect against a real Kinesis wire protocol (moto): what the handler accepts is what
//! GetRecords returns, under the salted partition keys, `/data` answers the shard and sequence
//! number Kinesis gave, and a missing stream is a 502 with no SDK detail.

use aws_sdk_kinesis::types::ShardIteratorType;
use collect::{partition_key, Collect, Config};
use lambda_common::record::StreamRecord;
use lambda_common::AuthMode;
use lambda_http::http;
use lambda_http::Body;
use testkit::moto::Moto;

async fn create_stream(client: &aws_sdk_kinesis::Client, name: &str) {
    client
        .create_stream()
        .stream_name(name)
        .shard_count(1)
        .send()
        .await
        .unwrap();
}

/// (partition key, sequence number, record) of every record, shard by shard.
async fn read_all(
    client: &aws_sdk_kinesis::Client,
    name: &str,
) -> Vec<(String, String, StreamRecord)> {
    let shards = client.list_shards().stream_name(name).send().await.unwrap();
    let mut out = Vec::new();
    for shard in shards.shards() {
        let mut iterator = client
            .get_shard_iterator()
            .stream_name(name)
            .shard_id(shard.shard_id())
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .unwrap()
            .shard_iterator
            .unwrap();
        loop {
            let page = client
                .get_records()
                .shard_iterator(&iterator)
                .send()
                .await
                .unwrap();
            if page.records().is_empty() {
                break;
            }
            for r in page.records() {
                let record = serde_json::from_slice(r.data().as_ref()).unwrap();
                out.push((
                    r.partition_key().unwrap_or_default().to_owned(),
                    r.sequence_number().to_owned(),
                    record,
                ));
            }
            match page.next_shard_iterator {
                Some(next) => iterator = next,
                None => break,
            }
        }
    }
    out
}

fn post(path: &str, body: serde_json::Value) -> lambda_http::Request {
    http::Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::Text(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn events_and_data_land_in_kinesis() {
    let moto = Moto::start().unwrap();
    let sdk = sdk_config::local(moto.endpoint(), "us-east-1");
    let client = aws_sdk_kinesis::Client::new(&sdk);
    create_stream(&client, "events").await;
    // A backend acting for users 429 and 7 (IAM), writing events of 2023 and 2024.
    let mut config = Config::new("events");
    config.auth = AuthMode::Service;
    config.sent_at_max_age = 10 * 366 * 24 * 3600;
    let collect = Collect::from_sdk(config, &sdk);

    let r = collect
        .handle(post(
            "/events",
            serde_json::json!({"userId": "429", "sessionId": "s1", "events": [
                {"eventType": "watch", "itemId": "185", "sentAt": 1700000000},
                {"eventType": "watch", "itemId": "186", "sentAt": 1700000001, "eventId": "e-2"}]}),
        ))
        .await;
    assert_eq!(r.status(), 202, "{:?}", r.body());
    let r = collect
        .handle(post(
            "/data",
            serde_json::json!({"stream-name": "events", "Data": {"userId": 7, "interactions": 100,
                "itemId": "1", "eventType": "watch", "dateFrom": "2024-01-01", "dateTo": "2024-01-05"}}),
        ))
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.body());
    let Body::Text(text) = r.body() else { panic!() };
    let answer: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(answer["Message"], "Event sent successfully");

    let records = read_all(&client, "events").await;
    assert_eq!(records.len(), 2);
    let (key, _, first) = &records[0];
    assert_eq!(key, &partition_key("events", "429"));
    assert_eq!(first.events[1].event_id.as_deref(), Some("e-2"));
    let (key, sequence, generated) = &records[1];
    assert_eq!(key, &partition_key("events", "7"));
    assert_eq!(generated.events.len(), 100);
    assert_eq!(answer["data"]["SequenceNumber"], sequence.as_str());
    assert_eq!(answer["data"]["ShardId"], "shardId-000000000000");
}

#[tokio::test]
async fn a_missing_stream_is_a_bad_gateway_without_sdk_detail() {
    let moto = Moto::start().unwrap();
    let sdk = sdk_config::local(moto.endpoint(), "us-east-1");
    let mut config = Config::new("no-such-stream");
    config.auth = AuthMode::Service;
    let collect = Collect::from_sdk(config, &sdk);
    let r = collect
        .handle(post(
            "/events",
            serde_json::json!({"userId": "1", "sessionId": "s", "events": [{"eventType": "a"}]}),
        ))
        .await;
    assert_eq!(r.status(), 502);
    let Body::Text(text) = r.body() else { panic!() };
    assert!(text.contains("ResourceNotFoundException"), "{text}");
    assert!(
        !text.contains("127.0.0.1") && !text.contains("no-such-stream"),
        "{text}"
    );
}
