//! `campaignConfig.rankingInfluence` through the real aws-sdk-personalize clients: stored and
//! described by CreateCampaign, changed in place by UpdateCampaign, applied by GetRecommendations
//! and GetPersonalizedRanking (popular and fresh items rise as the weights rise, nothing moves
//! at 0), bad weights refused precisely; and an import job created without a roleArn.

mod common;

use std::collections::HashMap;

use aws_sdk_personalize::error::ProvideErrorMetadata;
use aws_sdk_personalize::types::{CampaignConfig, RankingInfluenceType};
use common::*;

const ITEMS_WITH_DATES: &str = r#"{"type":"record","name":"Items","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"ITEM_ID","type":"string"},{"name":"GENRE","type":"string","categorical":true},{"name":"CREATION_TIMESTAMP","type":"long"}],"version":"1.0"}"#;

/// The drama fan the checks ask for recommendations.
const USER: &str = "u30";
/// Comedies every comedy fan also watched: by far the most interactions.
const POPULAR: [&str; 2] = ["i1", "i2"];

/// The two taste clusters, plus every comedy fan watching the two popular comedies.
fn interactions() -> String {
    let mut csv = interactions_csv();
    for u in 0..30 {
        for item in POPULAR {
            csv.push_str(&format!("u{u},{item},{},watch\n", 1_600_100_000 + u));
        }
    }
    csv
}

/// The comedies i10..i19 are the newest items by CREATION_TIMESTAMP, although their first
/// interactions are older than every drama's: freshness must come from the items dataset.
fn fresh(i: u32) -> bool {
    (10..20).contains(&i)
}

fn items() -> String {
    let mut csv = String::from("ITEM_ID,GENRE,CREATION_TIMESTAMP\n");
    for i in 0..2 * CLUSTER {
        let genre = if i < CLUSTER { "Comedy" } else { "Drama" };
        let created = (if fresh(i) {
            2_000_000_000
        } else {
            1_000_000_000
        }) + u64::from(i);
        csv.push_str(&format!("i{i},{genre},{created}\n"));
    }
    csv
}

struct Setup {
    _root: tempfile::TempDir,
    _server: personalize_local::testing::TestServer,
    c: Clients,
    group: String,
    version: String,
}

/// A server with the data above imported (interactions without a roleArn) and one trained
/// aws-user-personalization version.
async fn setup() -> Setup {
    let root = tempfile::tempdir().unwrap();
    let bucket = root.path().join("data");
    std::fs::create_dir_all(&bucket).unwrap();
    std::fs::write(bucket.join("interactions.csv"), interactions()).unwrap();
    std::fs::write(bucket.join("items.csv"), items()).unwrap();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let p = &c.control;
    let group = dataset_group(p, "influence").await;
    let mut datasets = HashMap::new();
    for (ty, schema) in [
        ("Interactions", INTERACTIONS_SCHEMA),
        ("Items", ITEMS_WITH_DATES),
    ] {
        let (_, arn) = dataset(p, &group, &format!("influence-{ty}"), ty, schema).await;
        datasets.insert(ty, arn);
    }
    // The interactions import names no role (optional since botocore 1.44.8), the items one
    // does: both import, and each describes what it was given.
    for (ty, key, role) in [
        ("Interactions", "interactions.csv", None),
        ("Items", "items.csv", Some(ROLE)),
    ] {
        let job = import(p, &datasets[ty], &format!("influence-{ty}"), key, role).await;
        assert_eq!(
            job.status(),
            Some("ACTIVE"),
            "{ty}: {:?}",
            job.failure_reason()
        );
        assert_eq!(job.role_arn(), role, "{ty}");
    }
    let (_, version) = trained_version(
        p,
        &group,
        "influence",
        "arn:aws:personalize:::recipe/aws-user-personalization",
    )
    .await;
    Setup {
        _root: root,
        _server: server,
        c,
        group,
        version,
    }
}

fn config(weights: &[(&str, f64)]) -> CampaignConfig {
    weights
        .iter()
        .fold(CampaignConfig::builder(), |b, (ty, w)| {
            b.ranking_influence(RankingInfluenceType::from(*ty), *w)
        })
        .build()
}

async fn create(s: &Setup, name: &str, config: Option<CampaignConfig>) -> String {
    s.c.control
        .create_campaign()
        .name(name)
        .solution_version_arn(&s.version)
        .set_campaign_config(config)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap()
}

/// The campaign's described `rankingInfluence`, and its latest update's.
async fn described(s: &Setup, campaign: &str) -> (Vec<(String, f64)>, Vec<(String, f64)>) {
    let c =
        s.c.control
            .describe_campaign()
            .campaign_arn(campaign)
            .send()
            .await
            .unwrap()
            .campaign
            .unwrap();
    assert_eq!(c.status(), Some("ACTIVE"));
    let weights = |config: Option<&CampaignConfig>| {
        let mut v: Vec<(String, f64)> = config
            .and_then(CampaignConfig::ranking_influence)
            .into_iter()
            .flatten()
            .map(|(k, w)| (k.as_str().to_owned(), *w))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let update = c.latest_campaign_update();
    if let Some(u) = update {
        assert_eq!(u.status(), Some("ACTIVE"), "{:?}", u.failure_reason());
    }
    (
        weights(c.campaign_config()),
        weights(update.and_then(|u| u.campaign_config())),
    )
}

async fn update(s: &Setup, campaign: &str, weights: &[(&str, f64)]) {
    s.c.control
        .update_campaign()
        .campaign_arn(campaign)
        .campaign_config(config(weights))
        .send()
        .await
        .unwrap();
}

async fn top(s: &Setup, campaign: &str) -> Vec<String> {
    recommend(&s.c, campaign, USER, 10)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

fn count(list: &[String], wanted: impl Fn(&str) -> bool) -> usize {
    list.iter().filter(|id| wanted(id)).count()
}

fn is_fresh(id: &str) -> bool {
    id.strip_prefix('i')
        .and_then(|n| n.parse().ok())
        .is_some_and(fresh)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weights_are_stored_updated_in_place_and_move_recommendations() {
    let s = setup().await;
    let plain = create(&s, "plain", None).await;
    let influenced = create(&s, "influenced", Some(config(&[("POPULARITY", 0.0)]))).await;
    assert_eq!(
        described(&s, &influenced).await.0,
        [("POPULARITY".to_owned(), 0.0)]
    );
    let baseline = top(&s, &plain).await;
    assert_eq!(baseline.len(), 10);
    assert_eq!(
        recommend(&s.c, &influenced, USER, 10).await,
        recommend(&s.c, &plain, USER, 10).await,
        "weight 0 changes neither order nor scores"
    );
    // The model alone does not lead with the popular comedies or the newest items.
    assert!(
        !POPULAR.contains(&baseline[0].as_str()) && !is_fresh(&baseline[0]),
        "{baseline:?}"
    );

    // Popularity, raised in place: the popular comedies climb into the drama fan's list.
    let mut popular = Vec::new();
    for w in [0.0, 0.3, 0.6, 1.0] {
        update(&s, &influenced, &[("POPULARITY", w)]).await;
        let (current, latest) = described(&s, &influenced).await;
        assert_eq!(current, [("POPULARITY".to_owned(), w)]);
        assert_eq!(latest, current);
        let list = top(&s, &influenced).await;
        popular.push((
            count(&list, |id| POPULAR.contains(&id)),
            list.iter().position(|id| id == POPULAR[0]),
        ));
        if w == 1.0 {
            let mut first: Vec<&str> = list[..2].iter().map(String::as_str).collect();
            first.sort_unstable();
            assert_eq!(first, POPULAR, "at 1 popularity alone ranks: {list:?}");
        }
    }
    assert!(
        popular
            .windows(2)
            .all(|p| p[1].0 >= p[0].0
                && (p[0].1.is_none() || (p[1].1.is_some() && p[1].1 <= p[0].1))),
        "more weight, never fewer popular items nor a lower place: {popular:?}"
    );
    assert_eq!(popular[0].0, 0, "at 0 the model's own list: {popular:?}");

    // Freshness: the newest items by CREATION_TIMESTAMP take over as its weight rises.
    let mut fresh_counts = vec![count(&baseline, is_fresh)];
    for w in [0.3, 0.6, 1.0] {
        update(&s, &influenced, &[("FRESHNESS", w)]).await;
        assert_eq!(
            described(&s, &influenced).await.0,
            [("FRESHNESS".to_owned(), w)]
        );
        fresh_counts.push(count(&top(&s, &influenced).await, is_fresh));
    }
    assert!(
        fresh_counts.windows(2).all(|p| p[1] >= p[0]) && fresh_counts[0] < 10,
        "{fresh_counts:?}"
    );
    let newest: Vec<String> = (10..20).rev().map(|i| format!("i{i}")).collect();
    assert_eq!(
        top(&s, &influenced).await,
        newest,
        "at 1 freshness alone ranks"
    );

    // Scores stay well-formed: positive, descending, summing to at most 1.
    update(&s, &influenced, &[("POPULARITY", 0.4), ("FRESHNESS", 0.4)]).await;
    let scored = recommend(&s.c, &influenced, USER, 25).await;
    assert!(scored.windows(2).all(|p| p[0].1 >= p[1].1), "{scored:?}");
    assert!(scored.iter().all(|(_, score)| *score > 0.0));
    assert!(scored.iter().map(|(_, score)| score).sum::<f64>() <= 1.0 + 1e-9);

    // Back to no influence: the campaign answers as the plain one again.
    update(&s, &influenced, &[]).await;
    assert_eq!(top(&s, &influenced).await, baseline);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_weights_are_refused_precisely() {
    let s = setup().await;
    let p = &s.c.control;
    let refused = |weights: &'static [(&'static str, f64)]| {
        p.create_campaign()
            .name("bad")
            .solution_version_arn(&s.version)
            .campaign_config(config(weights))
            .send()
    };
    let cases: [(&[(&str, f64)], &str); 4] = [
        (
            &[("SPEED", 0.5)],
            "Value 'SPEED' at 'campaignConfig.rankingInfluence.key' failed to satisfy \
             constraint: Member must satisfy enum value set: [POPULARITY, FRESHNESS]",
        ),
        (
            &[("POPULARITY", 1.5)],
            "Value '1.5' at 'campaignConfig.rankingInfluence.POPULARITY' failed to satisfy \
             constraint: Member must have value less than or equal to 1",
        ),
        (
            &[("FRESHNESS", -0.25)],
            "Value '-0.25' at 'campaignConfig.rankingInfluence.FRESHNESS' failed to satisfy \
             constraint: Member must have value greater than or equal to 0",
        ),
        (
            &[("popularity", 0.5)],
            "Member must satisfy enum value set: [POPULARITY, FRESHNESS]",
        ),
    ];
    for (weights, message) in cases {
        let e = refused(weights).await.unwrap_err();
        assert_eq!(e.code(), Some("ValidationException"), "{weights:?}: {e:?}");
        assert!(
            e.message().is_some_and(|m| m.contains(message)),
            "{weights:?}: {:?}",
            e.message()
        );
    }
    // Nothing was created by the refused calls.
    assert!(p
        .list_campaigns()
        .send()
        .await
        .unwrap()
        .campaigns()
        .is_empty());

    // UpdateCampaign refuses the same way and leaves the campaign as it was.
    let campaign = create(&s, "good", Some(config(&[("FRESHNESS", 0.2)]))).await;
    let e = p
        .update_campaign()
        .campaign_arn(&campaign)
        .campaign_config(config(&[("FRESHNESS", 2.0)]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    assert!(
        e.message()
            .is_some_and(|m| m.contains("campaignConfig.rankingInfluence.FRESHNESS")),
        "{e:?}"
    );
    assert_eq!(
        described(&s, &campaign).await,
        (vec![("FRESHNESS".to_owned(), 0.2)], vec![])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personalized_ranking_reorders_its_list_by_the_weights_too() {
    let s = setup().await;
    let p = &s.c.control;
    let (_, version) = trained_version(
        p,
        &s.group,
        "influence-ranking",
        "arn:aws:personalize:::recipe/aws-personalized-ranking",
    )
    .await;
    let campaign = |name: &'static str, config: Option<CampaignConfig>| {
        p.create_campaign()
            .name(name)
            .solution_version_arn(&version)
            .set_campaign_config(config)
            .send()
    };
    let plain = campaign("ranking-plain", None)
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let newest = campaign("ranking-fresh", Some(config(&[("FRESHNESS", 1.0)])))
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let input = ["i40", "i12", "i1", "never-seen", "i15"];
    let runtime = &s.c.runtime;
    let rank = |campaign: String| async move {
        runtime
            .get_personalized_ranking()
            .campaign_arn(campaign)
            .user_id(USER)
            .set_input_list(Some(input.iter().map(|i| (*i).to_owned()).collect()))
            .send()
            .await
            .unwrap()
            .personalized_ranking
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i.item_id.unwrap_or_default(), i.score.unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    let model = rank(plain).await;
    let fresh = rank(newest).await;
    let order = |ranked: &[(String, f64)]| -> Vec<String> {
        ranked.iter().map(|(id, _)| id.clone()).collect()
    };
    // CREATION_TIMESTAMP order: i15 and i12 are new; i40 was created after i1; the item the
    // model never saw stays last, as without influence.
    assert_eq!(order(&fresh), ["i15", "i12", "i40", "i1", "never-seen"]);
    assert_eq!(order(&model).last().map(String::as_str), Some("never-seen"));
    assert_ne!(
        order(&model),
        order(&fresh),
        "the model alone ranks otherwise"
    );
    let total: f64 = fresh.iter().map(|(_, score)| score).sum();
    assert!((total - 1.0).abs() < 1e-9, "{fresh:?}");
}
