//! The real aws-sdk-personalize* clients against the server on port 0: the whole chain from
//! dataset group to recommendations that react to PutEvents, then deletes in dependency order.

mod common;

use aws_sdk_personalizeevents::types::Event;
use aws_smithy_types::DateTime;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_serves_recommendations_that_follow_events_then_deletes_cleanly() {
    let f = Fixture::start("flow").await;
    let (c, chain) = (&f.c, &f.chain);
    assert!(chain
        .group
        .starts_with("arn:aws:personalize:eu-west-1:123456789012:dataset-group/flow"));
    assert_eq!(
        chain.interactions,
        "arn:aws:personalize:eu-west-1:123456789012:dataset/flow/INTERACTIONS"
    );
    assert!(chain.version.starts_with(&format!("{}/", chain.solution)));
    assert_eq!(chain.version.rsplit('/').next().unwrap().len(), 8);

    // A comedy fan gets comedies; scores are positive, sorted, and at most 1 in total.
    let before = recommend(c, &chain.campaign, "u1", 10).await;
    assert_eq!(before.len(), 10);
    assert!(before.windows(2).all(|w| w[0].1 >= w[1].1));
    assert!(before.iter().all(|(_, s)| *s > 0.0));
    assert!(before.iter().map(|(_, s)| s).sum::<f64>() <= 1.0 + 1e-9);
    let comedies = before
        .iter()
        .filter(|(i, _)| i[1..].parse::<u32>().unwrap() < CLUSTER)
        .count();
    assert!(comedies >= 7, "comedy fan got {before:?}");

    // Three clicks on a drama change the next recommendations at once.
    let events: Vec<Event> = (0..3)
        .map(|k| {
            Event::builder()
                .event_id(format!("click-{k}"))
                .event_type("watch")
                .item_id("i50")
                .sent_at(DateTime::from_secs(1_700_000_000 + k))
                .build()
                .unwrap()
        })
        .collect();
    c.events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .user_id("u1")
        .session_id("s1")
        .set_event_list(Some(events))
        .send()
        .await
        .unwrap();
    let after = recommend(c, &chain.campaign, "u1", 10).await;
    assert_ne!(before, after, "PutEvents must change the recommendations");
    let dramas = after
        .iter()
        .filter(|(i, _)| i[1..].parse::<u32>().unwrap() >= CLUSTER)
        .count();
    assert!(dramas > 0, "after watching dramas: {after:?}");

    // Metrics on the documented keys.
    let metrics = c
        .control
        .get_solution_metrics()
        .solution_version_arn(&chain.version)
        .send()
        .await
        .unwrap()
        .metrics
        .unwrap();
    for key in [
        "coverage",
        "mean_reciprocal_rank_at_25",
        "normalized_discounted_cumulative_gain_at_10",
        "precision_at_5",
    ] {
        assert!(metrics.contains_key(key), "{key} missing from {metrics:?}");
    }

    // Deletes in order; each List ends empty.
    let p = &c.control;
    p.delete_campaign()
        .campaign_arn(&chain.campaign)
        .send()
        .await
        .unwrap();
    p.delete_event_tracker()
        .event_tracker_arn(&chain.tracker)
        .send()
        .await
        .unwrap();
    p.delete_solution()
        .solution_arn(&chain.solution)
        .send()
        .await
        .unwrap();
    p.delete_dataset()
        .dataset_arn(&chain.interactions)
        .send()
        .await
        .unwrap();
    p.delete_dataset()
        .dataset_arn(&chain.items)
        .send()
        .await
        .unwrap();
    p.delete_dataset_group()
        .dataset_group_arn(&chain.group)
        .send()
        .await
        .unwrap();
    p.delete_schema()
        .schema_arn(&chain.interactions_schema)
        .send()
        .await
        .unwrap();
    p.delete_schema()
        .schema_arn(&chain.items_schema)
        .send()
        .await
        .unwrap();
    assert!(p
        .list_campaigns()
        .send()
        .await
        .unwrap()
        .campaigns
        .unwrap_or_default()
        .is_empty());
    assert!(p
        .list_solutions()
        .send()
        .await
        .unwrap()
        .solutions
        .unwrap_or_default()
        .is_empty());
    assert!(p
        .list_solution_versions()
        .send()
        .await
        .unwrap()
        .solution_versions
        .unwrap_or_default()
        .is_empty());
    assert!(p
        .list_event_trackers()
        .send()
        .await
        .unwrap()
        .event_trackers
        .unwrap_or_default()
        .is_empty());
    assert!(p
        .list_datasets()
        .send()
        .await
        .unwrap()
        .datasets
        .unwrap_or_default()
        .is_empty());
    assert!(p
        .list_dataset_import_jobs()
        .send()
        .await
        .unwrap()
        .dataset_import_jobs
        .unwrap_or_default()
        .is_empty());
    assert!(p
        .list_dataset_groups()
        .send()
        .await
        .unwrap()
        .dataset_groups
        .unwrap_or_default()
        .is_empty());
    assert!(p
        .list_schemas()
        .send()
        .await
        .unwrap()
        .schemas
        .unwrap_or_default()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_bind_values_and_put_items_become_recommendable() {
    let f = Fixture::start("filters").await;
    let (c, chain) = (&f.c, &f.chain);
    let filter = c
        .control
        .create_filter()
        .name("by-genre")
        .dataset_group_arn(&chain.group)
        .filter_expression("INCLUDE ItemID WHERE Items.GENRE IN ($GENRES)")
        .send()
        .await
        .unwrap()
        .filter_arn
        .unwrap();
    let dramas = c
        .runtime
        .get_recommendations()
        .campaign_arn(&chain.campaign)
        .user_id("u1")
        .num_results(10)
        .filter_arn(&filter)
        .filter_values("GENRES", "\"Drama\"")
        .send()
        .await
        .unwrap()
        .item_list
        .unwrap();
    assert!(!dramas.is_empty());
    for item in &dramas {
        let id: u32 = item.item_id().unwrap()[1..].parse().unwrap();
        assert!(id >= CLUSTER, "{id} is not a drama");
    }
    let err = c
        .runtime
        .get_recommendations()
        .campaign_arn(&chain.campaign)
        .user_id("u1")
        .filter_arn(&filter)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error().unwrap().is_invalid_input_exception(),
        "{err:?}"
    );

    // A new item, put after training, reaches a campaign that explores.
    c.events
        .put_items()
        .dataset_arn(&chain.items)
        .items(
            aws_sdk_personalizeevents::types::Item::builder()
                .item_id("fresh")
                .properties(r#"{"genre": "Comedy"}"#)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let exploring = c
        .control
        .create_campaign()
        .name("exploring")
        .solution_version_arn(&chain.version)
        .campaign_config(
            aws_sdk_personalize::types::CampaignConfig::builder()
                .item_exploration_config("explorationWeight", "1.0")
                .item_exploration_config("explorationItemAgeCutOff", "30")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let items = recommend(c, &exploring, "u1", 25).await;
    assert!(items.iter().any(|(i, _)| i == "fresh"), "{items:?}");
    let err = c
        .events
        .put_items()
        .dataset_arn(&chain.items)
        .items(
            aws_sdk_personalizeevents::types::Item::builder()
                .item_id("odd")
                .properties(r#"{"colour": "red"}"#)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_invalid_input_exception());
}
