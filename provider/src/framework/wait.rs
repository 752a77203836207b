//! The one waiter every resource uses: polls a status function with exponential backoff until
//! a target status, a failure, the timeout, or an interrupt (Ctrl-C / StopProvider).
//!
//! It runs on tokio's clock, so tests drive hours of waiting with a paused clock.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use super::error::AwsError;
use super::stop;

/// What a status function reports: `None` when the resource is gone, otherwise its status
/// and failure reason.
pub type Observed = Option<(String, Option<String>)>;

/// First delay between polls; doubled up to [`MAX_DELAY`].
pub const MIN_DELAY: Duration = Duration::from_millis(100);
/// Longest delay between polls: a training takes hours, and ten seconds of latency is noise.
pub const MAX_DELAY: Duration = Duration::from_secs(10);

/// Why a wait ended without reaching its target.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitError {
    /// The deadline passed; the last status seen, if any.
    Timeout {
        /// The timeout that elapsed.
        after: Duration,
        /// Last observed status.
        last: Option<String>,
    },
    /// The resource reached a status that is neither pending nor target (e.g. `CREATE FAILED`).
    Failed {
        /// The status.
        status: String,
        /// Personalize's `failureReason`, when it gives one.
        reason: Option<String>,
    },
    /// The resource vanished while waiting for it to become ready.
    Gone,
    /// A status call failed.
    Aws(AwsError),
    /// Terraform asked the provider to stop (Ctrl-C).
    Interrupted,
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Timeout { after, last } => {
                write!(
                    f,
                    "timeout while waiting for state to become ready (after {after:?}"
                )?;
                if let Some(last) = last {
                    write!(f, ", last status {last}")?;
                }
                f.write_str(")")
            }
            WaitError::Failed { status, reason } => {
                f.write_str(status)?;
                if let Some(reason) = reason {
                    write!(f, ": {reason}")?;
                }
                Ok(())
            }
            WaitError::Gone => f.write_str("the resource no longer exists"),
            WaitError::Aws(e) => e.fmt(f),
            WaitError::Interrupted => {
                f.write_str("interrupted: Terraform asked the provider to stop")
            }
        }
    }
}

/// What to wait for.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Statuses that mean "keep waiting".
    pub pending: &'a [&'a str],
    /// Statuses that mean "done"; empty means "done when gone".
    pub target: &'a [&'a str],
}

/// Statuses of a create in progress.
pub const CREATING: Target<'static> = Target {
    pending: &["CREATE PENDING", "CREATE IN_PROGRESS"],
    target: &["ACTIVE"],
};

/// Statuses of an update in progress (the resource stays usable meanwhile).
pub const UPDATING: Target<'static> = Target {
    pending: &[
        "UPDATE PENDING",
        "UPDATE IN_PROGRESS",
        "CREATE PENDING",
        "CREATE IN_PROGRESS",
    ],
    target: &["ACTIVE"],
};

/// Statuses that must end before Personalize accepts a delete (it answers
/// ResourceInUseException while a create or update is in progress).
pub const SETTLING: Target<'static> = Target {
    pending: &[
        "CREATE PENDING",
        "CREATE IN_PROGRESS",
        "UPDATE PENDING",
        "UPDATE IN_PROGRESS",
    ],
    target: &["ACTIVE", "CREATE FAILED", "UPDATE FAILED"],
};

/// Statuses a resource without a delete API (a solution version, an import job) passes before
/// destroy forgets it: a training destroy stopped ends `CREATE STOPPED`, an import job runs to
/// its end, so what depends on them (the solution, the dataset) can then be deleted.
pub const FINISHING: Target<'static> = Target {
    pending: &["CREATE PENDING", "CREATE IN_PROGRESS", "CREATE STOPPING"],
    target: &["ACTIVE", "CREATE FAILED", "CREATE STOPPED"],
};

/// Statuses of a delete in progress; done when the resource is gone.
pub const DELETING: Target<'static> = Target {
    pending: &[
        "DELETE PENDING",
        "DELETE IN_PROGRESS",
        "ACTIVE",
        "CREATE PENDING",
        "CREATE IN_PROGRESS",
        "CREATE FAILED",
        "UPDATE PENDING",
        "UPDATE IN_PROGRESS",
    ],
    target: &[],
};

/// A status and its failure reason, as Personalize describes them (both may be missing).
pub type Status<'a> = (Option<&'a str>, Option<&'a str>);

/// The status to wait on after `op` for a resource whose updates have a status of their own
/// (`latestCampaignUpdate`, `latestDatasetUpdate`, `latestSolutionUpdate`): during an update
/// the resource stays ACTIVE and the latest update's status tells; otherwise its own. A
/// missing status reads as ACTIVE.
pub fn during(
    op: super::timeouts::Op,
    own: Status<'_>,
    latest_update: Option<Status<'_>>,
) -> (String, Option<String>) {
    let (status, reason) = match latest_update.filter(|_| op == super::timeouts::Op::Update) {
        Some(update) => update,
        None => own,
    };
    (
        status.unwrap_or("ACTIVE").to_owned(),
        reason.map(str::to_owned),
    )
}

/// Polls `status` until `want` is met; returns the final observation (`None` when gone).
///
/// # Errors
/// See [`WaitError`].
pub async fn until<F, Fut>(
    want: Target<'_>,
    timeout: Duration,
    mut status: F,
) -> Result<Observed, WaitError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Observed, AwsError>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    let mut delay = MIN_DELAY;
    let mut last: Option<String>;
    loop {
        let observed = tokio::select! {
            biased;
            () = stop::requested() => return Err(WaitError::Interrupted),
            r = status() => r.map_err(WaitError::Aws)?,
        };
        match &observed {
            None if want.target.is_empty() => return Ok(None),
            None => return Err(WaitError::Gone),
            Some((st, _)) if want.target.contains(&st.as_str()) => return Ok(observed),
            Some((st, _)) if want.pending.contains(&st.as_str()) => last = Some(st.clone()),
            Some((st, reason)) => {
                return Err(WaitError::Failed {
                    status: st.clone(),
                    reason: reason.clone(),
                })
            }
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Err(WaitError::Timeout {
                after: timeout,
                last,
            });
        }
        let sleep = delay.min(deadline - now);
        tracing::trace!("status {last:?}: waiting {sleep:?} before the next poll");
        tokio::select! {
            biased;
            () = stop::requested() => return Err(WaitError::Interrupted),
            () = tokio::time::sleep(sleep) => {}
        }
        delay = (delay * 2).min(MAX_DELAY);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    fn script(statuses: &[&str]) -> impl FnMut() -> std::future::Ready<Result<Observed, AwsError>> {
        let statuses: Vec<Option<String>> = statuses
            .iter()
            .map(|s| (!s.is_empty()).then(|| (*s).to_owned()))
            .collect();
        let i = Arc::new(AtomicUsize::new(0));
        move || {
            let k = i.fetch_add(1, Ordering::SeqCst).min(statuses.len() - 1);
            std::future::ready(Ok(statuses[k]
                .clone()
                .map(|s| (s, Some("bad csv".to_owned())))))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn reaches_the_target_through_pending_statuses() {
        let got = until(
            CREATING,
            Duration::from_secs(60),
            script(&["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]),
        )
        .await
        .unwrap();
        assert_eq!(got.unwrap().0, "ACTIVE");
    }

    #[tokio::test(start_paused = true)]
    async fn failure_status_surfaces_the_reason() {
        let err = until(
            CREATING,
            Duration::from_secs(60),
            script(&["CREATE PENDING", "CREATE FAILED"]),
        )
        .await
        .unwrap_err();
        assert_eq!(err.to_string(), "CREATE FAILED: bad csv");
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_after_hours_of_pending_with_backoff() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let started = tokio::time::Instant::now();
        let err = until(CREATING, Duration::from_secs(3 * 3600), move || {
            c.fetch_add(1, Ordering::SeqCst);
            std::future::ready(Ok(Some(("CREATE IN_PROGRESS".to_owned(), None))))
        })
        .await
        .unwrap_err();
        assert!(
            matches!(err, WaitError::Timeout { last: Some(_), .. }),
            "{err}"
        );
        assert_eq!(started.elapsed(), Duration::from_secs(3 * 3600));
        // Backoff caps at MAX_DELAY: about one call per 10 s, not one per 100 ms.
        let n = calls.load(Ordering::SeqCst);
        assert!((1000..1100).contains(&n), "{n} polls");
    }

    #[tokio::test(start_paused = true)]
    async fn delete_is_done_when_gone_and_create_fails_when_gone() {
        assert_eq!(
            until(
                DELETING,
                Duration::from_secs(60),
                script(&["DELETE PENDING", ""])
            )
            .await
            .unwrap(),
            None
        );
        assert_eq!(
            until(CREATING, Duration::from_secs(60), script(&[""]))
                .await
                .unwrap_err(),
            WaitError::Gone
        );
    }

    #[tokio::test(start_paused = true)]
    async fn status_errors_end_the_wait() {
        let err = until(CREATING, Duration::from_secs(60), || {
            std::future::ready(Err(AwsError {
                code: "AccessDeniedException".into(),
                message: "no".into(),
            }))
        })
        .await
        .unwrap_err();
        assert_eq!(err.to_string(), "AccessDeniedException: no");
    }
}
