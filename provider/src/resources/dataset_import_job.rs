//! `personalize_dataset_import_job`: imports a CSV from S3 into a dataset. Jobs cannot be
//! changed or deleted in Personalize: every argument forces a new job, and destroy only forgets
//! the job (the imported data stays in the dataset). A job that ends `CREATE FAILED` fails the
//! apply with Personalize's `failureReason`, and stays in state as tainted.

use async_trait::async_trait;
use aws_sdk_personalize::types::{DataSource, DatasetImportJob as Job, ImportMode};

use super::common::{described, get_bool, get_str, times};
use super::job;
use crate::framework::error::AwsError;
use crate::framework::resource::{Lifecycle, ResourceType};
use crate::framework::schema::{Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::{boolean, opt_string, string, Obj};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct DatasetImportJob;

#[async_trait]
impl ResourceType for DatasetImportJob {
    const DISPLAY: &'static str = "Dataset Import Job";
    const ARN_FORM: &'static str = "dataset-import-job/NAME";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(120));
    const UPDATES: bool = false;
    // No DeleteDatasetImportJob exists: the job is a record of an import, forgotten here.
    const LIFECYCLE: Lifecycle = job::LIFECYCLE;

    fn description() -> &'static str {
        "An Amazon Personalize dataset import job: loads a CSV file from S3 into a dataset."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            job::name_attr("Name of the import job."),
            Attr::required(
                "dataset_arn",
                Ty::String,
                "ARN of the dataset to import into.",
            )
            .force_new()
            .check(validate::personalize_arn),
            Attr::required(
                "data_location",
                Ty::String,
                "The CSV file or folder, `s3://bucket/key`.",
            )
            .force_new()
            .check(validate::s3_uri),
            Attr::optional(
                "role_arn",
                Ty::String,
                "IAM role Personalize assumes to read the bucket.",
            )
            .force_new()
            .check(validate::role_arn),
            Attr::optional_computed(
                "import_mode",
                Ty::String,
                "`FULL` (replace the dataset's bulk data, default) or `INCREMENTAL` (append).",
            )
            .force_new()
            .default(string("FULL"))
            .check(|v| validate::one_of(v, &["FULL", "INCREMENTAL"])),
            Attr::optional_computed(
                "publish_attribution_metrics_to_s3",
                Ty::Bool,
                "Publish the metrics of the dataset group's metric attribution to S3 (default false).",
            )
            .force_new()
            .default(boolean(false)),
        ];
        attrs.extend(job::outcome_attrs("dataset_import_job"));
        attrs
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_dataset_import_job()
            .set_job_name(get_str(plan, "job_name"))
            .set_dataset_arn(get_str(plan, "dataset_arn"))
            .data_source(
                DataSource::builder()
                    .set_data_location(get_str(plan, "data_location"))
                    .build(),
            )
            .set_role_arn(get_str(plan, "role_arn"))
            .set_import_mode(get_str(plan, "import_mode").map(|m| ImportMode::from(m.as_str())))
            .set_publish_attribution_metrics_to_s3(get_bool(
                plan,
                "publish_attribution_metrics_to_s3",
            ))
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        out.dataset_import_job_arn
            .ok_or_else(|| AwsError::local("CreateDatasetImportJob returned no ARN"))
    }

    type Remote = Job;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_dataset_import_job_by_arn(c, arn).await
    }

    /// The job's attribute values.
    fn flatten(j: &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("job_name".into(), opt_string(j.job_name()));
        o.insert("dataset_arn".into(), opt_string(j.dataset_arn()));
        o.insert(
            "data_location".into(),
            opt_string(j.data_source().and_then(|d| d.data_location())),
        );
        o.insert("role_arn".into(), opt_string(j.role_arn()));
        o.insert(
            "import_mode".into(),
            opt_string(j.import_mode().map(ImportMode::as_str)),
        );
        o.insert(
            "publish_attribution_metrics_to_s3".into(),
            boolean(j.publish_attribution_metrics_to_s3().unwrap_or(false)),
        );
        o.insert("status".into(), opt_string(j.status()));
        o.insert("failure_reason".into(), opt_string(j.failure_reason()));
        if let Some(arn) = j.dataset_import_job_arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, j.creation_date_time(), j.last_updated_date_time());
        o
    }
}

/// The job as DescribeDatasetImportJob returns it, `None` when it does not exist.
///
/// # Errors
/// When DescribeDatasetImportJob fails otherwise.
pub async fn find_dataset_import_job_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<Job>, AwsError> {
    described(
        c.personalize
            .describe_dataset_import_job()
            .dataset_import_job_arn(arn)
            .send(),
        |o| o.dataset_import_job,
    )
    .await
}
