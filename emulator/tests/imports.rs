//! Import modes and locations: FULL replaces, INCREMENTAL appends (items replace by id), a key
//! ending in `/` imports every object under it.

mod common;

use aws_sdk_personalize::types::{DataSource, ImportMode};
use common::*;
use personalize_local::state::Rows;
use personalize_local::AppState;

fn rows(server: &AppState, dataset: &str) -> usize {
    match server.state.read().rows.get(dataset) {
        Some(Rows::Interactions(v)) => v.len(),
        Some(Rows::Items(v) | Rows::Actions(v)) => v.len(),
        Some(Rows::Users(v)) => v.len(),
        Some(Rows::ActionInteractions(v)) => v.len(),
        None => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_replaces_incremental_appends_prefix_reads_all() {
    let root = data_root();
    let extra = root.path().join("data/more");
    std::fs::create_dir_all(&extra).unwrap();
    std::fs::write(
        extra.join("a.csv"),
        "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu1,i1,1,watch\n",
    )
    .unwrap();
    std::fs::write(
        extra.join("b.csv"),
        "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu2,i2,2,watch\nu3,i3,3,watch\n",
    )
    .unwrap();
    let (server, endpoint) = serve(instant_config(root.path())).await;
    let c = Clients::new(&endpoint);
    let chain = build_chain(&c, "imports").await;
    let full = rows(&server, &chain.interactions);
    assert_eq!(full, interactions_csv().lines().count() - 1);
    let import = |name: &str, key: &str, mode: ImportMode| {
        c.control
            .create_dataset_import_job()
            .job_name(name)
            .dataset_arn(&chain.interactions)
            .role_arn("arn:aws:iam::123456789012:role/r")
            .import_mode(mode)
            .data_source(
                DataSource::builder()
                    .data_location(format!("s3://data/{key}"))
                    .build(),
            )
            .send()
    };
    import("inc", "more/", ImportMode::Incremental)
        .await
        .unwrap();
    assert_eq!(rows(&server, &chain.interactions), full + 3);
    import("full-again", "more/b.csv", ImportMode::Full)
        .await
        .unwrap();
    assert_eq!(rows(&server, &chain.interactions), 2);
    let job = c
        .control
        .describe_dataset_import_job()
        .dataset_import_job_arn(chain.interactions.replace(
            "dataset/imports/INTERACTIONS",
            "dataset-import-job/full-again",
        ))
        .send()
        .await
        .unwrap()
        .dataset_import_job
        .unwrap();
    assert_eq!(job.import_mode(), Some(&ImportMode::Full));
    let listed = c
        .control
        .list_dataset_import_jobs()
        .dataset_arn(&chain.interactions)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.dataset_import_jobs().len(), 3);
}
