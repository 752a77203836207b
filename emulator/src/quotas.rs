//! `--strict-quotas`: the data minimums Amazon Personalize enforces, so that code whose data
//! is too thin fails locally as it would on AWS. The numbers are those of "Amazon Personalize
//! endpoints and quotas" (developer guide), section Service quotas:
//!
//! - Item interactions: "Minimum number of unique item interactions required to create a
//!   solution version or recommender. For a custom solution, you must have this many records
//!   after any filtering by event type or event value before training": 1000.
//! - Users: the minimum number of unique users in the item interactions data, each with at
//!   least 2 item interactions, to create a custom solution version: 25; and the minimum
//!   percentage of all users that must have at least 2 item interactions: 1%.
//! - Item interactions: the minimum number of item interaction records per dataset import
//!   job, in FULL or INCREMENTAL mode: 1000.
//!
//!
//! It also holds the resource counts and request rates of [`check_count`] and [`Rates`].
//!
//! Without the flag none of this is checked: tests and demos may train on a handful of events.
//! AWS reports a version or an import job that breaks a minimum through its `failureReason`
//! (API_SolutionVersion, API_DatasetImportJob); the wording here is the emulator's own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use personalize_recommender::TrainingVolume;

use crate::error::{ApiError, ErrorKind};
use crate::state::{Kind, View};

/// Unique item interactions a training needs, after event type and value filtering.
pub const MIN_TRAINING_INTERACTIONS: usize = 1000;
/// Users with at least two interactions a training needs.
pub const MIN_USERS_WITH_TWO: usize = 25;
/// Share of all users that must have at least two interactions, in percent.
pub const MIN_PERCENT_WITH_TWO: usize = 1;
/// Item interaction records one import job must hold.
pub const MIN_IMPORT_INTERACTIONS: usize = 1000;

const PAGE: &str = "Amazon Personalize endpoints and quotas";

/// The `failureReason` of a training whose data breaks a minimum.
///
/// # Errors
/// The first minimum `volume` does not reach, with the numbers.
pub fn check_training(volume: &TrainingVolume) -> Result<(), String> {
    if volume.interactions < MIN_TRAINING_INTERACTIONS {
        return Err(format!(
            "Insufficient data: {} unique item interactions after filtering by event type and \
             event value; training needs at least {MIN_TRAINING_INTERACTIONS} ({PAGE})",
            volume.interactions
        ));
    }
    if volume.users_with_two < MIN_USERS_WITH_TWO {
        return Err(format!(
            "Insufficient data: {} users with at least 2 item interactions; training needs at \
             least {MIN_USERS_WITH_TWO} ({PAGE})",
            volume.users_with_two
        ));
    }
    // users_with_two / users >= 1%, in integers.
    if volume.users_with_two * 100 < volume.users * MIN_PERCENT_WITH_TWO {
        return Err(format!(
            "Insufficient data: {} of {} users have at least 2 item interactions; at least \
             {MIN_PERCENT_WITH_TWO}% must ({PAGE})",
            volume.users_with_two, volume.users
        ));
    }
    Ok(())
}

/// The `failureReason` of an item interactions import job with too few records.
///
/// # Errors
/// When `records` is under [`MIN_IMPORT_INTERACTIONS`].
pub fn check_import(records: usize) -> Result<(), String> {
    if records < MIN_IMPORT_INTERACTIONS {
        return Err(format!(
            "Insufficient data: the import holds {records} item interaction records; an import \
             job needs at least {MIN_IMPORT_INTERACTIONS} ({PAGE})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume(interactions: usize, users: usize, users_with_two: usize) -> TrainingVolume {
        TrainingVolume {
            interactions,
            users,
            users_with_two,
        }
    }

    #[test]
    fn each_training_minimum_holds_at_its_boundary() {
        assert!(check_training(&volume(1000, 100, 25)).is_ok());
        let e = check_training(&volume(999, 100, 25)).unwrap_err();
        assert!(
            e.contains("999 unique item interactions") && e.contains("at least 1000"),
            "{e}"
        );
        let e = check_training(&volume(1000, 100, 24)).unwrap_err();
        assert!(e.contains("24 users with at least 2"), "{e}");
        // 25 of 2,500 users is exactly 1%; 25 of 2,501 is under it.
        assert!(check_training(&volume(5000, 2500, 25)).is_ok());
        let e = check_training(&volume(5000, 2501, 25)).unwrap_err();
        assert!(e.contains("25 of 2501 users"), "{e}");
    }

    #[test]
    fn the_import_minimum_holds_at_its_boundary() {
        assert!(check_import(1000).is_ok());
        let e = check_import(999).unwrap_err();
        assert!(e.contains("999 item interaction records"), "{e}");
    }
}

/// Where the resource counts and request rates come from: the developer guide's "Quotas in
/// Amazon Personalize" in the revision published in the AWS documentation repository
/// (awsdocs/amazon-personalize-developer-guide, `doc_source/limits.md`), the one revision of
/// those tables this project could read. Several of them are adjustable on AWS; these are the
/// defaults.
const COUNTS_PAGE: &str = "Quotas in Amazon Personalize";

/// What a resource quota counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    /// Resources not being deleted, in the request's region ("Total number of active ...").
    Active,
    /// Resources not being deleted, in every region ("Maximum number of filters per account").
    AccountWide,
    /// Resources still CREATE PENDING or CREATE IN_PROGRESS ("Total number of pending or in
    /// progress ...").
    Pending,
}

/// The resource quotas: kind, the most there may be, what is counted.
const RESOURCE_QUOTAS: [(Kind, usize, Counted); 9] = [
    (Kind::Schema, 500, Counted::Active),
    (Kind::Dataset, 500, Counted::Active),
    (Kind::DatasetGroup, 500, Counted::Active),
    (Kind::EventTracker, 500, Counted::Active),
    (Kind::Solution, 500, Counted::Active),
    (Kind::Campaign, 5, Counted::Active),
    (Kind::Filter, 10, Counted::AccountWide),
    (Kind::SolutionVersion, 20, Counted::Pending),
    (Kind::BatchInferenceJob, 5, Counted::Pending),
];

/// Refuses creating one more resource of `kind` in `region` when its quota is reached
/// (`LimitExceededException`, which the Create operations of the model declare).
///
/// # Errors
/// The quota, its count and the page it comes from.
pub fn check_count(inner: &impl View, kind: Kind, region: &str) -> Result<(), ApiError> {
    let Some(&(_, max, counted)) = RESOURCE_QUOTAS.iter().find(|(k, _, _)| *k == kind) else {
        return Ok(());
    };
    let count = inner
        .records()
        .iter()
        .filter(|(arn, r)| {
            r.kind == kind
                && (counted == Counted::AccountWide || crate::data::region_of_arn(arn) == region)
        })
        .filter(|(_, r)| match counted {
            Counted::Pending => matches!(r.status(), "CREATE PENDING" | "CREATE IN_PROGRESS"),
            _ => !r.status().starts_with("DELETE"),
        })
        .count();
    if count < max {
        return Ok(());
    }
    let what = match counted {
        Counted::Active => "active in this region",
        Counted::AccountWide => "in the account",
        Counted::Pending => "pending or in progress in this region",
    };
    Err(ApiError::new(
        ErrorKind::LimitExceeded,
        format!(
            "{count} of at most {max} {}s are {what} ({COUNTS_PAGE}; --strict-quotas)",
            kind.op_name()
        ),
    ))
}

/// The request rates (per second) `--strict-quotas` holds calls to: "Maximum rate of PutEvents
/// requests" 1000, "Maximum number of GetRecommendations requests per second per campaign" 500
/// (likewise GetPersonalizedRanking), and "Maximum transaction rate (GetRecommendations and
/// GetPersonalizedRanking requests)" 2500 in all.
pub const PUT_EVENTS_PER_SECOND: f64 = 1000.0;
/// See [`PUT_EVENTS_PER_SECOND`].
pub const RECOMMENDATIONS_PER_SECOND_PER_SOURCE: f64 = 500.0;
/// See [`PUT_EVENTS_PER_SECOND`].
pub const RECOMMENDATIONS_PER_SECOND: f64 = 2500.0;

/// Token buckets, one per key (an operation, or an operation on one campaign): each holds at
/// most one second of its rate and refills continuously, so a steady rate at the quota passes
/// and a burst above it is refused.
#[derive(Debug, Default)]
pub struct Rates {
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Rates {
    /// Takes one request of `key` at `now`, refusing it when `key` is over `per_second`.
    ///
    /// # Errors
    /// ThrottlingException naming the quota.
    pub fn take(&self, key: &str, per_second: f64, now: Instant) -> Result<(), ApiError> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((per_second, now));
        let refill = now.saturating_duration_since(*at).as_secs_f64() * per_second;
        *tokens = (*tokens + refill).min(per_second);
        *at = now.max(*at);
        if *tokens < 1.0 {
            return Err(ApiError::new(
                ErrorKind::Throttling,
                format!(
                    "Rate exceeded: {key} is held to {per_second} requests per second \
                     ({COUNTS_PAGE}; --strict-quotas)"
                ),
            ));
        }
        *tokens -= 1.0;
        Ok(())
    }

    /// Takes one request of every `(key, rate)`, refusing at the first key over its rate (the
    /// keys before it keep their token: a refused call still counted against them, as a
    /// throttled request does against AWS's own limits).
    ///
    /// # Errors
    /// See [`Rates::take`].
    pub fn take_all(&self, keys: &[(&str, f64)]) -> Result<(), ApiError> {
        let now = Instant::now();
        keys.iter()
            .try_for_each(|(key, per_second)| self.take(key, *per_second, now))
    }
}

#[cfg(test)]
mod rate_tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_second_of_the_rate_passes_then_refills_continuously() {
        let rates = Rates::default();
        let t0 = Instant::now();
        for _ in 0..500 {
            rates.take("k", 500.0, t0).unwrap();
        }
        let err = rates.take("k", 500.0, t0).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Throttling);
        assert!(
            err.message.contains("k is held to 500 requests per second"),
            "{}",
            err.message
        );
        // Half a token after 1 ms, one after 2 ms.
        assert!(rates
            .take("k", 500.0, t0 + Duration::from_millis(1))
            .is_err());
        rates
            .take("k", 500.0, t0 + Duration::from_millis(2))
            .unwrap();
        // Another key has its own bucket; a full second refills all of it, no more.
        rates.take("other", 500.0, t0).unwrap();
        let later = t0 + Duration::from_secs(5);
        for _ in 0..500 {
            rates.take("k", 500.0, later).unwrap();
        }
        assert!(rates.take("k", 500.0, later).is_err());
    }

    #[test]
    fn a_steady_rate_at_the_quota_is_never_refused() {
        let rates = Rates::default();
        let t0 = Instant::now();
        for i in 0..5_000u64 {
            rates
                .take("k", 1000.0, t0 + Duration::from_micros(i * 1000))
                .unwrap();
        }
    }
}
