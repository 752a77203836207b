//! Each recipe through the public API on small hand-made data where the right answer is known.

use std::collections::BTreeMap;

use crate::dataset::tests::ev;
use crate::{
    evaluate, filter, train, Error, Exploration, Interaction, Item, Model, Query, Scored,
    TrainOptions, TrainingData, Value, METRIC_NAMES,
};

/// Two taste clusters: "a" users go a0, a1, a2, ... in order, "b" users likewise; everyone
/// also clicks the blockbuster "pop" first. Items a* and b* carry a GENRE.
fn clusters() -> TrainingData {
    let mut data = TrainingData::default();
    for u in 0..20 {
        let cluster = if u % 2 == 0 { "a" } else { "b" };
        let user = format!("{cluster}-user{u}");
        data.interactions.push(ev(&user, "pop", 0, "click"));
        // Each user sees a window of five consecutive items of its cluster.
        for (t, k) in (u / 2..u / 2 + 5).enumerate() {
            data.interactions.push(ev(
                &user,
                &format!("{cluster}{}", k % 10),
                t as i64 + 1,
                "click",
            ));
        }
    }
    // A heavy user makes "a0" the most popular item after "pop".
    for t in 0..3 {
        data.interactions.push(ev("fan", "a0", 100 + t, "watch"));
    }
    for cluster in ["a", "b"] {
        for k in 0..10 {
            data.items.push(item(
                &format!("{cluster}{k}"),
                if cluster == "a" { "Comedy" } else { "Horror" },
            ));
        }
    }
    data
}

fn item(id: &str, genre: &str) -> Item {
    Item {
        item_id: id.into(),
        attributes: [("GENRE".to_string(), Value::Str(genre.into()))]
            .into_iter()
            .collect(),
    }
}

fn options(recipe: &str) -> TrainOptions {
    TrainOptions {
        recipe: recipe.into(),
        ..TrainOptions::default()
    }
}

fn query<'a>(user: Option<&'a str>, recent: &'a [Interaction]) -> Query<'a> {
    Query {
        user_id: user,
        item_id: None,
        num_results: 5,
        recent,
        new_items: &[],
        exploration: None,
        filter: None,
        now: 1_000,
        trend: None,
    }
}

fn ids(s: &[Scored]) -> Vec<&str> {
    s.iter().map(|x| x.item_id.as_str()).collect()
}

fn assert_scores(s: &[Scored]) {
    assert!(s.iter().all(|x| x.score > 0.0), "{s:?}");
    assert!(s.windows(2).all(|w| w[0].score >= w[1].score), "{s:?}");
    assert!(s.iter().map(|x| x.score).sum::<f64>() <= 1.0 + 1e-9);
}

#[test]
fn popularity_lists_the_most_interacted_items() {
    let m = train(&clusters(), &options("aws-popularity-count")).unwrap();
    let got = m.recommend(&query(Some("anyone"), &[])).unwrap();
    assert_eq!(&ids(&got)[..2], ["pop", "a0"]);
    assert_scores(&got);
    // Over the whole catalogue the scores sum to 1.
    let all = m
        .recommend(&Query {
            num_results: 500,
            ..query(None, &[])
        })
        .unwrap();
    assert_eq!(all.len(), 21);
    assert!((all.iter().map(|x| x.score).sum::<f64>() - 1.0).abs() < 1e-9);
}

/// Developer guide, Popularity-Count: "the items with the most interactions data from unique
/// users": one user's many interactions with an item count once.
#[test]
fn popularity_count_counts_unique_users_not_interactions() {
    let mut data = TrainingData::default();
    for t in 0..10 {
        data.interactions.push(ev("binger", "x", t, "click"));
    }
    for u in 0..3 {
        data.interactions
            .push(ev(&format!("u{u}"), "y", 20 + u, "click"));
    }
    let m = train(&data, &options("aws-popularity-count")).unwrap();
    let got = m.recommend(&query(Some("anyone"), &[])).unwrap();
    assert_eq!(ids(&got), ["y", "x"]);
    // Three users of four: three quarters of the score, up to the scoring floor.
    assert!((got[0].score - 0.75).abs() < 1e-3, "{got:?}");
}

#[test]
fn user_personalization_follows_the_users_cluster_and_unknown_users_get_popular_items() {
    let m = train(&clusters(), &options("aws-user-personalization")).unwrap();
    let got = m.recommend(&query(Some("b-user3"), &[])).unwrap();
    assert_scores(&got);
    assert!(
        ids(&got)
            .iter()
            .all(|id| id.starts_with('b') || *id == "pop"),
        "{got:?}"
    );
    let popular = train(&clusters(), &options("aws-popularity-count")).unwrap();
    assert_ne!(
        ids(&got),
        ids(&popular.recommend(&query(None, &[])).unwrap())
    );
    let unknown = m.recommend(&query(Some("stranger"), &[])).unwrap();
    assert_eq!(ids(&unknown)[0], "pop");
}

#[test]
fn recent_events_move_recommendations_without_retraining() {
    let m = train(&clusters(), &options("aws-user-personalization")).unwrap();
    let before = m.recommend(&query(Some("a-user0"), &[])).unwrap();
    assert!(
        ids(&before).iter().filter(|id| id.starts_with('a')).count() >= 3,
        "{before:?}"
    );
    let clicks: Vec<Interaction> = (0..3)
        .map(|t| ev("a-user0", "b5", 500 + t, "click"))
        .collect();
    let after = m.recommend(&query(Some("a-user0"), &clicks)).unwrap();
    assert_ne!(ids(&before), ids(&after));
    let near_b5 = ["b4", "b6", "b3", "b7"];
    assert!(
        ids(&after)[..3].iter().any(|id| near_b5.contains(id)),
        "{after:?}"
    );
}

#[test]
fn sims_lists_neighbours_of_the_item_but_not_the_item() {
    let m = train(&clusters(), &options("aws-sims")).unwrap();
    let q = Query {
        item_id: Some("a4"),
        ..query(None, &[])
    };
    let got = m.recommend(&q).unwrap();
    assert_scores(&got);
    assert!(!ids(&got).contains(&"a4"));
    assert!(["a3", "a5"].contains(&ids(&got)[0]), "{got:?}");
    let err = m.recommend(&query(Some("u"), &[])).unwrap_err();
    assert!(matches!(err, Error::InvalidInput(m) if m.contains("itemId")));
}

#[test]
fn ranking_reorders_the_input_only() {
    let m = train(&clusters(), &options("aws-personalized-ranking")).unwrap();
    let input: Vec<String> = ["b2", "a2", "nobody-knows", "a3", "a2"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let got = m.rank(&query(Some("a-user8"), &[]), &input).unwrap();
    assert_eq!(
        ids(&got)[..2]
            .iter()
            .filter(|id| id.starts_with('a'))
            .count(),
        2,
        "{got:?}"
    );
    assert_eq!(ids(&got).len(), 4, "duplicates once");
    assert_eq!(ids(&got)[3], "nobody-knows");
    assert!((got.iter().map(|x| x.score).sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(m.rank(&query(Some("u"), &[]), &[]).is_err());
    assert!(m.rank(&query(None, &[]), &input).is_err());
    assert!(m
        .rank(&query(Some("u"), &[]), &vec!["x".to_string(); 501])
        .is_err());
    assert!(
        m.recommend(&query(Some("u"), &[])).is_err(),
        "ranking campaigns only rank"
    );
}

/// Hours as epoch seconds, for trend intervals of an hour.
const HOUR: i64 = 3600;

/// "old" is big in hour 10, "rising" grows in hour 11, and one event in hour 12 completes
/// hour 11: with hourly trends, hour 11 is the latest complete interval.
fn trend_data() -> TrainingData {
    let mut data = TrainingData::default();
    for u in 0..10 {
        data.interactions
            .push(ev(&format!("u{u}"), "old", 10 * HOUR + u, ""));
    }
    for u in 0..4 {
        data.interactions
            .push(ev(&format!("v{u}"), "rising", 11 * HOUR + u, ""));
    }
    data.interactions.push(ev("w", "tick", 12 * HOUR, ""));
    data
}

fn hourly<'a>(events: &'a [Interaction]) -> Query<'a> {
    Query {
        trend: Some(crate::Trend {
            interval: HOUR,
            events,
        }),
        ..query(None, &[])
    }
}

#[test]
fn trending_now_prefers_growth_over_volume() {
    let m = train(&trend_data(), &options("aws-trending-now")).unwrap();
    let got = m.recommend(&hourly(&[])).unwrap();
    assert_eq!(ids(&got)[0], "rising", "{got:?}");
    // With the default two hours, hours 10 and 11 are one interval whose growth over the
    // empty one before is each item's volume: "old" leads.
    let got = m.recommend(&query(None, &[])).unwrap();
    assert_eq!(ids(&got)[0], "old", "{got:?}");
}

#[test]
fn new_events_move_trends_once_their_interval_is_complete() {
    let m = train(&trend_data(), &options("aws-trending-now")).unwrap();
    // Six events of "fresh", an item new since training, in hour 12: that interval is not
    // complete, nothing moves yet.
    let fresh = [item("fresh", "News")];
    let mut events: Vec<Interaction> = (0..6)
        .map(|u| ev(&format!("f{u}"), "fresh", 12 * HOUR + 10 + u, ""))
        .collect();
    let got = m
        .recommend(&Query {
            new_items: &fresh,
            ..hourly(&events)
        })
        .unwrap();
    assert_eq!(ids(&got)[0], "rising", "{got:?}");
    // An event in hour 13 completes hour 12: "fresh" is the trend, without retraining.
    events.push(ev("x", "tick", 13 * HOUR, ""));
    let got = m
        .recommend(&Query {
            new_items: &fresh,
            ..hourly(&events)
        })
        .unwrap();
    assert_eq!(ids(&got)[0], "fresh", "{got:?}");
    // "rising" grew in hour 11 and fell in hour 12: it is no longer ahead of "fresh".
    let rank = |id: &str| ids(&got).iter().position(|x| *x == id);
    assert!(rank("rising").is_none_or(|r| r > 0));
}

#[test]
fn with_no_interactions_in_the_last_two_intervals_popular_items_are_recommended() {
    let m = train(&trend_data(), &options("aws-trending-now")).unwrap();
    // The newest event is in hour 20: hours 18 and 19 are empty.
    let late = [ev("late", "tick", 20 * HOUR, "")];
    let got = m.recommend(&hourly(&late)).unwrap();
    assert_eq!(ids(&got)[0], "old", "popularity: {got:?}");
    // Hostile timestamps at i64's ends neither panic nor overflow.
    let hostile = [
        ev("a", "old", i64::MIN, ""),
        ev("b", "rising", i64::MAX, ""),
    ];
    assert!(m.recommend(&hourly(&hostile)).is_ok());
    let tiny = Query {
        trend: Some(crate::Trend {
            interval: 0,
            events: &hostile,
        }),
        ..query(None, &[])
    };
    assert!(m.recommend(&tiny).is_ok());
}

#[test]
fn filters_apply_to_recommendations() {
    let m = train(&clusters(), &options("aws-user-personalization")).unwrap();
    let f = filter::parse("INCLUDE ItemID WHERE Items.GENRE IN ($G)").unwrap();
    let bound = f
        .bind(
            &[("G".to_string(), "\"Horror\"".to_string())]
                .into_iter()
                .collect(),
        )
        .unwrap();
    let q = Query {
        filter: Some(&bound),
        ..query(Some("a-user0"), &[])
    };
    let got = m.recommend(&q).unwrap();
    assert_eq!(got.len(), 5);
    assert!(ids(&got).iter().all(|id| id.starts_with('b')), "{got:?}");
    let seen = filter::parse(r#"EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")"#).unwrap();
    let seen = seen.bind(&BTreeMap::new()).unwrap();
    let clicks = [ev("a-user0", "a9", 900, "click")];
    let q = Query {
        filter: Some(&seen),
        num_results: 500,
        ..query(Some("a-user0"), &clicks)
    };
    let got = m.recommend(&q).unwrap();
    for gone in ["pop", "a0", "a4", "a9"] {
        assert!(!ids(&got).contains(&gone), "{gone} was interacted with");
    }
}

#[test]
fn exploration_surfaces_new_items_like_the_users_taste() {
    let m = train(&clusters(), &options("aws-user-personalization")).unwrap();
    let new = [item("new-horror", "Horror"), item("new-comedy", "Comedy")];
    let q = Query {
        new_items: &new,
        exploration: Some(Exploration {
            weight: 1.0,
            cutoff_days: 30.0,
        }),
        num_results: 10,
        ..query(Some("b-user1"), &[])
    };
    let got = ids(&m.recommend(&q).unwrap())
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>();
    let pos = |id: &str| got.iter().position(|x| x == id);
    assert!(pos("new-horror").is_some(), "{got:?}");
    assert!(
        pos("new-comedy").is_none_or(|c| c > pos("new-horror").unwrap()),
        "{got:?}"
    );
    let off = Query {
        exploration: Some(Exploration {
            weight: 0.0,
            cutoff_days: 30.0,
        }),
        ..q
    };
    assert!(!ids(&m.recommend(&off).unwrap()).contains(&"new-horror"));
}

#[test]
fn bad_requests_and_training_inputs_are_refused() {
    let data = clusters();
    assert!(matches!(
        train(&data, &options("aws-hrnn")),
        Err(Error::InvalidInput(_))
    ));
    let mut o = options("aws-user-personalization");
    o.event_type = Some("purchase".into());
    assert!(matches!(train(&data, &o), Err(Error::NotEnoughData(_))));
    assert!(matches!(
        train(&TrainingData::default(), &options("aws-sims")),
        Err(Error::NotEnoughData(_))
    ));
    let m = train(&data, &options("aws-user-personalization")).unwrap();
    for n in [0, 501] {
        assert!(m
            .recommend(&Query {
                num_results: n,
                ..query(Some("u"), &[])
            })
            .is_err());
    }
    assert!(m.recommend(&query(None, &[])).is_err(), "userId required");
}

#[test]
fn models_round_trip_through_bytes_and_garbage_is_refused() {
    let m = train(&clusters(), &options("aws-user-personalization")).unwrap();
    let back = Model::from_bytes(&m.to_bytes()).unwrap();
    assert_eq!(back.recipe(), "aws-user-personalization");
    let q = query(Some("a-user2"), &[]);
    assert_eq!(m.recommend(&q).unwrap(), back.recommend(&q).unwrap());
    assert!(Model::from_bytes(b"").is_err());
    assert!(Model::from_bytes(&[0xff; 64]).is_err());
    let bytes = m.to_bytes();
    assert!(Model::from_bytes(&bytes[..bytes.len() / 2]).is_err());
}

#[test]
fn evaluation_reports_every_metric_and_beats_popularity_on_clustered_data() {
    let mut data = clusters();
    // More users so that 10% held out is several.
    for u in 20..60 {
        let cluster = if u % 2 == 0 { "a" } else { "b" };
        for (t, k) in (u % 10..u % 10 + 6).enumerate() {
            data.interactions.push(ev(
                &format!("{cluster}-user{u}"),
                &format!("{cluster}{}", k % 10),
                t as i64,
                "click",
            ));
        }
    }
    let up = evaluate(
        &data,
        &TrainOptions {
            seed: 1,
            ..options("aws-user-personalization")
        },
    )
    .unwrap();
    let pop = evaluate(
        &data,
        &TrainOptions {
            seed: 1,
            ..options("aws-popularity-count")
        },
    )
    .unwrap();
    assert_eq!(
        up.keys().map(String::as_str).collect::<Vec<_>>(),
        METRIC_NAMES
    );
    assert!(up.values().all(|v| (0.0..=1.0).contains(v)), "{up:?}");
    assert!(
        up["mean_reciprocal_rank_at_25"] > pop["mean_reciprocal_rank_at_25"],
        "{up:?} vs {pop:?}"
    );
    assert!(evaluate(
        &TrainingData::default(),
        &options("aws-user-personalization")
    )
    .is_err());
}

#[test]
fn extreme_timestamps_and_ids_do_not_break_anything() {
    let mut data = clusters();
    data.interactions
        .push(ev("a-user0", "ancient", i64::MIN, "click"));
    data.interactions
        .push(ev("a-user2", "future", i64::MAX, "click"));
    data.interactions.push(ev("", "", 0, ""));
    data.interactions
        .push(ev(&"u".repeat(10_000), "\u{0}\u{fffd}", 5, "\"'|,"));
    let extremes = [
        ev("a-user0", "a3", i64::MIN, "click"),
        ev("a-user0", "b3", i64::MAX, "x"),
    ];
    // Item recipes (aws-next-best-action trains an action model: `actions` tests it).
    let item_recipes = crate::recipes()
        .iter()
        .map(|r| r.name)
        .filter(|r| crate::recipes::family(r).is_some());
    for recipe in item_recipes {
        let m = train(&data, &options(recipe)).unwrap();
        if m.is_segmentation() {
            let targets = vec![m.target_items(&crate::SegmentTarget::Item("a3".into()))];
            let segments = m.segments(&targets, 5).unwrap();
            assert!(!segments[0].is_empty());
            assert!(segments[0]
                .iter()
                .all(|a| a.affinity.is_finite() && a.affinity > 0.0));
            continue;
        }
        for now in [i64::MIN, 0, i64::MAX] {
            let q = Query {
                item_id: Some("a3"),
                now,
                new_items: &[item("fresh", "Comedy")],
                ..query(Some("a-user0"), &extremes)
            };
            let got = if recipe.contains("ranking") {
                m.rank(&q, &["a1".to_string(), "fresh".to_string()])
            } else {
                m.recommend(&q)
            };
            assert_scores(&got.unwrap());
        }
        assert!(evaluate(
            &data,
            &TrainOptions {
                seed: u64::MAX,
                ..options(recipe)
            }
        )
        .is_ok());
    }
}

/// Item-Affinity / Item-Attribute-Affinity: the segment of an item of one cluster is users of
/// that cluster; a genre's segment likewise; both recipes answer segments only.
#[test]
fn user_segments_follow_affinity() {
    use crate::SegmentTarget;
    let model = train(&clusters(), &options("aws-item-affinity")).unwrap();
    assert!(model.is_segmentation());
    assert!(matches!(
        model.recommend(&query(Some("a-user0"), &[])),
        Err(Error::InvalidInput(m)) if m.contains("batch segment jobs")
    ));
    let targets: Vec<Vec<u32>> = [
        SegmentTarget::Item("a5".into()),
        SegmentTarget::Item("b5".into()),
        SegmentTarget::Attributes(vec![("GENRE".into(), "Horror".into())]),
        SegmentTarget::Item("nowhere".into()),
    ]
    .iter()
    .map(|t| model.target_items(t))
    .collect();
    assert_eq!(targets[2].len(), 10);
    assert!(targets[3].is_empty());
    let segments = model.segments(&targets, 5).unwrap();
    for (segment, cluster) in [
        (&segments[0], "a-"),
        (&segments[1], "b-"),
        (&segments[2], "b-"),
    ] {
        assert_eq!(segment.len(), 5);
        assert!(
            segment.iter().all(|u| u.user_id.starts_with(cluster)),
            "{segment:?}"
        );
        assert!(segment.windows(2).all(|w| w[0].affinity >= w[1].affinity));
        assert!(segment
            .iter()
            .all(|u| u.affinity > 0.0 && u.affinity <= 1.0));
    }
    // The genre holds the item: a user's affinity for it is at least their affinity for b5.
    let of = |s: &[crate::Affine], u: &str| s.iter().find(|a| a.user_id == u).map(|a| a.affinity);
    let top = &segments[1][0].user_id;
    if let Some(genre) = of(&segments[2], top) {
        assert!(genre >= of(&segments[1], top).unwrap());
    }
    assert!(segments[3].is_empty());
    // Other recipes have no segments; Item-Attribute-Affinity needs item metadata.
    let personal = train(&clusters(), &options("aws-user-personalization")).unwrap();
    assert!(personal.segments(&targets, 5).is_err());
    let mut bare = clusters();
    bare.items.clear();
    assert!(matches!(
        train(&bare, &options("aws-item-attribute-affinity")),
        Err(Error::NotEnoughData(m)) if m.contains("metadata column")
    ));
    assert!(train(&clusters(), &options("aws-item-attribute-affinity")).is_ok());
}
