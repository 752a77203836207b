//! `personalize_batch_segment_job`: user segments for every line of a JSON Lines file in S3
//! (the users most likely to interact with an item, or with items of given attributes),
//! written to S3 by a solution version of a USER_SEGMENTATION recipe (developer guide,
//! "Getting user segments"). Job-like, as `personalize_batch_inference_job`: every argument
//! forces a new job, a change of `triggers` runs a new one, destroy waits for a running job to
//! end and forgets it, a `CREATE FAILED` job fails the apply and stays in state, tainted.

use async_trait::async_trait;
use aws_sdk_personalize::types::{BatchSegmentJobInput, BatchSegmentJobOutput};

use super::batch_inference_job::s3_job_attrs;
use super::common::{
    flatten_s3, get_i32, get_str, job_triggers_attr, not_found_is_none, s3_config, times,
};
use crate::framework::error::AwsError;
use crate::framework::resource::Kind;
use crate::framework::schema::{common_computed, status_attr, tags_attr, Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::{n, opt_s, s, Obj};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct BatchSegmentJob;

#[async_trait]
impl Kind for BatchSegmentJob {
    const DISPLAY: &'static str = "Batch Segment Job";
    const ARN_FORM: &'static str = "batch-segment-job/NAME";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(6 * 60));
    const UPDATES: bool = false;

    fn description() -> &'static str {
        "An Amazon Personalize batch segment job: the users most likely to interact with each item (or items of given attributes) of a JSON Lines file in S3, written to S3. There is no delete API: destroy forgets the job."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("job_name", Ty::String, "Name of the job.")
                .force_new()
                .check(validate::name),
            Attr::required(
                "solution_version_arn",
                Ty::String,
                "ARN of the ACTIVE solution version of a USER_SEGMENTATION recipe (`aws-item-affinity`, `aws-item-attribute-affinity`).",
            )
            .force_new()
            .check(validate::personalize_arn),
            Attr::optional(
                "filter_arn",
                Ty::String,
                "ARN of a filter on the users of the segments.",
            )
            .force_new()
            .check(validate::personalize_arn),
            Attr::optional_computed(
                "num_results",
                Ty::Number,
                "Users per segment (per input line); Personalize chooses when unset.",
            )
            .reads("Users per segment (per input line).")
            .force_new()
            .check(|v| validate::number_in(v, 1.0, f64::from(i32::MAX), true)),
        ];
        attrs.extend(s3_job_attrs(
            "The JSON Lines input, `s3://bucket/key` (a file, or a folder ending in `/`): `{\"itemId\"}` (Item-Affinity) or `{\"itemAttributes\"}` (Item-Attribute-Affinity) per line.",
        ));
        attrs.extend([
            job_triggers_attr(),
            Attr::computed(
                "failure_reason",
                Ty::String,
                "Why the job failed, if it did.",
            ),
            status_attr(),
            tags_attr(),
        ]);
        attrs.extend(common_computed("batch_segment_job"));
        attrs
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_batch_segment_job()
            .set_job_name(get_str(plan, "job_name"))
            .set_solution_version_arn(get_str(plan, "solution_version_arn"))
            .set_filter_arn(get_str(plan, "filter_arn"))
            .set_num_results(get_i32(plan, "num_results"))
            .job_input(
                BatchSegmentJobInput::builder()
                    .s3_data_source(s3_config(plan, "input_path", "input_kms_key_arn")?)
                    .build(),
            )
            .job_output(
                BatchSegmentJobOutput::builder()
                    .s3_data_destination(s3_config(plan, "output_path", "output_kms_key_arn")?)
                    .build(),
            )
            .set_role_arn(get_str(plan, "role_arn"))
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        out.batch_segment_job_arn
            .ok_or_else(|| AwsError::local("CreateBatchSegmentJob returned no ARN"))
    }

    async fn find(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
        find_batch_segment_job_by_arn(c, arn).await
    }

    async fn delete(_c: &Clients, _arn: &str, _state: &Obj) -> Result<(), AwsError> {
        // No DeleteBatchSegmentJob exists: the job is forgotten once it has ended.
        Ok(())
    }

    fn delete_waits() -> bool {
        false
    }

    fn single_use_name() -> Option<&'static str> {
        Some("job_name")
    }
}

/// The job's attributes, `None` when it does not exist.
///
/// # Errors
/// When DescribeBatchSegmentJob fails otherwise.
pub async fn find_batch_segment_job_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<Obj>, AwsError> {
    let out = not_found_is_none(
        c.personalize
            .describe_batch_segment_job()
            .batch_segment_job_arn(arn)
            .send()
            .await
            .map_err(AwsError::from),
    )?;
    Ok(out.and_then(|o| o.batch_segment_job).map(|j| {
        let mut o = Obj::new();
        o.insert("job_name".into(), opt_s(j.job_name()));
        o.insert(
            "solution_version_arn".into(),
            opt_s(j.solution_version_arn()),
        );
        o.insert("filter_arn".into(), opt_s(j.filter_arn()));
        o.insert(
            "num_results".into(),
            j.num_results()
                .map_or(tf_provider::value::Value::Null, |x| n(f64::from(x))),
        );
        flatten_s3(
            &mut o,
            j.job_input().and_then(BatchSegmentJobInput::s3_data_source),
            "input_path",
            "input_kms_key_arn",
        );
        flatten_s3(
            &mut o,
            j.job_output()
                .and_then(BatchSegmentJobOutput::s3_data_destination),
            "output_path",
            "output_kms_key_arn",
        );
        o.insert("role_arn".into(), opt_s(j.role_arn()));
        o.insert("status".into(), opt_s(j.status()));
        o.insert("failure_reason".into(), opt_s(j.failure_reason()));
        if let Some(arn) = j.batch_segment_job_arn() {
            o.insert("arn".into(), s(arn));
        }
        times(&mut o, j.creation_date_time(), j.last_updated_date_time());
        o
    }))
}
