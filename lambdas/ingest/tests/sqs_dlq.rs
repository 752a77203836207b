//! ingest's dead letters through a real SQS wire protocol (moto): a poison record arrives in
//! the queue with its reason and position, and nothing is reported for retry.

use ingest::{Config, Ingest};
use testkit::moto::Moto;

#[tokio::test]
async fn poison_records_land_in_the_sqs_queue_with_their_reason() {
    let moto = Moto::start().unwrap();
    let sdk = sdk_config::local(moto.endpoint(), "us-east-1");
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let url = sqs
        .create_queue()
        .queue_name("ingest-dlq")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let ingest = Ingest::from_sdk(Config::new("tracking", &url), &sdk);
    let records: Vec<(String, &[u8])> = (500..512)
        .map(|sequence| (sequence.to_string(), &b"not json"[..]))
        .collect();
    let event: aws_lambda_events::event::kinesis::KinesisEvent = serde_json::from_value(
        testkit::kinesis::lambda_event("shardId-000000000001", &records),
    )
    .unwrap();
    let out = ingest.process(event).await;
    assert!(out.response.batch_item_failures.is_empty());
    assert_eq!(out.dead_letters, 12);

    let mut bodies = Vec::new();
    while bodies.len() < 12 {
        let page = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let messages = page.messages();
        assert!(
            !messages.is_empty(),
            "only {} dead letters arrived",
            bodies.len()
        );
        for m in messages {
            let body: serde_json::Value = serde_json::from_str(m.body().unwrap()).unwrap();
            bodies.push(body);
        }
    }
    let mut sequences: Vec<String> = bodies
        .iter()
        .map(|b| b["sequenceNumber"].as_str().unwrap().to_owned())
        .collect();
    sequences.sort();
    assert_eq!(
        sequences,
        (500..512).map(|s| s.to_string()).collect::<Vec<_>>()
    );
    let first = &bodies[0];
    assert!(first["reason"].as_str().unwrap().contains("not JSON"));
    assert_eq!(first["data"], "not json");
    assert_eq!(first["shardId"], "shardId-000000000001");
}
