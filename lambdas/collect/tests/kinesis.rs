//! collect against a real Kinesis wire protocol (moto): what the handler accepts is what
//! GetRecords returns, and a missing stream is a 502 with no SDK detail.

use aws_sdk_kinesis::types::ShardIteratorType;
use collect::{Collect, Config};
use lambda_common::record::StreamRecord;
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

async fn read_all(client: &aws_sdk_kinesis::Client, name: &str) -> Vec<(String, StreamRecord)> {
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
                out.push((r.partition_key().unwrap_or_default().to_owned(), record));
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
    let sdk = pr_sdk::local(moto.endpoint(), "us-east-1");
    let client = aws_sdk_kinesis::Client::new(&sdk);
    create_stream(&client, "events").await;
    let collect = Collect::from_sdk(Config::new("events"), &sdk);

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
            serde_json::json!({"stream-name": "events", "Data": {"userId": 7, "interactions": 120,
                "itemId": "1", "eventType": "watch", "dateFrom": "2024-01-01", "dateTo": "2024-01-05"}}),
        ))
        .await;
    assert_eq!(r.status(), 202, "{:?}", r.body());

    let records = read_all(&client, "events").await;
    assert_eq!(records.len(), 3);
    let (key, first) = &records[0];
    assert_eq!(key, "429");
    assert_eq!(first.events[1].event_id.as_deref(), Some("e-2"));
    let generated: Vec<_> = records.iter().filter(|(k, _)| k == "7").collect();
    assert_eq!(
        generated.iter().map(|(_, r)| r.events.len()).sum::<usize>(),
        120
    );
}

#[tokio::test]
async fn a_missing_stream_is_a_bad_gateway_without_sdk_detail() {
    let moto = Moto::start().unwrap();
    let sdk = pr_sdk::local(moto.endpoint(), "us-east-1");
    let collect = Collect::from_sdk(Config::new("no-such-stream"), &sdk);
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
