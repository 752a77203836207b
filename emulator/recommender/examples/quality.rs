//! Trains and evaluates every recipe on the walkthrough data, with the no-model and item-kNN
//! baselines on the same split, and prints the tables of BENCHMARKS.md ("personalize-local:
//! recommender quality and training time"): one for Personalize's protocol, one for the
//! discovery protocol (`metrics::Protocol`), each with the eight GetSolutionMetrics metrics and
//! standard NDCG, then Personalize's published figures for the data.
//!
//! ```text
//! cargo run --release -p personalize-recommender --example quality -- [--seed N]
//!     [--data DIR] [--recipe NAME] [--set NAME=VALUE]... [--seeds N]
//!     [--cohort tuning|reporting] [--no-baselines]
//! ```
//!
//! `--set` passes a hyperparameter to every recipe that takes it; `--seeds N` averages the
//! metrics over seeds N consecutive seeds from `--seed`. `--cohort tuning` judges only the
//! held-out users of the tuning cohort (`metrics::Cohort`), on which hyperparameters are
//! chosen; the default, `reporting`, judges the others, whose figures BENCHMARKS.md reports.
//! `--no-baselines` leaves the two baselines out (a hyperparameter sweep needs the recipe only). `--latency` instead times
//! `Model::recommend` (25 results) for every user of the data, with and without recent
//! events, and prints percentiles.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use personalize_recommender::metrics::{model_query, score, split, Cohort, Protocol};
use personalize_recommender::{
    baselines, recipes, train, Interaction, Query, TrainOptions, TrainingData,
};

use personalize_recommender::testing::movies;

/// Personalize's published metrics on this data: the walkthrough's POC-in-a-box, notebook
/// 03 (`03_Creating_and_Evaluating_Solutions.ipynb`, GetSolutionMetrics outputs, 2020-09-17),
/// in the order of [`COLUMNS`].
const PUBLISHED: [(&str, [f64; 8]); 2] = [
    (
        "Personalize User-Personalization (published)",
        [0.0791, 0.269, 0.2279, 0.2687, 0.3321, 0.075, 0.0571, 0.0379],
    ),
    (
        "Personalize SIMS (published)",
        [
            0.1861, 0.1669, 0.1889, 0.2234, 0.2895, 0.0824, 0.0588, 0.0418,
        ],
    ),
];

const COLUMNS: [(&str, &str); 11] = [
    ("coverage", "coverage"),
    ("mean_reciprocal_rank_at_25", "MRR@25"),
    ("normalized_discounted_cumulative_gain_at_5", "NDCG@5"),
    ("normalized_discounted_cumulative_gain_at_10", "NDCG@10"),
    ("normalized_discounted_cumulative_gain_at_25", "NDCG@25"),
    ("precision_at_5", "P@5"),
    ("precision_at_10", "P@10"),
    ("precision_at_25", "P@25"),
    ("standard_ndcg_at_5", "std NDCG@5"),
    ("standard_ndcg_at_10", "std NDCG@10"),
    ("standard_ndcg_at_25", "std NDCG@25"),
];

/// A ranking without a model: (held-out user, how many) to item ids.
type Ranking = dyn Fn(&personalize_recommender::metrics::HeldOut, usize) -> Vec<String>;

/// One row: its name, training seconds (recipes only) and metrics per protocol.
struct Row {
    name: String,
    seconds: Option<f64>,
    metrics: [BTreeMap<String, f64>; 2],
}

const PROTOCOLS: [(Protocol, &str); 2] = [
    (Protocol::Personalize, "Personalize's protocol"),
    (Protocol::Discovery, "discovery protocol"),
];

fn add(into: &mut BTreeMap<String, f64>, m: BTreeMap<String, f64>, share: f64) {
    for (k, v) in m {
        *into.entry(k).or_default() += v * share;
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut seed = 42u64;
    let mut seeds = 1u64;
    let mut dir = movies::default_dir();
    let mut only: Option<String> = None;
    let mut set: BTreeMap<String, String> = BTreeMap::new();
    let mut latency_only = false;
    let mut cohort = Cohort::Reporting;
    let mut baselines_too = true;
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--seed" => seed = value().parse().expect("--seed N"),
            "--seeds" => seeds = value().parse().expect("--seeds N"),
            "--data" => dir = PathBuf::from(value()),
            "--recipe" => only = Some(value()),
            "--latency" => latency_only = true,
            "--no-baselines" => baselines_too = false,
            "--cohort" => {
                cohort = match value().as_str() {
                    "tuning" => Cohort::Tuning,
                    "reporting" => Cohort::Reporting,
                    other => panic!("--cohort tuning|reporting, not {other}"),
                }
            }
            "--set" => {
                let v = value();
                let (k, v) = v.split_once('=').expect("--set NAME=VALUE");
                set.insert(k.into(), v.into());
            }
            _ => panic!("unknown argument {a}"),
        }
    }
    let data = movies::load(&dir);
    if latency_only {
        latency(&data);
        return;
    }
    println!(
        "{} interactions, {} items; seeds {seed}..{}; {cohort:?} cohort",
        data.interactions.len(),
        data.items.len(),
        seed + seeds - 1
    );
    let share = 1.0 / seeds as f64;
    let mut rows: Vec<Row> = Vec::new();
    for r in recipes() {
        if only.as_ref().is_some_and(|o| o != r.name) {
            continue;
        }
        // Segment recipes rank users for items and action recipes actions, not items for
        // users: nothing to compare here.
        if matches!(r.recipe_type, "USER_SEGMENTATION" | "PERSONALIZED_ACTIONS") {
            continue;
        }
        let mut options = TrainOptions {
            recipe: r.name.into(),
            ..TrainOptions::default()
        };
        // Only the hyperparameters this recipe takes.
        for (k, v) in &set {
            let mut one = options.clone();
            one.hyperparameters.insert(k.clone(), v.clone());
            if train(
                &TrainingData {
                    interactions: data.interactions[..10].to_vec(),
                    ..TrainingData::default()
                },
                &one,
            )
            .is_ok()
            {
                options.hyperparameters.insert(k.clone(), v.clone());
            }
        }
        let started = Instant::now();
        train(&data, &options).expect("training");
        let seconds = started.elapsed().as_secs_f64();
        let mut metrics = [BTreeMap::new(), BTreeMap::new()];
        for s in seed..seed + seeds {
            let options = TrainOptions {
                seed: s,
                ..options.clone()
            };
            let split = split(&data, &options).expect("split").judged_by(cohort);
            let model = train(&split.train, &options).expect("training");
            for (k, (protocol, _)) in PROTOCOLS.iter().enumerate() {
                let m = score(&split, *protocol, model.catalogue_len(), |held, n| {
                    model.top(&model_query(&model, held, n))
                })
                .expect("score");
                add(&mut metrics[k], m, share);
            }
        }
        let settings: Vec<String> = options
            .hyperparameters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let name = if settings.is_empty() {
            r.name.to_owned()
        } else {
            format!("{} ({})", r.name, settings.join(", "))
        };
        rows.push(Row {
            name,
            seconds: Some(seconds),
            metrics,
        });
    }
    // The baselines, on the same splits (coverage over the same catalogue size).
    let catalogue = {
        let options = TrainOptions {
            recipe: "aws-popularity-count".into(),
            ..TrainOptions::default()
        };
        train(&data, &options).expect("training").catalogue_len()
    };
    let baseline_rows = [
        ("no-model baseline (own latest 5, then popular)", 0),
        ("recency-weighted item-kNN baseline", 1),
    ];
    for (name, which) in baseline_rows.into_iter().filter(|_| baselines_too) {
        let mut metrics = [BTreeMap::new(), BTreeMap::new()];
        for s in seed..seed + seeds {
            let options = TrainOptions {
                seed: s,
                ..TrainOptions::default()
            };
            let split = split(&data, &options).expect("split").judged_by(cohort);
            let rank: Box<Ranking> = if which == 0 {
                Box::new(baselines::no_model(&split))
            } else {
                Box::new(baselines::item_knn(&split))
            };
            for (k, (protocol, _)) in PROTOCOLS.iter().enumerate() {
                let m = score(&split, *protocol, catalogue, |held, n| Ok(rank(held, n)))
                    .expect("score");
                add(&mut metrics[k], m, share);
            }
        }
        rows.push(Row {
            name: name.into(),
            seconds: None,
            metrics,
        });
    }
    for (k, (_, title)) in PROTOCOLS.iter().enumerate() {
        println!(
            "\n{title} (users judged: {:.1} a seed)\n",
            rows[0].metrics[k]
                .get("users_judged")
                .copied()
                .unwrap_or(0.0)
        );
        print!("| ranking | training (s) |");
        for (_, short) in COLUMNS {
            print!(" {short} |");
        }
        println!();
        println!("|---|---:|{}", "---:|".repeat(COLUMNS.len()));
        for row in &rows {
            match row.seconds {
                Some(s) => print!("| {} | {s:.2} |", row.name),
                None => print!("| {} | - |", row.name),
            }
            for (key, _) in COLUMNS {
                print!(" {:.4} |", row.metrics[k].get(key).copied().unwrap_or(0.0));
            }
            println!();
        }
        if *title == PROTOCOLS[0].1 {
            for (name, values) in PUBLISHED {
                print!("| {name} | about 3600 |");
                for v in values {
                    print!(" {v:.4} |");
                }
                println!("{}", " - |".repeat(3));
            }
        }
    }
}

/// Times GetRecommendations for every user, twice: as trained, and with three recent clicks.
fn latency(data: &TrainingData) {
    let options = TrainOptions {
        recipe: "aws-user-personalization".into(),
        ..TrainOptions::default()
    };
    let model = train(data, &options).expect("training");
    let users: std::collections::BTreeSet<&str> = data
        .interactions
        .iter()
        .map(|i| i.user_id.as_str())
        .collect();
    let mut times = Vec::new();
    for round in 0..2 {
        for &user in &users {
            let recent: Vec<Interaction> = if round == 0 {
                Vec::new()
            } else {
                (0..3)
                    .map(|k| Interaction {
                        user_id: user.into(),
                        item_id: "185".into(),
                        timestamp: 1_700_000_000 + k,
                        event_type: "click".into(),
                        event_value: None,
                        session_id: None,
                        attributes: BTreeMap::new(),
                    })
                    .collect()
            };
            let query = Query {
                user_id: Some(user),
                item_id: None,
                num_results: 25,
                recent: &recent,
                new_items: &[],
                exploration: None,
                filter: None,
                now: 1_700_000_000,
                trend: None,
            };
            let started = Instant::now();
            let got = model.recommend(&query).expect("recommend");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(got.len(), 25);
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "recommend, {} calls: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, mean {:.2} ms",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0),
        times.iter().sum::<f64>() / times.len() as f64
    );
}
