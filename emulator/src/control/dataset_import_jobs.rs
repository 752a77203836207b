//! CreateDatasetImportJob (Describe and List are the generic ones): the import runs as the
//! job's IN_PROGRESS work ([`crate::data::import`]).

use serde_json::{Map, Value};

use super::records::{arn_response, copy, insert_pending, require_active, str_field, tags_of};
use crate::ctx::Ctx;
use crate::data::avro::DatasetType;
use crate::error::ApiError;
use crate::lifecycle;
use crate::state::{Kind, View};

/// CreateDatasetImportJob: one import at a time per dataset; the import runs as the job's
/// IN_PROGRESS work.
pub async fn create_import_job(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let name = str_field(input, "jobName");
    let dataset_arn = str_field(input, "datasetArn").to_owned();
    let location = input
        .get("dataSource")
        .and_then(|d| d.get("dataLocation"))
        .and_then(Value::as_str)
        .unwrap_or("");
    crate::data::objects::parse_location(location).map_err(ApiError::invalid)?;
    let tags = tags_of(input)?;
    let arn = ctx.arn(&format!("dataset-import-job/{name}"));
    let publish = input
        .get("publishAttributionMetricsToS3")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    ctx.server.state.mutate(|inner, writes| {
        let dataset = inner.get(Kind::Dataset, &dataset_arn)?;
        require_active(dataset, "Dataset")?;
        if publish {
            // "publish metric reports to your Amazon S3 bucket each time you create a dataset
            // import job for interactions data" (Publishing metric attribution reports to
            // Amazon S3): only an interactions import of a group whose metric attribution has
            // an S3 path can.
            let ty = DatasetType::parse(dataset.str("datasetType").unwrap_or(""));
            if ty != Ok(DatasetType::Interactions) {
                return Err(ApiError::invalid(format!(
                    "publishAttributionMetricsToS3: {dataset_arn} is not an Interactions dataset; metric reports are published for interactions data"
                )));
            }
            let group = dataset.parent(Kind::DatasetGroup).unwrap_or("");
            let has_path = inner
                .children(Kind::MetricAttribution, Kind::DatasetGroup, group)
                .any(|m| m.body["metricsOutputConfig"]["s3DataDestination"]["path"].is_string());
            if !has_path {
                return Err(ApiError::invalid(format!(
                    "publishAttributionMetricsToS3: dataset group {group} has no metric attribution with an s3DataDestination path"
                )));
            }
        }
        if let Some(job) = inner
            .children(Kind::DatasetImportJob, Kind::Dataset, &dataset_arn)
            .find(|j| matches!(j.status(), "CREATE PENDING" | "CREATE IN_PROGRESS"))
        {
            return Err(ApiError::in_use(format!(
                "Dataset {dataset_arn} has an import job in progress: {}",
                job.arn()
            )));
        }
        let mut body = copy(
            input,
            &[
                "jobName",
                "datasetArn",
                "dataSource",
                "roleArn",
                "publishAttributionMetricsToS3",
            ],
        );
        body.insert(
            "importMode".into(),
            input
                .get("importMode")
                .cloned()
                .unwrap_or_else(|| "FULL".into()),
        );
        insert_pending(inner, writes, Kind::DatasetImportJob, &arn, body, tags)
    })?;
    let work = crate::data::work_for(&ctx.server, Kind::DatasetImportJob, &arn);
    lifecycle::run_create(&ctx.server, &arn, work).await;
    Ok(arn_response(Kind::DatasetImportJob, &arn))
}
