//! One file per Personalize resource type, every one with the same shape, in this order:
//!
//! 1. the module doc: what the resource is, what changes in place and what replaces it;
//! 2. the resource type (a unit struct) and its [`ResourceType`] impl, whose items come in one
//!    order: the constants (display name, ARN form, timeouts, whether it updates in place, its
//!    [`Lifecycle`] when it has no delete API), `description`, `attributes`, the plan hooks
//!    (`validate`, `replace_paths`, `create_target`) where needed, `create`, then the finder
//!    and what reads its answer side by side: `type Remote` (the SDK type Describe* returns),
//!    `find` (calls `find_<resource>_by_arn`), `flatten` (the SDK type as attribute values)
//!    and `status` (only where a wait reads something other than the `status` attribute, e.g.
//!    an update's own status through [`wait::during`]), then `update`, `update_waits`,
//!    `update_target`, `delete` (none for a job: see [`job`]) and `equivalent`;
//! 3. the finder `find_<resource>_by_arn(client, arn) -> Result<Option<SdkType>>`, one
//!    Describe* call through [`common::described`] (`None` when Personalize says the resource
//!    does not exist), public for the files and data sources that read another resource;
//! 4. expand helpers (plan values to SDK inputs) and what else the file needs, then unit tests.
//!
//! The waits themselves (until a status, with backoff, timeouts and interrupts) are written
//! once, in the framework ([`wait`], driven by the generic resource through
//! [`ResourceType::observe`]), and so is what destroy does without a delete API
//! ([`Lifecycle::NoDeleteApi`]). [`common`] holds the small conversions every file uses;
//! [`job`] what the four job resources share; [`solution_config`] the large `solution_config`
//! block of `personalize_solution` (its schema, expand/flatten in `convert.rs`, which members
//! force replacement, and its tests).

use std::collections::HashMap;

use tf_provider::DynamicResource;

use crate::framework::resource::{Generic, ResourceType};
#[cfg(doc)]
use crate::framework::{resource::Lifecycle, wait};
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
pub mod job;
pub mod metric_attribution;
pub mod recommender;
pub mod schema;
pub mod solution;
pub mod solution_config;
pub mod solution_version;

fn entry<K: ResourceType>(clients: &ClientSlot) -> Box<dyn DynamicResource> {
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
