//! Reads the walkthrough's data set (`examples/movies/data/`) into [`TrainingData`]: the
//! files are plain comma-separated values without quoting.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::{Interaction, Item, TrainingData, Value};

/// The walkthrough data folder of the repository.
pub fn default_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/movies/data")
}

/// interactions.csv (USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE) and item-meta.csv
/// (ITEM_ID,GENRE,YEAR) from `dir`.
pub fn load(dir: &Path) -> TrainingData {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.join(name).display()))
    };
    let mut data = TrainingData::default();
    for line in read("interactions.csv").lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        data.interactions.push(Interaction {
            user_id: f[0].into(),
            item_id: f[1].into(),
            timestamp: f[2].parse().expect("TIMESTAMP"),
            event_type: f[3].into(),
            event_value: None,
            session_id: None,
            attributes: BTreeMap::new(),
        });
    }
    for line in read("item-meta.csv").lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let mut attributes = BTreeMap::new();
        attributes.insert("GENRE".to_string(), Value::Str(f[1].into()));
        if let Ok(year) = f[2].parse::<f64>() {
            attributes.insert("YEAR".to_string(), Value::Num(year));
        }
        data.items.push(Item {
            item_id: f[0].into(),
            attributes,
        });
    }
    data
}
