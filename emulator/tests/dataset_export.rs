//! Dataset export jobs through the real aws-sdk-personalize: the CSV written for each
//! `ingestionMode` (developer guide, Exporting the training data in a dataset to Amazon S3),
//! the defaults, bad requests, failed writes, List by dataset.

mod common;

use std::path::Path;

use aws_sdk_personalize::types::{DatasetExportJobOutput, IngestionMode, S3DataConfig};
use aws_sdk_personalizeevents::types::{Item, User};
use common::*;

fn output(path: &str) -> DatasetExportJobOutput {
    DatasetExportJobOutput::builder()
        .s3_data_destination(S3DataConfig::builder().path(path).build().unwrap())
        .build()
}

async fn export(
    c: &Clients,
    name: &str,
    dataset: &str,
    path: &str,
    mode: Option<IngestionMode>,
) -> aws_sdk_personalize::types::DatasetExportJob {
    let arn = c
        .control
        .create_dataset_export_job()
        .job_name(name)
        .dataset_arn(dataset)
        .role_arn(ROLE)
        .job_output(output(path))
        .set_ingestion_mode(mode)
        .send()
        .await
        .unwrap()
        .dataset_export_job_arn
        .unwrap();
    c.control
        .describe_dataset_export_job()
        .dataset_export_job_arn(arn)
        .send()
        .await
        .unwrap()
        .dataset_export_job
        .unwrap()
}

fn csv(root: &Path, key: &str) -> Vec<String> {
    std::fs::read_to_string(root.join("data").join(key))
        .unwrap_or_else(|e| panic!("{key}: {e}"))
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_ingestion_mode_exports_its_records_under_the_schema_header() {
    let root = data_root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let chain = build_chain(&c, "exports").await;
    // Two new events (one sent twice with its eventId: an exact duplicate), a new item and a
    // new version of i1.
    let event = |id: &str, item: &str| watch().event_id(id).item_id(item).build().unwrap();
    for events in [
        vec![event("e1", "i3"), event("e2", "i50")],
        vec![event("e1", "i3")],
    ] {
        c.events
            .put_events()
            .tracking_id(&chain.tracking_id)
            .user_id("u1")
            .session_id("s1")
            .set_event_list(Some(events))
            .send()
            .await
            .unwrap();
    }
    for (id, genre) in [("new1", "Drama"), ("i1", "Horror")] {
        c.events
            .put_items()
            .dataset_arn(&chain.items)
            .items(
                Item::builder()
                    .item_id(id)
                    .properties(format!("{{\"genre\": \"{genre}\"}}"))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }

    // PUT (the default): only what arrived through PutEvents, exact duplicates once.
    let job = export(&c, "put", &chain.interactions, "s3://data/exports/", None).await;
    assert_eq!(job.status(), Some("ACTIVE"), "{:?}", job.failure_reason());
    assert_eq!(job.ingestion_mode(), Some(&IngestionMode::Put));
    assert_eq!(
        csv(root.path(), "exports/put.csv"),
        [
            "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE",
            "u1,i3,1700000000,watch",
            "u1,i50,1700000000,watch",
        ]
    );
    // BULK: the imported rows, as imported.
    export(
        &c,
        "bulk",
        &chain.interactions,
        "s3://data/exports/",
        Some(IngestionMode::Bulk),
    )
    .await;
    let bulk = csv(root.path(), "exports/bulk.csv");
    let imported: Vec<String> = interactions_csv().lines().map(str::to_owned).collect();
    assert_eq!(bulk, imported);
    // ALL: both; interactions keep every record.
    export(
        &c,
        "all",
        &chain.interactions,
        "s3://data/exports",
        Some(IngestionMode::All),
    )
    .await;
    let all = csv(root.path(), "exports/all.csv");
    assert_eq!(all.len(), imported.len() + 2);
    assert_eq!(all[all.len() - 1], "u1,i50,1700000000,watch");

    // Items with ALL: the newest record of each id.
    export(
        &c,
        "items-all",
        &chain.items,
        "s3://data/exports/items/",
        Some(IngestionMode::All),
    )
    .await;
    let items = csv(root.path(), "exports/items/items-all.csv");
    assert_eq!(items[0], "ITEM_ID,GENRE");
    assert_eq!(items.len(), 1 + 2 * CLUSTER as usize + 1);
    assert!(items.contains(&"i1,Horror".to_owned()));
    assert!(!items.contains(&"i1,Comedy".to_owned()));
    assert!(items.contains(&"new1,Drama".to_owned()));
    // Items with BULK: the import only.
    export(
        &c,
        "items-bulk",
        &chain.items,
        "s3://data/exports/items/",
        Some(IngestionMode::Bulk),
    )
    .await;
    let items = csv(root.path(), "exports/items/items-bulk.csv");
    assert!(items.contains(&"i1,Comedy".to_owned()));
    assert!(!items.iter().any(|l| l.starts_with("new1")));

    // Users: PutUsers only; the empty BULK export is the header alone.
    let users_schema = r#"{"type":"record","name":"Users","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"AGE","type":["null","int"]}],"version":"1.0"}"#;
    let (_, users) = dataset(
        &c.control,
        &chain.group,
        "exports-users",
        "Users",
        users_schema,
    )
    .await;
    c.events
        .put_users()
        .dataset_arn(&users)
        .users(
            User::builder()
                .user_id("u7")
                .properties("{\"age\": 42}")
                .build()
                .unwrap(),
        )
        .users(User::builder().user_id("u8").build().unwrap())
        .send()
        .await
        .unwrap();
    export(
        &c,
        "users",
        &users,
        "s3://data/exports/",
        Some(IngestionMode::Put),
    )
    .await;
    assert_eq!(
        csv(root.path(), "exports/users.csv"),
        ["USER_ID,AGE", "u7,42", "u8,"]
    );
    export(
        &c,
        "users-bulk",
        &users,
        "s3://data/exports/",
        Some(IngestionMode::Bulk),
    )
    .await;
    assert_eq!(csv(root.path(), "exports/users-bulk.csv"), ["USER_ID,AGE"]);

    // List by dataset, newest first.
    let listed = c
        .control
        .list_dataset_export_jobs()
        .dataset_arn(&chain.items)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .dataset_export_jobs()
        .iter()
        .map(|j| j.job_name().unwrap())
        .collect();
    assert_eq!(names, ["items-bulk", "items-all"]);
    let page = c
        .control
        .list_dataset_export_jobs()
        .max_results(3)
        .send()
        .await
        .unwrap();
    assert_eq!(page.dataset_export_jobs().len(), 3);
    assert!(page.next_token().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_exports_are_refused_or_fail_with_the_reason() {
    let root = data_root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let chain = build_chain(&c, "badexports").await;
    let p = &c.control;
    let create = |name: &str, dataset: &str, path: &str| {
        p.create_dataset_export_job()
            .job_name(name)
            .dataset_arn(dataset)
            .role_arn(ROLE)
            .job_output(output(path))
            .send()
    };
    let e = create("x", &chain.interactions, "https://data/out/")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_input_exception());
    assert!(e.meta().message().unwrap().contains("must be an s3:// URL"));
    let e = create(
        "x",
        &format!("{}-gone", chain.interactions),
        "s3://data/out/",
    )
    .await
    .unwrap_err()
    .into_service_error();
    assert!(e.is_resource_not_found_exception());
    // A key that leaves the data root: the job fails, nothing is written outside.
    let job = export(
        &c,
        "escape",
        &chain.interactions,
        "s3://data/../../outside/",
        None,
    )
    .await;
    assert_eq!(job.status(), Some("CREATE FAILED"));
    assert!(
        job.failure_reason()
            .unwrap()
            .contains("not a valid location"),
        "{:?}",
        job.failure_reason()
    );
    assert!(!root.path().join("outside").exists());
    create("dup", &chain.interactions, "s3://data/out/")
        .await
        .unwrap();
    let e = create("dup", &chain.interactions, "s3://data/out/")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_resource_already_exists_exception());
    // Deleting the dataset takes its export jobs with it.
    p.delete_dataset()
        .dataset_arn(&chain.interactions)
        .send()
        .await
        .unwrap();
    let listed = p
        .list_dataset_export_jobs()
        .dataset_arn(&chain.interactions)
        .send()
        .await
        .unwrap();
    assert!(listed.dataset_export_jobs().is_empty());
}
