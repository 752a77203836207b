//! The stack's service side against a real moto: records sent through the API reach the
//! ingest function through the event source mapping in shard order, a record that always
//! fails ends in the on-failure destination (S3, with its data), and the archive in S3 holds
//! every record.
//!
//! The functions here are small stand-ins written for the test (the real handlers are
//! exercised by the end-to-end test of the demo); what is under test is the wiring.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_kinesis::primitives::Blob;
use devenv::moto::Moto;
use http::Method;
use local_stack::apigw::Route;
use local_stack::config::StackConfig;
use local_stack::esm::batch::RetryPolicy;
use local_stack::function::typed;
use local_stack::resources::AwsClients;
use local_stack::stack::{self, Functions, Options};
use serde_json::{json, Value};

fn config(moto: &Moto) -> StackConfig {
    StackConfig {
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        name_prefix: "t".into(),
        personalize_endpoint: "http://127.0.0.1:9".into(),
        aws_endpoint: moto.endpoint().into(),
        campaign_arn: Some("arn:aws:personalize:us-east-1:123456789012:campaign/c".into()),
        recommender_arns: BTreeMap::new(),
        tracking_id: "t".into(),
        filter_arns: BTreeMap::new(),
        stream_name: "t-events".into(),
        bucket_name: "t-data".into(),
        archive_prefix: "events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/".into(),
        dlq_name: "t-dlq".into(),
        enable_seed_routes: false,
        cors_allow_origin: None,
    }
}

/// Waits for `condition`, polling, up to `limit`; the pipeline is asynchronous by design.
async fn eventually<F: FnMut() -> bool>(limit: Duration, mut condition: F) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    condition()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_flow_to_ingest_in_order_poison_to_the_dlq_and_all_to_the_archive() {
    let moto = Moto::start().unwrap();
    let config = config(&moto);
    let aws = AwsClients::new(&config);
    let resources = local_stack::resources::ensure(&config, &aws).await.unwrap();

    // POST /events: the body goes to the stream as one record, keyed by user.
    let kinesis = aws.kinesis.clone();
    let stream = config.stream_name.clone();
    let collect = typed("collect", move |event: Value| {
        let kinesis = kinesis.clone();
        let stream = stream.clone();
        async move {
            let body = event["body"].as_str().unwrap_or_default().to_owned();
            let parsed: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
            kinesis
                .put_record()
                .stream_name(stream)
                .partition_key(parsed["userId"].as_str().unwrap_or("none"))
                .data(Blob::new(body.into_bytes()))
                .send()
                .await
                .map_err(|e| format!("{e:?}"))?;
            Ok::<_, String>(json!({ "statusCode": 202, "body": "{}" }))
        }
    });
    // Ingest: fails (as a function error) on any batch holding a poison record.
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = seen.clone();
    let ingest = typed(
        "ingest",
        move |event: aws_lambda_events::event::kinesis::KinesisEvent| {
            let log = log.clone();
            async move {
                let records: Vec<Value> = event
                    .records
                    .iter()
                    .map(|r| serde_json::from_slice(&r.kinesis.data.0).unwrap())
                    .collect();
                if records.iter().any(|r| r["poison"] == true) {
                    return Err("poison".to_owned());
                }
                log.lock().unwrap().extend(records);
                Ok(json!({ "batchItemFailures": [] }))
            }
        },
    );
    let functions = Functions {
        routes: vec![Route {
            method: Method::POST,
            resource: "/events".into(),
            function: collect,
        }],
        ingest,
    };
    let options = Options {
        batch_size: 5,
        poll_interval: Duration::from_millis(50),
        retry: RetryPolicy {
            max_retry_attempts: Some(1),
            backoff: Duration::ZERO,
            ..RetryPolicy::default()
        },
        archive_interval: Duration::from_millis(200),
        ..Options::default()
    };
    let running = stack::start_with(&config, &aws, resources.clone(), functions, options)
        .await
        .unwrap();

    let http = reqwest::Client::new();
    let users = ["1", "2", "3"];
    let mut sent = 0;
    for n in 0..24 {
        let user = users[n % users.len()];
        let body = json!({ "userId": user, "n": n, "poison": n == 7 });
        let response = http
            .post(format!("{}/events", running.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
        sent += 1;
    }

    assert!(
        eventually(Duration::from_secs(20), || seen.lock().unwrap().len()
            == sent - 1)
        .await,
        "ingest got {} of {} records",
        seen.lock().unwrap().len(),
        sent - 1
    );
    running.stop().await.unwrap();

    // Per user (= per shard, since the partition key is the user) the order is kept.
    let seen = seen.lock().unwrap().clone();
    for user in users {
        let ns: Vec<u64> = seen
            .iter()
            .filter(|r| r["userId"] == user)
            .map(|r| r["n"].as_u64().unwrap())
            .collect();
        assert!(ns.windows(2).all(|w| w[0] < w[1]), "user {user}: {ns:?}");
    }
    assert!(seen.iter().all(|r| r["n"] != 7));

    // The poison record alone went to the on-failure destination (the bucket, under
    // aws/lambda/), as Lambda's on-failure record with the whole invocation payload.
    let failures = aws
        .s3
        .list_objects_v2()
        .bucket(&config.bucket_name)
        .prefix("aws/lambda/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = failures.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let parts: Vec<&str> = keys[0].split('/').collect();
    assert_eq!(
        parts.len(),
        8,
        "aws/lambda/<uuid>/<shard>/Y/M/D/<time>-<uuid>: {keys:?}"
    );
    assert!(parts[3].starts_with("shardId-"), "{keys:?}");
    let body = aws
        .s3
        .get_object()
        .bucket(&config.bucket_name)
        .key(keys[0])
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    let record: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        record["requestContext"]["condition"],
        "RetryAttemptsExhausted"
    );
    assert_eq!(record["KinesisBatchInfo"]["batchSize"], 1);
    assert_eq!(record["KinesisBatchInfo"]["streamArn"], config.stream_arn());
    let kept = &record["payload"]["Records"][0]["kinesis"];
    let data = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        kept["data"].as_str().unwrap(),
    )
    .unwrap();
    let kept: Value = serde_json::from_slice(&data).unwrap();
    assert_eq!(kept["n"], 7, "the full record is kept beside its metadata");
    let shard = record["KinesisBatchInfo"]["shardId"].as_str().unwrap();
    let seq = record["KinesisBatchInfo"]["startSequenceNumber"]
        .as_str()
        .unwrap();
    let iterator = aws
        .kinesis
        .get_shard_iterator()
        .stream_name(&config.stream_name)
        .shard_id(shard)
        .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::AtSequenceNumber)
        .starting_sequence_number(seq)
        .send()
        .await
        .unwrap()
        .shard_iterator
        .unwrap();
    let failed = aws
        .kinesis
        .get_records()
        .shard_iterator(iterator)
        .limit(1)
        .send()
        .await
        .unwrap();
    let failed: Value = serde_json::from_slice(failed.records[0].data.as_ref()).unwrap();
    assert_eq!(
        failed["n"], 7,
        "the on-failure record names the poison record by its sequence number"
    );

    // The archive holds every record once, GZIP, newline-delimited, hive-partitioned.
    let listed = aws
        .s3
        .list_objects_v2()
        .bucket(&config.bucket_name)
        .prefix("events/")
        .send()
        .await
        .unwrap();
    let mut archived = Vec::new();
    for object in listed.contents() {
        let key = object.key().unwrap();
        assert!(regex_like_partition(key), "unexpected key {key}");
        let body = aws
            .s3
            .get_object()
            .bucket(&config.bucket_name)
            .key(key)
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut text)
            .unwrap();
        archived.extend(text.lines().map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["n"]
                .as_u64()
                .unwrap()
        }));
    }
    archived.sort_unstable();
    assert_eq!(archived, (0..sent as u64).collect::<Vec<_>>());
}

/// `events/year=YYYY/month=MM/day=DD/hour=HH/t-archive-1-...gz`
fn regex_like_partition(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    parts.len() == 6
        && parts[0] == "events"
        && parts[1].strip_prefix("year=").is_some_and(|y| y.len() == 4)
        && parts[2]
            .strip_prefix("month=")
            .is_some_and(|m| m.len() == 2)
        && parts[3].strip_prefix("day=").is_some_and(|d| d.len() == 2)
        && parts[4].strip_prefix("hour=").is_some_and(|h| h.len() == 2)
        && parts[5].starts_with("t-archive-1-")
        && parts[5].ends_with(".gz")
}
