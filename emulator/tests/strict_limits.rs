//! `--strict-quotas` beyond the data minimums: the resource counts and request rates of the
//! developer guide's "Quotas in Amazon Personalize", through the real SDK (counts) and the
//! in-process router (rates); without the flag none of them applies.

mod common;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use common::*;
use personalize_local::{app, Config, Server};
use tower::ServiceExt;

/// A data root like `common`'s, with enough interactions for the data minimums: 100 users with
/// 12 interactions each (1,200 records).
fn roomy_root() -> tempfile::TempDir {
    let root = data_root();
    let mut csv = String::from("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n");
    for u in 0..100u32 {
        let base = if u < 50 { 0 } else { CLUSTER };
        for k in 0..12u32 {
            let item = base + (u * 7 + k * 3) % CLUSTER;
            csv.push_str(&format!(
                "u{u},i{item},{},watch\n",
                1_600_000_000 + u * 100 + k
            ));
        }
    }
    std::fs::write(root.path().join("data/interactions.csv"), csv).unwrap();
    root
}

fn strict(root: &std::path::Path, strict_quotas: bool) -> Config {
    Config {
        strict_quotas,
        ..instant_config(root)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn five_active_campaigns_and_ten_filters_are_the_most() {
    for strict_quotas in [true, false] {
        let root = roomy_root();
        let server =
            personalize_local::testing::TestServer::start(strict(root.path(), strict_quotas));
        let c = Clients::new(server.endpoint());
        let chain = build_chain(&c, "q").await;
        let p = &c.control;
        let campaign = |name: String| {
            p.create_campaign()
                .name(name)
                .solution_version_arn(&chain.version)
                .send()
        };
        // build_chain made the first.
        for i in 1..5 {
            campaign(format!("q{i}")).await.unwrap();
        }
        let sixth = campaign("q5".into()).await;
        if strict_quotas {
            let err = sixth.unwrap_err().into_service_error();
            assert!(err.is_limit_exceeded_exception(), "{err:?}");
            let text = err.meta().message().unwrap_or("");
            assert!(text.contains("5 of at most 5 Campaigns"), "{text}");
            // Deleting one frees its place.
            p.delete_campaign()
                .campaign_arn(&chain.campaign)
                .send()
                .await
                .unwrap();
            campaign("q5".into()).await.unwrap();
        } else {
            sixth.unwrap();
        }
        let filter = |name: String| {
            p.create_filter()
                .name(name)
                .dataset_group_arn(&chain.group)
                .filter_expression(r#"EXCLUDE ItemID WHERE Items.GENRE IN ("Drama")"#)
                .send()
        };
        for i in 0..10 {
            filter(format!("f{i}")).await.unwrap();
        }
        let eleventh = filter("f10".into()).await;
        assert_eq!(eleventh.is_err(), strict_quotas, "{eleventh:?}");
        if strict_quotas {
            // Per account: another region's group is held to the same ten.
            let other = Clients::in_region(server.endpoint(), "us-west-2");
            let group = dataset_group(&other.control, "west").await;
            let err = other
                .control
                .create_filter()
                .name("w")
                .dataset_group_arn(group)
                .filter_expression(r#"EXCLUDE ItemID WHERE Items.GENRE IN ("Drama")"#)
                .send()
                .await
                .unwrap_err()
                .into_service_error();
            assert!(err.is_limit_exceeded_exception(), "{err:?}");
        }
    }
}

/// `calls` PutEvents sent in-process from 32 tasks at once: how many were throttled, and how
/// long they took.
async fn burst(router: &axum::Router, tracking_id: &str, calls: usize) -> (usize, f64) {
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let router = router.clone();
        let next = next.clone();
        let tracking_id = tracking_id.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut throttled = 0;
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < calls {
                let body = serde_json::json!({
                    "trackingId": tracking_id, "sessionId": "s", "userId": "u0",
                    "eventList": [{"eventType": "watch", "itemId": "i1", "sentAt": 1_700_000_000}]
                });
                let request = Request::post("/events")
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap();
                let response = router.clone().oneshot(request).await.unwrap();
                match response.status().as_u16() {
                    200 => {}
                    400 => {
                        let bytes = http_body_util::BodyExt::collect(response.into_body())
                            .await
                            .unwrap()
                            .to_bytes();
                        let text = String::from_utf8_lossy(&bytes);
                        assert!(text.contains("ThrottlingException"), "{text}");
                        throttled += 1;
                    }
                    other => panic!("PutEvents answered {other}"),
                }
            }
            throttled
        }));
    }
    let mut throttled = 0;
    for t in tasks {
        throttled += t.await.unwrap();
    }
    (throttled, started.elapsed().as_secs_f64())
}

#[tokio::test(flavor = "multi_thread")]
async fn put_events_over_a_thousand_a_second_are_throttled() {
    for strict_quotas in [true, false] {
        let root = data_root();
        let server = Server::open(strict(root.path(), strict_quotas)).unwrap();
        let router = app(server);
        let tracking_id = tracker(&router).await;
        let calls = 3000;
        let (throttled, secs) = burst(&router, &tracking_id, calls).await;
        eprintln!("strict {strict_quotas}: {throttled} of {calls} throttled in {secs:.2} s");
        if strict_quotas {
            // At most one second's worth up front plus what refilled while the burst lasted
            // passes (a hard bound of the token bucket, whatever the machine's speed); the
            // rest is throttled.
            let allowed = 1000.0 * (1.0 + secs);
            assert!(
                throttled as f64 >= calls as f64 - allowed,
                "{throttled} of {calls} throttled in {secs:.2} s"
            );
        } else {
            assert_eq!(throttled, 0);
        }
    }
}

/// A dataset group with an interactions dataset and an event tracker, made through `router`;
/// the tracking id.
async fn tracker(router: &axum::Router) -> String {
    let call = |op: &str, body: serde_json::Value| {
        let request = Request::post("/")
            .header("x-amz-target", format!("AmazonPersonalize.{op}"))
            .header("content-type", "application/x-amz-json-1.1")
            .body(Body::from(body.to_string()))
            .unwrap();
        let router = router.clone();
        async move {
            let response = router.oneshot(request).await.unwrap();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
        }
    };
    let group = call("CreateDatasetGroup", serde_json::json!({"name": "rates"})).await
        ["datasetGroupArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let schema = call(
        "CreateSchema",
        serde_json::json!({"name": "rates", "schema": INTERACTIONS_SCHEMA}),
    )
    .await["schemaArn"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        "CreateDataset",
        serde_json::json!({"name": "rates", "datasetGroupArn": group,
                           "datasetType": "Interactions", "schemaArn": schema}),
    )
    .await;
    call(
        "CreateEventTracker",
        serde_json::json!({"name": "rates", "datasetGroupArn": group}),
    )
    .await["trackingId"]
        .as_str()
        .unwrap()
        .to_owned()
}
