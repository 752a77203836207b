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
//! Without the flag none of this is checked: tests and demos may train on a handful of events.
//! AWS reports a version or an import job that breaks a minimum through its `failureReason`
//! (API_SolutionVersion, API_DatasetImportJob); the wording here is the emulator's own.

use personalize_recommender::TrainingVolume;

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
