//! What the job resources share (dataset import, dataset export, batch inference and batch
//! segment jobs): Personalize has no delete API for them, so each declares
//! [`Lifecycle::NoDeleteApi`] with its `job_name` ([`LIFECYCLE`]) and the framework does the
//! rest (destroy waits for a running job to end and forgets it; a replacement must change
//! `job_name`; a `CREATE FAILED` job stays in state, tainted). This module holds the
//! attributes they repeat ([`name_attr`], [`triggers_attr`], [`outcome_attrs`],
//! [`batch_attrs`]) and, for the two batch jobs, whose SDK types have the same members but no
//! shared trait, the request and the flatten written once (`batch_job_request!`,
//! `flatten_batch_job!`).

use crate::framework::resource::Lifecycle;
use crate::framework::schema::{common_computed, status_attr, tags_attr, Attr, Check, Ty};
use crate::framework::validate;

/// The lifecycle of every job resource: no delete API, `job_name` used once.
pub const LIFECYCLE: Lifecycle = Lifecycle::NoDeleteApi {
    name_attr: "job_name",
};

/// The `triggers` of a job (batch inference, batch segment and dataset export jobs): a change
/// runs a new job, as a solution version's trains a new version.
pub fn triggers_attr() -> Attr {
    Attr::optional(
        "triggers",
        Ty::MapString,
        "Arbitrary values; changing any of them runs a new job (e.g. the ARN of the solution version or import job it follows, or a date). Also kept as `tf-personalize:trigger:KEY` tags on the job when they fit tag rules, so an import reads them back; otherwise an import adopts the configuration's triggers without running a job.",
    )
    .force_new()
    .local()
}

/// The attributes that end every job's list: `failure_reason`, `status`, `tags` and the common
/// computed ones of `resource` (e.g. `batch_segment_job`).
pub fn outcome_attrs(resource: &str) -> Vec<Attr> {
    let mut attrs = vec![
        Attr::computed(
            "failure_reason",
            Ty::String,
            "Why the job failed, if it did.",
        ),
        status_attr(),
        tags_attr(),
    ];
    attrs.extend(common_computed(resource));
    attrs
}

/// The `job_name` argument of every job, described as `doc`.
pub fn name_attr(doc: &'static str) -> Attr {
    Attr::required("job_name", Ty::String, doc)
        .force_new()
        .check(validate::name)
}

/// What the batch jobs (inference and segment) say differently about the arguments they share.
#[derive(Debug, Clone, Copy)]
pub struct BatchArgs {
    /// Description of `solution_version_arn`.
    pub solution_version_arn: &'static str,
    /// Description of `filter_arn`.
    pub filter_arn: &'static str,
    /// Description of `num_results` in the resource.
    pub num_results: &'static str,
    /// Description of `num_results` in the data source.
    pub num_results_reads: &'static str,
    /// The check of `num_results` (its range).
    pub num_results_check: Check,
    /// Description of `input_path` (the lines the job reads).
    pub input_path: &'static str,
}

/// The arguments every batch job has: name, solution version, filter, results per line, then
/// the S3 input and output and the role.
pub fn batch_attrs(args: BatchArgs) -> Vec<Attr> {
    let mut attrs = vec![
        name_attr("Name of the job."),
        Attr::required(
            "solution_version_arn",
            Ty::String,
            args.solution_version_arn,
        )
        .force_new()
        .check(validate::personalize_arn),
        Attr::optional("filter_arn", Ty::String, args.filter_arn)
            .force_new()
            .check(validate::personalize_arn),
        Attr::optional_computed("num_results", Ty::Number, args.num_results)
            .reads(args.num_results_reads)
            .force_new()
            .check(args.num_results_check),
    ];
    attrs.extend(s3_attrs(args.input_path));
    attrs
}

/// The S3 input and output arguments of a batch job.
fn s3_attrs(lines: &'static str) -> Vec<Attr> {
    vec![
        Attr::required("input_path", Ty::String, lines)
            .force_new()
            .check(validate::s3_uri),
        Attr::optional(
            "input_kms_key_arn",
            Ty::String,
            "KMS key that encrypts the input.",
        )
        .force_new()
        .check(validate::arn),
        Attr::required(
            "output_path",
            Ty::String,
            "The S3 folder the job writes to, `s3://bucket/prefix/`: one `<input file>.out` file per input file.",
        )
        .force_new()
        .check(validate::s3_uri),
        Attr::optional(
            "output_kms_key_arn",
            Ty::String,
            "KMS key Personalize encrypts the output with.",
        )
        .force_new()
        .check(validate::arn),
        Attr::required(
            "role_arn",
            Ty::String,
            "IAM role Personalize assumes to read the input and write the output.",
        )
        .force_new()
        .check(validate::role_arn),
    ]
}

/// A Create*Job request builder with the arguments every batch job has set from `plan`
/// (name, solution version, filter, results per line, S3 input and output, role): `$input` and
/// `$output` are the job's SDK input and output types. Used inside a function returning
/// `Result<_, AwsError>`: a missing S3 path returns its error.
macro_rules! batch_job_request {
    ($builder:expr, $plan:expr, $input:ident, $output:ident) => {{
        use $crate::resources::common::{get_i32, get_str, s3_config};
        let plan = $plan;
        $builder
            .set_job_name(get_str(plan, "job_name"))
            .set_solution_version_arn(get_str(plan, "solution_version_arn"))
            .set_filter_arn(get_str(plan, "filter_arn"))
            .set_num_results(get_i32(plan, "num_results"))
            .job_input(
                $input::builder()
                    .s3_data_source(s3_config(plan, "input_path", "input_kms_key_arn")?)
                    .build(),
            )
            .job_output(
                $output::builder()
                    .s3_data_destination(s3_config(plan, "output_path", "output_kms_key_arn")?)
                    .build(),
            )
            .set_role_arn(get_str(plan, "role_arn"))
    }};
}
pub(crate) use batch_job_request;

/// The attribute values every batch job has, from its SDK description `$job` (`$input` and
/// `$output` its SDK input and output types, `$arn` the getter of its ARN). Evaluates to an
/// [`Obj`](crate::framework::value::Obj) the job's own attributes are added to.
macro_rules! flatten_batch_job {
    ($job:expr, $input:ident, $output:ident, $arn:ident) => {{
        use $crate::framework::value::{number, opt_string, string, Obj};
        use $crate::resources::common::{flatten_s3, times};
        let j = $job;
        let mut o = Obj::new();
        o.insert("job_name".into(), opt_string(j.job_name()));
        o.insert(
            "solution_version_arn".into(),
            opt_string(j.solution_version_arn()),
        );
        o.insert("filter_arn".into(), opt_string(j.filter_arn()));
        o.insert(
            "num_results".into(),
            j.num_results()
                .map_or(tf_provider::value::Value::Null, |x| number(f64::from(x))),
        );
        flatten_s3(
            &mut o,
            j.job_input().and_then($input::s3_data_source),
            "input_path",
            "input_kms_key_arn",
        );
        flatten_s3(
            &mut o,
            j.job_output().and_then($output::s3_data_destination),
            "output_path",
            "output_kms_key_arn",
        );
        o.insert("role_arn".into(), opt_string(j.role_arn()));
        o.insert("status".into(), opt_string(j.status()));
        o.insert("failure_reason".into(), opt_string(j.failure_reason()));
        if let Some(arn) = j.$arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, j.creation_date_time(), j.last_updated_date_time());
        o
    }};
}
pub(crate) use flatten_batch_job;
