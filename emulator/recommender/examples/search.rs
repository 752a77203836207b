//! The HPO benchmark: wall time of `search::run` on the walkthrough data, and what it finds
//! against the defaults (trial 0), on the search's own hold-out; then the winner's value on
//! the hold-out that reports the version's metrics, which took no part in the choice. Prints
//! one BENCHMARKS.md row per parallelism.
//!
//! ```text
//! cargo run --release -p personalize-recommender --example search -- [--trials N]
//!     [--parallel P]... [--seed N] [--metric NAME] [--data DIR]
//! ```
//!
//! Ranges are the recipe's documented tunables (`search::default_ranges`) for
//! aws-user-personalization.

use std::path::PathBuf;
use std::time::Instant;

use personalize_recommender::search::{self, Goal, Objective, Search};
use personalize_recommender::TrainOptions;

use personalize_recommender::testing::movies;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut trials = 8usize;
    let mut parallel: Vec<usize> = Vec::new();
    let mut seed = 42u64;
    let mut metric = "precision_at_25".to_string();
    let mut dir = movies::default_dir();
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--trials" => trials = value().parse().expect("--trials N"),
            "--parallel" => parallel.push(value().parse().expect("--parallel P")),
            "--seed" => seed = value().parse().expect("--seed N"),
            "--metric" => metric = value(),
            "--data" => dir = PathBuf::from(value()),
            other => panic!("unknown argument {other}"),
        }
    }
    if parallel.is_empty() {
        parallel = vec![1, 2];
    }
    let data = movies::load(&dir);
    let recipe = "aws-user-personalization";
    let base = TrainOptions {
        recipe: recipe.into(),
        seed,
        ..TrainOptions::default()
    };
    println!(
        "| trials | parallel | wall time (s) | {metric} defaults (trial 0) | best | best, reported hold-out | best trial |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---|");
    for p in parallel {
        let s = Search {
            recipes: vec![recipe.into()],
            ranges: search::default_ranges(recipe),
            trials,
            parallel: p,
            objective: Objective {
                metric: metric.clone(),
                goal: Goal::Maximize,
            },
        };
        let started = Instant::now();
        let out = search::run(&data, &base, &s, &|| false, &|_, _| {}).expect("search");
        let secs = started.elapsed().as_secs_f64();
        let default = out.trials[0].1.as_ref().copied().unwrap_or(f64::NAN);
        println!(
            "| {trials} | {p} | {secs:.2} | {default:.4} | {:.4} | {:.4} | {} {:?} |",
            out.selection, out.metrics[&metric], out.best.index, out.best.hyperparameters
        );
    }
}
