//! The core: every resource as a [`Record`], imported rows, the event/item/user logs of each
//! dataset group, and the one way to change them ([`State::mutate`]).
//!
//! A change is atomic and durable before anyone sees it: the mutation runs on a [`Txn`] (a
//! staged copy of the records over the committed rows and logs, which readers keep reading),
//! its [`Write`]s are committed to the embedded database, and only then are they applied to
//! memory, in one short exclusive section. A failed commit changes nothing, in memory or on
//! disk, and readers never wait for a commit (only for that short apply).
//!
//! A record's `body` is the resource exactly as Describe answers it (the model's shape, e.g.
//! `DatasetGroup`); List answers project it onto the summary shape. What the service keeps but
//! does not show (training watermarks, tags) lives beside the body.

mod store;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Deref;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use personalize_recommender::actions::ActionModel;
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
    /// `recommender/NAME` (appended last: stored records number the variants)
    Recommender,
    /// `metric-attribution/NAME` (one per dataset group). Appended last, so stored records of
    /// older builds still decode (postcard numbers the variants).
    MetricAttribution,
    /// `batch-inference-job/NAME`
    BatchInferenceJob,
    /// `dataset-export-job/NAME`
    DatasetExportJob,
    /// `data-deletion-job/NAME`
    DataDeletionJob,
    /// `batch-segment-job/NAME`
    BatchSegmentJob,
}

impl Kind {
    /// Every kind, in dependency order (parents first).
    pub const ALL: [Kind; 15] = [
        Kind::DatasetGroup,
        Kind::Schema,
        Kind::Dataset,
        Kind::DatasetImportJob,
        Kind::Solution,
        Kind::SolutionVersion,
        Kind::Campaign,
        Kind::EventTracker,
        Kind::Filter,
        Kind::Recommender,
        Kind::MetricAttribution,
        Kind::BatchInferenceJob,
        Kind::DatasetExportJob,
        Kind::DataDeletionJob,
        Kind::BatchSegmentJob,
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
            Kind::Recommender => "recommenderArn",
            Kind::MetricAttribution => "metricAttributionArn",
            Kind::BatchInferenceJob => "batchInferenceJobArn",
            Kind::DatasetExportJob => "datasetExportJobArn",
            Kind::DataDeletionJob => "dataDeletionJobArn",
            Kind::BatchSegmentJob => "batchSegmentJobArn",
        }
    }

    /// The kinds a record of this kind names as its parents, each in the parent's ARN member
    /// (a dataset's `datasetGroupArn` and `schemaArn`): what List filters, dependency checks
    /// and cascading deletes follow ([`Record::parent`]). A campaign's solution is not among
    /// them: it names a version, and reaches the solution through it
    /// ([`Record::serves_solution`]).
    pub fn parents(self) -> &'static [Kind] {
        match self {
            Kind::DatasetGroup | Kind::Schema => &[],
            Kind::Dataset => &[Kind::DatasetGroup, Kind::Schema],
            Kind::DatasetImportJob | Kind::DatasetExportJob => &[Kind::Dataset],
            Kind::Solution => &[Kind::DatasetGroup],
            Kind::SolutionVersion => &[Kind::Solution, Kind::DatasetGroup],
            Kind::Campaign | Kind::BatchInferenceJob | Kind::BatchSegmentJob => {
                &[Kind::SolutionVersion]
            }
            Kind::EventTracker
            | Kind::Filter
            | Kind::Recommender
            | Kind::MetricAttribution
            | Kind::DataDeletionJob => &[Kind::DatasetGroup],
        }
    }

    /// The kind whose ARN member is `member` (`datasetGroupArn` -> [`Kind::DatasetGroup`]).
    pub fn of_arn_member(member: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.arn_member() == member)
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
            Kind::Recommender => "Recommender",
            Kind::MetricAttribution => "MetricAttribution",
            Kind::BatchInferenceJob => "BatchInferenceJob",
            Kind::DatasetExportJob => "DatasetExportJob",
            Kind::DataDeletionJob => "DataDeletionJob",
            Kind::BatchSegmentJob => "BatchSegmentJob",
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
            Kind::Recommender => "recommender",
            Kind::MetricAttribution => "metric-attribution",
            Kind::BatchInferenceJob => "batch-inference-job",
            Kind::DatasetExportJob => "dataset-export-job",
            Kind::DataDeletionJob => "data-deletion-job",
            Kind::BatchSegmentJob => "batch-segment-job",
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

    /// The record's own ARN (its kind's ARN member).
    pub fn arn(&self) -> &str {
        self.str(self.kind.arn_member()).unwrap_or("")
    }

    /// The ARN of this record's parent of kind `parent`, when its kind names one
    /// ([`Kind::parents`]).
    pub fn parent(&self, parent: Kind) -> Option<&str> {
        if self.kind.parents().contains(&parent) {
            self.str(parent.arn_member())
        } else {
            None
        }
    }

    /// The recipe a solution, solution version or recommender was created with (its
    /// `recipeArn`); `None` for other kinds.
    pub fn recipe_arn(&self) -> Option<&str> {
        match self.kind {
            Kind::Solution | Kind::SolutionVersion | Kind::Recommender => self.str("recipeArn"),
            _ => None,
        }
    }

    /// The solution version a campaign deploys: its `solutionVersionArn`, a version or the
    /// `SOLUTION/$LATEST` form that follows the newest ACTIVE one. `None` for other kinds.
    pub fn deployed_version(&self) -> Option<&str> {
        if self.kind == Kind::Campaign {
            self.parent(Kind::SolutionVersion)
        } else {
            None
        }
    }

    /// The solution versions a campaign serves: its `solutionVersionArn`, and while an update
    /// is pending the update's (what it serves once the update is ACTIVE). Empty for other
    /// kinds.
    pub fn served_versions(&self) -> impl Iterator<Item = &str> {
        let campaign = self.kind == Kind::Campaign;
        [
            self.deployed_version(),
            self.body
                .get("latestCampaignUpdate")
                .and_then(|u| u["solutionVersionArn"].as_str()),
        ]
        .into_iter()
        .flatten()
        .filter(move |_| campaign)
    }

    /// Whether this campaign serves a version of `solution_arn`, now or once its pending
    /// update is ACTIVE (campaigns name a version, `solution/NAME/ID`).
    pub fn serves_solution(&self, solution_arn: &str) -> bool {
        self.served_versions()
            .any(|v| is_version_of(v, solution_arn))
    }

    /// Whether the record is between two statuses (`... PENDING`, `... IN_PROGRESS`,
    /// `... STOPPING`): a Delete must wait.
    pub fn is_busy(&self) -> bool {
        let status = self.status();
        status.contains("PENDING") || status.contains("IN_PROGRESS") || status.contains("STOPPING")
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

/// Whether `version_arn` (`.../solution/NAME/ID`) is a version of `solution_arn`.
pub fn is_version_of(version_arn: &str, solution_arn: &str) -> bool {
    version_arn
        .strip_prefix(solution_arn)
        .is_some_and(|rest| rest.starts_with('/'))
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
    /// An Actions dataset: each action as an item whose `item_id` is its ACTION_ID. Appended
    /// last, so rows stored by older builds still decode.
    Actions(Vec<Item>),
    /// An Action interactions dataset: `item_id` is the ACTION_ID.
    ActionInteractions(Vec<Interaction>),
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
    /// An event sent with a `sessionId` and no `userId` (an anonymous user). Its interaction's
    /// `user_id` is the session id, so `GetRecommendations(userId = sessionId)` serves the
    /// session in real time ("specify the sessionId as the userId"); training uses it only
    /// once an event links the session to a user, and as that user's
    /// ([`GroupLog::training_events`]). Appended last, so older logs still decode.
    Anonymous {
        /// Deduplication key, as for [`LogEntry::Event`].
        dedup: Option<String>,
        /// The interaction, `user_id` being the session id.
        interaction: Interaction,
    },
    /// An action added or replaced through PutActions (`item_id` is the ACTION_ID). Appended
    /// last, so older logs still decode.
    Action(Item),
    /// An action interaction (PutActionInteractions; `item_id` is the ACTION_ID, `user_id`
    /// the session id when the event named no user). `repeat`: its `trackingId/eventId` was
    /// already stored, so it is not trained on ("Any subsequent events after the first with
    /// the same event ID are not used in model training", API_UBS_ActionInteraction
    /// `eventId`) but still counts for the user in real time.
    ActionEvent {
        /// Deduplication key (`trackingId/eventId`) when the caller gave an eventId.
        dedup: Option<String>,
        /// A repeat of an eventId already stored.
        repeat: bool,
        /// The interaction.
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
    /// Positions of PutActions entries in `entries`.
    pub actions: Vec<usize>,
    /// Action interaction positions in `entries` per user.
    pub action_events_by_user: HashMap<String, Vec<usize>>,
}

impl GroupLog {
    /// Appends an entry, updating the indexes.
    pub fn push(&mut self, seq: u64, entry: LogEntry) {
        let event = match &entry {
            LogEntry::Event { dedup, interaction } | LogEntry::Anonymous { dedup, interaction } => {
                Some((dedup.as_ref(), interaction))
            }
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
        if matches!(entry, LogEntry::Action(_)) {
            self.actions.push(self.entries.len());
        }
        if let LogEntry::ActionEvent {
            dedup, interaction, ..
        } = &entry
        {
            if let Some(key) = dedup {
                self.seen.insert(key.clone());
            }
            self.action_events_by_user
                .entry(interaction.user_id.clone())
                .or_default()
                .push(self.entries.len());
        }
        self.entries.push((seq, entry));
    }

    /// Removes the entries with the sequence numbers `seqs` and rebuilds the indexes (a data
    /// deletion job: the removed events' eventIds are no longer seen either).
    pub fn remove(&mut self, seqs: &HashSet<u64>) {
        let old = std::mem::take(self);
        for (seq, entry) in old.entries {
            if !seqs.contains(&seq) {
                self.push(seq, entry);
            }
        }
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

    /// Every user's events with a sequence number above `after`, in log order: first
    /// deliveries only (a repeated `eventId` is one interaction), anonymous ones included.
    pub fn events_after(&self, after: u64) -> Vec<Interaction> {
        self.entries
            .iter()
            .filter_map(|(seq, entry)| match entry {
                LogEntry::Event { interaction, .. } | LogEntry::Anonymous { interaction, .. }
                    if *seq > after =>
                {
                    Some(interaction.clone())
                }
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
                    LogEntry::Event { interaction, .. }
                    | LogEntry::Repeat { interaction, .. }
                    | LogEntry::Anonymous { interaction, .. },
                ) if *seq > after => Some(interaction.clone()),
                _ => None,
            })
            .collect()
    }

    /// The events training uses, from the entries with a sequence number up to `upto`:
    /// every first delivery of an event (repeats are left out), anonymous ones stitched to
    /// their user. Amazon Personalize developer guide, Recording events for anonymous users:
    /// "Amazon Personalize doesn't use events from anonymous users in training until you
    /// associate them with a userId", and once "at least one event with both a sessionId and
    /// a userId" is recorded, "During the next full retraining, Amazon Personalize associates
    /// the userId with the anonymous user history tracked to the original sessionId". So an
    /// anonymous event trains as the user of the first event that carried its session and a
    /// userId (up to `upto`), and is left out while there is none. The link is the first
    /// such event: AWS does not say which user wins when a session names several.
    pub fn training_events(&self, upto: u64) -> Vec<Interaction> {
        let upto_here = self.entries.partition_point(|(seq, _)| *seq <= upto);
        let entries = &self.entries[..upto_here];
        let mut links: HashMap<&str, &str> = HashMap::new();
        for (_, entry) in entries {
            // First deliveries only: a repeat of an anonymous event links nothing, and a
            // repeat of an identified one repeats a link already made.
            if let LogEntry::Event { interaction, .. } = entry {
                if let Some(session) = interaction.session_id.as_deref() {
                    links.entry(session).or_insert(&interaction.user_id);
                }
            }
        }
        entries
            .iter()
            .filter_map(|(_, entry)| match entry {
                LogEntry::Event { interaction, .. } => Some(interaction.clone()),
                LogEntry::Anonymous { interaction, .. } => {
                    let user = links.get(interaction.user_id.as_str())?;
                    Some(Interaction {
                        user_id: (*user).to_owned(),
                        ..interaction.clone()
                    })
                }
                // A repeated eventId is not used in training (PutEvents API reference, Event).
                LogEntry::Repeat { .. }
                | LogEntry::Item(_)
                | LogEntry::User(_)
                | LogEntry::Action(_)
                | LogEntry::ActionEvent { .. } => None,
            })
            .collect()
    }
}

impl GroupLog {
    /// Actions put with a sequence number above `after` (`after_or_upto` false) or up to it
    /// (true), oldest first.
    pub fn actions_put(&self, after: u64, upto: bool) -> Vec<Item> {
        self.actions
            .iter()
            .filter(|&&i| (self.entries[i].0 <= after) == upto)
            .filter_map(|&i| match &self.entries[i].1 {
                LogEntry::Action(item) => Some(item.clone()),
                _ => None,
            })
            .collect()
    }

    /// The action interactions training uses: first deliveries with a sequence number up to
    /// `upto`.
    pub fn training_action_events(&self, upto: u64) -> Vec<Interaction> {
        self.entries
            .iter()
            .take_while(|(seq, _)| *seq <= upto)
            .filter_map(|(_, entry)| match entry {
                LogEntry::ActionEvent {
                    repeat: false,
                    interaction,
                    ..
                } => Some(interaction.clone()),
                _ => None,
            })
            .collect()
    }

    /// Action interactions of `user` with a sequence number above `after`, oldest first
    /// (repeats included: the real-time path sees every delivery).
    pub fn user_action_events_after(&self, user: &str, after: u64) -> Vec<Interaction> {
        self.action_events_by_user
            .get(user)
            .into_iter()
            .flatten()
            .filter_map(|&i| match &self.entries[i] {
                (seq, LogEntry::ActionEvent { interaction, .. }) if *seq > after => {
                    Some(interaction.clone())
                }
                _ => None,
            })
            .collect()
    }
}

/// Everything in memory, as committed.
#[derive(Debug, Default)]
pub struct Inner {
    /// Resources by ARN.
    pub records: BTreeMap<String, Record>,
    /// The last sequence number handed out (records and log entries share it; persisted, so a
    /// restart never hands one out twice).
    pub next_seq: u64,
    /// Imported rows by dataset ARN.
    pub rows: HashMap<String, Rows>,
    /// Logs by dataset group ARN.
    pub logs: HashMap<String, GroupLog>,
}

impl Inner {
    /// Applies the rows and log changes of committed `writes` (records are swapped in whole by
    /// [`State::mutate`]; models live in the store and the model cache).
    fn apply(&mut self, writes: Vec<Write>) {
        for write in writes {
            match write {
                Write::Rows(arn, Some(rows)) => {
                    self.rows.insert(arn, rows);
                }
                Write::Rows(arn, None) => {
                    self.rows.remove(&arn);
                }
                Write::Log(group, seq, entry) => {
                    self.logs.entry(group).or_default().push(seq, entry)
                }
                Write::DropLog(group) => {
                    self.logs.remove(&group);
                }
                Write::DropLogEntries(group, seqs) => {
                    if let Some(log) = self.logs.get_mut(&group) {
                        log.remove(&seqs.into_iter().collect());
                    }
                }
                Write::Record(..) | Write::Model(..) | Write::DropModel(..) => {}
            }
        }
    }
}

/// Read access to a state: the committed one ([`Inner`]) or one being changed ([`Txn`]).
pub trait View {
    /// Resources by ARN.
    fn records(&self) -> &BTreeMap<String, Record>;
    /// Imported rows by dataset ARN.
    fn rows(&self) -> &HashMap<String, Rows>;
    /// Logs by dataset group ARN.
    fn logs(&self) -> &HashMap<String, GroupLog>;

    /// The record at `arn` if it is of `kind`.
    ///
    /// # Errors
    /// ResourceNotFoundException otherwise.
    fn get(&self, kind: Kind, arn: &str) -> Result<&Record, ApiError> {
        self.records()
            .get(arn)
            .filter(|r| r.kind == kind)
            .ok_or_else(|| ApiError::not_found(arn))
    }

    /// Records of `kind` whose parent of kind `parent` is `parent_arn` ([`Record::parent`]).
    fn children<'a>(
        &'a self,
        kind: Kind,
        parent: Kind,
        parent_arn: &'a str,
    ) -> impl Iterator<Item = &'a Record> + 'a {
        self.records()
            .values()
            .filter(move |r| r.kind == kind && r.parent(parent) == Some(parent_arn))
    }
}

impl View for Inner {
    fn records(&self) -> &BTreeMap<String, Record> {
        &self.records
    }
    fn rows(&self) -> &HashMap<String, Rows> {
        &self.rows
    }
    fn logs(&self) -> &HashMap<String, GroupLog> {
        &self.logs
    }
}

/// The records as a mutation sees them: the committed map until the first change, then a
/// private copy (records are few; rows and logs, which are large, are never copied).
#[derive(Debug)]
pub struct Staged<'a> {
    base: &'a BTreeMap<String, Record>,
    own: Option<BTreeMap<String, Record>>,
}

impl Deref for Staged<'_> {
    type Target = BTreeMap<String, Record>;

    fn deref(&self) -> &Self::Target {
        self.own.as_ref().unwrap_or(self.base)
    }
}

impl Staged<'_> {
    fn to_mut(&mut self) -> &mut BTreeMap<String, Record> {
        let base = self.base;
        self.own.get_or_insert_with(|| base.clone())
    }

    /// The record at `arn`, to change.
    pub fn get_mut(&mut self, arn: &str) -> Option<&mut Record> {
        if !self.contains_key(arn) {
            return None;
        }
        self.to_mut().get_mut(arn)
    }

    /// Puts a record.
    pub fn insert(&mut self, arn: String, record: Record) -> Option<Record> {
        self.to_mut().insert(arn, record)
    }

    /// Removes a record.
    pub fn remove(&mut self, arn: &str) -> Option<Record> {
        if !self.contains_key(arn) {
            return None;
        }
        self.to_mut().remove(arn)
    }
}

/// What a mutation works on: staged records and sequence over the committed rows and logs.
/// Rows and logs change only through [`Write`]s, applied once they are committed.
#[derive(Debug)]
pub struct Txn<'a> {
    /// Resources by ARN, staged.
    pub records: Staged<'a>,
    /// The last sequence number handed out, staged.
    pub next_seq: u64,
    /// Imported rows by dataset ARN, as committed.
    pub rows: &'a HashMap<String, Rows>,
    /// Logs by dataset group ARN, as committed.
    pub logs: &'a HashMap<String, GroupLog>,
}

impl Txn<'_> {
    /// A fresh sequence number.
    pub fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }
}

impl View for Txn<'_> {
    fn records(&self) -> &BTreeMap<String, Record> {
        &self.records
    }
    fn rows(&self) -> &HashMap<String, Rows> {
        self.rows
    }
    fn logs(&self) -> &HashMap<String, GroupLog> {
        self.logs
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
    /// Drop some entries (by sequence number) of a dataset group's log.
    DropLogEntries(String, Vec<u64>),
    /// Store a trained model.
    Model(String, Vec<u8>),
    /// Delete a trained model.
    DropModel(String),
}

/// Collected writes of one mutation.
#[derive(Debug, Default)]
pub struct Writes(pub Vec<Write>);

impl Writes {
    /// Persist `record` (a clone of its staged value; `None` when it was removed).
    pub fn record(&mut self, txn: &Txn<'_>, arn: &str) {
        self.0
            .push(Write::Record(arn.to_owned(), txn.records.get(arn).cloned()));
    }

    /// Persist any other change.
    pub fn push(&mut self, write: Write) {
        self.0.push(write);
    }
}

/// The shared state of one server.
#[derive(Debug)]
pub struct State {
    inner: RwLock<Inner>,
    /// Serialises mutations with their disk commit, so a later change never lands before an
    /// earlier one; readers only take `inner`, and only briefly.
    write_lock: Mutex<()>,
    store: Option<Store>,
    models: Mutex<HashMap<String, Arc<Model>>>,
    action_models: Mutex<HashMap<String, Arc<ActionModel>>>,
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
            inner: RwLock::new(inner),
            write_lock: Mutex::new(()),
            store,
            models: Mutex::new(HashMap::new()),
            action_models: Mutex::new(HashMap::new()),
        })
    }

    /// Read access to the committed state. Hold it briefly: a mutation's apply waits for it.
    pub fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The embedded database, when the state is persisted.
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// Runs `f` on a [`Txn`] over the committed state, commits its writes to the store, and
    /// only then makes them visible in memory. When `f` fails or the commit fails, nothing
    /// changes anywhere and the error is returned (a failed commit is InternalFailure, 500).
    pub fn mutate<R>(
        &self,
        f: impl FnOnce(&mut Txn<'_>, &mut Writes) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let _serial = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut writes = Writes::default();
        let (result, records, next_seq) = {
            let inner = self.read();
            let mut txn = Txn {
                records: Staged {
                    base: &inner.records,
                    own: None,
                },
                next_seq: inner.next_seq,
                rows: &inner.rows,
                logs: &inner.logs,
            };
            let result = f(&mut txn, &mut writes)?;
            (result, txn.records.own, txn.next_seq)
        };
        if writes.0.is_empty() && records.is_none() {
            return Ok(result);
        }
        if let Some(store) = &self.store {
            if let Err(e) = store.commit(&writes.0, next_seq) {
                tracing::error!("persisting state failed: {e:#}");
                return Err(ApiError::new(
                    crate::error::ErrorKind::Internal,
                    format!("state could not be persisted: {e}"),
                ));
            }
        }
        // A model dropped with its resource leaves the cache too, so nothing serves from it
        // and memory-only servers do not keep every deleted model.
        let dropped: Vec<String> = writes
            .0
            .iter()
            .filter_map(|w| match w {
                Write::DropModel(arn) => Some(arn.clone()),
                _ => None,
            })
            .collect();
        if !dropped.is_empty() {
            let mut models = self.models.lock().unwrap_or_else(|e| e.into_inner());
            for arn in &dropped {
                models.remove(arn);
            }
        }
        let replaced = {
            let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
            inner.next_seq = next_seq;
            inner.apply(writes.0);
            records.map(|records| std::mem::replace(&mut inner.records, records))
        };
        // The old records are dropped outside the exclusive section.
        drop(replaced);
        Ok(result)
    }

    /// The trained model of a solution version (cached; loaded from the store after restart).
    ///
    /// # Errors
    /// Why it cannot be served: there is none, or the stored one cannot be decoded (a model
    /// written by an incompatible build, or damaged). The latter is logged and the version is
    /// marked CREATE FAILED with that `failureReason`, so it shows instead of looking missing.
    pub fn model(&self, version_arn: &str) -> Result<Arc<Model>, String> {
        if let Some(m) = self
            .models
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(version_arn)
        {
            return Ok(m.clone());
        }
        let missing = || format!("The model of {version_arn} is not available");
        let store = self.store.as_ref().ok_or_else(missing)?;
        let bytes = store
            .model(version_arn)
            .map_err(|e| format!("The model of {version_arn} cannot be read: {e}"))?
            .ok_or_else(missing)?;
        if ActionModel::is_action_model(&bytes) {
            return Err(format!(
                "{version_arn} is an aws-next-best-action version: it serves GetActionRecommendations"
            ));
        }
        match Model::from_bytes(&bytes) {
            Ok(model) => {
                let model = Arc::new(model);
                self.cache_model(version_arn, model.clone());
                Ok(model)
            }
            Err(e) => {
                let reason = format!(
                    "The stored model cannot be decoded ({e}): train a new solution version"
                );
                tracing::error!(%version_arn, "{reason}");
                let _ = self.mutate(|txn, writes| {
                    if let Some(v) = txn.records.get_mut(version_arn) {
                        v.set_status("CREATE FAILED");
                        v.body.insert("failureReason".into(), reason.clone().into());
                        writes.record(txn, version_arn);
                    }
                    Ok(())
                });
                Err(format!("{version_arn}: {reason}"))
            }
        }
    }

    /// The trained model of an aws-next-best-action version (cached; loaded from the store
    /// after restart).
    ///
    /// # Errors
    /// Why it cannot be served: there is none, or the stored bytes are not an action model.
    pub fn action_model(&self, version_arn: &str) -> Result<Arc<ActionModel>, String> {
        if let Some(m) = self
            .action_models
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(version_arn)
        {
            return Ok(m.clone());
        }
        let missing = || format!("The action model of {version_arn} is not available");
        let store = self.store.as_ref().ok_or_else(missing)?;
        let bytes = store
            .model(version_arn)
            .map_err(|e| format!("The model of {version_arn} cannot be read: {e}"))?
            .ok_or_else(missing)?;
        let model =
            Arc::new(ActionModel::from_bytes(&bytes).map_err(|e| {
                format!("The action model of {version_arn} cannot be decoded: {e}")
            })?);
        self.cache_action_model(version_arn, model.clone());
        Ok(model)
    }

    /// Keeps an action model in memory.
    pub fn cache_action_model(&self, version_arn: &str, model: Arc<ActionModel>) {
        self.action_models
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(version_arn.to_owned(), model);
    }

    /// Whether the version's model (item or action) can be served: what deploying a campaign
    /// checks.
    ///
    /// # Errors
    /// Why it cannot.
    pub fn deployable(&self, version_arn: &str) -> Result<(), String> {
        let is_action = self
            .action_models
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(version_arn)
            || self
                .store
                .as_ref()
                .and_then(|s| s.model(version_arn).ok().flatten())
                .is_some_and(|b| ActionModel::is_action_model(&b));
        match is_action {
            true => self.action_model(version_arn).map(|_| ()),
            false => self.model(version_arn).map(|_| ()),
        }
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

    fn record(kind: Kind, body: serde_json::Value) -> Record {
        Record {
            kind,
            seq: 1,
            body: body.as_object().cloned().unwrap_or_default(),
            tags: BTreeMap::new(),
            trained_seq: 0,
        }
    }

    #[test]
    fn typed_views_read_only_the_members_a_kind_has() {
        let version = record(
            Kind::SolutionVersion,
            serde_json::json!({
                "solutionVersionArn": "arn:v",
                "solutionArn": "arn:s",
                "datasetGroupArn": "arn:g",
                "recipeArn": "arn:r",
            }),
        );
        assert_eq!(version.arn(), "arn:v");
        assert_eq!(version.parent(Kind::Solution), Some("arn:s"));
        assert_eq!(version.parent(Kind::DatasetGroup), Some("arn:g"));
        assert_eq!(version.recipe_arn(), Some("arn:r"));
        // A member a kind does not declare is not read, even when the body carries it: the
        // List filter bug this guards against matched a campaign on a member it lacks.
        let campaign = record(
            Kind::Campaign,
            serde_json::json!({
                "campaignArn": "arn:c",
                "solutionVersionArn": "arn:v",
                "solutionArn": "arn:s",
                "recipeArn": "arn:r",
            }),
        );
        assert_eq!(campaign.parent(Kind::SolutionVersion), Some("arn:v"));
        assert_eq!(campaign.parent(Kind::Solution), None);
        assert_eq!(campaign.recipe_arn(), None);
    }

    /// A record and one event with an eventId, in one mutation.
    fn put_record_and_event(state: &State) -> Result<(), ApiError> {
        state.mutate(|txn, writes| {
            let seq = txn.seq();
            let record = Record {
                kind: Kind::Schema,
                seq,
                body: Map::new(),
                tags: BTreeMap::new(),
                trained_seq: 0,
            };
            txn.records.insert("arn:s".into(), record);
            writes.record(txn, "arn:s");
            let seq = txn.seq();
            writes.push(Write::Log("g".into(), seq, event("a")));
            Ok(())
        })
    }

    #[test]
    fn a_failed_commit_changes_nothing_and_the_retry_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(Some(dir.path())).unwrap();
        state.store().unwrap().fail_next_commits(1);
        let err = put_record_and_event(&state).unwrap_err();
        assert_eq!(err.kind, crate::error::ErrorKind::Internal);
        {
            let inner = state.read();
            assert!(inner.records.is_empty());
            assert!(
                inner.logs.is_empty(),
                "the eventId must not be recorded as seen"
            );
            assert_eq!(inner.next_seq, 0);
        }
        put_record_and_event(&state).unwrap();
        assert!(state.read().logs["g"].seen.contains("t/a"));
        drop(state);
        let state = State::open(Some(dir.path())).unwrap();
        let inner = state.read();
        assert_eq!(inner.records["arn:s"].seq, 1);
        assert_eq!(inner.logs["g"].entries.len(), 1);
        assert_eq!(inner.next_seq, 2);
    }

    #[test]
    fn readers_see_a_change_only_once_it_is_committed() {
        // The mutation runs while a reader holds the committed state: it must not need it
        // exclusively until its commit is done (then the apply waits for the reader).
        let state = Arc::new(State::open(None).unwrap());
        let reader = state.read();
        let (tx, rx) = std::sync::mpsc::channel();
        let writer = {
            let state = state.clone();
            std::thread::spawn(move || {
                state
                    .mutate(|txn, writes| {
                        let seq = txn.seq();
                        writes.push(Write::Log("g".into(), seq, event("b")));
                        Ok(())
                    })
                    .unwrap();
                tx.send(()).unwrap();
            })
        };
        assert!(reader.logs.is_empty());
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(50))
            .is_err());
        drop(reader);
        rx.recv().unwrap();
        writer.join().unwrap();
        assert_eq!(state.read().logs["g"].entries.len(), 1);
    }

    #[test]
    fn an_undecodable_model_fails_its_version_visibly() {
        let dir = tempfile::tempdir().unwrap();
        let arn = "arn:aws:personalize:us-east-1:1:solution/s/v1";
        {
            let state = State::open(Some(dir.path())).unwrap();
            state
                .mutate(|txn, writes| {
                    let mut body = Map::new();
                    body.insert("status".into(), "ACTIVE".into());
                    let seq = txn.seq();
                    let record = Record {
                        kind: Kind::SolutionVersion,
                        seq,
                        body,
                        tags: BTreeMap::new(),
                        trained_seq: 0,
                    };
                    txn.records.insert(arn.into(), record);
                    writes.record(txn, arn);
                    writes.push(Write::Model(arn.into(), vec![0xff; 7]));
                    Ok(())
                })
                .unwrap();
        }
        let state = State::open(Some(dir.path())).unwrap();
        let reason = state.model(arn).unwrap_err();
        assert!(reason.contains("cannot be decoded"), "{reason}");
        drop(state);
        // Marked for good, with the reason, not silently missing.
        let state = State::open(Some(dir.path())).unwrap();
        let inner = state.read();
        assert_eq!(inner.records[arn].status(), "CREATE FAILED");
        assert!(inner.records[arn]
            .str("failureReason")
            .unwrap()
            .contains("decoded"));
    }

    fn sent(user: &str, session: &str, item: &str) -> Interaction {
        Interaction {
            user_id: user.into(),
            item_id: item.into(),
            timestamp: 1,
            event_type: "click".into(),
            event_value: None,
            session_id: Some(session.into()),
            attributes: BTreeMap::new(),
        }
    }

    /// Developer guide, Recording events for anonymous users: anonymous events train only once
    /// an event links their session to a user, then as that user's; in real time they are the
    /// session's.
    #[test]
    fn anonymous_events_are_stitched_to_the_user_of_their_session() {
        let anonymous = |session: &str, item: &str| LogEntry::Anonymous {
            dedup: None,
            interaction: sent(session, session, item),
        };
        let identified = |user: &str, session: &str, item: &str| LogEntry::Event {
            dedup: None,
            interaction: sent(user, session, item),
        };
        let mut log = GroupLog::default();
        log.push(1, anonymous("s1", "a"));
        log.push(2, anonymous("s2", "b"));
        log.push(3, identified("u1", "s1", "c"));
        log.push(4, anonymous("s1", "d"));
        // A later user of s1 does not take its history; s2 is linked after the watermark.
        log.push(5, identified("u9", "s1", "e"));
        log.push(7, identified("u2", "s2", "f"));
        let of = |events: &[Interaction]| -> Vec<(String, String)> {
            events
                .iter()
                .map(|i| (i.user_id.clone(), i.item_id.clone()))
                .collect()
        };
        let pair = |u: &str, i: &str| (u.to_owned(), i.to_owned());
        assert_eq!(
            of(&log.training_events(6)),
            [
                pair("u1", "a"),
                pair("u1", "c"),
                pair("u1", "d"),
                pair("u9", "e")
            ],
            "s2 has no user yet: left out"
        );
        assert_eq!(
            of(&log.training_events(7)),
            [
                pair("u1", "a"),
                pair("u2", "b"),
                pair("u1", "c"),
                pair("u1", "d"),
                pair("u9", "e"),
                pair("u2", "f")
            ]
        );
        assert!(of(&log.training_events(2)).is_empty());
        // Real time: the session's own events, under its id.
        assert_eq!(log.user_events_after("s1", 0).len(), 2);
        assert_eq!(log.user_events_after("u1", 0).len(), 1);
        // A repeat of an anonymous event is left out of training, like any repeat.
        log.push(
            8,
            LogEntry::Repeat {
                dedup: "t/x".into(),
                interaction: sent("s1", "s1", "a"),
            },
        );
        assert_eq!(log.training_events(8).len(), 6);
        // Nor does it link its session: s3 stays without a user.
        log.push(9, anonymous("s3", "g"));
        log.push(
            10,
            LogEntry::Repeat {
                dedup: "t/y".into(),
                interaction: sent("s3", "s3", "g"),
            },
        );
        assert_eq!(log.training_events(10).len(), 6);
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
