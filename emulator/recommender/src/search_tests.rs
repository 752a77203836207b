//! The search: validation of ranges, a deterministic plan whose trial 0 is the defaults,
//! the winner never worse than the defaults, stop, and the objective's direction.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::dataset::tests::ev;

fn int(name: &str, min: i64, max: i64) -> ParameterRange {
    ParameterRange {
        name: name.into(),
        range: Range::Integer { min, max },
    }
}

fn search(ranges: Vec<ParameterRange>, trials: usize) -> Search {
    Search {
        recipes: vec!["aws-user-personalization".into()],
        ranges,
        trials,
        parallel: 2,
        objective: Objective {
            metric: "precision_at_25".into(),
            goal: Goal::Maximize,
        },
    }
}

fn base(seed: u64) -> TrainOptions {
    TrainOptions {
        recipe: "aws-user-personalization".into(),
        seed,
        ..TrainOptions::default()
    }
}

/// 40 users in two clusters, each walking eight of their cluster's 20 items.
fn data() -> TrainingData {
    let mut d = TrainingData::default();
    for u in 0..40 {
        let c = if u % 2 == 0 { "a" } else { "b" };
        for k in 0..8 {
            let item = format!("{c}{}", (u * 3 + k * 7) % 20);
            d.interactions.push(ev(&format!("u{u}"), &item, k, "watch"));
        }
    }
    d
}

fn message(e: Error) -> String {
    match e {
        Error::InvalidInput(m) => m,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn bad_ranges_are_refused_naming_the_parameter() {
    let up = "aws-user-personalization";
    let cases: Vec<(Vec<ParameterRange>, &str)> = vec![
        (vec![int("no_such_param", 1, 2)], "no_such_param"),
        (vec![int("bptt", 40, 10)], "bptt"),
        (vec![int("bptt", 0, 10)], "bptt"),
        (vec![int("hidden_dimension", 8, 5000)], "hidden_dimension"),
        (vec![int("bptt", 1, 2), int("bptt", 3, 4)], "bptt"),
        (
            vec![ParameterRange {
                name: "recency_mask".into(),
                range: Range::Categorical(vec!["true".into(), "maybe".into()]),
            }],
            "recency_mask",
        ),
        (
            vec![ParameterRange {
                name: "recency_mask".into(),
                range: Range::Categorical(Vec::new()),
            }],
            "recency_mask",
        ),
        (
            vec![ParameterRange {
                name: "local.seen_factor".into(),
                range: Range::Continuous { min: 0.5, max: 0.1 },
            }],
            "local.seen_factor",
        ),
        (
            vec![ParameterRange {
                name: "local.seen_factor".into(),
                range: Range::Continuous { min: 0.0, max: 1.5 },
            }],
            "local.seen_factor",
        ),
    ];
    for (ranges, name) in cases {
        let m = message(check_ranges(up, &ranges).unwrap_err());
        assert!(m.contains(name), "{name}: {m}");
    }
    // Popularity recipes have nothing to tune.
    let m = message(check_ranges("aws-popularity-count", &[]).unwrap_err());
    assert!(m.contains("no hyperparameters"), "{m}");
    // The segment recipes take no HPO (Item-Attribute-Affinity recipe page).
    let m = message(check_ranges("aws-item-attribute-affinity", &[int("bptt", 1, 4)]).unwrap_err());
    assert!(m.contains("USER_SEGMENTATION"), "{m}");
    // A sims parameter is not a user-personalization one.
    assert!(check_ranges(up, &[int("min_cointeraction_count", 0, 3)]).is_err());
    // The defaults every recipe offers are valid for it.
    for r in crate::recipes() {
        let ranges = default_ranges(r.name);
        if !ranges.is_empty() {
            check_ranges(r.name, &ranges).unwrap();
        }
    }
    let mut s = search(vec![int("bptt", 1, 4)], 2);
    s.objective.metric = "accuracy".into();
    assert!(message(check(&s).unwrap_err()).contains("accuracy"));
}

#[test]
fn the_plan_is_seeded_starts_from_the_defaults_and_stays_in_range() {
    let s = search(
        vec![
            int("bptt", 4, 64),
            ParameterRange {
                name: "local.seen_factor".into(),
                range: Range::Continuous {
                    min: 0.01,
                    max: 0.2,
                },
            },
            ParameterRange {
                name: "recency_mask".into(),
                range: Range::Categorical(vec!["false".into(), "true".into()]),
            },
        ],
        6,
    );
    let a = plan(&base(1), &s).unwrap();
    assert_eq!(a, plan(&base(1), &s).unwrap());
    assert_ne!(a, plan(&base(2), &s).unwrap());
    assert_eq!(a.len(), 6);
    // Trial 0: the recipe defaults (bptt 32, seen_factor 0.05, recency_mask true).
    assert_eq!(a[0].hyperparameters["bptt"], "32");
    assert_eq!(a[0].hyperparameters["local.seen_factor"], "0.05");
    assert_eq!(a[0].hyperparameters["recency_mask"], "true");
    for t in &a {
        let b: i64 = t.hyperparameters["bptt"].parse().unwrap();
        let f: f64 = t.hyperparameters["local.seen_factor"].parse().unwrap();
        assert!((4..=64).contains(&b) && (0.01..=0.2).contains(&f), "{t:?}");
    }
    // A default outside the range is clamped to the nearest bound; fixed values stay.
    let fixed = TrainOptions {
        hyperparameters: BTreeMap::from([("local.window".to_string(), "7".to_string())]),
        ..base(1)
    };
    let p = plan(&fixed, &search(vec![int("bptt", 100, 200)], 3)).unwrap();
    assert_eq!(p[0].hyperparameters["bptt"], "100");
    assert!(p.iter().all(|t| t.hyperparameters["local.window"] == "7"));
    // Without ranges each recipe is tried once.
    let mut automl = search(Vec::new(), 5);
    automl.recipes = vec![
        "aws-user-personalization".into(),
        "aws-user-personalization-v2".into(),
    ];
    let p = plan(&base(1), &automl).unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(p[1].recipe, "aws-user-personalization-v2");
}

#[test]
fn the_winner_scores_at_least_as_well_as_the_defaults() {
    let data = data();
    let s = search(vec![int("bptt", 1, 64), int("hidden_dimension", 8, 64)], 4);
    let heard = AtomicUsize::new(0);
    let out = run(&data, &base(7), &s, &|| false, &|_, _| {
        heard.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    assert_eq!(heard.load(Ordering::SeqCst), 4);
    assert_eq!(out.trials.len(), 4);
    let default = *out.trials[0].1.as_ref().unwrap();
    let best = out.selection;
    assert!(best >= default, "{best} < {default}");
    assert!(out.trials.iter().all(|(_, v)| *v.as_ref().unwrap() <= best));
    // The reported metrics are the winner's on evaluate's hold-out: evaluating its options
    // again gives them.
    let again = evaluate(&data, &options_for(&base(7), &out.best)).unwrap();
    assert_eq!(again, out.metrics);
    assert_eq!(out.model.recipe, "aws-user-personalization");
}

/// The hold-out that reports the winner's metrics takes no part in the choice: every trial is
/// scored on the data without those users (issue 13: GetSolutionMetrics of an HPO or AutoML
/// version "is measured on a hold-out that did not pick the winner").
#[test]
fn trials_are_scored_without_the_users_that_report_the_metrics() {
    let data = data();
    let report: std::collections::HashSet<String> = crate::metrics::held_out(&data, &base(7))
        .into_iter()
        .collect();
    assert!(!report.is_empty());
    let selection = selection_data(&data, &base(7));
    assert!(selection
        .interactions
        .iter()
        .all(|i| !report.contains(&i.user_id)));
    let s = search(vec![int("bptt", 1, 64), int("hidden_dimension", 8, 64)], 3);
    let out = run(&data, &base(7), &s, &|| false, &|_, _| {}).unwrap();
    for (trial, score) in &out.trials {
        let on_selection = evaluate(&selection, &options_for(&base(7), trial)).unwrap();
        assert_eq!(
            *score.as_ref().unwrap(),
            on_selection["precision_at_25"],
            "{trial:?}"
        );
    }
}

#[test]
fn minimize_picks_the_lowest() {
    let data = data();
    let mut s = search(vec![int("bptt", 1, 64), int("hidden_dimension", 8, 64)], 4);
    s.objective.goal = Goal::Minimize;
    let out = run(&data, &base(7), &s, &|| false, &|_, _| {}).unwrap();
    let best = out.selection;
    assert!(out.trials.iter().all(|(_, v)| *v.as_ref().unwrap() >= best));
}

#[test]
fn a_stop_ends_the_search_before_every_trial_ran() {
    let data = data();
    let s = Search {
        parallel: 1,
        ..search(vec![int("bptt", 1, 64)], 10)
    };
    let ran = AtomicUsize::new(0);
    let err = run(
        &data,
        &base(7),
        &s,
        &|| ran.load(Ordering::SeqCst) >= 2,
        &|_, _| {
            ran.fetch_add(1, Ordering::SeqCst);
        },
    )
    .unwrap_err();
    assert!(matches!(err, Error::Stopped), "{err:?}");
    assert_eq!(ran.load(Ordering::SeqCst), 2);
}
