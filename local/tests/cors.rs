//! CORS through the local stack's HTTP API, with the real collect and recommend handlers behind
//! the authorizer and moto's Kinesis: a preflight is answered by the gateway (no token, no
//! function) with the configured origin, the resource's methods and the headers the API reads;
//! the functions' answers carry `Access-Control-Allow-Origin` for the configured origin only;
//! the gateway's own refusals carry the configured origin, as the `api-definition` module's
//! gateway responses do. Without `cors_allow_origin`, an `OPTIONS` request is API Gateway's 403
//! for a method without a route.

use std::collections::BTreeMap;
use std::time::Duration;

use devenv::moto::Moto;
use local_stack::authorizer::Authorizer;
use local_stack::config::StackConfig;
use local_stack::esm::batch::RetryPolicy;
use local_stack::resources::AwsClients;
use local_stack::stack::{self, Options, RunningStack};
use reqwest::{Method, Response};
use serde_json::{json, Value};

const SHOP: &str = "https://shop.example.com";

fn config(moto: &Moto, cors: Option<&str>) -> StackConfig {
    StackConfig {
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        name_prefix: "cors".into(),
        // Nothing here reaches Personalize: the recommend calls are refused before it.
        personalize_endpoint: "http://127.0.0.1:9".into(),
        aws_endpoint: moto.endpoint().into(),
        campaign_arn: Some("arn:aws:personalize:us-east-1:123456789012:campaign/c".into()),
        recommender_arns: BTreeMap::new(),
        tracking_id: "t".into(),
        filter_arns: BTreeMap::new(),
        stream_name: "cors-events".into(),
        bucket_name: "cors-data".into(),
        archive_prefix: "events/".into(),
        dlq_name: "cors-dlq".into(),
        enable_seed_routes: true,
        cors_allow_origin: cors.map(str::to_owned),
    }
}

async fn start(moto: &Moto, cors: Option<&str>) -> (RunningStack, Authorizer) {
    let config = config(moto, cors);
    let aws = AwsClients::new(&config);
    let resources = local_stack::resources::ensure(&config, &aws).await.unwrap();
    let functions =
        local_stack::functions::build_with(&config, &resources, Duration::from_secs(10)).unwrap();
    let authorizer = Authorizer::new(
        Authorizer::random_key(),
        &config.region,
        &config.name_prefix,
    )
    .unwrap();
    let options = Options {
        authorizer: Some(authorizer.clone()),
        // Personalize is not running: the mapping gives the records up at once instead of
        // retrying them until they expire, so the stack stops promptly.
        retry: RetryPolicy {
            max_retry_attempts: Some(0),
            backoff: Duration::ZERO,
            ..RetryPolicy::default()
        },
        ..Options::default()
    };
    let running = stack::start_with(&config, &aws, resources, functions, options)
        .await
        .unwrap();
    (running, authorizer)
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

async fn preflight(base: &str, path: &str, origin: &str) -> Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, format!("{base}{path}"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflights_and_answers_carry_the_configured_origin_only() {
    let moto = Moto::start().unwrap();
    let (running, authorizer) = start(&moto, Some(SHOP)).await;
    let base = running.base_url();
    let http = reqwest::Client::new();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    // The preflight: no token, answered by the gateway with the resource's methods.
    for (path, methods) in [
        ("/events", "POST,OPTIONS"),
        ("/recommendations", "GET,OPTIONS"),
        ("/data", "POST,OPTIONS"),
        ("/getRecommendations", "GET,OPTIONS"),
    ] {
        let response = preflight(&base, path, SHOP).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "access-control-allow-origin"), Some(SHOP));
        assert_eq!(
            header(&response, "access-control-allow-methods"),
            Some(methods)
        );
        let allowed = header(&response, "access-control-allow-headers").unwrap();
        for needed in ["Authorization", "Content-Type", "X-Api-Key"] {
            assert!(allowed.split(',').any(|h| h == needed), "{allowed}");
        }
        assert_eq!(header(&response, "access-control-max-age"), Some("600"));
    }
    // A preflight from another origin is answered with the configured origin, never the
    // caller's (the mock integration's static mapping): the browser refuses the mismatch.
    let foreign = preflight(&base, "/events", "https://evil.example.com").await;
    assert_eq!(header(&foreign, "access-control-allow-origin"), Some(SHOP));
    // A path without routes has no OPTIONS method either.
    let nowhere = preflight(&base, "/nowhere", SHOP).await;
    assert_eq!(nowhere.status(), 403);

    // The functions' answers: the header for the configured origin only.
    let body = json!({"sessionId": "s", "events": [{"eventType": "click", "sentAt": now}]});
    let post_from = |origin: &'static str| {
        http.post(format!("{base}/events"))
            .header("origin", origin)
            .header("authorization", authorizer.issue("429", now, 300).unwrap())
            .json(&body)
            .send()
    };
    let allowed = post_from(SHOP).await.unwrap();
    assert_eq!(allowed.status(), 202);
    assert_eq!(header(&allowed, "access-control-allow-origin"), Some(SHOP));
    assert_eq!(header(&allowed, "vary"), Some("Origin"));
    for origin in [
        "https://evil.example.com",
        "https://shop.example.com.evil.example",
        "http://shop.example.com",
        "null",
    ] {
        let refused = post_from(origin).await.unwrap();
        assert_eq!(refused.status(), 202, "{origin}");
        assert_eq!(
            header(&refused, "access-control-allow-origin"),
            None,
            "{origin}"
        );
    }
    // A function's own refusal (a token for 429 reading user 7) is readable by the shop's
    // script: 403 with the header.
    let other_user = http
        .get(format!("{base}/recommendations?userId=7"))
        .header("origin", SHOP)
        .header("authorization", authorizer.issue("429", now, 300).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(other_user.status(), 403);
    assert_eq!(
        header(&other_user, "access-control-allow-origin"),
        Some(SHOP)
    );
    // The gateway's own refusal (no token): 401 with the configured origin.
    let anonymous = http
        .get(format!("{base}/recommendations"))
        .header("origin", SHOP)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        header(&anonymous, "access-control-allow-origin"),
        Some(SHOP)
    );
    let answer: Value = anonymous.json().await.unwrap();
    assert_eq!(answer["field"], "Authorization");
    running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_cors_options_has_no_route_and_answers_carry_no_origin() {
    let moto = Moto::start().unwrap();
    let (running, authorizer) = start(&moto, None).await;
    let base = running.base_url();
    let response = preflight(&base, "/events", SHOP).await;
    assert_eq!(response.status(), 403);
    assert_eq!(header(&response, "access-control-allow-origin"), None);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["message"], "Missing Authentication Token");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let posted = reqwest::Client::new()
        .post(format!("{base}/events"))
        .header("origin", SHOP)
        .header("authorization", authorizer.issue("429", now, 300).unwrap())
        .json(&json!({"sessionId": "s", "events": [{"eventType": "click"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 202);
    assert_eq!(header(&posted, "access-control-allow-origin"), None);
    running.stop().await.unwrap();
}

#[test]
fn a_bad_origin_in_the_outputs_is_refused_naming_the_field() {
    let mut outputs = json!({"local_stack": {"value": {
        "region": "us-east-1", "account_id": "123456789012", "name_prefix": "p",
        "personalize_endpoint": "http://127.0.0.1:1", "aws_endpoint": "http://127.0.0.1:2",
        "campaign_arn": "arn:aws:personalize:us-east-1:123456789012:campaign/c",
        "tracking_id": "t", "stream_name": "s", "bucket_name": "b",
        "archive_prefix": "events/", "dlq_name": "d",
    }}});
    let ok = StackConfig::from_outputs_json(&outputs.to_string()).unwrap();
    assert_eq!(ok.cors_allow_origin, None);
    for bad in [
        "https://shop.example.com/app",
        "shop.example.com",
        "",
        "https://a b",
    ] {
        outputs["local_stack"]["value"]["cors_allow_origin"] = json!(bad);
        let err = StackConfig::from_outputs_json(&outputs.to_string()).unwrap_err();
        assert!(
            format!("{err:#}").contains("cors_allow_origin"),
            "{bad:?}: {err:#}"
        );
    }
    outputs["local_stack"]["value"]["cors_allow_origin"] = json!(42);
    assert!(StackConfig::from_outputs_json(&outputs.to_string()).is_err());
}
