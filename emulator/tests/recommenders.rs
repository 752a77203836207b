//! Domain dataset groups and recommenders through the real SDK clients: every VIDEO_ON_DEMAND
//! use case trained on a domain group and answering GetRecommendations as its use case page
//! says (required inputs, the automatic filter of what the user watched, no scores), the stop,
//! start, update and delete lifecycle, and the bad input of each.
//!
//! Sources: developer guide, "VIDEO_ON_DEMAND use cases", "ECOMMERCE use cases",
//! "VIDEO_ON_DEMAND datasets and schemas"; API reference, API_CreateRecommender,
//! API_UpdateRecommender, API_StopRecommender, API_StartRecommender, API_ListRecipes.

mod common;

use aws_sdk_personalize::types::{Domain, RecommenderConfig, TrainingDataConfig};
use common::{Clients, ROLE};
use personalize_local::testing::TestServer;

const INTERACTIONS_SCHEMA: &str = r#"{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"}],"version":"1.0"}"#;
const ITEMS_SCHEMA: &str = r#"{"type":"record","name":"Items","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"ITEM_ID","type":"string"},{"name":"GENRES","type":"string","categorical":true},{"name":"CREATION_TIMESTAMP","type":"long"}],"version":"1.0"}"#;

const VOD: &[&str] = &[
    "aws-vod-top-picks",
    "aws-vod-because-you-watched-x",
    "aws-vod-more-like-x",
    "aws-vod-most-popular",
    "aws-vod-trending-now",
];

fn recipe(name: &str) -> String {
    format!("arn:aws:personalize:::recipe/{name}")
}

/// Items per taste cluster.
const CLUSTER: u32 = 20;
/// Interactions per user, half of them Watch events.
const PER_USER: u32 = 12;

/// Two taste clusters with the domain's event types: users v0..v29 watch and click 12 of the
/// comedies c0..c19, users v30..v59 12 of the dramas d0..d19 (dense enough for every use case
/// to find related items).
fn interactions_csv() -> String {
    interactions_of(("Watch", "Click"))
}

/// [`interactions_csv`] with `events.0` for the even steps (Watch) and `events.1` for the odd
/// ones (Click).
fn interactions_of(events: (&str, &str)) -> String {
    let mut out = String::from("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n");
    for u in 0..60u32 {
        let cluster = if u < 30 { 'c' } else { 'd' };
        for k in 0..PER_USER {
            let item = (u * 7 + k * 3) % CLUSTER;
            let event = if k % 2 == 0 { events.0 } else { events.1 };
            out.push_str(&format!(
                "v{u},{cluster}{item},{},{event}\n",
                1_600_000_000 + u * 100 + k
            ));
        }
    }
    out
}

fn items_csv() -> String {
    let mut out = String::from("ITEM_ID,GENRES,CREATION_TIMESTAMP\n");
    for (prefix, genre) in [('c', "Comedy"), ('d', "Drama")] {
        for i in 0..CLUSTER {
            out.push_str(&format!("{prefix}{i},{genre},1500000000\n"));
        }
    }
    out
}

/// An instant server on a data root holding the domain data, with clients.
struct Vod {
    c: Clients,
    group: String,
    interactions: String,
    server: TestServer,
    _root: tempfile::TempDir,
}

/// Starts a server and builds a VIDEO_ON_DEMAND group named `name` with domain schemas, both
/// datasets and their data imported.
async fn vod(name: &str) -> Vod {
    domain_group(name, Domain::VideoOnDemand, interactions_csv(), true).await
}

/// Starts a server and builds a group of `domain` named `name` with the domain's
/// interactions schema and `interactions` imported, and with `items` the VIDEO_ON_DEMAND items
/// dataset too.
async fn domain_group(name: &str, domain: Domain, interactions: String, items: bool) -> Vod {
    let root = tempfile::tempdir().unwrap();
    let bucket = root.path().join("data");
    std::fs::create_dir_all(&bucket).unwrap();
    std::fs::write(bucket.join("vod-interactions.csv"), interactions).unwrap();
    std::fs::write(bucket.join("vod-items.csv"), items_csv()).unwrap();
    let server = common::start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let p = &c.control;
    let group = p
        .create_dataset_group()
        .name(name)
        .domain(domain.clone())
        .send()
        .await
        .unwrap()
        .dataset_group_arn
        .unwrap();
    let mut datasets = Vec::new();
    let all = [
        ("Interactions", INTERACTIONS_SCHEMA, "vod-interactions.csv"),
        ("Items", ITEMS_SCHEMA, "vod-items.csv"),
    ];
    for (ty, schema, key) in all.into_iter().take(if items { 2 } else { 1 }) {
        let schema = p
            .create_schema()
            .name(format!("{name}-{ty}"))
            .domain(domain.clone())
            .schema(schema)
            .send()
            .await
            .unwrap()
            .schema_arn
            .unwrap();
        let dataset = p
            .create_dataset()
            .name(format!("{name}-{ty}"))
            .dataset_group_arn(&group)
            .dataset_type(ty)
            .schema_arn(schema)
            .send()
            .await
            .unwrap()
            .dataset_arn
            .unwrap();
        let job = common::import(p, &dataset, &format!("{name}-{ty}"), key, Some(ROLE)).await;
        assert_eq!(job.status(), Some("ACTIVE"), "{:?}", job.failure_reason());
        datasets.push(dataset);
    }
    Vod {
        c,
        group,
        interactions: datasets.swap_remove(0),
        server,
        _root: root,
    }
}

impl Vod {
    /// Creates a recommender of use case `use_case` named `name`; its description once
    /// CreateRecommender returns (final on an instant server).
    async fn recommender(
        &self,
        name: &str,
        use_case: &str,
        config: Option<RecommenderConfig>,
    ) -> aws_sdk_personalize::types::Recommender {
        let arn = self
            .c
            .control
            .create_recommender()
            .name(name)
            .dataset_group_arn(&self.group)
            .recipe_arn(recipe(use_case))
            .set_recommender_config(config)
            .send()
            .await
            .unwrap()
            .recommender_arn
            .unwrap();
        self.describe(&arn).await
    }

    /// A recommender of `use_case` named after it, with the default configuration, which must
    /// have trained (ACTIVE at once on an instant server).
    async fn active_recommender(&self, use_case: &str) -> aws_sdk_personalize::types::Recommender {
        let r = self.recommender(use_case, use_case, None).await;
        assert_eq!(
            r.status(),
            Some("ACTIVE"),
            "{use_case}: {:?}",
            r.failure_reason()
        );
        r
    }

    async fn describe(&self, arn: &str) -> aws_sdk_personalize::types::Recommender {
        self.c
            .control
            .describe_recommender()
            .recommender_arn(arn)
            .send()
            .await
            .unwrap()
            .recommender
            .unwrap()
    }

    async fn recommend(
        &self,
        arn: &str,
        user: Option<&str>,
        item: Option<&str>,
    ) -> Result<Vec<aws_sdk_personalizeruntime::types::PredictedItem>, String> {
        self.c
            .runtime
            .get_recommendations()
            .recommender_arn(arn)
            .set_user_id(user.map(str::to_owned))
            .set_item_id(item.map(str::to_owned))
            .num_results(10)
            .send()
            .await
            .map(|out| out.item_list.unwrap_or_default())
            .map_err(|e| {
                let e = e.into_service_error();
                format!(
                    "{}: {}",
                    e.meta().code().unwrap_or(""),
                    e.meta().message().unwrap_or("")
                )
            })
    }
}

fn ids(items: &[aws_sdk_personalizeruntime::types::PredictedItem]) -> Vec<String> {
    items.iter().filter_map(|i| i.item_id.clone()).collect()
}

/// What user `u` watched (k even) in the test data.
fn watched(u: u32) -> Vec<String> {
    let cluster = if u < 30 { 'c' } else { 'd' };
    (0..PER_USER)
        .filter(|k| k % 2 == 0)
        .map(|k| format!("{cluster}{}", (u * 7 + k * 3) % CLUSTER))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_video_on_demand_use_case_is_served_by_a_recommender() {
    let v = vod("vod").await;
    let mut arns = Vec::new();
    for use_case in VOD {
        let r = v.active_recommender(use_case).await;
        assert_eq!(r.recipe_arn(), Some(recipe(use_case).as_str()));
        let metrics = r.model_metrics.clone().unwrap_or_default();
        assert!(
            metrics.contains_key("precision_at_25"),
            "{use_case}: {metrics:?}"
        );
        let config = r.recommender_config.clone().unwrap();
        assert_eq!(config.min_recommendation_requests_per_second(), Some(1));
        arns.push(r.recommender_arn.unwrap());
    }
    let [top_picks, because, more_like, popular, trending] = <[String; 5]>::try_from(arns).unwrap();

    // Top picks for a comedy fan: comedies, none of the ones watched, no scores (domain
    // recommenders show none: "How recommendation scoring works").
    let picks = v.recommend(&top_picks, Some("v0"), None).await.unwrap();
    assert_eq!(picks.len(), 10);
    assert!(picks.iter().all(|i| i.score.is_none()), "{picks:?}");
    let picked = ids(&picks);
    assert!(
        picked.iter().filter(|i| i.starts_with('c')).count() >= 8,
        "{picked:?}"
    );
    for w in watched(0) {
        assert!(!picked.contains(&w), "v0 watched {w}: {picked:?}");
    }

    // Because you watched / more like X: related to the item, the user's watched ones left out.
    for arn in [&because, &more_like] {
        let related = ids(&v.recommend(arn, Some("v0"), Some("c3")).await.unwrap());
        assert!(!related.is_empty());
        // The most related are comedies (SIMS fills the rest of the list with popular items).
        assert!(
            related[..5].iter().all(|i| i.starts_with('c')),
            "{related:?}"
        );
        for w in watched(0) {
            assert!(!related.contains(&w), "v0 watched {w}: {related:?}");
        }
        let err = v.recommend(arn, Some("v0"), None).await.unwrap_err();
        assert!(
            err.starts_with("InvalidInputException: itemId is required"),
            "{err}"
        );
    }

    // Most popular needs a user; trending does not.
    let err = v.recommend(&popular, None, None).await.unwrap_err();
    assert!(
        err.contains("userId is required by the Most popular use case"),
        "{err}"
    );
    assert_eq!(
        v.recommend(&popular, Some("v1"), None).await.unwrap().len(),
        10
    );
    assert_eq!(v.recommend(&trending, None, None).await.unwrap().len(), 10);

    // Real time: once v0 watches a picked comedy, it leaves v0's top picks at once.
    let first = picked[0].clone();
    let tracker =
        v.c.control
            .create_event_tracker()
            .name("vod")
            .dataset_group_arn(&v.group)
            .send()
            .await
            .unwrap();
    v.c.events
        .put_events()
        .tracking_id(tracker.tracking_id.unwrap())
        .user_id("v0")
        .session_id("s")
        .event_list(
            aws_sdk_personalizeevents::types::Event::builder()
                .event_type("Watch")
                .item_id(&first)
                .sent_at(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let after = ids(&v.recommend(&top_picks, Some("v0"), None).await.unwrap());
    assert!(
        !after.contains(&first),
        "{first} was just watched: {after:?}"
    );

    // The group lists its five recommenders; a recommender blocks the group's deletion.
    let listed =
        v.c.control
            .list_recommenders()
            .dataset_group_arn(&v.group)
            .send()
            .await
            .unwrap()
            .recommenders
            .unwrap_or_default();
    assert_eq!(listed.len(), 5);
    let err =
        v.c.control
            .delete_dataset_group()
            .dataset_group_arn(&v.group)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(err.is_resource_in_use_exception(), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recommender_stops_starts_updates_and_is_deleted() {
    let v = vod("life").await;
    let p = &v.c.control;
    let r = v.recommender("picks", "aws-vod-top-picks", None).await;
    let arn = r.recommender_arn.unwrap();
    let explore = r
        .recommender_config
        .unwrap()
        .item_exploration_config
        .unwrap();
    assert_eq!(
        explore.get("explorationWeight").map(String::as_str),
        Some("0.3")
    );
    assert_eq!(
        explore.get("explorationItemAgeCutOff").map(String::as_str),
        Some("30")
    );

    // Stopped, it serves nothing; it cannot be stopped twice; started, it serves again.
    p.stop_recommender()
        .recommender_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(v.describe(&arn).await.status(), Some("INACTIVE"));
    let err = v.recommend(&arn, Some("v0"), None).await.unwrap_err();
    assert!(
        err.contains("INACTIVE") && err.contains("StartRecommender"),
        "{err}"
    );
    let err = p
        .stop_recommender()
        .recommender_arn(&arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_in_use_exception(), "{err:?}");
    p.start_recommender()
        .recommender_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(v.describe(&arn).await.status(), Some("ACTIVE"));
    assert_eq!(v.recommend(&arn, Some("v0"), None).await.unwrap().len(), 10);

    // An update changes the configuration in place; one that changes the training columns
    // retrains (the new model no longer knows the excluded column, and serves).
    p.update_recommender()
        .recommender_arn(&arn)
        .recommender_config(
            RecommenderConfig::builder()
                .min_recommendation_requests_per_second(5)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let updated = v.describe(&arn).await;
    let update = updated.latest_recommender_update.unwrap();
    assert_eq!(update.status(), Some("ACTIVE"));
    let config = updated.recommender_config.unwrap();
    assert_eq!(config.min_recommendation_requests_per_second(), Some(5));
    // Defaults are filled for the update as for the creation.
    assert!(config.item_exploration_config.is_some());
    let before = v.server.server().state.model(&arn).unwrap();
    p.update_recommender()
        .recommender_arn(&arn)
        .recommender_config(
            RecommenderConfig::builder()
                .training_data_config(
                    TrainingDataConfig::builder()
                        .excluded_dataset_columns("ITEMS", vec!["GENRES".to_owned()])
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let after = v.server.server().state.model(&arn).unwrap();
    assert!(
        !std::sync::Arc::ptr_eq(&before, &after),
        "a column change retrains"
    );
    assert_eq!(
        v.describe(&arn)
            .await
            .latest_recommender_update
            .unwrap()
            .status(),
        Some("ACTIVE")
    );
    assert_eq!(v.recommend(&arn, Some("v0"), None).await.unwrap().len(), 10);

    p.delete_recommender()
        .recommender_arn(&arn)
        .send()
        .await
        .unwrap();
    let err = p
        .describe_recommender()
        .recommender_arn(&arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert!(
        v.server.server().state.model(&arn).is_err(),
        "the model goes with it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn recommenders_refuse_what_aws_refuses() {
    let v = vod("bad").await;
    let p = &v.c.control;
    let create = |name: &str, group: &str, recipe_arn: &str, config: Option<RecommenderConfig>| {
        p.create_recommender()
            .name(name)
            .dataset_group_arn(group)
            .recipe_arn(recipe_arn)
            .set_recommender_config(config)
            .send()
    };
    let message = |e: aws_sdk_personalize::error::SdkError<_>| {
        let e: aws_sdk_personalize::operation::create_recommender::CreateRecommenderError =
            e.into_service_error();
        format!(
            "{}: {}",
            e.meta().code().unwrap_or(""),
            e.meta().message().unwrap_or("")
        )
    };
    let custom = common::dataset_group(p, "custom").await;
    for (group, recipe_arn, config, expected) in [
        (
            custom.as_str(),
            recipe("aws-vod-top-picks"),
            None,
            "is not a domain dataset group",
        ),
        (
            v.group.as_str(),
            recipe("aws-ecomm-recommended-for-you"),
            None,
            "is a ECOMMERCE use case",
        ),
        (
            v.group.as_str(),
            recipe("aws-user-personalization"),
            None,
            "is not the recipe of a domain use case",
        ),
        (
            v.group.as_str(),
            recipe("aws-vod-nope"),
            None,
            "is not the recipe of a domain use case",
        ),
        (
            v.group.as_str(),
            recipe("aws-vod-most-popular"),
            Some(
                RecommenderConfig::builder()
                    .item_exploration_config("explorationWeight", "0.5")
                    .build(),
            ),
            "does not apply to the Most popular use case",
        ),
        (
            v.group.as_str(),
            recipe("aws-vod-top-picks"),
            Some(
                RecommenderConfig::builder()
                    .item_exploration_config("explorationWeight", "2")
                    .build(),
            ),
            "explorationWeight",
        ),
        (
            v.group.as_str(),
            recipe("aws-vod-top-picks"),
            Some(
                RecommenderConfig::builder()
                    .training_data_config(
                        TrainingDataConfig::builder()
                            .excluded_dataset_columns("ITEMS", vec!["NO_SUCH".to_owned()])
                            .build(),
                    )
                    .build(),
            ),
            "has no column NO_SUCH",
        ),
    ] {
        let err = message(create("r", group, &recipe_arn, config).await.unwrap_err());
        assert!(
            err.starts_with("InvalidInputException") && err.contains(expected),
            "{expected}: {err}"
        );
    }
    let err = message(
        create("", &v.group, &recipe("aws-vod-top-picks"), None)
            .await
            .unwrap_err(),
    );
    assert!(err.starts_with("ValidationException"), "{err}");
    create("r", &v.group, &recipe("aws-vod-top-picks"), None)
        .await
        .unwrap();
    let err = message(
        create("r", &v.group, &recipe("aws-vod-top-picks"), None)
            .await
            .unwrap_err(),
    );
    assert!(err.starts_with("ResourceAlreadyExistsException"), "{err}");

    // Both a campaign and a recommender, or neither: refused before anything is looked up.
    let both =
        v.c.runtime
            .get_recommendations()
            .campaign_arn("arn:aws:personalize:eu-west-1:123456789012:campaign/c")
            .recommender_arn("arn:aws:personalize:eu-west-1:123456789012:recommender/r")
            .user_id("v0")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(
        both.meta().message().unwrap().contains("not both"),
        "{both:?}"
    );
    let missing =
        v.c.runtime
            .get_recommendations()
            .recommender_arn("arn:aws:personalize:eu-west-1:123456789012:recommender/none")
            .user_id("v0")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(missing.is_resource_not_found_exception(), "{missing:?}");

    // Schemas: a custom schema in a domain group, and a domain schema without the domain's
    // required field, are refused by CreateDataset.
    let custom_schema = p
        .create_schema()
        .name("custom-users")
        .schema(r#"{"type":"record","name":"Users","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"PLAN","type":"string","categorical":true}],"version":"1.0"}"#)
        .send()
        .await
        .unwrap()
        .schema_arn
        .unwrap();
    let bare_users = p
        .create_schema()
        .name("bare-users")
        .domain(Domain::VideoOnDemand)
        .schema(r#"{"type":"record","name":"Users","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"}],"version":"1.0"}"#)
        .send()
        .await
        .unwrap()
        .schema_arn
        .unwrap();
    for (schema, expected) in [
        (&custom_schema, "is for a custom dataset group"),
        (&bare_users, "at least one metadata field"),
    ] {
        let err = p
            .create_dataset()
            .name("users")
            .dataset_group_arn(&v.group)
            .dataset_type("Users")
            .schema_arn(schema)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        let text = err.meta().message().unwrap_or("");
        assert!(
            err.is_invalid_input_exception() && text.contains(expected),
            "{expected}: {err:?}"
        );
    }
    // A domain schema in a custom group.
    let err = p
        .create_dataset()
        .name("users")
        .dataset_group_arn(&custom)
        .dataset_type("Users")
        .schema_arn(&bare_users)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        err.meta()
            .message()
            .unwrap_or("")
            .contains("the VIDEO_ON_DEMAND domain"),
        "{err:?}"
    );
    // The interactions dataset stays usable through all this.
    assert!(!v.interactions.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_use_case_without_its_data_fails_with_the_reason() {
    let root = tempfile::tempdir().unwrap();
    let bucket = root.path().join("data");
    std::fs::create_dir_all(&bucket).unwrap();
    // Clicks only: no Watch events, and no Items dataset.
    std::fs::write(
        bucket.join("clicks.csv"),
        interactions_csv().replace("Watch", "Click"),
    )
    .unwrap();
    let server = common::start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let p = &c.control;
    let group = p
        .create_dataset_group()
        .name("thin")
        .domain(Domain::VideoOnDemand)
        .send()
        .await
        .unwrap()
        .dataset_group_arn
        .unwrap();
    let schema = p
        .create_schema()
        .name("thin")
        .domain(Domain::VideoOnDemand)
        .schema(INTERACTIONS_SCHEMA)
        .send()
        .await
        .unwrap()
        .schema_arn
        .unwrap();
    let dataset = p
        .create_dataset()
        .name("thin")
        .dataset_group_arn(&group)
        .dataset_type("Interactions")
        .schema_arn(schema)
        .send()
        .await
        .unwrap()
        .dataset_arn
        .unwrap();
    common::import(p, &dataset, "thin", "clicks.csv", Some(ROLE)).await;
    for (use_case, expected) in [
        ("aws-vod-because-you-watched-x", "trains on Watch events"),
        ("aws-vod-more-like-x", "trains on an Items dataset"),
    ] {
        let arn = p
            .create_recommender()
            .name(use_case)
            .dataset_group_arn(&group)
            .recipe_arn(recipe(use_case))
            .send()
            .await
            .unwrap()
            .recommender_arn
            .unwrap();
        let r = p
            .describe_recommender()
            .recommender_arn(&arn)
            .send()
            .await
            .unwrap()
            .recommender
            .unwrap();
        assert_eq!(r.status(), Some("CREATE FAILED"));
        assert!(r.failure_reason().unwrap_or("").contains(expected), "{r:?}");
    }
    // Top picks needs neither.
    let arn = p
        .create_recommender()
        .name("picks")
        .dataset_group_arn(&group)
        .recipe_arn(recipe("aws-vod-top-picks"))
        .send()
        .await
        .unwrap()
        .recommender_arn
        .unwrap();
    let r = p
        .describe_recommender()
        .recommender_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(r.recommender.unwrap().status(), Some("ACTIVE"));
}

#[tokio::test(flavor = "multi_thread")]
async fn recipes_algorithms_and_feature_transformations_are_published() {
    let root = common::data_root();
    let server = common::start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let p = &c.control;
    let vod: Vec<String> = p
        .list_recipes()
        .domain(Domain::VideoOnDemand)
        .send()
        .await
        .unwrap()
        .recipes
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            assert_eq!(r.domain(), Some(&Domain::VideoOnDemand));
            r.name.unwrap()
        })
        .collect();
    let mut expected: Vec<String> = VOD.iter().map(|s| (*s).to_owned()).collect();
    let mut got = vod.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    let all = p
        .list_recipes()
        .send()
        .await
        .unwrap()
        .recipes
        .unwrap_or_default();
    assert!(all
        .iter()
        .any(|r| r.name() == Some("aws-sims") && r.domain().is_none()));
    assert_eq!(all.iter().filter(|r| r.domain().is_some()).count(), 10);

    // The algorithm of a recipe lists the defaults training uses (a unit test of the
    // recommender crate shows they are the very values training falls back to), and a solution
    // that sets them explicitly is accepted and trains.
    let recipe_arn = "arn:aws:personalize:::recipe/aws-user-personalization";
    let described = p
        .describe_recipe()
        .recipe_arn(recipe_arn)
        .send()
        .await
        .unwrap()
        .recipe
        .unwrap();
    let algorithm = p
        .describe_algorithm()
        .algorithm_arn(described.algorithm_arn().unwrap())
        .send()
        .await
        .unwrap()
        .algorithm
        .unwrap();
    let defaults = algorithm.default_hyper_parameters.clone().unwrap();
    assert_eq!(defaults.get("bptt").map(String::as_str), Some("32"));
    assert_eq!(
        defaults.get("recency_mask").map(String::as_str),
        Some("true")
    );
    let ranges = algorithm.default_hyper_parameter_ranges.unwrap();
    assert!(ranges
        .integer_hyper_parameter_ranges()
        .iter()
        .any(|r| r.name() == Some("hidden_dimension") && r.is_tunable()));
    let group = common::dataset_group(p, "defaults").await;
    let (_, interactions) = common::dataset(
        p,
        &group,
        "defaults",
        "Interactions",
        common::INTERACTIONS_SCHEMA,
    )
    .await;
    common::import(p, &interactions, "defaults", "interactions.csv", Some(ROLE)).await;
    let config = aws_sdk_personalize::types::SolutionConfig::builder()
        .set_algorithm_hyper_parameters(Some(defaults.clone()))
        .build();
    let (_, explicit) =
        common::solution_version(p, &group, "explicit", recipe_arn, None, Some(config)).await;
    assert_eq!(
        explicit.status(),
        Some("ACTIVE"),
        "{:?}",
        explicit.failure_reason()
    );

    let ft = p
        .describe_feature_transformation()
        .feature_transformation_arn("arn:aws:personalize:::feature-transformation/aws-trending-now")
        .send()
        .await
        .unwrap()
        .feature_transformation
        .unwrap();
    assert_eq!(
        ft.default_parameters
            .unwrap()
            .get("trend_discovery_frequency")
            .map(String::as_str),
        Some("2 hours")
    );
    for arn in [
        "arn:aws:personalize:::algorithm/aws-nope",
        "arn:aws:personalize:::feature-transformation/aws-nope",
    ] {
        let err = if arn.contains("algorithm") {
            p.describe_algorithm()
                .algorithm_arn(arn)
                .send()
                .await
                .map(|_| ())
                .unwrap_err()
                .into_service_error()
                .meta()
                .code()
                .map(str::to_owned)
        } else {
            p.describe_feature_transformation()
                .feature_transformation_arn(arn)
                .send()
                .await
                .map(|_| ())
                .unwrap_err()
                .into_service_error()
                .meta()
                .code()
                .map(str::to_owned)
        };
        assert_eq!(err.as_deref(), Some("ResourceNotFoundException"), "{arn}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn item_metadata_comes_with_recommendations_only_where_enabled() {
    let v = vod("meta").await;
    let with = v
        .recommender(
            "with",
            "aws-vod-top-picks",
            Some(
                RecommenderConfig::builder()
                    .enable_metadata_with_recommendations(true)
                    .build(),
            ),
        )
        .await;
    let without = v.recommender("without", "aws-vod-top-picks", None).await;
    let ask = |arn: String, columns: Vec<String>| {
        v.c.runtime
            .get_recommendations()
            .recommender_arn(arn)
            .user_id("v40")
            .num_results(5)
            .metadata_columns("ITEMS", columns)
            .send()
    };
    let items = ask(with.recommender_arn.clone().unwrap(), vec!["GENRES".into()])
        .await
        .unwrap()
        .item_list
        .unwrap();
    assert_eq!(items.len(), 5);
    for item in &items {
        let genre = if item.item_id().unwrap().starts_with('c') {
            "Comedy"
        } else {
            "Drama"
        };
        let metadata = item.metadata.clone().unwrap();
        assert_eq!(
            metadata.get("GENRES").map(String::as_str),
            Some(genre),
            "{item:?}"
        );
    }
    let err = ask(without.recommender_arn.unwrap(), vec!["GENRES".into()])
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        err.meta()
            .message()
            .unwrap_or("")
            .contains("enableMetadataWithRecommendations"),
        "{err:?}"
    );
    let eleven: Vec<String> = (0..11).map(|i| format!("C{i}")).collect();
    let err = ask(with.recommender_arn.unwrap(), eleven)
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        err.meta().message().unwrap_or("").contains("at most 10"),
        "{err:?}"
    );
}

/// The five ECOMMERCE use cases on a domain group of View and Purchase events (no Items
/// dataset: "An Items dataset is optional for all ECOMMERCE use cases"), each answering as its
/// page says: what the user purchased left out of "Recommended for you" and "Customers who
/// viewed X also viewed", an item alone enough for "Frequently bought together", a user needed
/// by the popular-items use cases.
#[tokio::test(flavor = "multi_thread")]
async fn every_ecommerce_use_case_is_served_by_a_recommender() {
    let v = domain_group(
        "shop",
        Domain::Ecommerce,
        interactions_of(("View", "Purchase")),
        false,
    )
    .await;
    let mut arns = std::collections::BTreeMap::new();
    for use_case in [
        "aws-ecomm-recommended-for-you",
        "aws-ecomm-customers-who-viewed-x-also-viewed",
        "aws-ecomm-frequently-bought-together",
        "aws-ecomm-popular-items-by-views",
        "aws-ecomm-popular-items-by-purchases",
    ] {
        let r = v.active_recommender(use_case).await;
        arns.insert(use_case, r.recommender_arn.unwrap());
    }
    // v0 purchased the odd steps of its history.
    let purchased: Vec<String> = (0..PER_USER)
        .filter(|k| k % 2 == 1)
        .map(|k| format!("c{}", (k * 3) % CLUSTER))
        .collect();
    let picks = ids(&v
        .recommend(&arns["aws-ecomm-recommended-for-you"], Some("v0"), None)
        .await
        .unwrap());
    assert_eq!(picks.len(), 10);
    for p in &purchased {
        assert!(!picks.contains(p), "v0 purchased {p}: {picks:?}");
    }
    let also_viewed = ids(&v
        .recommend(
            &arns["aws-ecomm-customers-who-viewed-x-also-viewed"],
            Some("v0"),
            Some("c3"),
        )
        .await
        .unwrap());
    assert!(!also_viewed.is_empty());
    for p in &purchased {
        assert!(
            !also_viewed.contains(p),
            "v0 purchased {p}: {also_viewed:?}"
        );
    }
    let together = ids(&v
        .recommend(
            &arns["aws-ecomm-frequently-bought-together"],
            None,
            Some("c3"),
        )
        .await
        .unwrap());
    assert!(
        together[..3].iter().all(|i| i.starts_with('c')),
        "{together:?}"
    );
    for use_case in [
        "aws-ecomm-popular-items-by-views",
        "aws-ecomm-popular-items-by-purchases",
    ] {
        let err = v.recommend(&arns[use_case], None, None).await.unwrap_err();
        assert!(err.contains("userId is required"), "{use_case}: {err}");
        assert_eq!(
            v.recommend(&arns[use_case], Some("v1"), None)
                .await
                .unwrap()
                .len(),
            10
        );
    }
    let err = v
        .recommend(
            &arns["aws-ecomm-frequently-bought-together"],
            Some("v0"),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        err.contains("itemId is required by the Frequently bought together"),
        "{err}"
    );
}
