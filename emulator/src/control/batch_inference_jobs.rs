//! CreateBatchInferenceJob (Describe and List are the generic ones): the request is checked
//! here, the job runs as its IN_PROGRESS work ([`crate::data::batch`]).

use serde_json::{Map, Value};

use super::records::{
    arn_response, check_job_paths, copy, insert_pending, require_active, str_field, tags_of,
};
use crate::ctx::Ctx;
use crate::data::batch;
use crate::data::influence::RankingInfluence;
use crate::data::runtime::{exploration_of, DEFAULT_NUM_RESULTS, MAX_NUM_RESULTS};
use crate::data::training::recipe_name;
use crate::error::ApiError;
use crate::lifecycle;
use crate::state::{Kind, View};

/// CreateBatchInferenceJob.
///
/// API_CreateBatchInferenceJob and the developer guide's "Getting batch recommendations":
/// the version must be ACTIVE, the job reads JSON Lines from `jobInput` and writes one
/// `.out` file per input file under `jobOutput`. "You can't get batch recommendations with
/// the Trending-Now or Next-Best-Action recipes" (Batch inference job output examples).
/// THEME_GENERATION needs Content Generator, a generative model this emulator does not have:
/// refused rather than answered with made-up themes.
pub async fn create_batch_inference_job(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let name = str_field(input, "jobName");
    let version_arn = str_field(input, "solutionVersionArn").to_owned();
    let mode = input
        .get("batchInferenceJobMode")
        .and_then(Value::as_str)
        .unwrap_or("BATCH_INFERENCE");
    if mode == "THEME_GENERATION" || input.contains_key("themeGenerationConfig") {
        return Err(ApiError::invalid(
            "THEME_GENERATION (themes from Content Generator) is not supported by \
             personalize-local: use batchInferenceJobMode BATCH_INFERENCE without \
             themeGenerationConfig",
        ));
    }
    check_job_paths(input)?;
    let num = input
        .get("numResults")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_NUM_RESULTS as i64);
    if !(1..=MAX_NUM_RESULTS as i64).contains(&num) {
        return Err(ApiError::invalid(format!(
            "numResults must be between 1 and {MAX_NUM_RESULTS}, got {num}"
        )));
    }
    let config = input.get("batchInferenceJobConfig");
    exploration_of(config)?;
    RankingInfluence::from_config(config)
        .map_err(|e| ApiError::invalid(format!("batchInferenceJobConfig: {e}")))?;
    let tags = tags_of(input)?;
    let arn = ctx.arn(&format!("batch-inference-job/{name}"));
    ctx.server.state.mutate(|inner, writes| {
        let version = inner.get(Kind::SolutionVersion, &version_arn)?;
        require_active(version, "Solution version")?;
        let recipe = recipe_name(version.recipe_arn().unwrap_or("")).unwrap_or("");
        batch::check_recipe(recipe).map_err(ApiError::invalid)?;
        let group = version.parent(Kind::DatasetGroup).unwrap_or("").to_owned();
        if let Some(filter_arn) = input.get("filterArn").and_then(Value::as_str) {
            check_filter(inner, filter_arn, &group)?;
        }
        let mut body = copy(
            input,
            &[
                "jobName",
                "solutionVersionArn",
                "filterArn",
                "jobInput",
                "jobOutput",
                "roleArn",
                "batchInferenceJobConfig",
            ],
        );
        body.insert("numResults".into(), num.into());
        body.insert("batchInferenceJobMode".into(), mode.into());
        insert_pending(inner, writes, Kind::BatchInferenceJob, &arn, body, tags)
    })?;
    let work = crate::data::work_for(&ctx.server, Kind::BatchInferenceJob, &arn);
    lifecycle::run_create(&ctx.server, &arn, work).await;
    Ok(arn_response(Kind::BatchInferenceJob, &arn))
}

/// A job's filter must exist, be ACTIVE and filter the version's dataset group.
fn check_filter(inner: &impl View, filter_arn: &str, group: &str) -> Result<(), ApiError> {
    let filter = inner.get(Kind::Filter, filter_arn)?;
    require_active(filter, "Filter")?;
    if filter.parent(Kind::DatasetGroup) != Some(group) {
        return Err(ApiError::invalid(format!(
            "Filter {filter_arn} belongs to another dataset group than the solution version"
        )));
    }
    Ok(())
}
