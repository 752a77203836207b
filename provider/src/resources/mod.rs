//! One file per Personalize resource type (see the folder's README for the common layout).

use std::collections::HashMap;

use tf_provider::DynamicResource;

use crate::framework::resource::Generic;
use crate::provider::ClientSlot;

pub mod campaign;
pub mod common;
pub mod dataset;
pub mod dataset_group;
pub mod dataset_import_job;
pub mod event_tracker;
pub mod filter;
pub mod schema;
pub mod solution;
pub mod solution_version;

/// Every resource, keyed by its name without the `personalize_` prefix.
pub fn all(clients: &ClientSlot) -> HashMap<String, Box<dyn DynamicResource>> {
    let mut m: HashMap<String, Box<dyn DynamicResource>> = HashMap::new();
    m.insert(
        "dataset_group".into(),
        Box::new(Generic::<dataset_group::DatasetGroup>::new(clients)),
    );
    m.insert(
        "schema".into(),
        Box::new(Generic::<schema::Schema>::new(clients)),
    );
    m
}
