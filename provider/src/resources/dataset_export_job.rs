//! `personalize_dataset_export_job`: writes the records of a dataset to S3 as CSV (developer
//! guide, "Exporting the training data in a dataset to Amazon S3"). Job-like, as the import
//! job: every argument forces a new job, a change of `triggers` runs a new one, destroy waits
//! for a running export to end and forgets it (the files stay in S3), a `CREATE FAILED` job
//! fails the apply with Personalize's `failureReason` and stays in state, tainted.

use async_trait::async_trait;
use aws_sdk_personalize::types::{DatasetExportJob as Job, DatasetExportJobOutput, IngestionMode};

use super::common::{described, flatten_s3, get_str, s3_config, times};
use super::job;
use crate::framework::error::AwsError;
use crate::framework::resource::{Lifecycle, ResourceType};
use crate::framework::schema::{Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::{opt_string, string, Obj};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct DatasetExportJob;

#[async_trait]
impl ResourceType for DatasetExportJob {
    const DISPLAY: &'static str = "Dataset Export Job";
    const ARN_FORM: &'static str = "dataset-export-job/NAME";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(120));
    const UPDATES: bool = false;
    // No DeleteDatasetExportJob exists: the job is forgotten once it has ended.
    const LIFECYCLE: Lifecycle = job::LIFECYCLE;

    fn description() -> &'static str {
        "An Amazon Personalize dataset export job: writes a dataset's records to S3 as CSV. There is no delete API: destroy forgets the job."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            job::name_attr("Name of the export job."),
            Attr::required("dataset_arn", Ty::String, "ARN of the dataset to export.")
                .force_new()
                .check(validate::personalize_arn),
            Attr::optional_computed(
                "ingestion_mode",
                Ty::String,
                "What to export: `BULK` (what import jobs loaded), `PUT` (what PutEvents, PutItems and PutUsers stored; the default) or `ALL`.",
            )
            .reads("What was exported: `BULK`, `PUT` or `ALL`.")
            .force_new()
            // API reference, CreateDatasetExportJob, ingestionMode: "The default value is PUT."
            .default(string("PUT"))
            .check(|v| validate::one_of(v, &["BULK", "PUT", "ALL"])),
            Attr::required(
                "output_path",
                Ty::String,
                "The S3 folder the CSV files go to, `s3://bucket/prefix/`.",
            )
            .force_new()
            .check(validate::s3_uri),
            Attr::optional(
                "output_kms_key_arn",
                Ty::String,
                "KMS key Personalize encrypts the files with.",
            )
            .force_new()
            .check(validate::arn),
            Attr::required(
                "role_arn",
                Ty::String,
                "IAM role Personalize assumes to write to the bucket.",
            )
            .force_new()
            .check(validate::role_arn),
            job::triggers_attr(),
        ];
        attrs.extend(job::outcome_attrs("dataset_export_job"));
        attrs
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_dataset_export_job()
            .set_job_name(get_str(plan, "job_name"))
            .set_dataset_arn(get_str(plan, "dataset_arn"))
            .set_ingestion_mode(
                get_str(plan, "ingestion_mode").map(|m| IngestionMode::from(m.as_str())),
            )
            .set_role_arn(get_str(plan, "role_arn"))
            .job_output(
                DatasetExportJobOutput::builder()
                    .s3_data_destination(s3_config(plan, "output_path", "output_kms_key_arn")?)
                    .build(),
            )
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        out.dataset_export_job_arn
            .ok_or_else(|| AwsError::local("CreateDatasetExportJob returned no ARN"))
    }

    type Remote = Job;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_dataset_export_job_by_arn(c, arn).await
    }

    /// The job's attribute values.
    fn flatten(j: &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("job_name".into(), opt_string(j.job_name()));
        o.insert("dataset_arn".into(), opt_string(j.dataset_arn()));
        o.insert(
            "ingestion_mode".into(),
            opt_string(j.ingestion_mode().map(IngestionMode::as_str)),
        );
        o.insert("role_arn".into(), opt_string(j.role_arn()));
        flatten_s3(
            &mut o,
            j.job_output()
                .and_then(DatasetExportJobOutput::s3_data_destination),
            "output_path",
            "output_kms_key_arn",
        );
        o.insert("status".into(), opt_string(j.status()));
        o.insert("failure_reason".into(), opt_string(j.failure_reason()));
        if let Some(arn) = j.dataset_export_job_arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, j.creation_date_time(), j.last_updated_date_time());
        o
    }
}

/// The job as DescribeDatasetExportJob returns it, `None` when it does not exist.
///
/// # Errors
/// When DescribeDatasetExportJob fails otherwise.
pub async fn find_dataset_export_job_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<Job>, AwsError> {
    described(
        c.personalize
            .describe_dataset_export_job()
            .dataset_export_job_arn(arn)
            .send(),
        |o| o.dataset_export_job,
    )
    .await
}
