//! Data sources: read-only lookups a module author reaches for.
//!
//! [`recipe`] looks a recipe up by name; [`by_arn`] has one data source per resource but the
//! import job, read by ARN with the resource's finder and its attributes derived from the
//! resource's (`Mirror`; a unit test compares the schemas), and the newest ACTIVE version of a
//! solution; [`lists`] the plural data sources; [`generic`] wires them to Terraform.

use std::collections::HashMap;

use tf_provider::DynamicDataSource;

use crate::provider::ClientSlot;
use crate::resources::{
    batch_inference_job, batch_segment_job, campaign, dataset, dataset_export_job, dataset_group,
    event_tracker, filter, metric_attribution, recommender, schema, solution, solution_version,
};

pub mod by_arn;
pub mod generic;
pub mod lists;
pub mod recipe;

use by_arn::Mirror;
use generic::{DataKind, GenericData};

fn entry<D: DataKind>(clients: &ClientSlot) -> Box<dyn DynamicDataSource> {
    Box::new(GenericData::<D>::new(clients))
}

/// Every data source, keyed by its name without the `personalize_` prefix.
pub fn all(clients: &ClientSlot) -> HashMap<String, Box<dyn DynamicDataSource>> {
    [
        ("recipe", entry::<recipe::Recipe>(clients)),
        ("campaign", entry::<Mirror<campaign::Campaign>>(clients)),
        (
            "dataset_group",
            entry::<Mirror<dataset_group::DatasetGroup>>(clients),
        ),
        (
            "event_tracker",
            entry::<Mirror<event_tracker::EventTracker>>(clients),
        ),
        ("solution", entry::<Mirror<solution::Solution>>(clients)),
        (
            "solution_version",
            entry::<Mirror<solution_version::SolutionVersion>>(clients),
        ),
        ("schema", entry::<Mirror<schema::Schema>>(clients)),
        ("dataset", entry::<Mirror<dataset::Dataset>>(clients)),
        ("filter", entry::<Mirror<filter::Filter>>(clients)),
        (
            "recommender",
            entry::<Mirror<recommender::Recommender>>(clients),
        ),
        (
            "active_solution_version",
            entry::<by_arn::ActiveSolutionVersionData>(clients),
        ),
        ("dataset_groups", entry::<lists::DatasetGroupsData>(clients)),
        ("schemas", entry::<lists::SchemasData>(clients)),
        ("datasets", entry::<lists::DatasetsData>(clients)),
        (
            "dataset_import_jobs",
            entry::<lists::DatasetImportJobsData>(clients),
        ),
        ("solutions", entry::<lists::SolutionsData>(clients)),
        (
            "solution_versions",
            entry::<lists::SolutionVersionsData>(clients),
        ),
        ("campaigns", entry::<lists::CampaignsData>(clients)),
        ("event_trackers", entry::<lists::EventTrackersData>(clients)),
        ("filters", entry::<lists::FiltersData>(clients)),
        ("recommenders", entry::<lists::RecommendersData>(clients)),
        (
            "metric_attribution",
            entry::<Mirror<metric_attribution::MetricAttribution>>(clients),
        ),
        (
            "batch_inference_job",
            entry::<Mirror<batch_inference_job::BatchInferenceJob>>(clients),
        ),
        (
            "batch_segment_job",
            entry::<Mirror<batch_segment_job::BatchSegmentJob>>(clients),
        ),
        (
            "dataset_export_job",
            entry::<Mirror<dataset_export_job::DatasetExportJob>>(clients),
        ),
        (
            "metric_attributions",
            entry::<lists::MetricAttributionsData>(clients),
        ),
        (
            "batch_inference_jobs",
            entry::<lists::BatchInferenceJobsData>(clients),
        ),
        (
            "batch_segment_jobs",
            entry::<lists::BatchSegmentJobsData>(clients),
        ),
        (
            "dataset_export_jobs",
            entry::<lists::DatasetExportJobsData>(clients),
        ),
    ]
    .into_iter()
    .map(|(name, d)| (name.to_owned(), d))
    .collect()
}
