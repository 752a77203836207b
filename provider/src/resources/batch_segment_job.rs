//! `personalize_batch_segment_job`: user segments for every line of a JSON Lines file in S3
//! (the users most likely to interact with an item, or with items of given attributes),
//! written to S3 by a solution version of a USER_SEGMENTATION recipe (developer guide,
//! "Getting user segments"). Job-like, as `personalize_batch_inference_job`: every argument
//! forces a new job, a change of `triggers` runs a new one, destroy waits for a running job to
//! end and forgets it, a `CREATE FAILED` job fails the apply and stays in state, tainted.

use async_trait::async_trait;
use aws_sdk_personalize::types::{
    BatchSegmentJob as Job, BatchSegmentJobInput, BatchSegmentJobOutput,
};

use super::common::described;
use super::job::{self, batch_job_request, flatten_batch_job};
use crate::framework::error::AwsError;
use crate::framework::resource::{Lifecycle, ResourceType};
use crate::framework::schema::Attr;
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::Obj;
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct BatchSegmentJob;

#[async_trait]
impl ResourceType for BatchSegmentJob {
    const DISPLAY: &'static str = "Batch Segment Job";
    const ARN_FORM: &'static str = "batch-segment-job/NAME";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(6 * 60));
    const UPDATES: bool = false;
    // No DeleteBatchSegmentJob exists: the job is forgotten once it has ended.
    const LIFECYCLE: Lifecycle = job::LIFECYCLE;

    fn description() -> &'static str {
        "An Amazon Personalize batch segment job: the users most likely to interact with each item (or items of given attributes) of a JSON Lines file in S3, written to S3. There is no delete API: destroy forgets the job."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = job::batch_attrs(job::BatchArgs {
            solution_version_arn: "ARN of the ACTIVE solution version of a USER_SEGMENTATION recipe (`aws-item-affinity`, `aws-item-attribute-affinity`).",
            filter_arn: "ARN of a filter on the users of the segments.",
            num_results: "Users per segment (per input line); Personalize chooses when unset.",
            num_results_reads: "Users per segment (per input line).",
            num_results_check: |v| validate::number_in(v, 1.0, f64::from(i32::MAX), true),
            input_path: "The JSON Lines input, `s3://bucket/key` (a file, or a folder ending in `/`): `{\"itemId\"}` (Item-Affinity) or `{\"itemAttributes\"}` (Item-Attribute-Affinity) per line.",
        });
        attrs.push(job::triggers_attr());
        attrs.extend(job::outcome_attrs("batch_segment_job"));
        attrs
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let request = batch_job_request!(
            c.personalize.create_batch_segment_job(),
            plan,
            BatchSegmentJobInput,
            BatchSegmentJobOutput
        );
        let out = request.set_tags(tags::for_create(plan)?).send().await?;
        out.batch_segment_job_arn
            .ok_or_else(|| AwsError::local("CreateBatchSegmentJob returned no ARN"))
    }

    type Remote = Job;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_batch_segment_job_by_arn(c, arn).await
    }

    /// The job's attribute values.
    fn flatten(j: &Self::Remote) -> Obj {
        flatten_batch_job!(
            j,
            BatchSegmentJobInput,
            BatchSegmentJobOutput,
            batch_segment_job_arn
        )
    }
}

/// The job as DescribeBatchSegmentJob returns it, `None` when it does not exist.
///
/// # Errors
/// When DescribeBatchSegmentJob fails otherwise.
pub async fn find_batch_segment_job_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<Job>, AwsError> {
    described(
        c.personalize
            .describe_batch_segment_job()
            .batch_segment_job_arn(arn)
            .send(),
        |o| o.batch_segment_job,
    )
    .await
}
