//! In-place updates tracked in a resource's `latest<X>Update` field (UpdateCampaign,
//! UpdateSolution): `CREATE PENDING -> CREATE IN_PROGRESS -> ACTIVE | CREATE FAILED`, one
//! [`Clock::stage`](crate::lifecycle::Clock::stage) per arrow. The resource stays ACTIVE and
//! keeps its old settings until the update is ACTIVE, then takes the update's.

use std::future::Future;

use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::lifecycle::{Apply, Work};
use crate::state::now_value;
use crate::AppState;

/// What differs between the kinds of in-place update.
#[derive(Debug, Clone, Copy)]
pub struct InPlaceUpdate {
    /// The body field holding the update, e.g. `latestCampaignUpdate`.
    pub field: &'static str,
    /// Copies the update's settings into the resource body when it becomes ACTIVE.
    pub apply: fn(&mut Map<String, Value>, &Value),
    /// Checked before ACTIVE; an error ends the update CREATE FAILED with that reason.
    pub ready: fn(&AppState, &Value) -> Result<(), String>,
    /// Work the update needs in its IN_PROGRESS stage (a retraining), given the resource ARN
    /// and the update; `None` when this update needs none. Its result is applied with the
    /// ACTIVE transition; its error ends the update CREATE FAILED.
    pub work: Option<UpdateWork>,
}

/// The work an update may need, from the server, the resource ARN and the update; `None` when
/// this update needs none.
pub type UpdateWork = fn(&AppState, &str, &Value) -> Option<Work>;

impl InPlaceUpdate {
    /// The update's lifecycle, from CREATE PENDING (run it with `lifecycle::drive`).
    pub fn run(self, server: AppState, arn: String) -> impl Future<Output = ()> + Send {
        let mut at = Instant::now();
        async move {
            server.clock.stage(&mut at).await;
            if !self.set_status(&server, &arn, "CREATE PENDING", "CREATE IN_PROGRESS") {
                return;
            }
            server.clock.stage(&mut at).await;
            let update = server
                .state
                .read()
                .records
                .get(&arn)
                .and_then(|r| r.body.get(self.field).cloned());
            let Some(update) = update else { return };
            if let Err(reason) = (self.ready)(&server, &update) {
                return self.fail(&server, &arn, &reason);
            }
            let apply = match self.work.and_then(|work| work(&server, &arn, &update)) {
                None => None,
                Some(work) => match work.await {
                    Ok(apply) => Some(apply),
                    Err(reason) => return self.fail(&server, &arn, &reason),
                },
            };
            self.finish(&server, &arn, apply);
        }
    }

    /// Restarts an update a previous process left half-way.
    pub fn resume(self, server: &AppState, arn: &str) {
        let pending = server.state.read().records.get(arn).is_some_and(|r| {
            r.body
                .get(self.field)
                .and_then(|u| u["status"].as_str())
                .is_some_and(|s| s == "CREATE PENDING" || s == "CREATE IN_PROGRESS")
        });
        if pending {
            self.set_status(server, arn, "CREATE IN_PROGRESS", "CREATE PENDING");
            tokio::spawn(self.run(server.clone(), arn.to_owned()));
        }
    }

    /// Makes the update ACTIVE (if it is still IN_PROGRESS) and applies the work's result in
    /// the same commit.
    fn finish(self, server: &AppState, arn: &str, apply: Option<Apply>) {
        self.transition(server, arn, "CREATE IN_PROGRESS", "ACTIVE", apply);
    }

    /// Moves the update from `from` to `to`; false (and no change) when it is elsewhere or
    /// gone. At ACTIVE the resource takes the update's settings.
    fn set_status(self, server: &AppState, arn: &str, from: &str, to: &str) -> bool {
        self.transition(server, arn, from, to, None)
    }

    fn transition(
        self,
        server: &AppState,
        arn: &str,
        from: &str,
        to: &str,
        apply: Option<Apply>,
    ) -> bool {
        server
            .state
            .mutate(|inner, writes| {
                let Some(record) = inner.records.get_mut(arn) else {
                    return Ok(false);
                };
                let Some(update) = record.body.get_mut(self.field) else {
                    return Ok(false);
                };
                if update["status"] != from {
                    return Ok(false);
                }
                update["status"] = to.into();
                update["lastUpdatedDateTime"] = now_value();
                if to == "ACTIVE" {
                    let update = update.clone();
                    (self.apply)(&mut record.body, &update);
                    record.touch();
                }
                writes.record(inner, arn);
                if let Some(apply) = apply {
                    apply(inner, writes);
                }
                Ok(true)
            })
            .unwrap_or(false)
    }

    fn fail(self, server: &AppState, arn: &str, reason: &str) {
        let _ = server.state.mutate(|inner, writes| {
            if let Some(update) = inner
                .records
                .get_mut(arn)
                .and_then(|r| r.body.get_mut(self.field))
            {
                update["status"] = "CREATE FAILED".into();
                update["failureReason"] = reason.into();
            }
            writes.record(inner, arn);
            Ok(())
        });
    }
}
