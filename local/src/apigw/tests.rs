use std::sync::Arc;

use axum::body::Body;
use http::Request;
use serde_json::{json, Value};
use tower::ServiceExt;

use super::*;
use crate::function::{typed, FunctionError, Invocation};

/// A function answering with its own event as the JSON body, so tests see what it got.
fn echo() -> SharedFunction {
    typed("echo", |event: Value| async move {
        Ok::<_, String>(json!({
            "statusCode": 200,
            "headers": { "content-type": "application/json" },
            "body": event.to_string(),
        }))
    })
}

fn answering(answer: Value) -> SharedFunction {
    typed("fixed", move |_: Value| {
        let answer = answer.clone();
        async move { Ok::<_, String>(answer) }
    })
}

fn routes(function: SharedFunction) -> Vec<Route> {
    vec![
        Route {
            method: Method::GET,
            resource: "/recommendations".into(),
            function: function.clone(),
        },
        Route {
            method: Method::POST,
            resource: "/events".into(),
            function,
        },
    ]
}

async fn call(app: Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_get_becomes_the_rest_proxy_event_of_stage_prod() {
    let request = Request::get("/prod/recommendations?userId=429&numResults=5&f=a&f=b%20c&x=1+1")
        .header("x-trace", "t1")
        .body(Body::empty())
        .unwrap();
    let (status, event) = call(app(routes(echo())), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(event["resource"], "/recommendations");
    assert_eq!(event["path"], "/recommendations");
    assert_eq!(event["httpMethod"], "GET");
    assert_eq!(event["queryStringParameters"]["userId"], "429");
    assert_eq!(event["queryStringParameters"]["f"], "b c");
    assert_eq!(event["queryStringParameters"]["x"], "1+1");
    assert_eq!(
        event["multiValueQueryStringParameters"]["f"],
        json!(["a", "b c"])
    );
    assert_eq!(event["headers"]["x-trace"], "t1");
    assert_eq!(event["requestContext"]["stage"], "prod");
    assert_eq!(event["requestContext"]["path"], "/prod/recommendations");
    assert_eq!(event["body"], Value::Null);
    assert_eq!(event["isBase64Encoded"], false);
    // The Lambda event types read it, as the deployed handler would.
    let typed: aws_lambda_events::apigw::ApiGatewayProxyRequest =
        serde_json::from_value(event).unwrap();
    assert_eq!(typed.http_method, Method::GET);
    assert_eq!(typed.request_context.stage.as_deref(), Some("prod"));
}

#[tokio::test]
async fn bodies_pass_as_text_or_base64() {
    let (_, event) = call(
        app(routes(echo())),
        Request::post("/prod/events")
            .body(Body::from("{\"userId\":\"429\"}"))
            .unwrap(),
    )
    .await;
    assert_eq!(event["body"], "{\"userId\":\"429\"}");
    assert_eq!(event["isBase64Encoded"], false);
    assert_eq!(event["queryStringParameters"], Value::Null);

    let (_, event) = call(
        app(routes(echo())),
        Request::post("/prod/events")
            .body(Body::from(vec![0xff, 0xfe]))
            .unwrap(),
    )
    .await;
    assert_eq!(event["body"], "//4=");
    assert_eq!(event["isBase64Encoded"], true);
}

#[tokio::test]
async fn unknown_paths_methods_and_stages_get_missing_authentication_token() {
    for (method, uri) in [
        (Method::GET, "/prod/nope"),
        (Method::DELETE, "/prod/recommendations"),
        (Method::GET, "/recommendations"),
        (Method::GET, "/dev/recommendations"),
        (Method::GET, "/prod"),
        (Method::GET, "/production/recommendations"),
    ] {
        let request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let (status, body) = call(app(routes(echo())), request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}");
        assert_eq!(
            body,
            json!({ "message": "Missing Authentication Token" }),
            "{method} {uri}"
        );
    }
}

#[tokio::test]
async fn without_the_web_acl_a_body_over_api_gateways_limit_is_refused_before_the_function_runs() {
    let request = Request::post("/prod/events")
        .body(Body::from(vec![b'a'; MAX_BODY_BYTES + 1]))
        .unwrap();
    let app = app_with(
        routes(answering(json!({"statusCode": 500}))),
        Settings {
            web_acl_max_body: None,
            ..Settings::default()
        },
    );
    let (status, body) = call(app, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body, json!({ "message": "Request Too Long" }));
}

#[tokio::test]
async fn the_web_acl_answers_413_json_to_a_body_over_its_limit_on_any_path() {
    // The module's web ACL (waf.tf) comes first: any body over 64 KB, routed or not.
    for (path, size) in [
        ("/prod/events", WEB_ACL_MAX_BODY_BYTES + 1),
        ("/prod/nope", WEB_ACL_MAX_BODY_BYTES + 1),
        ("/prod/events", MAX_BODY_BYTES + 1),
    ] {
        let request = Request::post(path)
            .body(Body::from(vec![b'a'; size]))
            .unwrap();
        let (status, body) =
            call(app(routes(answering(json!({"statusCode": 500})))), request).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path} {size}");
        assert_eq!(
            body,
            json!({ "message": "request body is larger than 64 KB", "field": "body" }),
            "{path} {size}"
        );
    }
    // At the limit the request goes through to the function.
    let request = Request::post("/prod/events")
        .body(Body::from(vec![b'a'; WEB_ACL_MAX_BODY_BYTES]))
        .unwrap();
    let (status, _) = call(app(routes(answering(json!({"statusCode": 202})))), request).await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn function_errors_and_malformed_responses_are_bad_gateway() {
    struct Failing;
    impl crate::function::Function for Failing {
        fn invoke(&self, _: Value) -> Invocation {
            Box::pin(async { Err(FunctionError::new("Unhandled", "boom")) })
        }
    }
    let cases: Vec<SharedFunction> = vec![
        Arc::new(Failing),
        answering(json!("not an object")),
        answering(json!({ "statusCode": "200" })),
        answering(json!({ "statusCode": 99 })),
        answering(json!({ "statusCode": 200, "headers": { "a": 1 } })),
        answering(json!({ "statusCode": 200, "body": { "a": 1 } })),
        answering(json!({ "statusCode": 200, "body": "%%", "isBase64Encoded": true })),
    ];
    for function in cases {
        let request = Request::get("/prod/recommendations")
            .body(Body::empty())
            .unwrap();
        let (status, body) = call(app(routes(function)), request).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        assert_eq!(body, json!({ "message": "Internal server error" }));
    }
}

#[tokio::test(start_paused = true)]
async fn a_slow_function_times_the_integration_out() {
    struct Slow;
    impl crate::function::Function for Slow {
        fn invoke(&self, _: Value) -> Invocation {
            Box::pin(async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(json!({ "statusCode": 200 }))
            })
        }
    }
    let request = Request::get("/prod/recommendations")
        .body(Body::empty())
        .unwrap();
    let (status, body) = call(app(routes(Arc::new(Slow))), request).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(body, json!({ "message": "Endpoint request timed out" }));
}

#[tokio::test]
async fn proxy_response_headers_status_and_base64_bodies_reach_the_caller() {
    let function = answering(json!({
        "statusCode": 202,
        "headers": { "x-one": "1" },
        "multiValueHeaders": { "set-cookie": ["a=1", "b=2"] },
        "body": "e30=",
        "isBase64Encoded": true,
    }));
    let response = app(routes(function))
        .oneshot(Request::post("/prod/events").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()["x-one"], "1");
    assert_eq!(response.headers().get_all("set-cookie").iter().count(), 2);
    let body = axum::body::to_bytes(response.into_body(), 100)
        .await
        .unwrap();
    assert_eq!(&body[..], b"{}");
}

#[tokio::test]
async fn a_real_socket_carries_the_callers_address() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app(routes(echo())).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    let event: Value = reqwest::get(format!("http://{addr}/prod/recommendations?userId=429"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(event["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(event["requestContext"]["domainName"], addr.to_string());
    server.abort();
}

#[test]
fn query_strings_decode_like_api_gateway() {
    assert_eq!(
        parse_query("a=1&&b=%41%zz&c&d=%E2%82%AC&e=%4"),
        vec![
            ("a".into(), "1".into()),
            ("b".into(), "A%zz".into()),
            ("c".into(), String::new()),
            ("d".into(), "€".into()),
            ("e".into(), "%4".into()),
        ]
    );
}

/// A function that fails the test if it runs: the authorizer must refuse before it.
fn unreachable_function() -> SharedFunction {
    typed("unreachable", |event: Value| async move {
        Err::<Value, String>(format!("the function ran for a refused request: {event}"))
    })
}

#[tokio::test]
async fn the_authorizer_refuses_before_the_function_and_passes_the_claims_on() {
    let pool = crate::authorizer::Authorizer::new(vec![3; 32], "us-east-1", "t").unwrap();
    let gateway = |function| {
        app_with(
            routes(function),
            Settings {
                authorizer: Some(pool.clone()),
                ..Settings::default()
            },
        )
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for header in [
        None,
        Some("garbage".to_owned()),
        Some(pool.issue("1", now - 7200, 3600).unwrap()),
    ] {
        let mut request = Request::get("/prod/recommendations");
        if let Some(h) = &header {
            request = request.header("authorization", h);
        }
        let (status, body) = call(
            gateway(unreachable_function()),
            request.body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{header:?}: {body}");
        assert_eq!(body["field"], "Authorization");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // An unknown route is still API Gateway's 403, token or not.
    let (status, _) = call(
        gateway(unreachable_function()),
        Request::get("/prod/nope").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let token = pool.issue("429", now, 60).unwrap();
    let request = Request::get("/prod/recommendations")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let (status, event) = call(gateway(echo()), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        event["requestContext"]["authorizer"]["claims"]["sub"],
        "429"
    );
    assert_eq!(
        event["requestContext"]["authorizer"]["claims"]["aud"],
        "t-client"
    );
}
