//! How each resource kind's lifecycles resume after a restart: the one table
//! [`crate::lifecycle::resume`] consults ([`RESUME`]), so the lifecycle machinery names no
//! kind's module. A kind lists here what is its own: the name of its IN_PROGRESS work (failed
//! as interrupted rather than rerun), its in-place updates, a lifecycle of its own.

use super::campaigns::CAMPAIGN_UPDATE;
use super::generic::cleanup_for;
use super::recommenders::RECOMMENDER_UPDATE;
use super::solutions::SOLUTION_UPDATE;
use super::{data_deletion_jobs, datasets, recommenders, solution_versions};
use crate::lifecycle::{Lifecycle, Resumable, ResumeHooks};
use crate::state::Kind;
use crate::AppState;

/// The control plane's resume hooks, installed in every [`crate::Server`].
pub const RESUME: ResumeHooks = ResumeHooks {
    resumable,
    cleanup: cleanup_for,
};

/// What of `kind`'s lifecycles is its own.
fn resumable(kind: Kind) -> Resumable {
    match kind {
        Kind::Campaign => Resumable {
            own: Some(campaign),
            ..Resumable::default()
        },
        Kind::Solution => Resumable {
            own: Some(solution),
            ..Resumable::default()
        },
        Kind::Recommender => Resumable {
            work: Some("training"),
            own: Some(recommender),
            ..Resumable::default()
        },
        Kind::DataDeletionJob => Resumable {
            own: Some(data_deletion_job),
            ..Resumable::default()
        },
        Kind::SolutionVersion => Resumable {
            work: Some("training"),
            interrupted: Some(solution_version_interrupted),
            create: Some(solution_version),
            ..Resumable::default()
        },
        Kind::Dataset => Resumable {
            update: Some(dataset_update),
            ..Resumable::default()
        },
        Kind::DatasetImportJob => Resumable {
            work: Some("import"),
            ..Resumable::default()
        },
        Kind::BatchInferenceJob => Resumable {
            work: Some("batch inference job"),
            ..Resumable::default()
        },
        Kind::DatasetExportJob => Resumable {
            work: Some("dataset export"),
            ..Resumable::default()
        },
        Kind::BatchSegmentJob => Resumable {
            work: Some("batch segment job"),
            ..Resumable::default()
        },
        _ => Resumable::default(),
    }
}

/// A campaign's pending `latestCampaignUpdate`.
fn campaign(server: &AppState, arn: &str, _status: &str) -> bool {
    CAMPAIGN_UPDATE.resume(server, arn);
    false
}

/// A solution's pending `latestSolutionUpdate`.
fn solution(server: &AppState, arn: &str, _status: &str) -> bool {
    SOLUTION_UPDATE.resume(server, arn);
    false
}

/// A recommender's pending `latestRecommenderUpdate`, and a stop or start under way.
fn recommender(server: &AppState, arn: &str, status: &str) -> bool {
    RECOMMENDER_UPDATE.resume(server, arn);
    recommenders::resume(server, arn, status);
    false
}

/// A data deletion job has a lifecycle of its own (PENDING, IN_PROGRESS, COMPLETED).
fn data_deletion_job(server: &AppState, arn: &str, status: &str) -> bool {
    data_deletion_jobs::resume(server, arn, status);
    true
}

/// An interrupted training shows in its solution's `latestSolutionVersion`.
fn solution_version_interrupted(server: &AppState, arn: &str) {
    solution_versions::sync_latest_version(server, arn);
}

/// A version's create lifecycle also updates its solution's `latestSolutionVersion`.
fn solution_version(server: &AppState, arn: &str) -> Lifecycle {
    Box::pin(solution_versions::version_lifecycle(server, arn))
}

/// UpdateDataset's lifecycle.
fn dataset_update(server: AppState, arn: String) -> Lifecycle {
    Box::pin(datasets::run_dataset_update(server, arn))
}

#[cfg(test)]
mod tests {
    use crate::control::records::insert_created;
    use crate::lifecycle::resume;
    use crate::state::Kind;
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
                        insert_created(
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
