//! Trains and evaluates every recipe on the walkthrough data and prints the table of
//! BENCHMARKS.md ("personalize-local: recommender quality and training time").
//!
//! ```text
//! cargo run --release -p personalize-recommender --example quality -- [--seed N]
//!     [--data DIR] [--recipe NAME] [--set NAME=VALUE]... [--seeds N]
//! ```
//!
//! `--set` passes a hyperparameter to every recipe that takes it; `--seeds N` averages the
//! metrics over seeds N consecutive seeds from `--seed`. `--latency` instead times
//! `Model::recommend` (25 results) for every user of the data, with and without recent
//! events, and prints percentiles.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use personalize_recommender::{
    evaluate, recipes, train, Interaction, Query, TrainOptions, TrainingData,
};

#[path = "../tests/support/movies.rs"]
mod movies;

/// Personalize's published User-Personalization metrics on this data (the walkthrough's
/// POC-in-a-box, notebook 03).
const PUBLISHED: [(&str, f64); 3] = [
    ("precision_at_10", 0.0571),
    ("mean_reciprocal_rank_at_25", 0.269),
    ("normalized_discounted_cumulative_gain_at_10", 0.2687),
];

const COLUMNS: [(&str, &str); 8] = [
    ("coverage", "coverage"),
    ("mean_reciprocal_rank_at_25", "MRR@25"),
    ("normalized_discounted_cumulative_gain_at_5", "NDCG@5"),
    ("normalized_discounted_cumulative_gain_at_10", "NDCG@10"),
    ("normalized_discounted_cumulative_gain_at_25", "NDCG@25"),
    ("precision_at_5", "P@5"),
    ("precision_at_10", "P@10"),
    ("precision_at_25", "P@25"),
];

fn main() {
    let mut args = std::env::args().skip(1);
    let mut seed = 42u64;
    let mut seeds = 1u64;
    let mut dir = movies::default_dir();
    let mut only: Option<String> = None;
    let mut set: BTreeMap<String, String> = BTreeMap::new();
    let mut latency_only = false;
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--seed" => seed = value().parse().expect("--seed N"),
            "--seeds" => seeds = value().parse().expect("--seeds N"),
            "--data" => dir = PathBuf::from(value()),
            "--recipe" => only = Some(value()),
            "--latency" => latency_only = true,
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
        "{} interactions, {} items; seeds {seed}..{}",
        data.interactions.len(),
        data.items.len(),
        seed + seeds - 1
    );
    print!("| recipe | training (s) |");
    for (_, short) in COLUMNS {
        print!(" {short} |");
    }
    println!();
    println!("|---|---:|{}", "---:|".repeat(COLUMNS.len()));
    for r in recipes() {
        if only.as_ref().is_some_and(|o| o != r.name) {
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
        let mut sums: BTreeMap<String, f64> = BTreeMap::new();
        for s in seed..seed + seeds {
            let m = evaluate(
                &data,
                &TrainOptions {
                    seed: s,
                    ..options.clone()
                },
            )
            .expect("evaluate");
            for (k, v) in m {
                *sums.entry(k).or_default() += v / seeds as f64;
            }
        }
        let settings: Vec<String> = options
            .hyperparameters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if settings.is_empty() {
            print!("| {} | {seconds:.2} |", r.name);
        } else {
            print!("| {} ({}) | {seconds:.2} |", r.name, settings.join(", "));
        }
        for (key, _) in COLUMNS {
            print!(" {:.4} |", sums[key]);
        }
        println!();
    }
    print!("| Personalize (published) | ~3600 |");
    for (key, _) in COLUMNS {
        match PUBLISHED.iter().find(|p| p.0 == key) {
            Some((_, v)) => print!(" {v:.4} |"),
            None => print!(" - |"),
        }
    }
    println!();
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
