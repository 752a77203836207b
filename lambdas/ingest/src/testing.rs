//! Scripted in-memory [`EventSink`] and [`DeadLetterQueue`] for the unit tests, and Kinesis
//! events built the way Lambda delivers them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;
use aws_lambda_events::event::kinesis::KinesisEvent;
use lambda_common::{Failure, Upstream};

use crate::dlq::{DeadLetter, DeadLetterQueue};
use crate::sink::{EventSink, PutEventsCall};

/// A PutEvents call as received: user, session, event ids.
pub type Call = (String, String, Vec<String>);

#[derive(Debug, Default)]
struct SinkState {
    calls: Vec<Call>,
    delivered: BTreeMap<String, usize>,
    failing: Vec<(usize, Failure, String)>,
    calls_seen: usize,
    refused: Vec<String>,
}

/// Records calls; fails the calls at scripted positions; refuses scripted event ids.
#[derive(Debug, Default)]
pub struct FakeSink {
    state: Mutex<SinkState>,
    slow: AtomicBool,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl FakeSink {
    /// Call number `n` (0-based, counting every call) fails with `kind`/`code`.
    pub fn fail_call(&self, n: usize, kind: Failure, code: &str) {
        self.state
            .lock()
            .unwrap()
            .failing
            .push((n, kind, code.to_owned()));
    }

    /// Any call holding `event_id` is refused as invalid input.
    pub fn refuse(&self, event_id: &str) {
        self.state.lock().unwrap().refused.push(event_id.to_owned());
    }

    /// Each call takes 10 ms (of tokio time), so calls overlap.
    pub fn slow(&self) {
        self.slow.store(true, Ordering::SeqCst);
    }

    /// Most calls seen in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    /// Calls received, successful or not.
    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    /// Deliveries per event id (Personalize would keep one of each).
    pub fn delivered(&self) -> BTreeMap<String, usize> {
        self.state.lock().unwrap().delivered.clone()
    }
}

#[async_trait]
impl EventSink for FakeSink {
    async fn put_events(&self, call: &PutEventsCall<'_>) -> Result<(), Upstream> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if self.slow.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let mut s = self.state.lock().unwrap();
        let ids: Vec<String> = call
            .events
            .iter()
            .map(|e| e.event_id.clone().unwrap_or_default())
            .collect();
        s.calls
            .push((call.user_id.into(), call.session_id.into(), ids.clone()));
        let n = s.calls_seen;
        s.calls_seen += 1;
        let fail = |kind, code: &str| Upstream {
            service: "Personalize",
            kind,
            code: code.into(),
            detail: "scripted".into(),
        };
        if let Some((_, kind, code)) = s.failing.iter().find(|(m, _, _)| *m == n) {
            return Err(fail(*kind, code));
        }
        if ids.iter().any(|id| s.refused.contains(id)) {
            return Err(fail(Failure::Rejected, "InvalidInputException"));
        }
        for id in ids {
            *s.delivered.entry(id).or_default() += 1;
        }
        Ok(())
    }
}

/// Keeps dead letters; fails the first `failing` sends.
#[derive(Debug, Default)]
pub struct FakeDlq {
    letters: Mutex<Vec<DeadLetter>>,
    failing: Mutex<usize>,
}

impl FakeDlq {
    /// The next `n` sends fail.
    pub fn fail_sends(&self, n: usize) {
        *self.failing.lock().unwrap() = n;
    }

    /// Letters received.
    pub fn letters(&self) -> Vec<DeadLetter> {
        self.letters.lock().unwrap().clone()
    }
}

#[async_trait]
impl DeadLetterQueue for FakeDlq {
    async fn send(&self, letters: &[DeadLetter]) -> Result<Vec<usize>, Upstream> {
        let mut failing = self.failing.lock().unwrap();
        if *failing > 0 {
            *failing -= 1;
            return Err(Upstream {
                service: "SQS",
                kind: Failure::Unavailable,
                code: "InternalError".into(),
                detail: "scripted".into(),
            });
        }
        self.letters.lock().unwrap().extend_from_slice(letters);
        Ok(Vec::new())
    }
}

/// A Kinesis event of records with `data`, on shard 0 with sequence numbers 1000, 1001...
pub fn kinesis_event(data: &[Vec<u8>]) -> KinesisEvent {
    let records: Vec<(String, &Vec<u8>)> = data
        .iter()
        .enumerate()
        .map(|(i, d)| (format!("{}", 1000 + i), d))
        .collect();
    serde_json::from_value(testkit::kinesis::lambda_event(
        "shardId-000000000000",
        &records,
    ))
    .unwrap()
}
