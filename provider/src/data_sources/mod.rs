//! Data sources: read-only lookups a module author reaches for.

use std::collections::HashMap;

use tf_provider::DynamicDataSource;

use crate::provider::ClientSlot;
use crate::resources::{dataset, filter, schema};

pub mod by_arn;
pub mod generic;
pub mod lists;
pub mod recipe;

use generic::{DataKind, GenericData};

fn entry<D: DataKind>(clients: &ClientSlot) -> Box<dyn DynamicDataSource> {
    Box::new(GenericData::<D>::new(clients))
}

/// Every data source, keyed by its name without the `personalize_` prefix.
pub fn all(clients: &ClientSlot) -> HashMap<String, Box<dyn DynamicDataSource>> {
    [
        ("recipe", entry::<recipe::Recipe>(clients)),
        ("campaign", entry::<by_arn::CampaignData>(clients)),
        ("dataset_group", entry::<by_arn::DatasetGroupData>(clients)),
        ("event_tracker", entry::<by_arn::EventTrackerData>(clients)),
        ("solution", entry::<by_arn::SolutionData>(clients)),
        (
            "solution_version",
            entry::<by_arn::SolutionVersionData>(clients),
        ),
        ("schema", entry::<by_arn::Mirror<schema::Schema>>(clients)),
        (
            "dataset",
            entry::<by_arn::Mirror<dataset::Dataset>>(clients),
        ),
        ("filter", entry::<by_arn::Mirror<filter::Filter>>(clients)),
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
    ]
    .into_iter()
    .map(|(name, d)| (name.to_owned(), d))
    .collect()
}
