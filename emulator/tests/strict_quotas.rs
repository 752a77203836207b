//! `--strict-quotas`: Personalize's data minimums ("Amazon Personalize endpoints and quotas",
//! developer guide) fail a training or an interactions import job with thin data, through the
//! real SDK, as they would on AWS; without the flag the same data trains.

mod common;

use common::*;
use personalize_local::Config;

/// A CSV of interactions `(user, item, timestamp, event type)`.
fn csv(rows: &[(String, String, i64, &str)]) -> String {
    let mut out = String::from("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n");
    for (u, i, t, e) in rows {
        out.push_str(&format!("{u},{i},{t},{e}\n"));
    }
    out
}

/// `users` users with `each` interactions each, all `watch`, distinct items and times.
fn grid(
    users: usize,
    each: usize,
    event: &'static str,
) -> Vec<(String, String, i64, &'static str)> {
    (0..users)
        .flat_map(|u| {
            (0..each).map(move |k| {
                (
                    format!("u{u}"),
                    format!("i{}", (u + k) % 50),
                    1_700_000_000 + (u * each + k) as i64,
                    event,
                )
            })
        })
        .collect()
}

/// What each data file holds, and what strict quotas make of it.
fn files() -> Vec<(&'static str, String)> {
    // 999 records: the import job itself is refused.
    let thin = grid(111, 9, "watch");
    // 1,000 unique records from 100 users with 10 each: enough for everything.
    let enough = grid(100, 10, "watch");
    // 1,000 records, one of them twice: the import holds 1,000 records, training sees 999
    // unique interactions.
    let mut repeated = grid(100, 10, "watch");
    repeated[999] = repeated[998].clone();
    // 24 users with 2 interactions, 952 with one: 1,000 records, 24 users with two.
    let mut few = grid(24, 2, "watch");
    few.extend((0..952).map(|u| {
        (
            format!("single{u}"),
            "i1".to_owned(),
            1_700_100_000 + u as i64,
            "watch",
        )
    }));
    // 1,000 watches and 500 clicks: a solution for clicks only has 500.
    let mut mixed = grid(100, 10, "watch");
    mixed.extend(
        grid(50, 10, "click")
            .into_iter()
            .map(|(u, i, t, e)| (u, i, t + 10_000, e)),
    );
    vec![
        ("thin.csv", csv(&thin)),
        ("enough.csv", csv(&enough)),
        ("repeated.csv", csv(&repeated)),
        ("few-users.csv", csv(&few)),
        ("mixed.csv", csv(&mixed)),
    ]
}

/// Imports `key` into a new group named `name` and, when the import is ACTIVE, trains a
/// user-personalization version (for `event_type` only, if given). Returns the import's and
/// the version's status and failure reason.
async fn attempt(
    c: &Clients,
    name: &str,
    key: &str,
    event_type: Option<&str>,
) -> ((String, String), Option<(String, String)>) {
    let p = &c.control;
    let group = dataset_group(p, name).await;
    let (_, interactions) = dataset(p, &group, name, "Interactions", INTERACTIONS_SCHEMA).await;
    let job = import(p, &interactions, name, key, Some(ROLE)).await;
    let job_status = (
        job.status.unwrap_or_default(),
        job.failure_reason.unwrap_or_default(),
    );
    if job_status.0 != "ACTIVE" {
        return (job_status, None);
    }
    let (_, v) = solution_version(
        p,
        &group,
        name,
        "arn:aws:personalize:::recipe/aws-user-personalization",
        event_type,
        None,
    )
    .await;
    (
        job_status,
        Some((
            v.status.unwrap_or_default(),
            v.failure_reason.unwrap_or_default(),
        )),
    )
}

fn root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let bucket = dir.path().join("data");
    std::fs::create_dir_all(&bucket).unwrap();
    for (key, text) in files() {
        std::fs::write(bucket.join(key), text).unwrap();
    }
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thin_data_fails_imports_and_trainings_as_on_aws() {
    let root = root();
    let (_, endpoint) = serve(Config {
        strict_quotas: true,
        ..instant_config(root.path())
    })
    .await;
    let c = Clients::new(&endpoint);

    let (job, version) = attempt(&c, "thin", "thin.csv", None).await;
    assert_eq!(job.0, "CREATE FAILED");
    assert!(job.1.contains("999 item interaction records"), "{}", job.1);
    assert!(job.1.contains("at least 1000"), "{}", job.1);
    assert!(version.is_none());

    let failed = |name: &str, version: Option<(String, String)>, needle: &str| {
        let (status, reason) = version.expect("the import succeeded");
        assert_eq!(status, "CREATE FAILED", "{name}");
        assert!(reason.contains(needle), "{name}: {reason}");
        assert!(
            reason.contains("Amazon Personalize endpoints and quotas"),
            "{reason}"
        );
    };
    let (job, version) = attempt(&c, "repeated", "repeated.csv", None).await;
    assert_eq!(job.0, "ACTIVE", "{}", job.1);
    failed("repeated", version, "999 unique item interactions");
    let (_, version) = attempt(&c, "few-users", "few-users.csv", None).await;
    failed("few-users", version, "24 users with at least 2");
    let (_, version) = attempt(&c, "clicks", "mixed.csv", Some("click")).await;
    failed("clicks", version, "500 unique item interactions");

    for (name, key, event_type) in [
        ("enough", "enough.csv", None),
        ("watches", "mixed.csv", Some("watch")),
        ("mixed", "mixed.csv", None),
    ] {
        let (job, version) = attempt(&c, name, key, event_type).await;
        assert_eq!(job.0, "ACTIVE", "{name}: {}", job.1);
        let (status, reason) = version.unwrap();
        assert_eq!(status, "ACTIVE", "{name}: {reason}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_flag_thin_data_trains() {
    let root = root();
    let (_, endpoint) = serve(instant_config(root.path())).await;
    let c = Clients::new(&endpoint);
    for (name, key, event_type) in [
        ("thin", "thin.csv", None),
        ("few-users", "few-users.csv", None),
        ("clicks", "mixed.csv", Some("click")),
    ] {
        let (job, version) = attempt(&c, name, key, event_type).await;
        assert_eq!(job.0, "ACTIVE", "{name}: {}", job.1);
        let (status, reason) = version.unwrap();
        assert_eq!(status, "ACTIVE", "{name}: {reason}");
    }
}
