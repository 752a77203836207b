//! Bad input is a feature: every entry point answers malformed, missing, oversized and hostile
//! values with the AWS error type and a 4xx, in-process through `app()` (no socket needed).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use personalize_local::{app, Config, Server};
use serde_json::{json, Value};
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    error_type: Option<String>,
    body: Value,
}

async fn send(router: &axum::Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    assert!(
        response.headers().contains_key("x-amzn-requestid"),
        "every response carries a request id"
    );
    let status = response.status();
    let error_type = response
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        error_type,
        body,
    }
}

fn control(op: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut r = Request::post("/").header("content-type", "application/x-amz-json-1.1");
    if let Some(op) = op {
        r = r.header("x-amz-target", format!("AmazonPersonalize.{op}"));
    }
    r.body(body.into()).unwrap()
}

fn rest(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

fn router() -> axum::Router {
    app(Server::open(Config {
        instant: true,
        ..Config::default()
    })
    .unwrap())
}

#[track_caller]
fn expect(a: &Answer, status: u16, error: &str) {
    assert_eq!(a.status.as_u16(), status, "{:?}", a.body);
    assert_eq!(a.error_type.as_deref(), Some(error), "{:?}", a.body);
    assert_eq!(a.body["__type"], error);
    assert!(a.body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn control_plane_refuses_bad_requests_precisely() {
    let r = router();
    // Common Error Types (Amazon Personalize API reference): UnknownOperationException, 404.
    expect(
        &send(&r, control(None, "{}")).await,
        404,
        "UnknownOperationException",
    );
    expect(
        &send(&r, control(Some("MakeCoffee"), "{}")).await,
        404,
        "UnknownOperationException",
    );
    expect(
        &send(&r, control(Some("CreateDatasetGroup"), "{\"name\":")).await,
        400,
        "SerializationException",
    );
    expect(
        &send(&r, control(Some("CreateDatasetGroup"), "[1,2]")).await,
        400,
        "SerializationException",
    );
    expect(
        &send(&r, control(Some("CreateDatasetGroup"), "{}")).await,
        400,
        "ValidationException",
    );
    let a = send(&r, control(Some("CreateDatasetGroup"), r#"{"name": 5}"#)).await;
    expect(&a, 400, "ValidationException");
    assert!(a.body["message"].as_str().unwrap().contains("'name'"));
    expect(
        &send(
            &r,
            control(Some("CreateDatasetGroup"), r#"{"name": "has space"}"#),
        )
        .await,
        400,
        "ValidationException",
    );
    expect(
        &send(
            &r,
            control(Some("ListDatasetGroups"), r#"{"maxResults": 1000}"#),
        )
        .await,
        400,
        "ValidationException",
    );
    expect(
        &send(
            &r,
            control(Some("ListDatasetGroups"), r#"{"nextToken": "forged"}"#),
        )
        .await,
        400,
        "InvalidNextTokenException",
    );
    expect(
        &send(&r, control(Some("DescribeDatasetGroup"), r#"{"datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/none"}"#)).await,
        400,
        "ResourceNotFoundException",
    );
    expect(
        &send(
            &r,
            control(
                Some("CreateSchema"),
                r#"{"name": "s", "schema": "{\"type\": \"enum\"}"}"#,
            ),
        )
        .await,
        400,
        "InvalidInputException",
    );
    expect(&send(&r, control(Some("CreateRecommender"), r#"{"name":"r","datasetGroupArn":"arn:aws:personalize:us-east-1:1:dataset-group/g","recipeArn":"arn:aws:personalize:::recipe/x"}"#)).await, 400, "InvalidInputException");
}

#[tokio::test]
async fn hostile_values_get_short_answers_and_no_5xx() {
    let r = router();
    // A 10,000-character name: refused, and not echoed back in full.
    let long = json!({ "name": "x".repeat(10_000) }).to_string();
    let a = send(&r, control(Some("CreateDatasetGroup"), long)).await;
    expect(&a, 400, "ValidationException");
    assert!(a.body["message"].as_str().unwrap().len() < 400);
    // Deep nesting stops at the JSON parser's recursion limit.
    let deep = format!("{{\"name\":{}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
    expect(
        &send(&r, control(Some("CreateDatasetGroup"), deep)).await,
        400,
        "SerializationException",
    );
    // Oversized bodies.
    let huge = format!("{{\"name\":\"{}\"}}", "x".repeat(5 * 1024 * 1024));
    expect(
        &send(&r, control(Some("CreateDatasetGroup"), huge.clone())).await,
        413,
        "RequestEntityTooLargeException",
    );
    expect(
        &send(&r, rest("/events", huge)).await,
        413,
        "RequestEntityTooLargeException",
    );
    // Non-UTF-8 bytes.
    expect(
        &send(
            &r,
            control(Some("CreateDatasetGroup"), vec![0xff, 0xfe, 0x00]),
        )
        .await,
        400,
        "SerializationException",
    );
    // Unknown routes and methods.
    let a = send(
        &r,
        Request::get("/recommendations")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = send(&r, rest("/nowhere", "{}")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn events_and_runtime_refuse_bad_requests_precisely() {
    let r = router();
    let event = json!({"eventType": "click", "sentAt": 1_700_000_000, "itemId": "1"});
    let eleven: Vec<Value> = (0..11).map(|_| event.clone()).collect();
    let a = send(
        &r,
        rest(
            "/events",
            json!({"trackingId": "t", "sessionId": "s", "eventList": eleven}).to_string(),
        ),
    )
    .await;
    expect(&a, 400, "ValidationException");
    assert!(a.body["message"].as_str().unwrap().contains("eventList"));
    expect(
        &send(
            &r,
            rest(
                "/events",
                json!({"sessionId": "s", "eventList": [event]}).to_string(),
            ),
        )
        .await,
        400,
        "ValidationException",
    );
    expect(
        &send(
            &r,
            rest(
                "/events",
                json!({"trackingId": "t", "sessionId": "s", "eventList": []}).to_string(),
            ),
        )
        .await,
        400,
        "ValidationException",
    );
    expect(
        &send(&r, rest("/events", json!({"trackingId": "t", "sessionId": "s", "eventList": [{"eventType": "click", "sentAt": "yesterday"}]}).to_string())).await,
        400,
        "ValidationException",
    );
    expect(
        &send(
            &r,
            rest(
                "/events",
                json!({"trackingId": "unknown", "sessionId": "s", "eventList": [event]})
                    .to_string(),
            ),
        )
        .await,
        400,
        "InvalidInputException",
    );
    expect(
        &send(&r, rest("/events", "not json")).await,
        400,
        "SerializationException",
    );
    let campaign = "arn:aws:personalize:us-east-1:123456789012:campaign/none";
    expect(
        &send(
            &r,
            rest(
                "/recommendations",
                json!({"campaignArn": campaign, "userId": "1"}).to_string(),
            ),
        )
        .await,
        404,
        "ResourceNotFoundException",
    );
    expect(
        &send(
            &r,
            rest(
                "/recommendations",
                json!({"campaignArn": campaign, "userId": "1", "numResults": 501}).to_string(),
            ),
        )
        .await,
        400,
        "InvalidInputException",
    );
    expect(
        &send(
            &r,
            rest(
                "/recommendations",
                json!({"campaignArn": campaign, "numResults": -1}).to_string(),
            ),
        )
        .await,
        400,
        "ValidationException",
    );
    expect(
        &send(
            &r,
            rest("/recommendations", json!({"userId": "1"}).to_string()),
        )
        .await,
        400,
        "InvalidInputException",
    );
    expect(
        &send(
            &r,
            rest(
                "/recommendations",
                json!({"campaignArn": "not-an-arn"}).to_string(),
            ),
        )
        .await,
        400,
        "ValidationException",
    );
    expect(
        &send(
            &r,
            rest(
                "/personalize-ranking",
                json!({"campaignArn": campaign, "userId": "1", "inputList": ["a"]}).to_string(),
            ),
        )
        .await,
        404,
        "ResourceNotFoundException",
    );
    expect(
        &send(&r, rest("/items", json!({"datasetArn": "arn:aws:personalize:us-east-1:123456789012:dataset/g/ITEMS", "items": [{"itemId": "1"}]}).to_string())).await,
        404,
        "ResourceNotFoundException",
    );
    expect(&send(&r, rest("/users", json!({"datasetArn": "arn:aws:personalize:us-east-1:1:dataset/g/USERS", "users": []}).to_string())).await, 400, "ValidationException");
}

/// The data planes answer at every path their models define (`http.requestUri`): an
/// operation the emulator does not implement (the Actions ones) is InvalidInputException
/// saying so, after the model validated its input; a method or path no model has is
/// UnknownOperationException with 404 and a JSON `message` (Common Error Types, Amazon
/// Personalize API reference).
#[tokio::test]
async fn data_plane_paths_answer_as_the_models_and_common_errors_say() {
    let r = router();
    for model in [
        personalize_local::model::events(),
        personalize_local::model::runtime(),
    ] {
        for (name, op) in model.operations() {
            let a = send(&r, rest(&op.http.1, "{}")).await;
            assert_eq!(a.status.as_u16(), 400, "{name}: {:?}", a.body);
            // Routed to the operation: its input is checked (missing required members), or,
            // with none required, it answers as the operation does.
            assert!(
                matches!(
                    a.error_type.as_deref(),
                    Some("ValidationException" | "InvalidInputException")
                ),
                "{name}: {:?}",
                a.body
            );
        }
    }
    let a = send(
        &r,
        rest(
            "/actions",
            json!({"datasetArn": "arn:aws:personalize:us-east-1:123456789012:dataset/g/ACTIONS",
                   "actions": [{"actionId": "a1"}]})
            .to_string(),
        ),
    )
    .await;
    // PutActions is implemented: a dataset that does not exist is the model's
    // ResourceNotFoundException (404), naming it.
    expect(&a, 404, "ResourceNotFoundException");
    assert!(a.body["message"]
        .as_str()
        .unwrap()
        .contains("dataset/g/ACTIONS"));
    let a = send(
        &r,
        rest(
            "/action-recommendations",
            json!({"campaignArn": "arn:aws:personalize:us-east-1:123456789012:campaign/c", "userId": "u"})
                .to_string(),
        ),
    )
    .await;
    expect(&a, 404, "ResourceNotFoundException");

    let unknown = |method: &str, path: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap()
    };
    for (method, path) in [
        ("POST", "/nope"),
        ("GET", "/events"),
        ("PUT", "/recommendations"),
        ("DELETE", "/items"),
        ("POST", "/events/"),
        ("POST", "/Events"),
        ("POST", "/%00"),
        ("POST", "/events/../../etc/passwd"),
        ("GET", "/"),
    ] {
        let a = send(&r, unknown(method, path)).await;
        expect(&a, 404, "UnknownOperationException");
    }
    let long = format!("/{}", "x".repeat(8000));
    let a = send(&r, unknown("POST", &long)).await;
    expect(&a, 404, "UnknownOperationException");
    assert!(a.body.to_string().len() < 9000, "the answer stays short");
}
