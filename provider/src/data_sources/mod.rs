//! Data sources: read-only lookups a module author reaches for.

use std::collections::HashMap;

use tf_provider::DynamicDataSource;

use crate::provider::ClientSlot;

pub mod by_arn;
pub mod generic;
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
    ]
    .into_iter()
    .map(|(name, d)| (name.to_owned(), d))
    .collect()
}
