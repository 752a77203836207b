//! Unit tests of the ranking-influence re-rank: weights parsed precisely, order unchanged at 0,
//! moving toward popular or fresh items as the weight rises, scores kept well-formed, and the
//! signals gathered from rows and log up to the watermark.

use std::collections::{BTreeMap, HashMap};

use personalize_recommender::{Interaction, Item, Scored, Value as Attr};
use serde_json::{json, Map};

use super::*;
use crate::state::{GroupLog, Inner, Kind, LogEntry, Record, Rows};

/// The model's answer: a..f, best first.
fn pool() -> Vec<Scored> {
    [
        ("a", 0.30),
        ("b", 0.25),
        ("c", 0.20),
        ("d", 0.15),
        ("e", 0.06),
        ("f", 0.04),
    ]
    .into_iter()
    .map(|(id, score)| Scored {
        item_id: id.into(),
        score,
    })
    .collect()
}

/// A flatter answer: the model barely prefers a over e, and f trails.
fn flat_pool() -> Vec<Scored> {
    [
        ("a", 0.20),
        ("b", 0.19),
        ("c", 0.18),
        ("d", 0.17),
        ("e", 0.16),
        ("f", 0.10),
    ]
    .into_iter()
    .map(|(id, score)| Scored {
        item_id: id.into(),
        score,
    })
    .collect()
}

fn ids(scored: &[Scored]) -> Vec<&str> {
    scored.iter().map(|s| s.item_id.as_str()).collect()
}

fn position(scored: &[Scored], id: &str) -> usize {
    scored.iter().position(|s| s.item_id == id).unwrap()
}

/// `f` is by far the most popular, `e` next; every item dated, `f` the newest, `a` the oldest.
fn signals() -> Signals {
    let counts = HashMap::from([
        ("a".to_owned(), 1),
        ("b".to_owned(), 1),
        ("c".to_owned(), 1),
        ("d".to_owned(), 1),
        ("e".to_owned(), 100),
        ("f".to_owned(), 1000),
    ]);
    let times = HashMap::from([
        ("a".to_owned(), 100),
        ("b".to_owned(), 200),
        ("c".to_owned(), 300),
        ("d".to_owned(), 400),
        ("e".to_owned(), 500),
        ("f".to_owned(), 1000),
    ]);
    Signals::new(counts, times)
}

fn weights(popularity: f64, freshness: f64) -> RankingInfluence {
    RankingInfluence {
        popularity,
        freshness,
    }
}

const WEIGHTS: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

#[test]
fn weights_parse_and_bad_ones_are_named() {
    assert_eq!(
        RankingInfluence::from_config(None).unwrap(),
        RankingInfluence::default()
    );
    assert!(RankingInfluence::from_config(Some(&json!({})))
        .unwrap()
        .is_neutral());
    let w = RankingInfluence::from_config(Some(
        &json!({"rankingInfluence": {"POPULARITY": 0.4, "FRESHNESS": 1}}),
    ))
    .unwrap();
    assert_eq!((w.popularity, w.freshness), (0.4, 1.0));
    assert!(!w.is_neutral());
    let err =
        |v| RankingInfluence::from_config(Some(&json!({ "rankingInfluence": v }))).unwrap_err();
    let e = err(json!({"SPEED": 0.5}));
    assert!(
        e.contains("\"SPEED\"") && e.contains("POPULARITY, FRESHNESS"),
        "{e}"
    );
    let e = err(json!({"POPULARITY": 1.5}));
    assert!(
        e.contains("POPULARITY 1.5 is not a weight from 0 to 1"),
        "{e}"
    );
    let e = err(json!({"FRESHNESS": -0.1}));
    assert!(e.contains("FRESHNESS -0.1"), "{e}");
    let e = err(json!({"FRESHNESS": "0.5"}));
    assert!(e.contains("FRESHNESS \"0.5\""), "{e}");
    let e = err(json!([0.5]));
    assert!(e.contains("must be a map"), "{e}");
}

#[test]
fn weight_zero_changes_nothing() {
    let neutral = RankingInfluence::default();
    assert_eq!(rerank(pool(), 6, neutral, &signals(), &[]), pool());
    assert_eq!(rerank(pool(), 3, neutral, &signals(), &[]), pool()[..3]);
    // A weight with no signal to act on (no counts known) keeps the model's order too.
    let weights = weights(1.0, 0.0);
    assert_eq!(
        ids(&rerank(pool(), 6, weights, &Signals::default(), &[])),
        ids(&pool())
    );
}

#[test]
fn popular_items_rise_as_the_weight_rises() {
    let places: Vec<usize> = WEIGHTS
        .iter()
        .map(|&w| {
            let weights = weights(w, 0.0);
            position(&rerank(pool(), 6, weights, &signals(), &[]), "f")
        })
        .collect();
    assert_eq!(places[0], 5, "at 0 the model's order stands");
    assert!(places.windows(2).all(|p| p[1] <= p[0]), "{places:?}");
    assert_eq!(places[4], 0, "at 1 the most popular item leads: {places:?}");
    // The less popular items keep the model's order among themselves.
    let full = rerank(pool(), 6, weights(1.0, 0.0), &signals(), &[]);
    let rest: Vec<&str> = ids(&full)
        .into_iter()
        .filter(|id| ["a", "b", "c", "d"].contains(id))
        .collect();
    assert_eq!(rest, ["a", "b", "c", "d"]);
}

#[test]
fn fresh_items_rise_as_the_weight_rises() {
    let places: Vec<usize> = WEIGHTS
        .iter()
        .map(|&w| {
            let weights = weights(0.0, w);
            position(&rerank(flat_pool(), 6, weights, &signals(), &[]), "f")
        })
        .collect();
    assert_eq!(places[0], 5);
    assert!(places.windows(2).all(|p| p[1] <= p[0]), "{places:?}");
    assert!(places[4] < places[0], "{places:?}");
    // The oldest item, the model's favourite, loses ground as freshness counts more.
    let a = |w| {
        let weights = weights(0.0, w);
        position(&rerank(flat_pool(), 6, weights, &signals(), &[]), "a")
    };
    assert_eq!(a(0.0), 0);
    assert!(a(0.5) > 0);
    assert_eq!(a(1.0), 5, "the oldest item ends last");
}

#[test]
fn items_added_after_training_count_as_newest_unless_dated() {
    let mut scored = flat_pool();
    for id in ["new", "old-new"] {
        scored.push(Scored {
            item_id: id.into(),
            score: 0.10,
        });
    }
    let new_items = [
        Item {
            item_id: "new".into(),
            attributes: BTreeMap::new(),
        },
        Item {
            item_id: "old-new".into(),
            attributes: [(CREATION_TIMESTAMP.to_owned(), Attr::Num(50.0))].into(),
        },
    ];
    let weights = weights(0.0, 1.0);
    let out = rerank(scored, 8, weights, &signals(), &new_items);
    assert!(
        position(&out, "new") < position(&out, "c"),
        "{:?}",
        ids(&out)
    );
    assert_eq!(position(&out, "old-new"), 7, "{:?}", ids(&out));
}

#[test]
fn scores_stay_descending_and_keep_the_pools_mass() {
    for w in WEIGHTS {
        let weights = weights(w, 1.0 - w);
        let out = rerank(pool(), 6, weights, &signals(), &[]);
        assert_eq!(out.len(), 6);
        assert!(out.windows(2).all(|p| p[0].score >= p[1].score), "{out:?}");
        assert!(out.iter().all(|s| s.score > 0.0), "{out:?}");
        let sum: f64 = out.iter().map(|s| s.score).sum();
        assert!((sum - 1.0).abs() < 1e-9, "{sum}");
        let top = rerank(pool(), 2, weights, &signals(), &[]);
        assert_eq!(ids(&top), ids(&out)[..2]);
    }
}

#[test]
fn weights_summing_past_one_share_the_whole_blend() {
    let both = |w| weights(w, w);
    let full = rerank(pool(), 6, both(1.0), &signals(), &[]);
    assert_eq!(full, rerank(pool(), 6, both(0.5), &signals(), &[]));
    // f is both the most popular and the newest: with the model (nearly) out, it leads.
    assert_eq!(full[0].item_id, "f");
}

fn record(kind: Kind, body: serde_json::Value) -> Record {
    let body: Map<String, serde_json::Value> = body.as_object().unwrap().clone();
    Record {
        kind,
        seq: 0,
        body,
        tags: BTreeMap::new(),
        trained_seq: 0,
    }
}

fn interaction(item: &str, t: i64, event_type: &str) -> Interaction {
    Interaction {
        user_id: "u".into(),
        item_id: item.into(),
        timestamp: t,
        event_type: event_type.into(),
        event_value: None,
        session_id: None,
        attributes: BTreeMap::new(),
    }
}

fn dated(item: &str, t: f64) -> Item {
    Item {
        item_id: item.into(),
        attributes: [(CREATION_TIMESTAMP.to_owned(), Attr::Num(t))].into(),
    }
}

#[test]
fn signals_come_from_rows_and_the_log_up_to_the_watermark() {
    let mut inner = Inner::default();
    for (arn, ty) in [("di", "Interactions"), ("dt", "Items")] {
        inner.records.insert(
            arn.into(),
            record(
                Kind::Dataset,
                json!({"datasetArn": arn, "datasetGroupArn": "g", "datasetType": ty}),
            ),
        );
    }
    inner.rows.insert(
        "di".into(),
        Rows::Interactions(vec![
            interaction("x", 10, "click"),
            interaction("x", 20, "click"),
            interaction("x", 30, "view"),
            interaction("y", 5, "click"),
        ]),
    );
    // y is dated by the items dataset; x only by its first interaction.
    inner
        .rows
        .insert("dt".into(), Rows::Items(vec![dated("y", 500.0)]));
    let mut log = GroupLog::default();
    log.push(
        1,
        LogEntry::Event {
            dedup: None,
            interaction: interaction("y", 40, "click"),
        },
    );
    log.push(2, LogEntry::Item(dated("z", 300.0)));
    // After the watermark: not part of what the version trained on.
    log.push(
        4,
        LogEntry::Event {
            dedup: None,
            interaction: interaction("z", 50, "click"),
        },
    );
    log.push(5, LogEntry::Item(dated("x", 9_000.0)));
    inner.logs.insert("g".into(), log);
    let s = Signals::gather(&inner, "g", 3, Some("click"));
    assert_eq!(
        s.counts.get("x"),
        Some(&2),
        "views are not the solution's event type"
    );
    assert_eq!(s.counts.get("y"), Some(&2));
    assert_eq!(s.counts.get("z"), None);
    assert_eq!(s.times["x"], 10);
    assert_eq!(s.times["y"], 500);
    assert_eq!(s.times["z"], 300);
    let every = Signals::gather(&inner, "g", 3, None);
    assert_eq!(every.counts.get("x"), Some(&3));
    let none = HashMap::new();
    assert!(every.freshness("y", &none) > every.freshness("z", &none));
    assert!(every.freshness("z", &none) > every.freshness("x", &none));
    assert_eq!(every.freshness("unknown", &none), 0.0);
    assert_eq!(every.popularity("x"), 1.0);
    assert_eq!(every.popularity("unknown"), 0.0);
    // Another group's data is not counted.
    assert_eq!(
        Signals::gather(&inner, "other", 3, Some("click"))
            .counts
            .len(),
        0
    );
}

#[test]
fn the_cache_computes_once_per_version() {
    let cache = Cache::default();
    let mut calls = 0;
    let first = cache.get_or_insert("v1", || {
        calls += 1;
        signals()
    });
    let again = cache.get_or_insert("v1", || {
        calls += 1;
        Signals::default()
    });
    assert!(Arc::ptr_eq(&first, &again));
    assert_eq!(calls, 1);
    let other = cache.get_or_insert("v2", Signals::default);
    assert!(!Arc::ptr_eq(&first, &other));
}
