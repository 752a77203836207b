//! The resource chain every test and benchmark builds through the real Personalize SDK, written
//! once: dataset group, schema and dataset, import job, solution and trained version, campaign
//! and event tracker. Each step panics with the server's answer when it fails (a test cannot go
//! on), and the steps that finish at once on an instant server (imports, training) check that
//! they did.
//!
//! Needs the `testing` feature (it brings the Personalize SDK).

use aws_sdk_personalize::types::{DataSource, DatasetImportJob, SolutionConfig, SolutionVersion};
use aws_sdk_personalize::Client;

/// The role every test import names.
pub const ROLE: &str = "arn:aws:iam::123456789012:role/personalize";

/// The Interactions schema of the walkthrough and most tests.
pub const INTERACTIONS_SCHEMA: &str = r#"{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"}],"version":"1.0"}"#;

/// Creates a custom dataset group named `name`; its ARN.
///
/// # Panics
/// When the call fails.
pub async fn dataset_group(p: &Client, name: &str) -> String {
    p.create_dataset_group()
        .name(name)
        .send()
        .await
        .expect("CreateDatasetGroup")
        .dataset_group_arn
        .expect("a dataset group ARN")
}

/// Creates a schema from `schema_json` and a dataset of `ty` on it, both named `name`;
/// returns (schema ARN, dataset ARN).
///
/// # Panics
/// When a call fails.
pub async fn dataset(
    p: &Client,
    group: &str,
    name: &str,
    ty: &str,
    schema_json: &str,
) -> (String, String) {
    let schema = p
        .create_schema()
        .name(name)
        .schema(schema_json)
        .send()
        .await
        .expect("CreateSchema")
        .schema_arn
        .expect("a schema ARN");
    let dataset = p
        .create_dataset()
        .name(name)
        .dataset_group_arn(group)
        .dataset_type(ty)
        .schema_arn(&schema)
        .send()
        .await
        .expect("CreateDataset")
        .dataset_arn
        .expect("a dataset ARN");
    (schema, dataset)
}

/// Imports `location` (`s3://bucket/key`) into `dataset` (with `role`, if any) and describes
/// the job once the call returns (ACTIVE at once on an instant server, unless the data is
/// refused).
///
/// # Panics
/// When a call fails.
pub async fn import(
    p: &Client,
    dataset: &str,
    job_name: &str,
    location: &str,
    role: Option<&str>,
) -> DatasetImportJob {
    let job = p
        .create_dataset_import_job()
        .job_name(job_name)
        .dataset_arn(dataset)
        .set_role_arn(role.map(str::to_owned))
        .data_source(DataSource::builder().data_location(location).build())
        .send()
        .await
        .expect("CreateDatasetImportJob")
        .dataset_import_job_arn
        .expect("an import job ARN");
    p.describe_dataset_import_job()
        .dataset_import_job_arn(&job)
        .send()
        .await
        .expect("DescribeDatasetImportJob")
        .dataset_import_job
        .expect("the import job")
}

/// [`import`], which must have finished ACTIVE (an instant server).
///
/// # Panics
/// When a call fails or the import did not finish ACTIVE.
pub async fn imported(p: &Client, dataset: &str, job_name: &str, location: &str) {
    let job = import(p, dataset, job_name, location, Some(ROLE)).await;
    assert_eq!(job.status(), Some("ACTIVE"), "{:?}", job.failure_reason());
}

/// A solution of `recipe` in `group` (with `event_type` and `config`, if given) and its first
/// version, described once CreateSolutionVersion returns (trained or failed, on an instant
/// server): (solution ARN, version).
///
/// # Panics
/// When a call fails.
pub async fn solution_version(
    p: &Client,
    group: &str,
    name: &str,
    recipe: &str,
    event_type: Option<&str>,
    config: Option<SolutionConfig>,
) -> (String, SolutionVersion) {
    let solution = p
        .create_solution()
        .name(name)
        .dataset_group_arn(group)
        .recipe_arn(recipe)
        .set_event_type(event_type.map(str::to_owned))
        .set_solution_config(config)
        .send()
        .await
        .expect("CreateSolution")
        .solution_arn
        .expect("a solution ARN");
    let version = p
        .create_solution_version()
        .solution_arn(&solution)
        .send()
        .await
        .expect("CreateSolutionVersion")
        .solution_version_arn
        .expect("a solution version ARN");
    let v = p
        .describe_solution_version()
        .solution_version_arn(&version)
        .send()
        .await
        .expect("DescribeSolutionVersion");
    (solution, v.solution_version.expect("the solution version"))
}

/// A solution of `recipe` in `group` and its first version, trained (ACTIVE) on an instant
/// server: (solution ARN, version ARN).
///
/// # Panics
/// When a call fails or training did not finish ACTIVE.
pub async fn trained_version(
    p: &Client,
    group: &str,
    name: &str,
    recipe: &str,
) -> (String, String) {
    let (solution, v) = solution_version(p, group, name, recipe, None, None).await;
    assert_eq!(
        v.status.as_deref(),
        Some("ACTIVE"),
        "{:?}",
        v.failure_reason
    );
    (solution, v.solution_version_arn.expect("a version ARN"))
}

/// A campaign named `name` serving `version`; its ARN.
///
/// # Panics
/// When the call fails.
pub async fn campaign(p: &Client, name: &str, version: &str) -> String {
    p.create_campaign()
        .name(name)
        .solution_version_arn(version)
        .send()
        .await
        .expect("CreateCampaign")
        .campaign_arn
        .expect("a campaign ARN")
}

/// An event tracker named `name` for `group`: (tracker ARN, tracking id).
///
/// # Panics
/// When the call fails.
pub async fn event_tracker(p: &Client, name: &str, group: &str) -> (String, String) {
    let tracker = p
        .create_event_tracker()
        .name(name)
        .dataset_group_arn(group)
        .send()
        .await
        .expect("CreateEventTracker");
    (
        tracker.event_tracker_arn.expect("a tracker ARN"),
        tracker.tracking_id.expect("a tracking id"),
    )
}
