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

/// Restarts the lifecycles a previous process left half-way (state dir): creates that had not
/// started resume, deletes finish, stops complete, campaign and solution updates resume. An
/// import or a training that was IN_PROGRESS when the process stopped is not run again from the
/// start behind the caller's back (a training would see other data than at its start): it is
/// marked CREATE FAILED with a `failureReason` saying it was interrupted, as Personalize reports
/// a job that failed (API_DatasetImportJob, API_SolutionVersion: `failureReason`, "If a ...
/// fails, the reason behind the failure"), and the caller creates a new one.
pub fn resume(server: &AppState) {
    let pending: Vec<(String, Kind, String)> = server
        .state
        .read()
        .records
        .iter()
        .map(|(arn, r)| (arn.clone(), r.kind, r.status().to_owned()))
        .collect();
    for (arn, kind, status) in pending {
        if kind == Kind::Campaign {
            crate::control::campaigns::CAMPAIGN_UPDATE.resume(server, &arn);
        }
        if kind == Kind::Solution {
            crate::control::solutions::SOLUTION_UPDATE.resume(server, &arn);
        }
        if kind == Kind::Recommender {
            crate::control::recommenders::RECOMMENDER_UPDATE.resume(server, &arn);
            crate::control::recommenders::resume(server, &arn, &status);
        }
        if kind == Kind::DataDeletionJob {
            crate::control::deletion::resume(server, &arn, &status);
            continue;
        }
        let server = server.clone();
        let has_work = matches!(
            kind,
            Kind::DatasetImportJob
                | Kind::SolutionVersion
                | Kind::Recommender
                | Kind::BatchInferenceJob
                | Kind::DatasetExportJob
                | Kind::BatchSegmentJob
        );
        match status.as_str() {
            "CREATE IN_PROGRESS" if has_work => {
                let what = match kind {
                    Kind::DatasetImportJob => "import",
                    Kind::BatchInferenceJob => "batch inference job",
                    Kind::DatasetExportJob => "dataset export",
                    Kind::BatchSegmentJob => "batch segment job",
                    _ => "training",
                };
                fail_interrupted(&server, &arn, what);
                if kind == Kind::SolutionVersion {
                    crate::control::solutions::sync_latest_version(&server, &arn);
                }
            }
            "CREATE PENDING" | "CREATE IN_PROGRESS" => {
                transition(&server, &arn, "CREATE IN_PROGRESS", "CREATE PENDING");
                if kind == Kind::SolutionVersion {
                    tokio::spawn(crate::control::solutions::version_lifecycle(&server, &arn));
                } else {
                    let work = crate::data::work_for(&server, kind, &arn);
                    tokio::spawn(create(server, arn, work));
                }
            }
            "UPDATE PENDING" | "UPDATE IN_PROGRESS" if kind == Kind::Dataset => {
                transition(&server, &arn, "UPDATE IN_PROGRESS", "UPDATE PENDING");
                tokio::spawn(crate::control::datasets::run_dataset_update(server, arn));
            }
            "DELETE PENDING" | "DELETE IN_PROGRESS" => {
                transition(&server, &arn, "DELETE IN_PROGRESS", "DELETE PENDING");
                let cleanup = crate::control::cleanup_for(kind, &arn);
                tokio::spawn(delete(server, arn, cleanup));
            }
            "CREATE STOPPING" => finish_stopped(&server, &arn),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Server};
    use serde_json::Map;

    const JOB: &str = "arn:aws:personalize:us-east-1:1:dataset-import-job/j";
    const VERSION: &str = "arn:aws:personalize:us-east-1:1:solution/s/v";
    const GROUP: &str = "arn:aws:personalize:us-east-1:1:dataset-group/g";
    const BATCH: &str = "arn:aws:personalize:us-east-1:1:batch-inference-job/b";
    const DELETION: &str = "arn:aws:personalize:us-east-1:1:data-deletion-job/d";

    fn config(dir: &std::path::Path) -> Config {
        Config {
            instant: true,
            state_dir: Some(dir.to_path_buf()),
            ..Config::default()
        }
    }

    #[tokio::test]
    async fn work_interrupted_by_a_stop_fails_with_a_reason_and_pending_work_resumes() {
        let dir = tempfile::tempdir().unwrap();
        {
            let server = Server::open(config(dir.path())).unwrap();
            server
                .state
                .mutate(|txn, writes| {
                    for (kind, arn, status) in [
                        (Kind::DatasetImportJob, JOB, "CREATE IN_PROGRESS"),
                        (Kind::SolutionVersion, VERSION, "CREATE IN_PROGRESS"),
                        (Kind::DatasetGroup, GROUP, "CREATE PENDING"),
                        (Kind::BatchInferenceJob, BATCH, "CREATE IN_PROGRESS"),
                        (Kind::DataDeletionJob, DELETION, "IN_PROGRESS"),
                    ] {
                        crate::control::insert_created(
                            txn,
                            writes,
                            kind,
                            arn,
                            Map::new(),
                            Some(status),
                            Default::default(),
                        )?;
                    }
                    Ok(())
                })
                .unwrap();
        }
        let server = Server::open(config(dir.path())).unwrap();
        resume(&server);
        for arn in [JOB, VERSION, BATCH, DELETION] {
            let inner = server.state.read();
            let record = &inner.records[arn];
            let failed = if arn == DELETION {
                "FAILED"
            } else {
                "CREATE FAILED"
            };
            assert_eq!(record.status(), failed, "{arn}");
            assert!(
                record.str("failureReason").unwrap().contains("interrupted"),
                "{arn}"
            );
        }
        // What had not started yet still runs (here to ACTIVE, the group having no work).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while server.state.read().records[GROUP].status() != "ACTIVE" {
            assert!(std::time::Instant::now() < deadline);
            tokio::task::yield_now().await;
        }
    }
}
