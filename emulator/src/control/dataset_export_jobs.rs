//! CreateDatasetExportJob (Describe and List are the generic ones); the export runs as the
//! job's IN_PROGRESS work ([`crate::data::export`]).

use serde_json::{Map, Value};

use super::records::path_of;
use super::records::{arn_response, copy, insert_pending, require_active, str_field, tags_of};
use crate::ctx::Ctx;
use crate::data::batch::Output;
use crate::error::ApiError;
use crate::lifecycle;
use crate::state::{Kind, View};

/// CreateDatasetExportJob (API_CreateDatasetExportJob): the dataset must be ACTIVE;
/// `ingestionMode` defaults to PUT ("The default value is PUT"); the job goes CREATE PENDING >
/// CREATE IN_PROGRESS > ACTIVE or CREATE FAILED.
pub async fn create_dataset_export_job(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let name = str_field(input, "jobName");
    let dataset_arn = str_field(input, "datasetArn").to_owned();
    Output::parse(path_of(input, "jobOutput", "s3DataDestination"))
        .map_err(|e| ApiError::invalid(format!("jobOutput.s3DataDestination.path: {e}")))?;
    let tags = tags_of(input)?;
    let arn = ctx.arn(&format!("dataset-export-job/{name}"));
    ctx.server.state.mutate(|inner, writes| {
        let dataset = inner.get(Kind::Dataset, &dataset_arn)?;
        require_active(dataset, "Dataset")?;
        let mut body = copy(input, &["jobName", "datasetArn", "roleArn", "jobOutput"]);
        body.insert(
            "ingestionMode".into(),
            input
                .get("ingestionMode")
                .cloned()
                .unwrap_or_else(|| "PUT".into()),
        );
        insert_pending(inner, writes, Kind::DatasetExportJob, &arn, body, tags)
    })?;
    let work = crate::data::work_for(&ctx.server, Kind::DatasetExportJob, &arn);
    lifecycle::run_create(&ctx.server, &arn, work).await;
    Ok(arn_response(Kind::DatasetExportJob, &arn))
}
