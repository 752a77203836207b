//! The control plane, one file per resource kind, named after it (`campaigns`,
//! `event_trackers`, `solution_versions`...): each holds the kind's Create (and Update, Stop,
//! Start) rules. What every kind shares lives beside them:
//! - this file: the operation dispatch;
//! - [`records`]: a new resource entering the store (ARN, timestamps, status, tags), and the
//!   input helpers every Create uses (the typed views of the record fields that drive
//!   behaviour, parents, status and a campaign's version, are [`crate::state::Record`]'s);
//! - [`generic`]: Describe, List (filters, pagination) and Delete (dependency checks, what a
//!   delete removes with it) for every kind;
//! - [`tags`]: TagResource, UntagResource, ListTagsForResource;
//! - [`resume`]: what of each kind's lifecycles resumes after a restart, the one table
//!   [`crate::lifecycle::resume`] consults.
//!
//! [`recipes`] answers the read-only catalogue (recipes, algorithms, feature transformations)
//! and [`domains`] holds the domain dataset groups' use cases.

pub mod batch_inference_jobs;
pub mod batch_segment_jobs;
pub mod campaigns;
pub mod data_deletion_jobs;
pub mod dataset_export_jobs;
pub mod dataset_groups;
pub mod dataset_import_jobs;
pub mod datasets;
pub mod domains;
pub mod event_trackers;
pub mod filters;
pub mod generic;
pub mod metric_attributions;
pub mod recipes;
pub mod recommenders;
pub mod records;
pub mod resume;
pub mod schemas;
pub mod solution_versions;
pub mod solutions;
pub mod tags;

use serde_json::Value;

use crate::ctx::Ctx;
use crate::error::{ApiError, ErrorKind};
use crate::state::Kind;

/// Runs control-plane operation `op` on validated `input`.
///
/// # Errors
/// The operation's AWS errors.
pub async fn dispatch(ctx: &Ctx, op: &str, input: Value) -> Result<Value, ApiError> {
    let input = input.as_object().cloned().unwrap_or_default();
    if ctx.server.config.strict_quotas {
        // Checked before the operation's own transaction: two creates racing at the last
        // free place may both pass, where AWS would refuse one.
        if let Some(kind) = kind_of_op(op, "Create", "") {
            crate::quotas::check_count(&*ctx.server.state.read(), kind, &ctx.region)?;
        }
    }
    match op {
        "CreateDatasetGroup" => dataset_groups::create_dataset_group(ctx, &input).await,
        "CreateSchema" => schemas::create_schema(ctx, &input),
        "CreateDataset" => datasets::create_dataset(ctx, &input).await,
        "UpdateDataset" => datasets::update_dataset(ctx, &input).await,
        "CreateDatasetImportJob" => dataset_import_jobs::create_import_job(ctx, &input).await,
        "CreateSolution" => solutions::create_solution(ctx, &input).await,
        "UpdateSolution" => solutions::update_solution(ctx, &input).await,
        "CreateSolutionVersion" => solution_versions::create_solution_version(ctx, &input).await,
        "StopSolutionVersionCreation" => solution_versions::stop_solution_version(ctx, &input),
        "GetSolutionMetrics" => solution_versions::get_solution_metrics(ctx, &input).await,
        "ListRecipes" => recipes::list_recipes(ctx, &input),
        "DescribeRecipe" => recipes::describe_recipe(ctx, &input),
        "DescribeAlgorithm" => recipes::describe_algorithm(ctx, &input),
        "DescribeFeatureTransformation" => recipes::describe_feature_transformation(ctx, &input),
        "CreateCampaign" => campaigns::create_campaign(ctx, &input).await,
        "UpdateCampaign" => campaigns::update_campaign(ctx, &input).await,
        "CreateEventTracker" => event_trackers::create_event_tracker(ctx, &input).await,
        "CreateFilter" => filters::create_filter(ctx, &input).await,
        "CreateRecommender" => recommenders::create_recommender(ctx, &input).await,
        "UpdateRecommender" => recommenders::update_recommender(ctx, &input).await,
        "StopRecommender" => recommenders::stop_recommender(ctx, &input).await,
        "StartRecommender" => recommenders::start_recommender(ctx, &input).await,
        "CreateMetricAttribution" => {
            metric_attributions::create_metric_attribution(ctx, &input).await
        }
        "UpdateMetricAttribution" => metric_attributions::update_metric_attribution(ctx, &input),
        "ListMetricAttributionMetrics" => {
            metric_attributions::list_metric_attribution_metrics(ctx, &input)
        }
        "CreateBatchInferenceJob" => {
            batch_inference_jobs::create_batch_inference_job(ctx, &input).await
        }
        "CreateBatchSegmentJob" => batch_segment_jobs::create_batch_segment_job(ctx, &input).await,
        "CreateDatasetExportJob" => {
            dataset_export_jobs::create_dataset_export_job(ctx, &input).await
        }
        "CreateDataDeletionJob" => data_deletion_jobs::create_data_deletion_job(ctx, &input).await,
        "TagResource" => tags::tag_resource(ctx, &input),
        "UntagResource" => tags::untag_resource(ctx, &input),
        "ListTagsForResource" => tags::list_tags(ctx, &input),
        _ => {
            if let Some(kind) = kind_of_op(op, "Describe", "") {
                generic::describe(ctx, op, kind, &input)
            } else if let Some(kind) = kind_of_op(op, "List", "s") {
                generic::list(ctx, op, kind, &input)
            } else if let Some(kind) = kind_of_op(op, "Delete", "") {
                generic::delete(ctx, kind, &input).await
            } else {
                Err(ApiError::new(
                    ErrorKind::Unsupported,
                    format!("{op} is not supported by personalize-local"),
                ))
            }
        }
    }
}

fn kind_of_op(op: &str, verb: &str, plural: &str) -> Option<Kind> {
    let stem = op.strip_prefix(verb)?.strip_suffix(plural)?;
    Kind::ALL.into_iter().find(|k| k.op_name() == stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_names_map_to_kinds() {
        assert_eq!(
            kind_of_op("ListDatasetGroups", "List", "s"),
            Some(Kind::DatasetGroup)
        );
        assert_eq!(
            kind_of_op("DescribeSolutionVersion", "Describe", ""),
            Some(Kind::SolutionVersion)
        );
        assert_eq!(
            kind_of_op("DeleteSolutionVersion", "Delete", ""),
            Some(Kind::SolutionVersion)
        );
        assert_eq!(kind_of_op("DescribeAlgorithm", "Describe", ""), None);
    }
}
