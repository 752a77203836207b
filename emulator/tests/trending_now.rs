//! aws-trending-now through the real SDK: trends come from the latest complete interval of
//! the solution's `trend_discovery_frequency` and move with PutEvents without a new solution
//! version, an item first seen in events can trend, two empty intervals fall back to popular
//! items, and a frequency AWS does not offer is refused (developer guide, Trending-Now recipe).

mod common;

use std::collections::HashMap;

use aws_sdk_personalize::error::ProvideErrorMetadata;
use aws_sdk_personalize::types::SolutionConfig;
use aws_smithy_types::DateTime;
use common::*;

/// An hour boundary (2023-11-14T21:00:00Z) the data starts from.
const BASE: i64 = 472_222 * 3600;
const HOUR: i64 = 3600;

/// "old" is watched by 10 users in hour 0, "rising" by 4 in hour 1, and "tick" once in hour 2,
/// which completes hour 1.
fn data() -> String {
    let mut csv = String::from("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n");
    for u in 0..10 {
        csv.push_str(&format!("u{u},old,{},watch\n", BASE + u));
    }
    for u in 0..4 {
        csv.push_str(&format!("v{u},rising,{},watch\n", BASE + HOUR + u));
    }
    csv.push_str(&format!("w,tick,{},watch\n", BASE + 2 * HOUR));
    csv
}

fn config(frequency: &str) -> SolutionConfig {
    SolutionConfig::builder()
        .feature_transformation_parameters("trend_discovery_frequency", frequency)
        .build()
}

async fn top(c: &Clients, campaign: &str) -> Vec<String> {
    c.runtime
        .get_recommendations()
        .campaign_arn(campaign)
        .num_results(3)
        .send()
        .await
        .unwrap()
        .item_list
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| i.item_id)
        .collect()
}

async fn watch_at(c: &Clients, tracking_id: &str, user: &str, item: &str, at: i64) {
    c.events
        .put_events()
        .tracking_id(tracking_id)
        .user_id(user)
        .session_id(format!("s-{user}"))
        .event_list(
            watch()
                .item_id(item)
                .sent_at(DateTime::from_secs(at))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trends_follow_new_events_at_the_discovery_frequency_without_retraining() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("data")).unwrap();
    std::fs::write(root.path().join("data/trend.csv"), data()).unwrap();
    let (server, endpoint) = serve(instant_config(root.path())).await;
    let c = Clients::new(&endpoint);
    let p = &c.control;
    let group = dataset_group(p, "trend").await;
    let (_, interactions) = dataset(p, &group, "trend", "Interactions", INTERACTIONS_SCHEMA).await;
    imported(p, &interactions, "trend", "trend.csv").await;

    // A frequency AWS does not offer is refused, naming the ones it does.
    let refused = p
        .create_solution()
        .name("bad")
        .dataset_group_arn(&group)
        .recipe_arn("arn:aws:personalize:::recipe/aws-trending-now")
        .solution_config(config("45 minutes"))
        .send()
        .await
        .unwrap_err();
    let e = refused.into_service_error();
    assert_eq!(e.code(), Some("InvalidInputException"));
    assert!(
        e.message()
            .unwrap_or("")
            .contains("\"30 minutes\", \"1 hour\", \"2 hours\""),
        "{e:?}"
    );

    let mut campaigns = HashMap::new();
    for (name, frequency) in [("hourly", "1 hour"), ("daily", "1 day")] {
        let (_, version) = solution_version(
            p,
            &group,
            name,
            "arn:aws:personalize:::recipe/aws-trending-now",
            None,
            Some(config(frequency)),
        )
        .await;
        assert_eq!(
            version.status(),
            Some("ACTIVE"),
            "{:?}",
            version.failure_reason()
        );
        let campaign = p
            .create_campaign()
            .name(name)
            .solution_version_arn(version.solution_version_arn().unwrap())
            .send()
            .await
            .unwrap()
            .campaign_arn
            .unwrap();
        campaigns.insert(name, campaign);
    }
    let tracking_id = p
        .create_event_tracker()
        .name("trend")
        .dataset_group_arn(&group)
        .send()
        .await
        .unwrap()
        .tracking_id
        .unwrap();
    let versions = || async {
        p.list_solution_versions()
            .send()
            .await
            .unwrap()
            .solution_versions()
            .len()
    };
    let versions_before = versions().await;

    // Hourly: hour 1 is the latest complete interval, and "rising" grew in it. Daily: one
    // interval holds all the data, and the busiest item leads.
    assert_eq!(top(&c, &campaigns["hourly"]).await[0], "rising");
    assert_eq!(top(&c, &campaigns["daily"]).await[0], "old");

    // Six users watch "fresh" (an item no import named) in hour 2: that hour is not complete,
    // so nothing moves yet.
    for u in 0..6 {
        watch_at(
            &c,
            &tracking_id,
            &format!("f{u}"),
            "fresh",
            BASE + 2 * HOUR + 10 + u,
        )
        .await;
    }
    assert_eq!(top(&c, &campaigns["hourly"]).await[0], "rising");
    // An event in hour 3 completes hour 2: "fresh" trends, with no new solution version.
    watch_at(&c, &tracking_id, "x", "tick", BASE + 3 * HOUR).await;
    let now = top(&c, &campaigns["hourly"]).await;
    assert_eq!(now[0], "fresh", "{now:?}");
    assert_eq!(versions().await, versions_before, "no retraining");

    // An event 20 hours on leaves the last two hourly intervals empty: popular items.
    watch_at(&c, &tracking_id, "y", "tick", BASE + 23 * HOUR).await;
    assert_eq!(top(&c, &campaigns["hourly"]).await[0], "old");
    drop(server);
}
