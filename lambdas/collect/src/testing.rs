//! A scripted in-memory [`RecordStream`] for the unit tests.

use std::sync::Mutex;

use async_trait::async_trait;
use lambda_common::{Failure, Upstream};

use crate::stream::{Entry, Outcome, Placed, RecordStream};

#[derive(Debug, Default)]
struct State {
    written: Vec<Entry>,
    attempted: Vec<Entry>,
    call_sizes: Vec<usize>,
    entry_failures: Vec<(usize, String)>,
    failing_calls: usize,
    call_failure: Option<Failure>,
}

/// Records what is written; fails calls or entries as scripted.
#[derive(Debug, Default)]
pub struct FakeStream {
    state: Mutex<State>,
}

impl FakeStream {
    /// The next call reports the entries at `indexes` failed with `code`.
    pub fn fail_entries(&self, indexes: &[usize], code: &str) {
        let mut s = self.state.lock().unwrap();
        s.entry_failures = indexes.iter().map(|i| (*i, code.to_owned())).collect();
    }

    /// The next `n` calls fail entirely with `kind`.
    pub fn fail_calls(&self, n: usize, kind: Failure) {
        let mut s = self.state.lock().unwrap();
        s.failing_calls = n;
        s.call_failure = Some(kind);
    }

    /// Entries written so far.
    pub fn written(&self) -> Vec<Entry> {
        self.state.lock().unwrap().written.clone()
    }

    /// Entries of every call, failed ones included, in call order.
    pub fn attempted(&self) -> Vec<Entry> {
        self.state.lock().unwrap().attempted.clone()
    }

    /// Entries per call, in call order.
    pub fn call_sizes(&self) -> Vec<usize> {
        self.state.lock().unwrap().call_sizes.clone()
    }
}

#[async_trait]
impl RecordStream for FakeStream {
    async fn put_records(&self, entries: &[Entry]) -> Result<Vec<Outcome>, Upstream> {
        let mut s = self.state.lock().unwrap();
        s.call_sizes.push(entries.len());
        s.attempted.extend_from_slice(entries);
        if s.failing_calls > 0 {
            s.failing_calls -= 1;
            let kind = s.call_failure.unwrap_or(Failure::Unavailable);
            return Err(Upstream {
                service: "Kinesis",
                kind,
                code: format!("{kind:?}"),
                detail: "scripted".into(),
            });
        }
        let failures = std::mem::take(&mut s.entry_failures);
        let mut outcomes = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            match failures.iter().find(|(j, _)| *j == i) {
                Some((_, code)) => outcomes.push(Err(code.clone())),
                None => {
                    s.written.push(entry.clone());
                    outcomes.push(Ok(Placed {
                        shard_id: "shardId-000000000000".into(),
                        sequence_number: format!("{:056}", s.written.len()),
                    }));
                }
            }
        }
        Ok(outcomes)
    }
}
