//! The venv's moto server answers the Rust AWS SDK for S3 and Kinesis.

use std::time::Duration;

use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{ShardIteratorType, StreamStatus};
use aws_sdk_s3::primitives::ByteStream;
use testkit::moto::Moto;

#[tokio::test]
async fn s3_put_then_get_returns_the_same_bytes() {
    let moto = Moto::start().unwrap();
    let config = sdk_config::local(moto.endpoint(), "us-east-1");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket().bucket("data").send().await.unwrap();
    let body = "USER_ID,ITEM_ID,TIMESTAMP\n429,185,828124615\n";
    s3.put_object()
        .bucket("data")
        .key("in/interactions.csv")
        .body(ByteStream::from_static(body.as_bytes()))
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket("data")
        .key("in/interactions.csv")
        .send()
        .await
        .unwrap();
    let bytes = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&bytes[..], body.as_bytes());

    let missing = s3
        .get_object()
        .bucket("data")
        .key("nope")
        .send()
        .await
        .unwrap_err();
    assert!(missing.into_service_error().is_no_such_key());
}

#[tokio::test]
async fn kinesis_create_put_get_round_trips_a_record() {
    let moto = Moto::start().unwrap();
    let config = sdk_config::local(moto.endpoint(), "us-east-1");
    let kinesis = aws_sdk_kinesis::Client::new(&config);
    kinesis
        .create_stream()
        .stream_name("events")
        .shard_count(1)
        .send()
        .await
        .unwrap();
    let mut status = None;
    for _ in 0..50 {
        let summary = kinesis
            .describe_stream_summary()
            .stream_name("events")
            .send()
            .await
            .unwrap();
        status = summary
            .stream_description_summary()
            .map(|s| s.stream_status().clone());
        if status == Some(StreamStatus::Active) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, Some(StreamStatus::Active));

    let put = kinesis
        .put_record()
        .stream_name("events")
        .partition_key("429")
        .data(Blob::new(br#"{"userId":"429","itemId":"185"}"#.to_vec()))
        .send()
        .await
        .unwrap();
    let shards = kinesis
        .list_shards()
        .stream_name("events")
        .send()
        .await
        .unwrap();
    let shard = shards.shards()[0].shard_id().to_owned();
    assert_eq!(put.shard_id(), shard);
    let iterator = kinesis
        .get_shard_iterator()
        .stream_name("events")
        .shard_id(&shard)
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator()
        .unwrap()
        .to_owned();
    let records = kinesis
        .get_records()
        .shard_iterator(iterator)
        .send()
        .await
        .unwrap();
    assert_eq!(records.records().len(), 1);
    let record = &records.records()[0];
    assert_eq!(record.partition_key(), Some("429"));
    assert_eq!(record.sequence_number(), put.sequence_number());
    assert_eq!(
        record.data().as_ref(),
        br#"{"userId":"429","itemId":"185"}"#
    );
}
