//! One file per Personalize resource type, always in the same order: the attribute list, the
//! [`Kind`] impl (create, find, update, delete), the finder `find_<resource>_by_arn`,
//! flatten/expand helpers, then unit tests. [`common`] holds the small conversions they share;
//! [`solution_config`] the large `solution_config` block of `personalize_solution` (its schema,
//! expand/flatten in `convert.rs`, which members force replacement, and its tests).

use std::collections::HashMap;

use tf_provider::DynamicResource;

use crate::framework::resource::{Generic, Kind};
use crate::provider::ClientSlot;

pub mod batch_inference_job;
pub mod batch_segment_job;
pub mod campaign;
pub mod common;
pub mod dataset;
pub mod dataset_export_job;
pub mod dataset_group;
pub mod dataset_import_job;
pub mod event_tracker;
pub mod filter;
pub mod metric_attribution;
pub mod recommender;
pub mod schema;
pub mod solution;
pub mod solution_config;
pub mod solution_version;

fn entry<K: Kind>(clients: &ClientSlot) -> Box<dyn DynamicResource> {
    Box::new(Generic::<K>::new(clients))
}

/// Every resource, keyed by its name without the `personalize_` prefix.
pub fn all(clients: &ClientSlot) -> HashMap<String, Box<dyn DynamicResource>> {
    [
        (
            "dataset_group",
            entry::<dataset_group::DatasetGroup>(clients),
        ),
        ("schema", entry::<schema::Schema>(clients)),
        ("dataset", entry::<dataset::Dataset>(clients)),
        (
            "dataset_import_job",
            entry::<dataset_import_job::DatasetImportJob>(clients),
        ),
        ("solution", entry::<solution::Solution>(clients)),
        (
            "solution_version",
            entry::<solution_version::SolutionVersion>(clients),
        ),
        ("campaign", entry::<campaign::Campaign>(clients)),
        (
            "event_tracker",
            entry::<event_tracker::EventTracker>(clients),
        ),
        ("filter", entry::<filter::Filter>(clients)),
        ("recommender", entry::<recommender::Recommender>(clients)),
        (
            "metric_attribution",
            entry::<metric_attribution::MetricAttribution>(clients),
        ),
        (
            "batch_inference_job",
            entry::<batch_inference_job::BatchInferenceJob>(clients),
        ),
        (
            "batch_segment_job",
            entry::<batch_segment_job::BatchSegmentJob>(clients),
        ),
        (
            "dataset_export_job",
            entry::<dataset_export_job::DatasetExportJob>(clients),
        ),
    ]
    .into_iter()
    .map(|(name, resource)| (name.to_owned(), resource))
    .collect()
}
