//! Handler tests on real API Gateway payloads and the bad-input catalogue, with a fake stream.

use lambda_common::record::StreamRecord;
use lambda_common::{Backoff, Kind};
use lambda_http::http::{self, header};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};

use crate::testing::FakeStream;
use crate::{Collect, Config};

fn collect() -> Collect<FakeStream> {
    let mut config = Config::new("events");
    config.backoff = Backoff::immediate(3);
    Collect::new(config, FakeStream::default())
}

fn post(path: &str, body: &str) -> Request {
    http::Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::Text(body.to_owned()))
        .unwrap()
}

fn json_of(r: &Response<Body>) -> Value {
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    match r.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap(),
        other => panic!("body {other:?}"),
    }
}

fn records(c: &Collect<FakeStream>) -> Vec<StreamRecord> {
    c.stream()
        .written()
        .iter()
        .map(|e| serde_json::from_slice(&e.data).unwrap())
        .collect()
}

#[tokio::test]
async fn rest_api_event_is_written_with_the_user_as_partition_key() {
    let c = collect();
    let req = lambda_http::request::from_str(include_str!(
        "../../common/tests/data/apigw_v1_events.json"
    ))
    .unwrap();
    let r = c.handle(req).await;
    assert_eq!(r.status(), 202, "{:?}", r.body());
    assert_eq!(
        json_of(&r),
        json!({"accepted": 1, "records": 1, "userId": "429", "sessionId": "s-1"})
    );
    let written = c.stream().written();
    assert_eq!(written[0].partition_key, "429");
    let record = &records(&c)[0];
    assert_eq!(record.events[0].item_id.as_deref(), Some("185"));
    assert_eq!(record.events[0].sent_at, 1_700_000_000.0);
}

#[tokio::test]
async fn http_api_event_with_stage_and_base64_body_is_accepted() {
    let c = collect();
    let req = lambda_http::request::from_str(include_str!(
        "../../common/tests/data/apigw_v2_staged.json"
    ))
    .unwrap();
    let r = c.handle(req).await;
    assert_eq!(r.status(), 202, "{:?}", r.body());
    // No sentAt in the body: the request time is used.
    let sent_at = records(&c)[0].events[0].sent_at;
    assert!((lambda_common::record::now_seconds() - sent_at).abs() < 60.0);
}

#[tokio::test]
async fn data_generates_the_interactions_and_ignores_the_callers_tracking_id() {
    let c = collect();
    let body = json!({"stream-name": "events", "PartitionKey": "whatever", "Data": {
        "userId": "429", "interactions": 250, "itemId": "185", "trackingId": "not-ours",
        "eventType": "watch", "dateFrom": "2024-01-01", "dateTo": "2024-02-01"}});
    let r = c.handle(post("/data", &body.to_string())).await;
    assert_eq!(r.status(), 202);
    let answer = json_of(&r);
    assert_eq!(
        (answer["accepted"].as_u64(), answer["records"].as_u64()),
        (Some(250), Some(3))
    );
    let records = records(&c);
    assert_eq!(records.iter().map(|r| r.events.len()).sum::<usize>(), 250);
    assert!(c
        .stream()
        .written()
        .iter()
        .all(|e| e.partition_key == "429"));
    let raw = String::from_utf8(c.stream().written()[0].data.clone()).unwrap();
    assert!(
        !raw.contains("not-ours"),
        "the caller's tracking id must not travel: {raw}"
    );
}

#[tokio::test]
async fn kinesis_unavailable_is_503_with_retry_after_and_missing_stream_502() {
    let c = collect();
    c.stream().fail_calls(3, Kind::Unavailable);
    let good = r#"{"userId":"u","sessionId":"s","events":[{"eventType":"a"}]}"#;
    let r = c.handle(post("/events", good)).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()[header::RETRY_AFTER], "1");
    assert!(json_of(&r)["message"]
        .as_str()
        .unwrap()
        .contains("1 of 1 records"));

    let c = collect();
    c.stream().fail_calls(1, Kind::NotFound);
    let r = c.handle(post("/events", good)).await;
    assert_eq!(r.status(), 502);
    assert!(!json_of(&r)["message"]
        .as_str()
        .unwrap()
        .contains("scripted"));
}

#[tokio::test]
async fn throttled_entries_are_retried_within_the_request() {
    let c = collect();
    c.stream()
        .fail_entries(&[0], "ProvisionedThroughputExceededException");
    let good = r#"{"userId":"u","sessionId":"s","events":[{"eventType":"a"}]}"#;
    assert_eq!(c.handle(post("/events", good)).await.status(), 202);
    assert_eq!(c.stream().call_sizes(), vec![1, 1]);
    assert_eq!(c.stream().written().len(), 1);
}

/// Every kind of bad input is a 4xx with a JSON message (and the field when there is one);
/// none reaches the stream.
#[tokio::test]
async fn bad_input_catalogue() {
    let huge = format!(
        r#"{{"userId":"u","sessionId":"s","events":[{{"eventType":"{}"}}]}}"#,
        "a".repeat(300 * 1024)
    );
    let events = |e: &str| format!(r#"{{"userId":"u","sessionId":"s","events":[{e}]}}"#);
    let data = |d: &str| format!(r#"{{"stream-name":"events","Data":{d}}}"#);
    let d_ok = r#""userId":"429","itemId":"185","eventType":"watch""#;
    let cases: Vec<(&str, &str, String, u16, Option<&str>)> = vec![
        ("POST", "/events", "".into(), 400, None),
        ("POST", "/events", "{".into(), 400, None),
        ("POST", "/events", "[]".into(), 400, Some("body")),
        ("POST", "/events", "null".into(), 400, Some("body")),
        (
            "POST",
            "/events",
            r#"{"sessionId":"s","events":[{"eventType":"a"}]}"#.into(),
            400,
            Some("userId"),
        ),
        (
            "POST",
            "/events",
            r#"{"userId":7,"sessionId":"s","events":[{"eventType":"a"}]}"#.into(),
            400,
            Some("userId"),
        ),
        (
            "POST",
            "/events",
            r#"{"userId":"u","events":[{"eventType":"a"}]}"#.into(),
            400,
            Some("sessionId"),
        ),
        (
            "POST",
            "/events",
            r#"{"userId":"u","sessionId":"s"}"#.into(),
            400,
            Some("events"),
        ),
        ("POST", "/events", events(""), 400, Some("events")),
        (
            "POST",
            "/events",
            events(r#"{"itemId":"1"}"#),
            400,
            Some("events[0].eventType"),
        ),
        (
            "POST",
            "/events",
            events(r#"{"eventType":"a","sentAt":-5}"#),
            400,
            Some("events[0].sentAt"),
        ),
        (
            "POST",
            "/events",
            events(r#"{"eventType":"a","sentAt":1e400}"#),
            400,
            None,
        ),
        (
            "POST",
            "/events",
            events(r#"{"eventType":"a","sentAt":99999999999999}"#),
            400,
            Some("events[0].sentAt"),
        ),
        (
            "POST",
            "/events",
            events(r#"{"eventType":"a","eventValue":"x"}"#),
            400,
            Some("events[0].eventValue"),
        ),
        (
            "POST",
            "/events",
            events(r#"{"eventType":"a","impression":"1,2"}"#),
            400,
            Some("events[0].impression"),
        ),
        ("POST", "/events", huge, 413, None),
        (
            "POST",
            "/data",
            data(&format!(
                r#"{{{d_ok},"interactions":-1,"dateFrom":"2024-01-01","dateTo":"2024-01-02"}}"#
            )),
            400,
            Some("Data.interactions"),
        ),
        (
            "POST",
            "/data",
            data(&format!(
                r#"{{{d_ok},"interactions":1e12,"dateFrom":"2024-01-01","dateTo":"2024-01-02"}}"#
            )),
            400,
            Some("Data.interactions"),
        ),
        (
            "POST",
            "/data",
            data(&format!(
                r#"{{{d_ok},"interactions":"ten","dateFrom":"2024-01-01","dateTo":"2024-01-02"}}"#
            )),
            400,
            Some("Data.interactions"),
        ),
        (
            "POST",
            "/data",
            data(&format!(
                r#"{{{d_ok},"interactions":3,"dateFrom":"2024-02-01","dateTo":"2024-01-02"}}"#
            )),
            400,
            Some("Data.dateTo"),
        ),
        (
            "POST",
            "/data",
            data(&format!(
                r#"{{{d_ok},"interactions":3,"dateFrom":"01/02/2024","dateTo":"2024-01-02"}}"#
            )),
            400,
            Some("Data.dateFrom"),
        ),
        (
            "POST",
            "/data",
            data(&format!(
                r#"{{{d_ok},"interactions":3,"dateFrom":"2024-01-01"}}"#
            )),
            400,
            Some("Data.dateTo"),
        ),
        (
            "POST",
            "/data",
            r#"{"stream-name":"other","Data":{}}"#.into(),
            403,
            Some("stream-name"),
        ),
        (
            "POST",
            "/data",
            r#"{"stream-name":"events"}"#.into(),
            400,
            Some("Data"),
        ),
        ("POST", "/data", "not json".into(), 400, None),
        ("GET", "/events", "".into(), 405, None),
        ("PUT", "/data", "".into(), 405, None),
        ("POST", "/recommendations", "{}".into(), 404, None),
    ];
    for (method, path, body, status, field) in cases {
        let c = collect();
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .body(Body::Text(body.clone()))
            .unwrap();
        let r = c.handle(req).await;
        let shown = &body[..body.len().min(120)];
        assert_eq!(
            r.status().as_u16(),
            status,
            "{method} {path} {shown}: {:?}",
            r.body()
        );
        let answer = json_of(&r);
        assert!(
            answer["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{shown}"
        );
        if let Some(field) = field {
            assert_eq!(answer["field"], field, "{method} {path} {shown}: {answer}");
        }
        assert!(
            c.stream().call_sizes().is_empty(),
            "{shown} reached the stream"
        );
    }
}

#[test]
fn config_requires_the_stream_name() {
    let env = lambda_common::Env::from_fn(|n| (n == "STREAM_NAME").then(|| "s".to_owned()));
    assert_eq!(Config::from_env(&env).unwrap().stream_name, "s");
    let empty = lambda_common::Env::from_fn(|_| None);
    assert_eq!(Config::from_env(&empty).unwrap_err().name, "STREAM_NAME");
}
