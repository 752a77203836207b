//! Status lifecycles on an injectable clock.
//!
//! `CREATE PENDING -> CREATE IN_PROGRESS -> ACTIVE | CREATE FAILED` and
//! `DELETE PENDING -> DELETE IN_PROGRESS -> gone`, one [`Clock::stage`] per arrow. Stages sleep
//! on tokio's clock, so tests drive them with `tokio::time::pause` / `advance`; with an instant
//! clock the whole lifecycle runs inside the Create/Delete call. Each transition only fires
//! from the status it expects, so a concurrent Stop or Delete wins cleanly.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::Instant;

use crate::state::{Kind, Txn, Writes};
use crate::AppState;

/// The lifecycle clock.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    stage: Duration,
}

impl Clock {
    /// Every stage completes at once.
    pub fn instant() -> Self {
        Self {
            stage: Duration::ZERO,
        }
    }

    /// Each stage takes `stage`.
    pub fn with_stage(stage: Duration) -> Self {
        Self { stage }
    }

    /// True when stages take no time.
    pub fn is_instant(&self) -> bool {
        self.stage.is_zero()
    }

    /// Waits until one more stage after `at` has passed, and moves `at` there. Stages are
    /// anchored to the moment the lifecycle was created (not to when its task first runs), so
    /// a paused-clock test that advances by one stage sees exactly one transition.
    pub async fn stage(&self, at: &mut Instant) {
        if !self.stage.is_zero() {
            *at += self.stage;
            tokio::time::sleep_until(*at).await;
        }
    }
}

/// What finishing a piece of work does to the state, applied atomically with the ACTIVE
/// transition (and only if the resource is still IN_PROGRESS).
pub type Apply = Box<dyn for<'a> FnOnce(&mut Txn<'a>, &mut Writes) + Send>;

/// The work of a CREATE IN_PROGRESS stage (an import, a training): `Err` is the failureReason.
pub type Work = Pin<Box<dyn Future<Output = Result<Apply, String>> + Send>>;

/// Builds the work once the resource is IN_PROGRESS.
pub type WorkFn = Box<dyn FnOnce() -> Work + Send>;

/// Runs `lifecycle` inline on an instant clock, else in the background.
pub async fn drive(server: &AppState, lifecycle: impl Future<Output = ()> + Send + 'static) {
    if server.clock.is_instant() {
        lifecycle.await;
    } else {
        tokio::spawn(lifecycle);
    }
}

/// Runs the create lifecycle of `arn` (inline on an instant clock, else in the background).
pub async fn run_create(server: &AppState, arn: &str, work: Option<WorkFn>) {
    drive(server, create(server.clone(), arn.to_owned(), work)).await;
}

/// Moves `arn` from `from` to `to`; false (and no change) when it is elsewhere or gone.
pub fn transition(server: &AppState, arn: &str, from: &str, to: &str) -> bool {
    server
        .state
        .mutate(|inner, writes| {
            let Some(record) = inner.records.get_mut(arn) else {
                return Ok(false);
            };
            if record.status() != from {
                return Ok(false);
            }
            record.set_status(to);
            writes.record(inner, arn);
            Ok(true)
        })
        .unwrap_or(false)
}

/// The create lifecycle of `arn`, with optional work in the IN_PROGRESS stage.
pub fn create(
    server: AppState,
    arn: String,
    work: Option<WorkFn>,
) -> impl Future<Output = ()> + Send {
    let mut at = Instant::now();
    async move { create_from(server, arn, work, &mut at).await }
}

async fn create_from(server: AppState, arn: String, work: Option<WorkFn>, at: &mut Instant) {
    server.clock.stage(at).await;
    transition(&server, &arn, "CREATE PENDING", "CREATE IN_PROGRESS");
    server.clock.stage(at).await;
    if server
        .state
        .read()
        .records
        .get(&arn)
        .map(|r| r.status().to_owned())
        != Some("CREATE IN_PROGRESS".into())
    {
        finish_stopped(&server, &arn);
        return;
    }
    let outcome = match work {
        Some(work) => work().await,
        None => Ok(Box::new(|_: &mut Txn<'_>, _: &mut Writes| {}) as Apply),
    };
    let _ = server.state.mutate(|inner, writes| {
        let Some(record) = inner.records.get_mut(&arn) else {
            return Ok(());
        };
        match record.status() {
            "CREATE IN_PROGRESS" => {}
            "CREATE STOPPING" => {
                record.set_status("CREATE STOPPED");
                writes.record(inner, &arn);
                return Ok(());
            }
            _ => return Ok(()),
        }
        match outcome {
            Ok(apply) => {
                record.set_status("ACTIVE");
                writes.record(inner, &arn);
                apply(inner, writes);
            }
            Err(reason) => {
                record.set_status("CREATE FAILED");
                record.body.insert("failureReason".into(), reason.into());
                writes.record(inner, &arn);
            }
        }
        Ok(())
    });
}

/// Marks `arn`, left CREATE IN_PROGRESS by a previous process, CREATE FAILED.
fn fail_interrupted(server: &AppState, arn: &str, what: &str) {
    let _ = server.state.mutate(|txn, writes| {
        let Some(record) = txn.records.get_mut(arn) else {
            return Ok(());
        };
        if record.status() != "CREATE IN_PROGRESS" {
            return Ok(());
        }
        record.set_status("CREATE FAILED");
        let reason = format!(
            "The {what} was interrupted: personalize-local stopped while it was in progress. \
             Create a new one."
        );
        record.body.insert("failureReason".into(), reason.into());
        writes.record(txn, arn);
        Ok(())
    });
}

fn finish_stopped(server: &AppState, arn: &str) {
    transition(server, arn, "CREATE STOPPING", "CREATE STOPPED");
}

/// What deleting a resource removes besides its record (rows, logs, models).
pub type Cleanup = Box<dyn for<'a> FnOnce(&mut Txn<'a>, &mut Writes) + Send>;

/// The delete lifecycle of `arn` (already DELETE PENDING).
pub fn delete(server: AppState, arn: String, cleanup: Cleanup) -> impl Future<Output = ()> + Send {
    let mut at = Instant::now();
    async move {
        server.clock.stage(&mut at).await;
        transition(&server, &arn, "DELETE PENDING", "DELETE IN_PROGRESS");
        server.clock.stage(&mut at).await;
        finish_delete(&server, &arn, cleanup);
    }
}

fn finish_delete(server: &AppState, arn: &str, cleanup: Cleanup) {
    let arn = arn.to_owned();
    let _ = server.state.mutate(|inner, writes| {
        if inner.records.get(&arn).map(|r| r.status()) == Some("DELETE IN_PROGRESS") {
            inner.records.remove(&arn);
            writes.record(inner, &arn);
            cleanup(inner, writes);
        }
        Ok(())
    });
}

/// A lifecycle, boxed: what a [`Resumable`] hook hands back to be spawned.
pub type Lifecycle = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How one resource kind's lifecycles resume after a restart ([`resume`]). The control plane
/// fills one per kind ([`ResumeHooks::resumable`]); a kind with nothing of its own takes the
/// default: its create restarts with the data plane's work, its delete finishes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Resumable {
    /// What the kind's CREATE IN_PROGRESS work is called in an interruption's `failureReason`
    /// ("import", "training"); `None` for a kind without work, whose create simply restarts.
    pub work: Option<&'static str>,
    /// Resumes the kind's own lifecycles (in-place updates, stop and start) of `(arn, status)`;
    /// `true` when the kind's lifecycle is wholly its own and the generic one leaves it alone.
    pub own: Option<fn(&AppState, &str, &str) -> bool>,
    /// Runs once the kind's interrupted work was marked CREATE FAILED.
    pub interrupted: Option<fn(&AppState, &str)>,
    /// The kind's create lifecycle, when it is not [`create`] with the data plane's work.
    pub create: Option<fn(&AppState, &str) -> Lifecycle>,
    /// The kind's UPDATE lifecycle (`UPDATE PENDING -> UPDATE IN_PROGRESS -> ACTIVE`), if it
    /// has one.
    pub update: Option<fn(AppState, String) -> Lifecycle>,
}

/// The control plane's side of [`resume`], kind by kind ([`crate::Server::resume_hooks`]).
#[derive(Debug, Clone, Copy)]
pub struct ResumeHooks {
    /// Each kind's [`Resumable`].
    pub resumable: fn(Kind) -> Resumable,
    /// What deleting a resource of a kind removes besides its record.
    pub cleanup: fn(Kind, &str) -> Cleanup,
}

/// Restarts the lifecycles a previous process left half-way (state dir): creates that had not
/// started resume, deletes finish, stops complete, the kinds' own lifecycles (campaign and
/// solution updates, for example) resume through [`crate::Server::resume_hooks`]. An import or
/// a training that was IN_PROGRESS when the process stopped is not run again from the start
/// behind the caller's back (a training would see other data than at its start): it is marked
/// CREATE FAILED with a `failureReason` saying it was interrupted, as Personalize reports a
/// job that failed (API_DatasetImportJob, API_SolutionVersion: `failureReason`, "If a ...
/// fails, the reason behind the failure"), and the caller creates a new one.
pub fn resume(server: &AppState) {
    let hooks = server.resume_hooks;
    let pending: Vec<(String, Kind, String)> = server
        .state
        .read()
        .records
        .iter()
        .map(|(arn, r)| (arn.clone(), r.kind, r.status().to_owned()))
        .collect();
    for (arn, kind, status) in pending {
        let resumable = (hooks.resumable)(kind);
        if resumable.own.is_some_and(|own| own(server, &arn, &status)) {
            continue;
        }
        let server = server.clone();
        match (status.as_str(), resumable.work, resumable.update) {
            ("CREATE IN_PROGRESS", Some(what), _) => {
                fail_interrupted(&server, &arn, what);
                if let Some(interrupted) = resumable.interrupted {
                    interrupted(&server, &arn);
                }
            }
            ("CREATE PENDING" | "CREATE IN_PROGRESS", _, _) => {
                transition(&server, &arn, "CREATE IN_PROGRESS", "CREATE PENDING");
                if let Some(restart) = resumable.create {
                    tokio::spawn(restart(&server, &arn));
                } else {
                    let work = crate::data::work_for(&server, kind, &arn);
                    tokio::spawn(create(server, arn, work));
                }
            }
            ("UPDATE PENDING" | "UPDATE IN_PROGRESS", _, Some(update)) => {
                transition(&server, &arn, "UPDATE IN_PROGRESS", "UPDATE PENDING");
                tokio::spawn(update(server, arn));
            }
            ("DELETE PENDING" | "DELETE IN_PROGRESS", _, _) => {
                transition(&server, &arn, "DELETE IN_PROGRESS", "DELETE PENDING");
                let cleanup = (hooks.cleanup)(kind, &arn);
                tokio::spawn(delete(server, arn, cleanup));
            }
            ("CREATE STOPPING", _, _) => finish_stopped(&server, &arn),
            _ => {}
        }
    }
}
