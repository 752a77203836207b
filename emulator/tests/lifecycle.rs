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

/// Polls until `arn` is `want`, without advancing the clock (a training or an import runs on
/// a blocking thread; yielding keeps the paused runtime busy, so time does not jump).
async fn until(r: &axum::Router, op: &str, key: &str, arn: &str, want: &str) {
    for _ in 0..100_000 {
        if status(r, op, key, arn).await == want {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("{arn} never became {want}");
}

fn data_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    let mut csv = String::from("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n");
    for u in 0..20 {
        for k in 0..6 {
            csv.push_str(&format!("u{u},i{},{},watch\n", (u * 3 + k) % 25, 1000 + k));
        }
    }
    std::fs::write(dir.path().join("b/i.csv"), csv).unwrap();
    dir
}

#[tokio::test(start_paused = true)]
async fn the_old_version_serves_until_the_campaign_update_is_active() {
    let root = data_root();
    let r = app(Server::open(Config {
        stage_delay: STAGE,
        data_root: Some(root.path().to_path_buf()),
        ..Config::default()
    })
    .unwrap());
    let arn = |v: Value, k: &str| {
        v[k].as_str()
            .unwrap_or_else(|| panic!("no {k} in {v}"))
            .to_owned()
    };
    let group = arn(
        call(&r, "CreateDatasetGroup", json!({"name": "g"})).await,
        "datasetGroupArn",
    );
    step().await;
    step().await;
    let schema = r#"{"type":"record","name":"I","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"}]}"#;
    let schema = arn(
        call(&r, "CreateSchema", json!({"name": "s", "schema": schema})).await,
        "schemaArn",
    );
    let dataset = arn(
        call(&r, "CreateDataset", json!({"name": "d", "datasetGroupArn": group, "datasetType": "Interactions", "schemaArn": schema})).await,
        "datasetArn",
    );
    step().await;
    step().await;
    let job = arn(
        call(&r, "CreateDatasetImportJob", json!({"jobName": "j", "datasetArn": dataset, "roleArn": "arn:aws:iam::123456789012:role/r", "dataSource": {"dataLocation": "s3://b/i.csv"}})).await,
        "datasetImportJobArn",
    );
    step().await;
    step().await;
    until(
        &r,
        "DescribeDatasetImportJob",
        "datasetImportJob",
        &job,
        "ACTIVE",
    )
    .await;
    let solution = arn(
        call(&r, "CreateSolution", json!({"name": "s", "datasetGroupArn": group, "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization"})).await,
        "solutionArn",
    );
    step().await;
    step().await;
    let mut versions = Vec::new();
    for _ in 0..2 {
        let v = arn(
            call(
                &r,
                "CreateSolutionVersion",
                json!({"solutionArn": solution}),
            )
            .await,
            "solutionVersionArn",
        );
        step().await;
        step().await;
        until(
            &r,
            "DescribeSolutionVersion",
            "solutionVersion",
            &v,
            "ACTIVE",
        )
        .await;
        versions.push(v);
    }
    let campaign = arn(
        call(
            &r,
            "CreateCampaign",
            json!({"name": "c", "solutionVersionArn": versions[0]}),
        )
        .await,
        "campaignArn",
    );
    step().await;
    step().await;
    until(&r, "DescribeCampaign", "campaign", &campaign, "ACTIVE").await;

    assert_eq!(
        call(
            &r,
            "UpdateCampaign",
            json!({"campaignArn": campaign, "solutionVersionArn": versions[1]})
        )
        .await["campaignArn"],
        campaign.as_str()
    );
    let again = call(
        &r,
        "UpdateCampaign",
        json!({"campaignArn": campaign, "solutionVersionArn": versions[1]}),
    )
    .await;
    assert_eq!(again["__type"], "ResourceInUseException");
    for (update_status, serving) in [
        ("CREATE PENDING", &versions[0]),
        ("CREATE IN_PROGRESS", &versions[0]),
        ("ACTIVE", &versions[1]),
    ] {
        let c = call(&r, "DescribeCampaign", json!({"campaignArn": campaign})).await["campaign"]
            .clone();
        assert_eq!(c["status"], "ACTIVE");
        assert_eq!(c["latestCampaignUpdate"]["status"], update_status);
        assert_eq!(c["solutionVersionArn"], serving.as_str());
        let request = Request::post("/recommendations")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"campaignArn": campaign, "userId": "u1"}).to_string(),
            ))
            .unwrap();
        assert!(r
            .clone()
            .oneshot(request)
            .await
            .unwrap()
            .status()
            .is_success());
        step().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_solution_update_goes_through_its_stages_and_blocks_a_second_one() {
    let r = router();
    let group = call(&r, "CreateDatasetGroup", json!({"name": "g"})).await["datasetGroupArn"]
        .as_str()
        .unwrap()
        .to_owned();
    step().await;
    step().await;
    let solution = call(
        &r,
        "CreateSolution",
        json!({"name": "s", "datasetGroupArn": group, "performAutoTraining": false,
               "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization"}),
    )
    .await["solutionArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let update = json!({"solutionArn": solution, "performAutoTraining": true,
        "solutionUpdateConfig": {"autoTrainingConfig": {"schedulingExpression": "rate(2 days)"}}});
    // Not before the solution is ACTIVE.
    assert_eq!(
        call(&r, "UpdateSolution", update.clone()).await["__type"],
        "ResourceInUseException"
    );
    step().await;
    step().await;
    assert_eq!(
        status(&r, "DescribeSolution", "solution", &solution).await,
        "ACTIVE"
    );
    assert_eq!(
        call(&r, "UpdateSolution", update.clone()).await["solutionArn"],
        solution.as_str()
    );
    let again = call(&r, "UpdateSolution", update).await;
    assert_eq!(again["__type"], "ResourceInUseException", "{again}");
    assert!(again["message"].as_str().unwrap().contains("update"));
    for (update_status, auto) in [
        ("CREATE PENDING", false),
        ("CREATE IN_PROGRESS", false),
        ("ACTIVE", true),
    ] {
        let s = call(&r, "DescribeSolution", json!({"solutionArn": solution})).await["solution"]
            .clone();
        assert_eq!(s["status"], "ACTIVE");
        assert_eq!(s["latestSolutionUpdate"]["status"], update_status);
        assert_eq!(s["latestSolutionUpdate"]["performAutoTraining"], true);
        // The solution keeps its old settings until the update is ACTIVE.
        assert_eq!(s["performAutoTraining"], auto);
        let expr = &s["solutionConfig"]["autoTrainingConfig"]["schedulingExpression"];
        assert_eq!(*expr == "rate(2 days)", auto, "{s}");
        step().await;
    }
}

/// API_DeleteDataset: "You can't delete a dataset if an associated DatasetImportJob or
/// SolutionVersion is in the CREATE PENDING or IN PROGRESS state."
#[tokio::test(start_paused = true)]
async fn a_dataset_cannot_be_deleted_while_a_version_of_its_group_trains() {
    let r = router();
    let arn = |v: Value, k: &str| v[k].as_str().unwrap_or_else(|| panic!("{v}")).to_owned();
    let group = arn(
        call(&r, "CreateDatasetGroup", json!({"name": "g"})).await,
        "datasetGroupArn",
    );
    step().await;
    step().await;
    let schema = r#"{"type":"record","name":"I","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"}]}"#;
    let schema = arn(
        call(&r, "CreateSchema", json!({"name": "s", "schema": schema})).await,
        "schemaArn",
    );
    let dataset = arn(
        call(&r, "CreateDataset", json!({"name": "d", "datasetGroupArn": group, "datasetType": "Interactions", "schemaArn": schema})).await,
        "datasetArn",
    );
    let solution = arn(
        call(&r, "CreateSolution", json!({"name": "s", "datasetGroupArn": group, "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization"})).await,
        "solutionArn",
    );
    step().await;
    step().await;
    let version = arn(
        call(
            &r,
            "CreateSolutionVersion",
            json!({"solutionArn": solution}),
        )
        .await,
        "solutionVersionArn",
    );
    let delete = || call(&r, "DeleteDataset", json!({"datasetArn": dataset}));
    for _ in 0..2 {
        // CREATE PENDING, then CREATE IN_PROGRESS.
        let refused = delete().await;
        assert_eq!(refused["__type"], "ResourceInUseException", "{refused}");
        assert!(refused["message"].as_str().unwrap().contains(&version));
        step().await;
    }
    // Training ends (CREATE FAILED here: no interactions); then the dataset can go.
    until(
        &r,
        "DescribeSolutionVersion",
        "solutionVersion",
        &version,
        "CREATE FAILED",
    )
    .await;
    let accepted = delete().await;
    assert!(accepted.get("__type").is_none(), "{accepted}");
}
