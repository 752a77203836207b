//! One file per Personalize resource type, every one with the same shape, in this order:
//!
//! 1. the module doc: what the resource is, what changes in place and what replaces it;
//! 2. the resource type (a unit struct) and its [`ResourceType`] impl: constants (display name,
//!    ARN form, timeouts, whether it updates in place, and its [`Lifecycle`]), description,
//!    attributes, then the AWS calls: `create`, `find`, `status` (only where the wait reads
//!    something other than `status`), `update`, `delete` (none for a job: see [`job`]);
//! 3. the finder `find_<resource>_by_arn(client, arn) -> Result<Option<SdkType>>`: the
//!    Describe* call, `None` when Personalize says the resource does not exist;
//! 4. `flatten(&SdkType) -> Obj`: the SDK type as attribute values (the trait's `find` is the
//!    finder followed by `flatten`), and a `status(&SdkType, ...)` function where the resource
//!    waits on a status other than its own;
//! 5. expand helpers (plan values to SDK inputs), then unit tests.
//!
//! The waits themselves (until a status, with backoff, timeouts and interrupts) are written
//! once, in the framework ([`crate::framework::wait`], called by the generic resource), and so
//! is what destroy does without a delete API ([`Lifecycle::NoDeleteApi`]). [`common`] holds the
//! small conversions every file uses; [`job`] what the four job resources share;
//! [`solution_config`] the large `solution_config` block of `personalize_solution` (its schema,
//! expand/flatten in `convert.rs`, which members force replacement, and its tests).

use std::collections::HashMap;

use tf_provider::DynamicResource;

#[cfg(doc)]
use crate::framework::resource::Lifecycle;
use crate::framework::resource::{Generic, ResourceType};
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
