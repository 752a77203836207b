//! Handler tests on real API Gateway payloads and the bad-input catalogue, with a fake stream.

use lambda_common::identity::authenticated;
use lambda_common::record::{now_seconds, StreamRecord};
use lambda_common::{AuthMode, Backoff, Failure};
use lambda_http::http::{self, header};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};

use crate::testing::FakeStream;
use crate::{partition_key, Collect, Config};

/// Callers bound to their token's user (the default).
fn collect() -> Collect<FakeStream> {
    collect_with(|_| {})
}

fn collect_with(change: impl FnOnce(&mut Config)) -> Collect<FakeStream> {
    let mut config = Config::new("events");
    config.backoff = Backoff::immediate(3);
    change(&mut config);
    Collect::new(config, FakeStream::default())
}

/// Sent events dated in 2023 and 2024 stay inside the window.
const TEN_YEARS: usize = 10 * 366 * 24 * 3600;

/// A request with no token.
fn anonymous(method: &str, path: &str, body: &str) -> Request {
    http::Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::Text(body.to_owned()))
        .unwrap()
}

/// A POST with a token for `user`.
fn post_as(user: &str, path: &str, body: &str) -> Request {
    authenticated(anonymous("POST", path, body), user)
}

/// A POST with a token for user `u`.
fn post(path: &str, body: &str) -> Request {
    post_as("u", path, body)
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
async fn rest_api_event_is_written_under_the_users_salted_partition_key() {
    let c = collect_with(|c| c.sent_at_max_age = TEN_YEARS);
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
    assert_eq!(written[0].partition_key, partition_key("events", "429"));
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
    let c = collect_with(|c| {
        c.sent_at_max_age = TEN_YEARS;
        c.seed_max_interactions = 1000;
    });
    let body = json!({"stream-name": "events", "PartitionKey": "whatever", "Data": {
        "userId": "429", "interactions": 250, "itemId": "185", "trackingId": "not-ours",
        "eventType": "watch", "dateFrom": "2024-01-01", "dateTo": "2024-02-01"}});
    let r = c.handle(post_as("429", "/data", &body.to_string())).await;
    assert_eq!(r.status(), 200);
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
        .all(|e| e.partition_key == partition_key("events", "429")));
    let raw = String::from_utf8(c.stream().written()[0].data.clone()).unwrap();
    assert!(
        !raw.contains("not-ours"),
        "the caller's tracking id must not travel: {raw}"
    );
}

#[tokio::test]
async fn kinesis_unavailable_is_503_with_retry_after_and_missing_stream_502() {
    let c = collect();
    c.stream().fail_calls(3, Failure::Unavailable);
    let good = r#"{"userId":"u","sessionId":"s","events":[{"eventType":"a"}]}"#;
    let r = c.handle(post("/events", good)).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()[header::RETRY_AFTER], "1");
    assert!(json_of(&r)["message"]
        .as_str()
        .unwrap()
        .contains("1 of 1 records"));

    let c = collect();
    c.stream().fail_calls(1, Failure::NotFound);
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

/// Every event leaves collect with an `eventId` (the caller's or a new UUID), so the id is in
/// the stream and the archive, and a redelivery or a replay sends the same one again.
#[tokio::test]
async fn every_event_is_written_with_an_event_id_and_a_retry_keeps_it() {
    let c = collect_with(|c| {
        c.sent_at_max_age = TEN_YEARS;
        c.seed_max_interactions = 1000;
    });
    // The first PutRecords attempt is throttled: the retried record must carry the same ids.
    c.stream()
        .fail_entries(&[0], "ProvisionedThroughputExceededException");
    let body = r#"{"userId":"u","sessionId":"s","events":[
        {"eventType":"a"},{"eventType":"b","eventId":"mine"},{"eventType":"c"}]}"#;
    assert_eq!(c.handle(post("/events", body)).await.status(), 202);
    let data = json!({"stream-name": "events", "Data": {"userId": "429", "interactions": 150,
        "itemId": "185", "eventType": "watch", "dateFrom": "2024-01-01", "dateTo": "2024-02-01"}});
    let r = c.handle(post_as("429", "/data", &data.to_string())).await;
    assert_eq!(r.status(), 200);

    let records = records(&c);
    let ids: Vec<&str> = records
        .iter()
        .flat_map(|r| r.events.iter())
        .map(|e| e.event_id.as_deref().expect("every event has an eventId"))
        .collect();
    assert_eq!(ids.len(), 153);
    assert_eq!(ids[1], "mine");
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "minted ids are unique");
    assert!(ids
        .iter()
        .filter(|id| **id != "mine")
        .all(|id| uuid::Uuid::parse_str(id).is_ok()));
    // The throttled attempt and its retry wrote the same bytes.
    let attempts = c.stream().attempted();
    assert_eq!(attempts[0].data, attempts[1].data);
}

/// Every kind of bad input is a 4xx with a JSON message (and the field when there is one);
/// none reaches the stream. Run as a service caller (IAM), which must name the user; the
/// user-bound rules have their own tests.
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
        let c = collect_with(|c| c.auth = AuthMode::Service);
        let r = c.handle(anonymous(method, path, &body)).await;
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
    let config = Config::from_env(&env).unwrap();
    assert_eq!(config.stream_name, "s");
    assert_eq!(config.partition_key_salt, "s");
    assert_eq!(config.auth, AuthMode::default());
    let empty = lambda_common::Env::from_fn(|_| None);
    assert_eq!(Config::from_env(&empty).unwrap_err().name, "STREAM_NAME");
}

#[test]
fn config_reads_the_salt_the_seed_limit_and_the_window_and_refuses_bad_values() {
    let vars = |extra: &'static [(&'static str, &'static str)]| {
        lambda_common::Env::from_fn(move |n| {
            if n == "STREAM_NAME" {
                return Some("s".to_owned());
            }
            extra
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
        })
    };
    let c = Config::from_env(&vars(&[
        ("PARTITION_KEY_SALT", "pepper"),
        ("SEED_MAX_INTERACTIONS", "10"),
        ("SENT_AT_MAX_AGE_SECONDS", "60"),
        ("SENT_AT_MAX_AHEAD_SECONDS", "5"),
        ("AUTH_MODE", "service"),
    ]))
    .unwrap();
    assert_eq!(
        (
            c.partition_key_salt.as_str(),
            c.seed_max_interactions,
            c.sent_at_window(1000.0),
            c.auth
        ),
        ("pepper", 10, (940.0, 1005.0), AuthMode::Service)
    );
    for (name, bad) in [
        ("SEED_MAX_INTERACTIONS", "1001"),
        ("SEED_MAX_INTERACTIONS", "0"),
        ("SENT_AT_MAX_AGE_SECONDS", "-1"),
        ("SENT_AT_MAX_AHEAD_SECONDS", "86401"),
        ("AUTH_MODE", "anyone"),
        ("CORS_ALLOW_ORIGIN", "shop.example.com"),
    ] {
        let pairs: &'static [(&'static str, &'static str)] =
            Box::leak(vec![(name, bad)].into_boxed_slice());
        assert_eq!(Config::from_env(&vars(pairs)).unwrap_err().name, name);
    }
}

#[test]
fn partition_keys_are_stable_per_user_salted_and_not_the_user_id() {
    let a = partition_key("salt-1", "429");
    assert_eq!(a, partition_key("salt-1", "429"));
    assert_eq!(a.len(), 64);
    assert_ne!(a, "429");
    assert_ne!(a, partition_key("salt-2", "429"));
    assert_ne!(a, partition_key("salt-1", "430"));
}

/// A token for user A writes only A's events: naming B in `/events` or `/data` is a 403 that
/// never reaches the stream; leaving the id out writes for A; a caller's `PartitionKey` never
/// becomes the partition key.
#[tokio::test]
async fn a_token_for_one_user_cannot_write_another_users_events() {
    let c = collect();
    let events_for = |user: &str| {
        json!({"userId": user, "sessionId": "s", "events": [{"eventType": "click"}]}).to_string()
    };
    let r = c.handle(post_as("a", "/events", &events_for("b"))).await;
    assert_eq!(r.status(), 403);
    assert_eq!(json_of(&r)["field"], "userId");
    let data_for = |user: Value| {
        json!({"PartitionKey": "b", "Data": {"userId": user, "interactions": 2, "itemId": "185",
               "eventType": "click", "dateFrom": "2024-01-01", "dateTo": "2030-01-01"}})
        .to_string()
    };
    let r = c.handle(post_as("a", "/data", &data_for(json!("b")))).await;
    assert_eq!(r.status(), 403);
    assert_eq!(json_of(&r)["field"], "Data.userId");
    let r = c.handle(post_as("7", "/data", &data_for(json!(8)))).await;
    assert_eq!(r.status(), 403);
    assert!(
        c.stream().call_sizes().is_empty(),
        "a refused write reached the stream"
    );

    let r = c
        .handle(post_as(
            "a",
            "/events",
            r#"{"sessionId":"s","events":[{"eventType":"click"}]}"#,
        ))
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(json_of(&r)["userId"], "a");
    let r = c
        .handle(post_as("a", "/data", &data_for(Value::Null)))
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.body());
    assert!(records(&c).iter().all(|r| r.user_id == "a"));
    assert!(c
        .stream()
        .written()
        .iter()
        .all(|e| e.partition_key == partition_key("events", "a")));
}

#[tokio::test]
async fn no_token_is_401_before_the_body_is_read() {
    let c = collect();
    for (path, body) in [("/events", "{"), ("/data", "not json")] {
        let r = c.handle(anonymous("POST", path, body)).await;
        assert_eq!(r.status(), 401, "{path}");
        assert_eq!(json_of(&r)["field"], "Authorization");
    }
    assert!(c.stream().call_sizes().is_empty());
}

/// The walkthrough's `/data` answer: 200 with `Message` and the last record's `SequenceNumber`
/// and `ShardId`, as its PutRecord-backed Lambda answered; its dates of today end in the
/// future, and the generated events stop at the window's edge instead.
#[tokio::test]
async fn data_answers_the_seed_shape_and_keeps_todays_events_inside_the_window() {
    let c = collect();
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let body = json!({"stream-name": "events", "PartitionKey": "429", "Data": {
        "userId": "429", "interactions": 3, "itemId": "185", "trackingId": "t",
        "eventType": "click", "dateFrom": today, "dateTo": today}});
    let r = c.handle(post_as("429", "/data", &body.to_string())).await;
    assert_eq!(r.status(), 200, "{:?}", r.body());
    let answer = json_of(&r);
    assert_eq!(answer["Message"], "Event sent successfully");
    assert_eq!(answer["data"]["ShardId"], "shardId-000000000000");
    assert_eq!(
        answer["data"]["SequenceNumber"]
            .as_str()
            .map(|s| s.trim_start_matches('0')),
        Some("1")
    );
    assert_eq!(answer["accepted"], 3);
    let latest = now_seconds() + 300.0;
    assert!(records(&c)[0].events.iter().all(|e| e.sent_at <= latest));
}

#[tokio::test]
async fn sent_at_outside_the_window_is_refused_with_the_window() {
    let c = collect();
    let now = now_seconds();
    for (sent_at, ok) in [
        (now - 7.0 * 24.0 * 3600.0 + 60.0, true),
        (now + 240.0, true),
        (now - 8.0 * 24.0 * 3600.0, false),
        (now + 3600.0, false),
        (1_700_000_000.0, false),
    ] {
        let body = json!({"userId": "u", "sessionId": "s", "events": [
            {"eventType": "click"}, {"eventType": "click", "sentAt": sent_at.floor()}]});
        let r = c.handle(post("/events", &body.to_string())).await;
        if ok {
            assert_eq!(r.status(), 202, "{sent_at}: {:?}", r.body());
        } else {
            assert_eq!(r.status(), 400, "{sent_at}");
            let answer = json_of(&r);
            assert_eq!(answer["field"], "events[1].sentAt");
            assert!(
                answer["message"].as_str().unwrap().contains("window"),
                "{answer}"
            );
        }
    }
    // /data: a range wholly before the window.
    let body = json!({"Data": {"userId": "u", "interactions": 2, "itemId": "1",
        "eventType": "click", "dateFrom": "2024-01-01", "dateTo": "2024-01-02"}});
    let r = c.handle(post("/data", &body.to_string())).await;
    assert_eq!(r.status(), 400);
    assert_eq!(json_of(&r)["field"], "Data.dateTo");
}

#[tokio::test]
async fn data_amplification_is_bounded_by_the_seed_limit() {
    let c = collect();
    let body = |n: usize| {
        json!({"Data": {"userId": "u", "interactions": n, "itemId": "1",
            "eventType": "click", "dateFrom": "2024-01-01", "dateTo": "2030-01-01"}})
        .to_string()
    };
    let r = c.handle(post("/data", &body(101))).await;
    assert_eq!(r.status(), 400);
    assert_eq!(json_of(&r)["field"], "Data.interactions");
    let r = c.handle(post("/data", &body(100))).await;
    assert_eq!(r.status(), 200);
    // 100 events: one record, so at most 10 PutEvents calls downstream.
    assert_eq!(c.stream().written().len(), 1);
}

/// With `CORS_ALLOW_ORIGIN` set, answers (refusals too) carry `Access-Control-Allow-Origin`
/// for the configured origin only; a `*` allows every origin; unset, no CORS header.
#[tokio::test]
async fn cors_headers_go_to_the_configured_origin_only() {
    let body = r#"{"sessionId":"s","events":[{"eventType":"click"}]}"#;
    let from = |origin: &str, req: Request| {
        let mut req = req;
        req.headers_mut()
            .insert(header::ORIGIN, origin.parse().unwrap());
        req
    };
    let plain = collect();
    let r = plain
        .handle(from("https://shop.example.com", post("/events", body)))
        .await;
    assert_eq!(r.status(), 202);
    assert!(!r.headers().contains_key("access-control-allow-origin"));

    let c = collect_with(|c| {
        c.cors = Some(lambda_common::Cors::Origin(
            "https://shop.example.com".into(),
        ));
    });
    let ok = c
        .handle(from("https://shop.example.com", post("/events", body)))
        .await;
    assert_eq!(ok.status(), 202);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://shop.example.com"
    );
    let foreign = c
        .handle(from("https://evil.example.com", post("/events", body)))
        .await;
    assert!(!foreign
        .headers()
        .contains_key("access-control-allow-origin"));
    let refused = c
        .handle(from(
            "https://shop.example.com",
            anonymous("POST", "/events", body),
        ))
        .await;
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()["access-control-allow-origin"],
        "https://shop.example.com"
    );

    let any = collect_with(|c| c.cors = Some(lambda_common::Cors::Any));
    let r = any
        .handle(from("https://anyone.example", post("/events", body)))
        .await;
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}
