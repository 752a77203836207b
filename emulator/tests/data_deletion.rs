//! Data deletion jobs through the real aws-sdk-personalize (developer guide, Deleting users
//! and their data with a data deletion job): the users' imported and streamed interactions,
//! their Users rows and PutUsers records go, `numDeleted` counts them, later trainings do not
//! see them, the trained model keeps serving until retrained; the PENDING > IN_PROGRESS >
//! COMPLETED / FAILED lifecycle stage by stage on a paused clock.

mod common;

use std::time::Duration;

use aws_sdk_personalize::types::DataSource;
use aws_sdk_personalizeevents::types::User;
use axum::body::Body;
use axum::http::Request;
use common::*;
use http_body_util::BodyExt;
use personalize_local::data::training::gather;
use personalize_local::{app, Config, Server};
use serde_json::{json, Value};
use tower::ServiceExt;

async fn deletion(
    c: &Clients,
    name: &str,
    group: &str,
    location: &str,
) -> aws_sdk_personalize::types::DataDeletionJob {
    let arn = c
        .control
        .create_data_deletion_job()
        .job_name(name)
        .dataset_group_arn(group)
        .role_arn(ROLE)
        .data_source(DataSource::builder().data_location(location).build())
        .send()
        .await
        .unwrap()
        .data_deletion_job_arn
        .unwrap();
    c.control
        .describe_data_deletion_job()
        .data_deletion_job_arn(arn)
        .send()
        .await
        .unwrap()
        .data_deletion_job
        .unwrap()
}

fn users_of(server: &personalize_local::AppState, group: &str) -> (Vec<String>, Vec<String>) {
    let inner = server.state.read();
    let data = gather(&*inner, group, u64::MAX);
    let mut interacted: Vec<String> = data
        .interactions
        .iter()
        .map(|i| i.user_id.clone())
        .collect();
    interacted.sort();
    interacted.dedup();
    let users = data.users.iter().map(|u| u.user_id.clone()).collect();
    (interacted, users)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_users_leave_the_data_and_the_next_training_but_not_the_served_model() {
    let root = data_root();
    std::fs::write(
        root.path().join("data/users.csv"),
        "USER_ID,AGE\nu1,30\nu5,40\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.path().join("data/delete")).unwrap();
    std::fs::write(
        root.path().join("data/delete/list.csv"),
        "USER_ID\nu1\nu2\nnobody\n",
    )
    .unwrap();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let chain = build_chain(&c, "deletes").await;
    let users_schema = r#"{"type":"record","name":"Users","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"AGE","type":["null","int"]}],"version":"1.0"}"#;
    let (_, users) = dataset(
        &c.control,
        &chain.group,
        "deletes-users",
        "Users",
        users_schema,
    )
    .await;
    imported(&c.control, &users, "deletes-users", "users.csv").await;
    c.events
        .put_users()
        .dataset_arn(&users)
        .users(User::builder().user_id("u1").build().unwrap())
        .users(User::builder().user_id("u3").build().unwrap())
        .send()
        .await
        .unwrap();
    // u1 streams two events; an anonymous session is then linked to u2 by u2's event, so
    // training would stitch it to u2.
    c.events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .user_id("u1")
        .session_id("s1")
        .event_list(watch().item_id("i3").build().unwrap())
        .event_list(watch().item_id("i4").build().unwrap())
        .send()
        .await
        .unwrap();
    c.events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .session_id("anon")
        .event_list(watch().item_id("i60").build().unwrap())
        .send()
        .await
        .unwrap();
    c.events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .user_id("u2")
        .session_id("anon")
        .event_list(watch().item_id("i61").build().unwrap())
        .send()
        .await
        .unwrap();
    let (interacted, _) = users_of(server.server(), &chain.group);
    assert!(interacted.contains(&"u1".to_owned()) && interacted.contains(&"u2".to_owned()));
    let served_before = recommend(&c, &chain.campaign, "u5", 10).await;

    let job = deletion(&c, "gone", &chain.group, "s3://data/delete/list.csv").await;
    assert_eq!(
        job.status(),
        Some("COMPLETED"),
        "{:?}",
        job.failure_reason()
    );
    // u1: 8 imported interactions, 2 events, its Users row and its PutUsers record; u2: 8
    // imported interactions, its event and the anonymous event it linked; nobody: nothing.
    assert_eq!(job.num_deleted(), Some(8 + 2 + 1 + 1 + 8 + 1 + 1));
    assert_eq!(job.dataset_group_arn(), Some(chain.group.as_str()));
    let (interacted, user_rows) = users_of(server.server(), &chain.group);
    assert!(
        !interacted.iter().any(|u| u == "u1" || u == "u2"),
        "{interacted:?}"
    );
    assert_eq!(interacted.len(), 58);
    let mut user_rows = user_rows;
    user_rows.sort();
    assert_eq!(user_rows, ["u3", "u5"]);
    {
        let inner = server.server().state.read();
        let log = &inner.logs[&chain.group];
        assert!(log.user_events_after("u1", 0).is_empty());
        assert!(log.user_events_after("anon", 0).is_empty());
    }
    // The served model is untouched for the users kept; u1 is still known to it.
    assert_eq!(
        recommend(&c, &chain.campaign, "u5", 10).await,
        served_before
    );
    let comedies = |recs: &[(String, f64)]| {
        recs.iter()
            .filter(|(i, _)| i[1..].parse::<u32>().unwrap() < CLUSTER)
            .count()
    };
    assert_eq!(
        comedies(&recommend(&c, &chain.campaign, "u1", 10).await),
        10
    );
    // A version trained now does not know u1: it answers u1 as any unknown user.
    let (_, retrained) = trained_version(
        &c.control,
        &chain.group,
        "deletes-again",
        "arn:aws:personalize:::recipe/aws-user-personalization",
    )
    .await;
    let campaign = c
        .control
        .create_campaign()
        .name("deletes-again")
        .solution_version_arn(&retrained)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let items = |recs: Vec<(String, f64)>| recs.into_iter().map(|r| r.0).collect::<Vec<_>>();
    assert_eq!(
        items(recommend(&c, &campaign, "u1", 10).await),
        items(recommend(&c, &campaign, "never-seen", 10).await)
    );

    // Failures are FAILED with the reason; bad requests are refused.
    std::fs::write(
        root.path().join("data/delete/bad.csv"),
        "USER_ID,AGE\nu3,1\n",
    )
    .unwrap();
    for (name, location, reason) in [
        ("missing", "s3://data/delete/absent.csv", "absent.csv"),
        (
            "header",
            "s3://data/delete/bad.csv",
            "single USER_ID column",
        ),
        (
            "escape",
            "s3://data/../../etc/passwd",
            "not a valid location",
        ),
    ] {
        let job = deletion(&c, name, &chain.group, location).await;
        assert_eq!(job.status(), Some("FAILED"), "{name}");
        assert!(job.num_deleted().is_none());
        let failure = job.failure_reason().unwrap();
        assert!(failure.contains(reason), "{name}: {failure}");
    }
    let (interacted, _) = users_of(server.server(), &chain.group);
    assert!(
        interacted.contains(&"u3".to_owned()),
        "a failed job deletes nothing"
    );
    let create = |group: &str, location: Option<&str>| {
        c.control
            .create_data_deletion_job()
            .job_name("refused")
            .dataset_group_arn(group)
            .role_arn(ROLE)
            .data_source(
                DataSource::builder()
                    .set_data_location(location.map(str::to_owned))
                    .build(),
            )
            .send()
    };
    let e = create(&chain.group, Some("https://data/x.csv"))
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_input_exception());
    assert!(e.meta().message().unwrap().contains("must be an s3:// URL"));
    let e = create(&chain.group, None)
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_input_exception());
    assert!(e
        .meta()
        .message()
        .unwrap()
        .contains("dataSource.dataLocation is required"));
    let e = create(
        &format!("{}-gone", chain.group),
        Some("s3://data/delete/list.csv"),
    )
    .await
    .unwrap_err()
    .into_service_error();
    assert!(e.is_resource_not_found_exception());

    // List by dataset group, newest first.
    let listed = c
        .control
        .list_data_deletion_jobs()
        .dataset_group_arn(&chain.group)
        .send()
        .await
        .unwrap();
    let listed: Vec<(&str, &str)> = listed
        .data_deletion_jobs()
        .iter()
        .map(|j| (j.job_name().unwrap(), j.status().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            ("escape", "FAILED"),
            ("header", "FAILED"),
            ("missing", "FAILED"),
            ("gone", "COMPLETED")
        ]
    );
    let other = c
        .control
        .list_data_deletion_jobs()
        .dataset_group_arn(format!("{}-other", chain.group))
        .send()
        .await
        .unwrap();
    assert!(other.data_deletion_jobs().is_empty());
}

const STAGE: Duration = Duration::from_secs(3);

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

async fn step() {
    tokio::time::advance(STAGE).await;
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

/// Polls until `arn` leaves `from`, without advancing the clock (the job's work runs on I/O
/// and blocking threads; yielding keeps the paused runtime busy, so time does not jump).
async fn after(r: &axum::Router, op: &str, key: &str, arn: &str, from: &str) -> Value {
    for _ in 0..100_000 {
        let out = call(r, op, json!({ format!("{key}Arn"): arn })).await;
        if out[key]["status"] != from {
            return out[key].clone();
        }
        tokio::task::yield_now().await;
    }
    panic!("{arn} never left {from}");
}

/// Job statuses, one stage at a time: the deletion job PENDING > IN_PROGRESS > COMPLETED
/// (API_CreateDataDeletionJob), the export and batch inference jobs CREATE PENDING > CREATE
/// IN_PROGRESS > ACTIVE (API_CreateDatasetExportJob, API_BatchInferenceJob).
#[tokio::test(start_paused = true)]
async fn job_lifecycles_stage_by_stage() {
    let root = data_root();
    std::fs::create_dir_all(root.path().join("data/in")).unwrap();
    std::fs::write(root.path().join("data/in/list.csv"), "USER_ID\nu1\n").unwrap();
    std::fs::write(
        root.path().join("data/in/users.json"),
        "{\"userId\":\"u2\"}\n",
    )
    .unwrap();
    let r = app(Server::open(Config {
        stage_delay: STAGE,
        data_root: Some(root.path().to_owned()),
        ..Config::default()
    })
    .unwrap());
    let arn = |v: &Value, key: &str| v[key].as_str().unwrap().to_owned();
    let group = arn(
        &call(&r, "CreateDatasetGroup", json!({"name": "life"})).await,
        "datasetGroupArn",
    );
    step().await;
    step().await;
    let schema = arn(
        &call(
            &r,
            "CreateSchema",
            json!({"name": "life", "schema": INTERACTIONS_SCHEMA}),
        )
        .await,
        "schemaArn",
    );
    let dataset = arn(
        &call(
            &r,
            "CreateDataset",
            json!({"name": "life", "datasetGroupArn": group, "datasetType": "Interactions",
                   "schemaArn": schema}),
        )
        .await,
        "datasetArn",
    );
    step().await;
    step().await;
    let import = arn(
        &call(
            &r,
            "CreateDatasetImportJob",
            json!({"jobName": "life", "datasetArn": dataset,
                   "dataSource": {"dataLocation": "s3://data/interactions.csv"}}),
        )
        .await,
        "datasetImportJobArn",
    );
    step().await;
    step().await;
    after(
        &r,
        "DescribeDatasetImportJob",
        "datasetImportJob",
        &import,
        "CREATE IN_PROGRESS",
    )
    .await;

    let deletion = arn(
        &call(
            &r,
            "CreateDataDeletionJob",
            json!({"jobName": "life", "datasetGroupArn": group, "roleArn": ROLE,
                   "dataSource": {"dataLocation": "s3://data/in/list.csv"}}),
        )
        .await,
        "dataDeletionJobArn",
    );
    let export = arn(
        &call(
            &r,
            "CreateDatasetExportJob",
            json!({"jobName": "life", "datasetArn": dataset, "roleArn": ROLE,
                   "ingestionMode": "BULK",
                   "jobOutput": {"s3DataDestination": {"path": "s3://data/out/"}}}),
        )
        .await,
        "datasetExportJobArn",
    );
    let describe = |op: &'static str, key: &'static str, arn: String| {
        let r = r.clone();
        async move { call(&r, op, json!({ format!("{key}Arn"): arn })).await[key].clone() }
    };
    let d = || {
        describe(
            "DescribeDataDeletionJob",
            "dataDeletionJob",
            deletion.clone(),
        )
    };
    let e = || {
        describe(
            "DescribeDatasetExportJob",
            "datasetExportJob",
            export.clone(),
        )
    };
    assert_eq!(d().await["status"], "PENDING");
    assert_eq!(e().await["status"], "CREATE PENDING");
    step().await;
    assert_eq!(d().await["status"], "IN_PROGRESS");
    assert_eq!(e().await["status"], "CREATE IN_PROGRESS");
    step().await;
    let done = after(
        &r,
        "DescribeDataDeletionJob",
        "dataDeletionJob",
        &deletion,
        "IN_PROGRESS",
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["numDeleted"], 8);
    let exported = after(
        &r,
        "DescribeDatasetExportJob",
        "datasetExportJob",
        &export,
        "CREATE IN_PROGRESS",
    )
    .await;
    assert_eq!(exported["status"], "ACTIVE", "{exported}");
    // A batch inference job: CREATE PENDING > CREATE IN_PROGRESS > ACTIVE
    // (API_BatchInferenceJob), once a version has trained.
    let solution = arn(
        &call(
            &r,
            "CreateSolution",
            json!({"name": "life", "datasetGroupArn": group,
                   "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization"}),
        )
        .await,
        "solutionArn",
    );
    step().await;
    step().await;
    let version = arn(
        &call(
            &r,
            "CreateSolutionVersion",
            json!({"solutionArn": solution}),
        )
        .await,
        "solutionVersionArn",
    );
    step().await;
    step().await;
    let trained = after(
        &r,
        "DescribeSolutionVersion",
        "solutionVersion",
        &version,
        "CREATE IN_PROGRESS",
    )
    .await;
    assert_eq!(trained["status"], "ACTIVE", "{trained}");
    let batch = arn(
        &call(
            &r,
            "CreateBatchInferenceJob",
            json!({"jobName": "life", "solutionVersionArn": version, "roleArn": ROLE,
                   "jobInput": {"s3DataSource": {"path": "s3://data/in/users.json"}},
                   "jobOutput": {"s3DataDestination": {"path": "s3://data/out/"}}}),
        )
        .await,
        "batchInferenceJobArn",
    );
    let b = || {
        describe(
            "DescribeBatchInferenceJob",
            "batchInferenceJob",
            batch.clone(),
        )
    };
    assert_eq!(b().await["status"], "CREATE PENDING");
    step().await;
    assert_eq!(b().await["status"], "CREATE IN_PROGRESS");
    assert!(!root.path().join("data/out/users.json.out").exists());
    step().await;
    let done = after(
        &r,
        "DescribeBatchInferenceJob",
        "batchInferenceJob",
        &batch,
        "CREATE IN_PROGRESS",
    )
    .await;
    assert_eq!(done["status"], "ACTIVE", "{done}");
    assert!(root.path().join("data/out/users.json.out").exists());
}

/// Missing and malformed members of the three job kinds' requests are refused by the model
/// before anything runs: ValidationException naming the member, as AWS words it.
#[tokio::test]
async fn missing_and_malformed_job_members_are_validation_errors() {
    let r = app(Server::open(Config {
        instant: true,
        ..Config::default()
    })
    .unwrap());
    let out = |path: &str| json!({"s3DataDestination": {"path": path}});
    let source = |path: &str| json!({"s3DataSource": {"path": path}});
    let version = "arn:aws:personalize:us-east-1:123456789012:solution/s/v";
    for (op, body, member) in [
        (
            "CreateBatchInferenceJob",
            json!({"jobName": "j", "solutionVersionArn": version, "roleArn": ROLE,
                   "jobOutput": out("s3://b/o/")}),
            "jobInput",
        ),
        (
            "CreateBatchInferenceJob",
            json!({"jobName": "j", "solutionVersionArn": version, "roleArn": ROLE,
                   "jobInput": {"s3DataSource": {}}, "jobOutput": out("s3://b/o/")}),
            "path",
        ),
        (
            "CreateBatchInferenceJob",
            json!({"jobName": "-j", "solutionVersionArn": version, "roleArn": ROLE,
                   "jobInput": source("s3://b/i"), "jobOutput": out("s3://b/o/")}),
            "jobName",
        ),
        (
            "CreateBatchInferenceJob",
            json!({"jobName": "j", "solutionVersionArn": version, "roleArn": ROLE,
                   "jobInput": source("ftp://b/i"), "jobOutput": out("s3://b/o/")}),
            "path",
        ),
        (
            "CreateBatchSegmentJob",
            json!({"jobName": "j", "solutionVersionArn": version,
                   "jobInput": source("s3://b/i"), "jobOutput": out("s3://b/o/")}),
            "roleArn",
        ),
        (
            "CreateDatasetExportJob",
            json!({"jobName": "j", "datasetArn": version, "roleArn": ROLE,
                   "ingestionMode": "SOME", "jobOutput": out("s3://b/o/")}),
            "ingestionMode",
        ),
        (
            "CreateDataDeletionJob",
            json!({"jobName": "j", "datasetGroupArn": version, "roleArn": ROLE}),
            "dataSource",
        ),
        (
            "DescribeBatchInferenceJob",
            json!({"batchInferenceJobArn": "not-an-arn"}),
            "batchInferenceJobArn",
        ),
        (
            "ListDataDeletionJobs",
            json!({"maxResults": 101}),
            "maxResults",
        ),
    ] {
        let answer = call(&r, op, body.clone()).await;
        assert_eq!(
            answer["__type"], "ValidationException",
            "{op} {body}: {answer}"
        );
        let message = answer["message"].as_str().unwrap_or("");
        assert!(message.contains(member), "{op} {body}: {message}");
    }
    let gone = call(
        &r,
        "DescribeDataDeletionJob",
        json!({"dataDeletionJobArn": "arn:aws:personalize:us-east-1:123456789012:data-deletion-job/x"}),
    )
    .await;
    assert_eq!(gone["__type"], "ResourceNotFoundException");
}
