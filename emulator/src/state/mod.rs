//! The core: every resource as a [`Record`], imported rows, the event/item/user logs of each
//! dataset group, and the one way to change them ([`State::mutate`]), which writes the change
//! through to the embedded database before the caller acknowledges it.
//!
//! A record's `body` is the resource exactly as Describe answers it (the model's shape, e.g.
//! `DatasetGroup`); List answers project it onto the summary shape. What the service keeps but
//! does not show (training watermarks, tags) lives beside the body.

mod store;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use personalize_recommender::{Interaction, Item, Model, User};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ApiError;
pub use store::Store;

/// The resource kinds of the control plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// `dataset-group/NAME`
    DatasetGroup,
    /// `schema/NAME`
    Schema,
    /// `dataset/DSG/TYPE`
    Dataset,
    /// `dataset-import-job/NAME`
    DatasetImportJob,
    /// `solution/NAME`
    Solution,
    /// `solution/NAME/VERSION`
    SolutionVersion,
    /// `campaign/NAME`
    Campaign,
    /// `event-tracker/ID`
    EventTracker,
    /// `filter/NAME`
    Filter,
}

impl Kind {
    /// Every kind, in dependency order (parents first).
    pub const ALL: [Kind; 9] = [
        Kind::DatasetGroup,
        Kind::Schema,
        Kind::Dataset,
        Kind::DatasetImportJob,
        Kind::Solution,
        Kind::SolutionVersion,
        Kind::Campaign,
        Kind::EventTracker,
        Kind::Filter,
    ];

    /// The member holding the resource's ARN (`datasetGroupArn`...).
    pub fn arn_member(self) -> &'static str {
        match self {
            Kind::DatasetGroup => "datasetGroupArn",
            Kind::Schema => "schemaArn",
            Kind::Dataset => "datasetArn",
            Kind::DatasetImportJob => "datasetImportJobArn",
            Kind::Solution => "solutionArn",
            Kind::SolutionVersion => "solutionVersionArn",
            Kind::Campaign => "campaignArn",
            Kind::EventTracker => "eventTrackerArn",
            Kind::Filter => "filterArn",
        }
    }

    /// The operation-name stem (`DescribeDatasetGroup`, `ListDatasetGroups`).
    pub fn op_name(self) -> &'static str {
        match self {
            Kind::DatasetGroup => "DatasetGroup",
            Kind::Schema => "Schema",
            Kind::Dataset => "Dataset",
            Kind::DatasetImportJob => "DatasetImportJob",
            Kind::Solution => "Solution",
            Kind::SolutionVersion => "SolutionVersion",
            Kind::Campaign => "Campaign",
            Kind::EventTracker => "EventTracker",
            Kind::Filter => "Filter",
        }
    }

    /// The ARN resource segment (`dataset-group`).
    pub fn arn_segment(self) -> &'static str {
        match self {
            Kind::DatasetGroup => "dataset-group",
            Kind::Schema => "schema",
            Kind::Dataset => "dataset",
            Kind::DatasetImportJob => "dataset-import-job",
            Kind::Solution | Kind::SolutionVersion => "solution",
            Kind::Campaign => "campaign",
            Kind::EventTracker => "event-tracker",
            Kind::Filter => "filter",
        }
    }
}

/// One resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// What it is.
    pub kind: Kind,
    /// Creation order, for stable List order.
    pub seq: u64,
    /// The Describe shape.
    pub body: Map<String, Value>,
    /// Tags (TagResource / `tags` at creation).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Log watermarks of a solution version: which events/items training saw.
    #[serde(default)]
    pub trained_seq: u64,
}

impl Record {
    /// A string member of the body.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }

    /// The `status` member (empty when the kind has none).
    pub fn status(&self) -> &str {
        self.str("status").unwrap_or("")
    }

    /// Sets status and `lastUpdatedDateTime`.
    pub fn set_status(&mut self, status: &str) {
        self.body.insert("status".into(), status.into());
        self.touch();
    }

    /// Sets `lastUpdatedDateTime` to now.
    pub fn touch(&mut self) {
        self.body.insert("lastUpdatedDateTime".into(), now_value());
    }
}

/// Imported rows of one dataset.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Rows {
    /// An Interactions dataset.
    Interactions(Vec<Interaction>),
    /// An Items dataset.
    Items(Vec<Item>),
    /// A Users dataset.
    Users(Vec<User>),
}

/// One entry of a dataset group's log (PutEvents, PutItems, PutUsers).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LogEntry {
    /// An event; `dedup` is `trackingId/eventId` when the caller gave an eventId.
    Event {
        /// Deduplication key.
        dedup: Option<String>,
        /// The interaction.
        interaction: Interaction,
    },
    /// An item added or replaced through PutItems.
    Item(Item),
    /// A user added or replaced through PutUsers.
    User(User),
    /// An event whose `trackingId/eventId` was already stored: kept for the real-time path
    /// (the user's recent events) and left out of training, as the PutEvents reference says
    /// of `eventId`: "Any subsequent events after the first with the same event ID are not
    /// used in model training" (API_UBS_Event, Amazon Personalize API reference). Appended
    /// last, so logs written before it still decode (postcard numbers the variants).
    Repeat {
        /// Deduplication key of the first event with this id.
        dedup: String,
        /// The interaction as sent again.
        interaction: Interaction,
    },
}

/// The log of one dataset group, with the indexes serving needs.
#[derive(Debug, Default)]
pub struct GroupLog {
    /// (sequence number, entry), oldest first.
    pub entries: Vec<(u64, LogEntry)>,
    /// Event positions in `entries` per user.
    pub by_user: HashMap<String, Vec<usize>>,
    /// Deduplication keys seen.
    pub seen: HashSet<String>,
    /// Positions of PutItems entries in `entries` (serving scans only these).
    pub items: Vec<usize>,
}

impl GroupLog {
    /// Appends an entry, updating the indexes.
    pub fn push(&mut self, seq: u64, entry: LogEntry) {
        let event = match &entry {
            LogEntry::Event { dedup, interaction } => Some((dedup.as_ref(), interaction)),
            LogEntry::Repeat { dedup, interaction } => Some((Some(dedup), interaction)),
            _ => None,
        };
        if let Some((dedup, interaction)) = event {
            if let Some(key) = dedup {
                self.seen.insert(key.clone());
            }
            self.by_user
                .entry(interaction.user_id.clone())
                .or_default()
                .push(self.entries.len());
        }
        if matches!(entry, LogEntry::Item(_)) {
            self.items.push(self.entries.len());
        }
        self.entries.push((seq, entry));
    }

    /// Items put with a sequence number above `after`, oldest first.
    pub fn items_after(&self, after: u64) -> Vec<Item> {
        let start = self.items.partition_point(|&i| self.entries[i].0 <= after);
        self.items[start..]
            .iter()
            .filter_map(|&i| match &self.entries[i].1 {
                LogEntry::Item(item) => Some(item.clone()),
                _ => None,
            })
            .collect()
    }

    /// Events of `user` with a sequence number above `after`, oldest first.
    pub fn user_events_after(&self, user: &str, after: u64) -> Vec<Interaction> {
        self.by_user
            .get(user)
            .into_iter()
            .flatten()
            .filter_map(|&i| match &self.entries[i] {
                (
                    seq,
                    LogEntry::Event { interaction, .. } | LogEntry::Repeat { interaction, .. },
                ) if *seq > after => Some(interaction.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Everything in memory.
#[derive(Debug, Default)]
pub struct Inner {
    /// Resources by ARN.
    pub records: BTreeMap<String, Record>,
    /// Next sequence number (records and log entries share it).
    pub next_seq: u64,
    /// Imported rows by dataset ARN.
    pub rows: HashMap<String, Rows>,
    /// Logs by dataset group ARN.
    pub logs: HashMap<String, GroupLog>,
}

impl Inner {
    /// A fresh sequence number.
    pub fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// The record at `arn` if it is of `kind`.
    pub fn get(&self, kind: Kind, arn: &str) -> Result<&Record, ApiError> {
        self.records
            .get(arn)
            .filter(|r| r.kind == kind)
            .ok_or_else(|| ApiError::not_found(arn))
    }

    /// Records of `kind` whose body member `key` equals `value`.
    pub fn children<'a>(
        &'a self,
        kind: Kind,
        key: &'a str,
        value: &'a str,
    ) -> impl Iterator<Item = &'a Record> + 'a {
        self.records
            .values()
            .filter(move |r| r.kind == kind && r.str(key) == Some(value))
    }
}

/// A change to persist, collected during [`State::mutate`].
#[derive(Debug)]
pub enum Write {
    /// Put or delete a record.
    Record(String, Option<Record>),
    /// Put or delete a dataset's rows.
    Rows(String, Option<Rows>),
    /// Append a log entry of a dataset group.
    Log(String, u64, LogEntry),
    /// Drop a dataset group's whole log.
    DropLog(String),
    /// Store a trained model.
    Model(String, Vec<u8>),
    /// Delete a trained model.
    DropModel(String),
}

/// Collected writes of one mutation.
#[derive(Debug, Default)]
pub struct Writes(pub Vec<Write>);

impl Writes {
    /// Persist `record` (a clone of the current in-memory value).
    pub fn record(&mut self, inner: &Inner, arn: &str) {
        self.0.push(Write::Record(
            arn.to_owned(),
            inner.records.get(arn).cloned(),
        ));
    }

    /// Persist any other change.
    pub fn push(&mut self, write: Write) {
        self.0.push(write);
    }
}

/// The shared state of one server.
#[derive(Debug)]
pub struct State {
    inner: Mutex<Inner>,
    /// Serialises mutations with their disk commit, so a later snapshot never lands before an
    /// earlier one; readers only take `inner`.
    write_lock: Mutex<()>,
    store: Option<Store>,
    models: Mutex<HashMap<String, Arc<Model>>>,
}

impl State {
    /// Memory-only state, or state loaded from `state_dir`.
    ///
    /// # Errors
    /// When the database cannot be opened or holds unreadable data.
    pub fn open(state_dir: Option<&Path>) -> anyhow::Result<Self> {
        let (inner, store) = match state_dir {
            Some(dir) => {
                let store = Store::open(dir)?;
                (store.load()?, Some(store))
            }
            None => (Inner::default(), None),
        };
        Ok(Self {
            inner: Mutex::new(inner),
            write_lock: Mutex::new(()),
            store,
            models: Mutex::new(HashMap::new()),
        })
    }

    /// Read access.
    pub fn read(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the state and makes its writes durable before returning. `f` returning an
    /// error must not have changed anything.
    pub fn mutate<R>(
        &self,
        f: impl FnOnce(&mut Inner, &mut Writes) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let _serial = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut writes = Writes::default();
        let result = {
            let mut inner = self.read();
            f(&mut inner, &mut writes)?
        };
        if let Some(store) = &self.store {
            if let Err(e) = store.commit(writes.0) {
                // The change is in memory but not on disk; refuse to acknowledge it.
                tracing::error!("persisting state failed: {e:#}");
                return Err(ApiError::new(
                    crate::error::ErrorKind::Internal,
                    format!("state could not be persisted: {e}"),
                ));
            }
        }
        Ok(result)
    }

    /// The trained model of a solution version (cached; loaded from the store after restart).
    pub fn model(&self, version_arn: &str) -> Option<Arc<Model>> {
        if let Some(m) = self
            .models
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(version_arn)
        {
            return Some(m.clone());
        }
        let bytes = self.store.as_ref()?.model(version_arn).ok()??;
        let model = Arc::new(Model::from_bytes(&bytes).ok()?);
        self.cache_model(version_arn, model.clone());
        Some(model)
    }

    /// Keeps a model in memory.
    pub fn cache_model(&self, version_arn: &str, model: Arc<Model>) {
        self.models
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(version_arn.to_owned(), model);
    }
}

/// Seconds since the epoch as AWS JSON protocols send timestamps (fractional milliseconds).
pub fn now_value() -> Value {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let ms = d.as_millis() as f64 / 1000.0;
    Value::from(ms)
}

/// Whole seconds since the epoch.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(user: &str) -> LogEntry {
        LogEntry::Event {
            dedup: Some(format!("t/{user}")),
            interaction: Interaction {
                user_id: user.into(),
                item_id: "i".into(),
                timestamp: 1,
                event_type: "click".into(),
                event_value: None,
                session_id: None,
                attributes: BTreeMap::new(),
            },
        }
    }

    #[test]
    fn user_events_after_watermark() {
        let mut log = GroupLog::default();
        log.push(1, event("a"));
        log.push(
            2,
            LogEntry::Item(Item {
                item_id: "x".into(),
                attributes: BTreeMap::new(),
            }),
        );
        log.push(3, event("a"));
        log.push(4, event("b"));
        assert_eq!(log.user_events_after("a", 0).len(), 2);
        assert_eq!(log.user_events_after("a", 1).len(), 1);
        assert_eq!(log.user_events_after("b", 4).len(), 0);
        assert!(log.seen.contains("t/a"));
        // A repeated eventId still reaches the user's real-time events.
        let LogEntry::Event { interaction, .. } = event("b") else {
            unreachable!()
        };
        log.push(
            5,
            LogEntry::Repeat {
                dedup: "t/b".into(),
                interaction,
            },
        );
        assert_eq!(log.user_events_after("b", 4).len(), 1);
        assert_eq!(log.items_after(1).len(), 1);
        assert_eq!(log.items_after(2).len(), 0);
    }
}
