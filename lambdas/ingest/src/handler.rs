//! The ingest handler: one Kinesis batch in, PutEvents calls out, a partial batch response
//! back.
//!
//! Events are grouped by (user, session) keeping their stream order, sent in calls of at most
//! 10, one call at a time within a session (so order holds) and sessions in parallel (at most
//! `concurrency` calls in flight). A call that still fails after the SDK's retries stops
//! that session and makes the batch report the earliest failed record, so Kinesis
//! redelivers from there; events already sent are sent again, and Personalize leaves the
//! repeats out of training by `eventId`. Records and events that can never succeed go to
//! the dead-letter queue and do not hold the batch back.
//!
//! The invocation works within its deadline: no PutEvents call starts unless its operation
//! timeout and the configured margin fit before the deadline; the sessions that could not
//! go on are reported like failed calls, so the function answers before Lambda times it out
//! (a timeout would make the mapping retry or bisect the whole batch).

use std::collections::HashMap;

use tokio::time::Instant;

use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_lambda_events::streams::KinesisEventResponse;
use futures::stream::{self, StreamExt};
use lambda_common::record::StreamEvent;
use lambda_common::Upstream;

use crate::decode::{dead_letter, decode};
use crate::dlq::{DeadLetter, DeadLetterQueue};
use crate::sink::{EventSink, PutEventsCall};
use crate::Config;

/// Most events in one PutEvents call (Personalize limit).
pub const MAX_EVENTS_PER_CALL: usize = 10;
/// Most messages in one SQS SendMessageBatch call.
const MAX_LETTERS_PER_CALL: usize = 10;

/// The ingest function: configuration, the Personalize sink and the dead-letter queue.
#[derive(Debug)]
pub struct Ingest<P, D> {
    config: Config,
    sink: P,
    dlq: D,
}

/// What one batch did, for logs, tests and benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOutcome {
    /// The answer to Lambda.
    pub response: KinesisEventResponse,
    /// Records in the batch.
    pub records: usize,
    /// Events decoded from them.
    pub events: usize,
    /// PutEvents calls made.
    pub put_calls: usize,
    /// Dead letters sent.
    pub dead_letters: usize,
    /// Index of the record Kinesis will redeliver from, if any.
    pub retry_from: Option<usize>,
    /// Whether sessions stopped because the deadline was near.
    pub out_of_time: bool,
}

/// One session's events with the index of the record each came from.
struct Session<'a> {
    user_id: &'a str,
    session_id: &'a str,
    events: Vec<(usize, &'a StreamEvent)>,
}

#[derive(Default)]
struct SessionResult {
    put_calls: usize,
    retry_from: Option<usize>,
    out_of_time: bool,
    rejected: Vec<(usize, String, Upstream)>,
}

/// Personalize refuses the event itself: resending it can never succeed.
fn is_permanent(e: &Upstream) -> bool {
    matches!(
        e.code.as_str(),
        "InvalidInputException" | "ValidationException" | "SerializationException"
    )
}

impl<P: EventSink, D: DeadLetterQueue> Ingest<P, D> {
    /// A handler sending to `sink`, dead letters to `dlq`.
    pub fn new(config: Config, sink: P, dlq: D) -> Self {
        Self { config, sink, dlq }
    }

    /// The sink (tests read what it received).
    pub fn sink(&self) -> &P {
        &self.sink
    }

    /// The dead-letter queue.
    pub fn dlq(&self) -> &D {
        &self.dlq
    }

    /// Handles one Kinesis event that must be answered by `deadline`: the response lists
    /// the record to redeliver from, if any.
    pub async fn handle(&self, event: KinesisEvent, deadline: Instant) -> KinesisEventResponse {
        self.process_until(event, Some(deadline)).await.response
    }

    /// Handles one Kinesis event without a deadline and reports what happened.
    pub async fn process(&self, event: KinesisEvent) -> BatchOutcome {
        self.process_until(event, None).await
    }

    /// Handles one Kinesis event, starting no PutEvents call that could end past
    /// `deadline`, and reports what happened.
    pub async fn process_until(
        &self,
        event: KinesisEvent,
        deadline: Option<Instant>,
    ) -> BatchOutcome {
        let records = &event.records;
        let mut outcome = BatchOutcome {
            records: records.len(),
            ..BatchOutcome::default()
        };
        let mut letters: Vec<(usize, DeadLetter)> = Vec::new();
        let decoded: Vec<(usize, lambda_common::record::StreamRecord)> = records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match decode(r) {
                Ok(d) => Some((i, d)),
                Err(letter) => {
                    letters.push((i, *letter));
                    None
                }
            })
            .collect();

        let mut sessions: Vec<Session<'_>> = Vec::new();
        let mut by_key: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, record) in &decoded {
            let key = (record.user_id.as_str(), record.session_id.as_str());
            let slot = *by_key.entry(key).or_insert_with(|| {
                sessions.push(Session {
                    user_id: key.0,
                    session_id: key.1,
                    events: Vec::new(),
                });
                sessions.len() - 1
            });
            sessions[slot]
                .events
                .extend(record.events.iter().map(|e| (*i, e)));
            outcome.events += record.events.len();
        }

        let results: Vec<SessionResult> = stream::iter(sessions.iter())
            .map(|s| self.session(s, deadline))
            .buffer_unordered(self.config.concurrency)
            .collect()
            .await;
        let mut retry_from: Option<usize> = None;
        for r in results {
            outcome.put_calls += r.put_calls;
            outcome.out_of_time |= r.out_of_time;
            retry_from = min_opt(retry_from, r.retry_from);
            for (i, event_id, err) in r.rejected {
                let mut letter = dead_letter(
                    &records[i],
                    format!(
                        "Personalize refused the event: {}: {}",
                        err.code, err.detail
                    ),
                    None,
                );
                letter.event_id = Some(event_id);
                letters.push((i, letter));
            }
        }

        // Records from the retry point on come back anyway: their dead letters are sent then,
        // once, instead of now and again on redelivery.
        letters.retain(|(i, _)| retry_from.is_none_or(|r| *i < r));
        letters.sort_by_key(|(i, _)| *i);
        let (sent, not_taken) = self.send_letters(&letters).await;
        outcome.dead_letters = sent;
        retry_from = min_opt(retry_from, not_taken);

        if let Some(i) = retry_from {
            outcome
                .response
                .add_failure(records[i].kinesis.sequence_number.clone());
        }
        outcome.retry_from = retry_from;
        tracing::info!(
            records = outcome.records,
            events = outcome.events,
            sessions = sessions.len(),
            put_calls = outcome.put_calls,
            dead_letters = outcome.dead_letters,
            retry_from = ?outcome.retry_from,
            out_of_time = outcome.out_of_time,
            "batch processed"
        );
        outcome
    }

    /// Whether a PutEvents call started now could outlast `deadline` (less the margin).
    fn too_late(&self, deadline: Option<Instant>) -> bool {
        deadline.is_some_and(|d| {
            Instant::now() + self.config.put_events.operation_timeout + self.config.deadline_margin
                > d
        })
    }

    /// Sends one session's events in order, stopping at the first retryable failure or when
    /// the deadline is near.
    async fn session(&self, session: &Session<'_>, deadline: Option<Instant>) -> SessionResult {
        let mut result = SessionResult::default();
        for chunk in session.events.chunks(MAX_EVENTS_PER_CALL) {
            if self.too_late(deadline) {
                result.out_of_time = true;
                tracing::warn!(
                    record = chunk[0].0,
                    "deadline near: no further PutEvents call; the batch will be retried from this record"
                );
                result.retry_from = Some(chunk[0].0);
                return result;
            }
            match self.put(session, chunk, &mut result).await {
                Ok(()) => {}
                Err(e) if is_permanent(&e) => {
                    // One bad event spoils its call: send the chunk's events one by one to
                    // find it, so the good ones still arrive.
                    for single in chunk.chunks(1) {
                        if self.too_late(deadline) {
                            result.out_of_time = true;
                            result.retry_from = Some(single[0].0);
                            return result;
                        }
                        match self.put(session, single, &mut result).await {
                            Ok(()) => {}
                            Err(e) if is_permanent(&e) => {
                                let (i, event) = single[0];
                                let id = event.event_id.clone().unwrap_or_default();
                                tracing::warn!(record = i, code = %e.code, "event refused, dead-lettered");
                                result.rejected.push((i, id, e));
                            }
                            Err(e) => return self.stop(result, single[0].0, &e),
                        }
                    }
                }
                Err(e) => return self.stop(result, chunk[0].0, &e),
            }
        }
        result
    }

    fn stop(&self, mut result: SessionResult, record: usize, e: &Upstream) -> SessionResult {
        tracing::warn!(record, code = %e.code, kind = ?e.kind, "PutEvents failed; the batch will be retried from this record");
        result.retry_from = Some(record);
        result
    }

    /// One PutEvents call (the sink's SDK client retries it; nothing here does).
    async fn put(
        &self,
        session: &Session<'_>,
        events: &[(usize, &StreamEvent)],
        result: &mut SessionResult,
    ) -> Result<(), Upstream> {
        let call = PutEventsCall {
            tracking_id: &self.config.tracking_id,
            user_id: session.user_id,
            session_id: session.session_id,
            events: events.iter().map(|(_, e)| *e).collect(),
        };
        result.put_calls += 1;
        self.sink.put_events(&call).await
    }

    /// Sends dead letters in order; returns how many were taken and the record index of the
    /// first that was not.
    async fn send_letters(&self, letters: &[(usize, DeadLetter)]) -> (usize, Option<usize>) {
        let mut sent = 0;
        for chunk in letters.chunks(MAX_LETTERS_PER_CALL) {
            let mut pending: Vec<&(usize, DeadLetter)> = chunk.iter().collect();
            let mut attempt = 0;
            while !pending.is_empty() {
                attempt += 1;
                let batch: Vec<DeadLetter> = pending.iter().map(|(_, l)| l.clone()).collect();
                let failed: Vec<usize> = match self.dlq.send(&batch).await {
                    Ok(failed) => failed,
                    Err(e) => {
                        tracing::warn!(code = %e.code, "dead-letter queue failed");
                        (0..batch.len()).collect()
                    }
                };
                sent += batch.len() - failed.len();
                pending = failed
                    .iter()
                    .filter_map(|f| pending.get(*f).copied())
                    .collect();
                if !pending.is_empty() && attempt >= self.config.backoff.attempts {
                    // Not dead-lettered, so not done: Kinesis brings it back.
                    return (sent, pending.iter().map(|(i, _)| *i).min());
                }
                if !pending.is_empty() {
                    self.config.backoff.wait(attempt - 1).await;
                }
            }
        }
        (sent, None)
    }
}

fn min_opt(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
