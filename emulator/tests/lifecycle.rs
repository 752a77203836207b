//! Status lifecycles on a paused tokio clock: each stage is one `advance`, no real waiting.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use personalize_local::{app, Config, Server};
use serde_json::{json, Value};
use tower::ServiceExt;

const STAGE: Duration = Duration::from_secs(3);

fn router() -> axum::Router {
    app(Server::open(Config {
        stage_delay: STAGE,
        ..Config::default()
    })
    .unwrap())
}

async fn call(r: &axum::Router, op: &str, body: Value) -> Value {
    let request = Request::post("/")
        .header("x-amz-target", format!("AmazonPersonalize.{op}"))
        .header("content-type", "application/x-amz-json-1.1")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = r.clone().oneshot(request).await.unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}

/// Lets the lifecycle tasks woken by the last `advance` run to their next sleep (the runtime
/// is single-threaded, so a few yields are deterministic).
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

async fn step() {
    tokio::time::advance(STAGE).await;
    settle().await;
}

async fn status(r: &axum::Router, op: &str, key: &str, arn: &str) -> String {
    let out = call(r, op, json!({ format!("{key}Arn"): arn })).await;
    out[key]["status"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| out["__type"].as_str().unwrap_or("?").to_owned())
}

#[tokio::test(start_paused = true)]
async fn dataset_group_goes_through_every_create_and_delete_stage() {
    let r = router();
    let arn = call(&r, "CreateDatasetGroup", json!({"name": "g"})).await["datasetGroupArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let s = || status(&r, "DescribeDatasetGroup", "datasetGroup", &arn);
    assert_eq!(s().await, "CREATE PENDING");
    step().await;
    assert_eq!(s().await, "CREATE IN_PROGRESS");
    step().await;
    assert_eq!(s().await, "ACTIVE");
    // A dataset needs an ACTIVE group; a group in DELETE cannot be deleted again.
    assert_eq!(
        call(&r, "DeleteDatasetGroup", json!({"datasetGroupArn": arn})).await,
        json!({})
    );
    assert_eq!(s().await, "DELETE PENDING");
    let again = call(&r, "DeleteDatasetGroup", json!({"datasetGroupArn": arn})).await;
    assert_eq!(again["__type"], "ResourceInUseException");
    step().await;
    assert_eq!(s().await, "DELETE IN_PROGRESS");
    step().await;
    assert_eq!(s().await, "ResourceNotFoundException");
}

#[tokio::test(start_paused = true)]
async fn children_wait_for_an_active_parent_and_stop_interrupts_training() {
    let r = router();
    let group = call(&r, "CreateDatasetGroup", json!({"name": "g"})).await["datasetGroupArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let early = call(&r, "CreateSolution", json!({"name": "s", "datasetGroupArn": group, "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization"})).await;
    assert_eq!(early["__type"], "ResourceInUseException", "{early}");
    step().await;
    step().await;
    let solution = call(&r, "CreateSolution", json!({"name": "s", "datasetGroupArn": group, "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization"})).await["solutionArn"].as_str().unwrap().to_owned();
    step().await;
    step().await;
    assert_eq!(
        status(&r, "DescribeSolution", "solution", &solution).await,
        "ACTIVE"
    );
    let version = call(
        &r,
        "CreateSolutionVersion",
        json!({"solutionArn": solution}),
    )
    .await["solutionVersionArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let vs = || status(&r, "DescribeSolutionVersion", "solutionVersion", &version);
    assert_eq!(vs().await, "CREATE PENDING");
    let second = call(
        &r,
        "CreateSolutionVersion",
        json!({"solutionArn": solution}),
    )
    .await;
    assert_eq!(second["__type"], "ResourceInUseException");
    assert_eq!(
        call(
            &r,
            "StopSolutionVersionCreation",
            json!({"solutionVersionArn": version})
        )
        .await,
        json!({})
    );
    assert_eq!(vs().await, "CREATE STOPPING");
    step().await;
    step().await;
    assert_eq!(vs().await, "CREATE STOPPED");
    let stop_again = call(
        &r,
        "StopSolutionVersionCreation",
        json!({"solutionVersionArn": version}),
    )
    .await;
    assert_eq!(stop_again["__type"], "ResourceInUseException");
    // Without data, a training fails with a reason instead of hanging.
    let failed = call(
        &r,
        "CreateSolutionVersion",
        json!({"solutionArn": solution}),
    )
    .await["solutionVersionArn"]
        .as_str()
        .unwrap()
        .to_owned();
    step().await;
    step().await;
    settle().await;
    let v = call(
        &r,
        "DescribeSolutionVersion",
        json!({"solutionVersionArn": failed}),
    )
    .await;
    assert_eq!(v["solutionVersion"]["status"], "CREATE FAILED");
    assert!(v["solutionVersion"]["failureReason"]
        .as_str()
        .unwrap()
        .contains("no interactions"));
    let s = call(&r, "DescribeSolution", json!({"solutionArn": solution})).await;
    assert_eq!(
        s["solution"]["latestSolutionVersion"]["solutionVersionArn"],
        failed.as_str()
    );
    assert_eq!(
        s["solution"]["latestSolutionVersion"]["status"],
        "CREATE FAILED"
    );
}
