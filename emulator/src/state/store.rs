//! Persistence in redb (`STATE_DIR/personalize-local.redb`). Every mutation commits one write
//! transaction before the call is acknowledged (redb's default durability fsyncs), so a
//! `kill -9` loses nothing that was answered with success.
//!
//! Records are stored as JSON (their bodies are JSON already); rows, log entries and models as
//! postcard (compact, and the recommender types derive serde).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::{GroupLog, Inner, LogEntry, Record, Rows, Write};

const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records");
const ROWS: TableDefinition<&str, &[u8]> = TableDefinition::new("rows");
const LOG: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("log");
const MODELS: TableDefinition<&str, &[u8]> = TableDefinition::new("models");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// The META key of the last sequence number handed out.
const NEXT_SEQ: &str = "next_seq";

/// The embedded database.
pub struct Store {
    db: Database,
    /// Commits still to fail on purpose (tests of what a failed commit leaves behind).
    failures: AtomicUsize,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (or creates) the database in `dir`.
    ///
    /// # Errors
    /// When the directory or database cannot be created or opened (e.g. another server holds it).
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join("personalize-local.redb");
        let db = Database::create(&path).with_context(|| format!("opening {}", path.display()))?;
        let txn = db.begin_write()?;
        // Create the tables so the first read transaction finds them.
        txn.open_table(RECORDS)?;
        txn.open_table(ROWS)?;
        txn.open_table(LOG)?;
        txn.open_table(MODELS)?;
        txn.open_table(META)?;
        txn.commit()?;
        Ok(Self {
            db,
            failures: AtomicUsize::new(0),
        })
    }

    /// Makes the next `n` commits fail: each writes its tables, then aborts the redb
    /// transaction instead of committing it, as a commit that fails on disk would leave it.
    pub fn fail_next_commits(&self, n: usize) {
        self.failures.store(n, Ordering::SeqCst);
    }

    /// Everything except models (those are loaded when first served).
    ///
    /// # Errors
    /// When the database cannot be read or holds data this version cannot decode.
    pub fn load(&self) -> anyhow::Result<Inner> {
        let txn = self.db.begin_read()?;
        let mut inner = Inner::default();
        if let Some(seq) = txn.open_table(META)?.get(NEXT_SEQ)? {
            inner.next_seq = seq.value();
        }
        for entry in txn.open_table(RECORDS)?.iter()? {
            let (k, v) = entry?;
            let record: Record = serde_json::from_slice(v.value())
                .with_context(|| format!("decoding record {}", k.value()))?;
            inner.next_seq = inner.next_seq.max(record.seq);
            inner.records.insert(k.value().to_owned(), record);
        }
        for entry in txn.open_table(ROWS)?.iter()? {
            let (k, v) = entry?;
            let rows: Rows = postcard::from_bytes(v.value())
                .with_context(|| format!("decoding rows of {}", k.value()))?;
            inner.rows.insert(k.value().to_owned(), rows);
        }
        for entry in txn.open_table(LOG)?.iter()? {
            let (k, v) = entry?;
            let (group, seq) = k.value();
            let log_entry: LogEntry = postcard::from_bytes(v.value())
                .with_context(|| format!("decoding log entry {seq} of {group}"))?;
            inner.next_seq = inner.next_seq.max(seq);
            inner
                .logs
                .entry(group.to_owned())
                .or_insert_with(GroupLog::default)
                .push(seq, log_entry);
        }
        Ok(inner)
    }

    /// Applies `writes` and the last sequence number handed out in one durable transaction.
    ///
    /// # Errors
    /// When encoding or the commit fails (nothing is then applied).
    pub fn commit(&self, writes: &[Write], next_seq: u64) -> anyhow::Result<()> {
        let txn = self.db.begin_write()?;
        {
            txn.open_table(META)?.insert(NEXT_SEQ, next_seq)?;
            let mut records = txn.open_table(RECORDS)?;
            let mut rows = txn.open_table(ROWS)?;
            let mut log = txn.open_table(LOG)?;
            let mut models = txn.open_table(MODELS)?;
            for write in writes {
                match write {
                    Write::Record(arn, Some(record)) => {
                        records.insert(arn.as_str(), serde_json::to_vec(record)?.as_slice())?;
                    }
                    Write::Record(arn, None) => {
                        records.remove(arn.as_str())?;
                    }
                    Write::Rows(arn, Some(r)) => {
                        rows.insert(arn.as_str(), postcard::to_allocvec(r)?.as_slice())?;
                    }
                    Write::Rows(arn, None) => {
                        rows.remove(arn.as_str())?;
                    }
                    Write::Log(group, seq, entry) => {
                        log.insert(
                            (group.as_str(), *seq),
                            postcard::to_allocvec(entry)?.as_slice(),
                        )?;
                    }
                    Write::DropLog(group) => {
                        let g = group.as_str();
                        log.retain_in((g, 0)..=(g, u64::MAX), |_, _| false)?;
                    }
                    Write::DropLogEntries(group, seqs) => {
                        for seq in seqs {
                            log.remove((group.as_str(), *seq))?;
                        }
                    }
                    Write::Model(arn, bytes) => {
                        models.insert(arn.as_str(), bytes.as_slice())?;
                    }
                    Write::DropModel(arn) => {
                        models.remove(arn.as_str())?;
                    }
                }
            }
        }
        let fail = self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if fail {
            txn.abort()?;
            anyhow::bail!("injected commit failure");
        }
        txn.commit()?;
        Ok(())
    }

    /// A stored model's bytes.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn model(&self, arn: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(MODELS)?;
        Ok(table.get(arn)?.map(|v| v.value().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;
    use std::collections::BTreeMap;

    #[test]
    fn writes_survive_reopen_and_drop_log_is_scoped() {
        let dir = tempfile::tempdir().unwrap();
        let record = Record {
            kind: super::super::Kind::Schema,
            seq: 7,
            body: Map::new(),
            tags: BTreeMap::new(),
            trained_seq: 0,
        };
        let item = |id: &str| {
            LogEntry::Item(personalize_recommender::Item {
                item_id: id.into(),
                attributes: BTreeMap::new(),
            })
        };
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .commit(
                    &[
                        Write::Record("arn:a".into(), Some(record)),
                        Write::Log("g1".into(), 8, item("x")),
                        Write::Log("g2".into(), 9, item("y")),
                        Write::Model("arn:v".into(), vec![1, 2, 3]),
                    ],
                    9,
                )
                .unwrap();
            // Sequence numbers handed out to resources deleted since stay used.
            store.commit(&[Write::DropLog("g1".into())], 12).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let inner = store.load().unwrap();
        assert_eq!(inner.records.len(), 1);
        assert_eq!(inner.next_seq, 12);
        assert!(!inner.logs.contains_key("g1"));
        assert_eq!(inner.logs["g2"].entries.len(), 1);
        assert_eq!(store.model("arn:v").unwrap(), Some(vec![1, 2, 3]));
    }

    #[test]
    fn dropped_log_entries_stay_dropped_after_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let item = |id: &str| {
            LogEntry::Item(personalize_recommender::Item {
                item_id: id.into(),
                attributes: BTreeMap::new(),
            })
        };
        {
            let store = Store::open(dir.path()).unwrap();
            let writes: Vec<Write> = (1..=3)
                .map(|seq| Write::Log("g".into(), seq, item(&format!("i{seq}"))))
                .collect();
            store.commit(&writes, 3).unwrap();
            store
                .commit(&[Write::DropLogEntries("g".into(), vec![1, 3])], 3)
                .unwrap();
        }
        let inner = Store::open(dir.path()).unwrap().load().unwrap();
        let seqs: Vec<u64> = inner.logs["g"].entries.iter().map(|e| e.0).collect();
        assert_eq!(seqs, [2]);
        assert_eq!(
            inner.logs["g"].items,
            [0],
            "the index is rebuilt from what is left"
        );
    }
}
