//! CreateDataDeletionJob (Describe and List are the generic ones) and its own lifecycle:
//! "PENDING > IN_PROGRESS > COMPLETED or FAILED" (API_CreateDataDeletionJob, Status), not
//! the CREATE ... / ACTIVE lifecycle of the other jobs. The users go in one atomic change at
//! the end of IN_PROGRESS ([`crate::data::deletion`]).

use serde_json::{Map, Value};
use tokio::time::Instant;

use super::records::{arn_response, copy, insert_created, require_active, str_field, tags_of};
use crate::ctx::Ctx;
use crate::data::{deletion, objects, region_of_arn};
use crate::error::ApiError;
use crate::lifecycle::{self, transition};
use crate::state::{Kind, View};
use crate::AppState;

/// CreateDataDeletionJob: the dataset group must be ACTIVE and `dataSource.dataLocation` an
/// S3 location of the CSV of USER_IDs.
pub async fn create_data_deletion_job(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let name = str_field(input, "jobName");
    let group_arn = str_field(input, "datasetGroupArn").to_owned();
    let location = input
        .get("dataSource")
        .and_then(|d| d.get("dataLocation"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::invalid("dataSource.dataLocation is required: the CSV of USER_IDs to delete")
        })?;
    objects::parse_location(location).map_err(ApiError::invalid)?;
    let tags = tags_of(input)?;
    let arn = ctx.arn(&format!("data-deletion-job/{name}"));
    ctx.server.state.mutate(|inner, writes| {
        let group = inner.get(Kind::DatasetGroup, &group_arn)?;
        require_active(group, "Dataset group")?;
        let body = copy(
            input,
            &["jobName", "datasetGroupArn", "dataSource", "roleArn"],
        );
        insert_created(
            inner,
            writes,
            Kind::DataDeletionJob,
            &arn,
            body,
            Some("PENDING"),
            tags,
        )
    })?;
    lifecycle::drive(&ctx.server, run(ctx.server.clone(), arn.clone())).await;
    Ok(arn_response(Kind::DataDeletionJob, &arn))
}

/// The job's lifecycle, one clock stage per arrow.
pub fn run(server: AppState, arn: String) -> impl std::future::Future<Output = ()> + Send {
    let mut at = Instant::now();
    async move {
        server.clock.stage(&mut at).await;
        if !transition(&server, &arn, "PENDING", "IN_PROGRESS") {
            return;
        }
        server.clock.stage(&mut at).await;
        let users = read_list(&server, &arn).await;
        let _ = server.state.mutate(|txn, writes| {
            let Some(job) = txn.records.get(&arn) else {
                return Ok(());
            };
            if job.status() != "IN_PROGRESS" {
                return Ok(());
            }
            let group = job.parent(Kind::DatasetGroup).unwrap_or("").to_owned();
            let outcome = users.and_then(|users| match txn.get(Kind::DatasetGroup, &group) {
                Ok(_) => Ok(deletion::delete_users(txn, writes, &group, &users)),
                Err(_) => Err(format!("The dataset group {group} no longer exists")),
            });
            let job = txn.records.get_mut(&arn).expect("checked above");
            match outcome {
                Ok(deleted) => {
                    job.body.insert("numDeleted".into(), deleted.into());
                    job.set_status("COMPLETED");
                }
                Err(reason) => {
                    job.body.insert("failureReason".into(), reason.into());
                    job.set_status("FAILED");
                }
            }
            writes.record(txn, &arn);
            Ok(())
        });
    }
}

async fn read_list(
    server: &AppState,
    arn: &str,
) -> Result<std::collections::HashSet<String>, String> {
    let location = server
        .state
        .read()
        .records
        .get(arn)
        .and_then(|j| j.body.get("dataSource"))
        .and_then(|d| d.get("dataLocation"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let objects = objects::fetch(&server.config, region_of_arn(arn), &location).await?;
    deletion::parse_users(&objects)
}

/// After a restart: a PENDING job starts again; one that was IN_PROGRESS is FAILED with a
/// `failureReason` saying it was interrupted, as interrupted imports and trainings are.
pub fn resume(server: &AppState, arn: &str, status: &str) {
    match status {
        "PENDING" => {
            tokio::spawn(run(server.clone(), arn.to_owned()));
        }
        "IN_PROGRESS" => {
            let _ = server.state.mutate(|txn, writes| {
                if let Some(job) = txn.records.get_mut(arn) {
                    job.body.insert(
                        "failureReason".into(),
                        "The data deletion job was interrupted: personalize-local stopped \
                         while it was in progress. Create a new one."
                            .into(),
                    );
                    job.set_status("FAILED");
                    writes.record(txn, arn);
                }
                Ok(())
            });
        }
        _ => {}
    }
}
