//! The event pipeline end to end on its real parts: collect → Kinesis (moto) → ingest (on the
//! records GetRecords returns, wrapped as Lambda's Kinesis event) → PutEvents
//! (personalize-local) → recommend; and its reliability under injected faults, delivered by
//! this crate's event source mapping.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use collect::Collect;
use ingest::{Config, Ingest};
use lambda_common::identity::authenticated;
use lambda_common::{AuthMode, Backoff};
use lambda_http::{http, Body};
use local_stack::testing::{self, deliver, personalize_sdk, PipelineStack as Stack, STREAM};
use personalize_local::{FaultKind, Faults};
use recommend::Recommend;
use serde_json::{json, Value};

/// A request as the API delivers it after its authorizer accepted a token for user 429.
fn as_429(method: &str, uri: &str, body: Option<Value>) -> lambda_http::Request {
    authenticated(request(method, uri, body), "429")
}

fn request(method: &str, uri: &str, body: Option<Value>) -> lambda_http::Request {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or(Body::Empty, |b| Body::Text(b.to_string())))
        .unwrap()
}

fn items(response: &http::Response<Body>) -> Vec<String> {
    assert_eq!(response.status(), 200, "{:?}", response.body());
    let Body::Text(text) = response.body() else {
        panic!("{:?}", response.body())
    };
    let body: Value = serde_json::from_str(text).unwrap();
    body["itemList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["itemId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_429s_recommendations_change_after_events_flow_through_the_pipeline() {
    let walkthrough = devenv::paths::project_file("examples/movies/data/interactions.csv");
    let stack = Stack::start(&walkthrough, Faults::default()).await;
    let personalize = personalize_sdk(&stack.personalize_endpoint, true);
    let recommend = Recommend::from_sdk(recommend::Config::new(&stack.campaign), &personalize);
    let collect = Collect::from_sdk(collect::Config::new(STREAM), &stack.aws());
    let ingest = Ingest::from_sdk(
        Config::new(&stack.tracking_id, &stack.dlq_url),
        &personalize,
    );

    let ask = || as_429("GET", "/recommendations?userId=429&numResults=10", None);
    let before = items(&recommend.handle(ask()).await);
    assert_eq!(before.len(), 10);

    // The walkthrough's generator (today's dates), then a session watching the top
    // recommendations.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let seed = json!({"stream-name": STREAM, "Data": {"userId": "429", "interactions": 30,
        "itemId": "185", "trackingId": "ignored", "eventType": "watch",
        "dateFrom": today, "dateTo": today}});
    assert_eq!(
        collect
            .handle(as_429("POST", "/data", Some(seed)))
            .await
            .status(),
        200
    );
    // As in the walkthrough's data, each watch comes with a click of the same movie: an item
    // with both is one the user is done with. (A watch alone is what the recommender learned
    // precedes a click of the same movie, so it would rightly keep that item up.)
    let watched: Vec<Value> = before[..5]
        .iter()
        .flat_map(|item| {
            [
                json!({"eventType": "click", "itemId": item}),
                json!({"eventType": "watch", "itemId": item}),
            ]
        })
        .collect();
    let events = json!({"userId": "429", "sessionId": "evening", "events": watched});
    assert_eq!(
        collect
            .handle(as_429("POST", "/events", Some(events)))
            .await
            .status(),
        202
    );

    let records = stack.stream_records().await;
    assert_eq!(records.len(), 2);
    let outcome = ingest.process(testing::kinesis_event(&records)).await;
    assert!(outcome.response.batch_item_failures.is_empty());
    assert_eq!((outcome.events, outcome.dead_letters), (40, 0));
    // 30 generated events in one session: 3 calls; the 10 of the evening: 1 call.
    assert_eq!(outcome.put_calls, 4);
    assert_eq!(stack.stored_event_ids().len(), 40);

    let after = items(&recommend.handle(ask()).await);
    assert_ne!(
        before, after,
        "recommendations did not react to the new events"
    );
    for item in &before[..5] {
        assert!(
            !after.contains(item),
            "{item} was just watched and is still recommended"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_faults_every_event_arrives_exactly_once_and_poison_goes_to_the_dlq() {
    let data = tempfile::NamedTempFile::new().unwrap();
    let mut csv = String::from("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n");
    for u in 0..20 {
        for k in 0..6 {
            csv.push_str(&format!(
                "u{u},i{},{},watch\n",
                (u * 3 + k * 7) % 30,
                1_600_000_000 + u * 10 + k
            ));
        }
    }
    std::fs::write(data.path(), csv).unwrap();
    for kind in [FaultKind::Throttling, FaultKind::Internal] {
        let stack = Stack::start(
            data.path(),
            Faults {
                put_events: 0.3,
                get_recommendations: 0.0,
                kind,
                seed: 11,
            },
        )
        .await;
        // No SDK retries (the handler has none of its own): every fault becomes a Kinesis
        // redelivery.
        let personalize = personalize_sdk(&stack.personalize_endpoint, false);
        let mut config = Config::new(&stack.tracking_id, &stack.dlq_url);
        config.backoff = Backoff::immediate(1);
        config.concurrency = 4;
        let ingest = Arc::new(Ingest::new(
            config,
            ingest::PersonalizeSink::new(aws_sdk_personalizeevents::Client::new(&personalize)),
            ingest::SqsQueue::new(stack.sqs.clone(), &stack.dlq_url),
        ));
        // A backend (IAM) writing for many users.
        let mut collect_config = collect::Config::new(STREAM);
        collect_config.auth = AuthMode::Service;
        let collect = Collect::from_sdk(collect_config, &stack.aws());

        // 40 requests of 1..8 events over 12 users, poison written straight to the stream.
        let mut expected = 0;
        for r in 0..40usize {
            let events: Vec<Value> = (0..(r % 8) + 1)
                .map(|k| json!({"eventType": "watch", "itemId": format!("i{}", (r + k) % 30)}))
                .collect();
            expected += events.len();
            let body = json!({"userId": format!("u{}", r % 12), "sessionId": format!("s{}", r % 5), "events": events});
            assert_eq!(
                collect
                    .handle(request("POST", "/events", Some(body)))
                    .await
                    .status(),
                202
            );
            if r % 13 == 5 {
                stack
                    .kinesis
                    .put_record()
                    .stream_name(STREAM)
                    .partition_key("poison")
                    .data(aws_sdk_kinesis::primitives::Blob::new(format!(
                        "garbage {r}"
                    )))
                    .send()
                    .await
                    .unwrap();
            }
        }
        let records = stack.stream_records().await;
        let invocations = deliver(ingest, &records, 10).await;
        assert!(
            invocations as usize > records.len() / 10,
            "{kind:?}: the faults caused no redelivery"
        );

        let stored = stack.stored_event_ids();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for id in &stored {
            *counts.entry(id.as_str()).or_default() += 1;
        }
        assert_eq!(counts.len(), expected, "{kind:?}: events missing");
        assert!(
            counts.values().all(|n| *n == 1),
            "{kind:?}: duplicates stored"
        );

        let letters = stack.dead_letters().await;
        let poison: BTreeSet<&str> = letters
            .iter()
            .map(|l| l["data"].as_str().unwrap())
            .collect();
        assert_eq!(
            poison,
            BTreeSet::from(["garbage 5", "garbage 18", "garbage 31"]),
            "{kind:?}"
        );
        assert_eq!(
            letters.len(),
            3,
            "{kind:?}: a poison record was dead-lettered twice"
        );
        assert!(letters
            .iter()
            .all(|l| l["reason"].as_str().unwrap().contains("not JSON")));
    }
}
