//! Data sources: read-only lookups a module author reaches for.

use std::collections::HashMap;

use tf_provider::DynamicDataSource;

use crate::provider::ClientSlot;

/// Every data source, keyed by its name without the `personalize_` prefix.
pub fn all(clients: &ClientSlot) -> HashMap<String, Box<dyn DynamicDataSource>> {
    let _ = clients;
    HashMap::new()
}
