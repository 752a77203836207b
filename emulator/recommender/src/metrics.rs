//! [`evaluate`]: GetSolutionMetrics on Personalize's protocol. 10% of the users (chosen by the
//! seed) are held out of training; for each of them the oldest 90% of their interactions are
//! the input (fed to the model as events received after training, the path PutEvents takes)
//! and the newest 10% the truth, which training never sees.

use std::collections::{BTreeMap, HashSet};

use crate::dataset::selected;
use crate::model::{Exploration, Query};
use crate::recipes::{self, Kind};
use crate::{train, Error, Interaction, TrainOptions, TrainingData};

/// The metric names GetSolutionMetrics returns, exactly as AWS spells them.
pub const METRIC_NAMES: [&str; 8] = [
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "precision_at_10",
    "precision_at_25",
    "precision_at_5",
];

/// Share of users held out, and share of each held-out user's interactions that is truth.
const HOLD_OUT: f64 = 0.1;

/// A small, fast, well-mixed generator (splitmix64): the split must be reproducible from the
/// seed on every platform, which rules out anything seeded from the environment.
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The held-out users for `seed`: 10% (at least one) of the users with at least two training
/// interactions, so that each has both an input and a truth.
pub(crate) fn held_out(data: &TrainingData, options: &TrainOptions) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for i in data.interactions.iter().filter(|i| selected(i, options)) {
        *counts.entry(&i.user_id).or_default() += 1;
    }
    let mut users: Vec<&str> = counts
        .into_iter()
        .filter(|&(_, c)| c >= 2)
        .map(|(u, _)| u)
        .collect();
    let mut rng = SplitMix(options.seed);
    for k in (1..users.len()).rev() {
        users.swap(k, rng.below(k + 1));
    }
    let take = ((users.len() as f64 * HOLD_OUT).round() as usize).max(1);
    users.into_iter().take(take).map(String::from).collect()
}

/// Per-user metric values on one ranked list.
fn score_list(ranked: &[String], truth: &HashSet<&str>, sums: &mut BTreeMap<&'static str, f64>) {
    let hit = |k: usize| ranked.get(k).is_some_and(|id| truth.contains(id.as_str()));
    let dcg = |k: usize| -> f64 {
        (0..k)
            .filter(|&r| hit(r))
            .map(|r| 1.0 / ((r + 2) as f64).log2())
            .sum()
    };
    // Personalize's ideal DCG is "the top K recommendations sorted by relevance": the same
    // hits moved to the top of the list, not every truth item. A list without hits scores 0.
    let ideal = |k: usize| -> f64 {
        let hits = (0..k).filter(|&r| hit(r)).count();
        (0..hits).map(|r| 1.0 / ((r + 2) as f64).log2()).sum()
    };
    for (name, k) in [
        ("normalized_discounted_cumulative_gain_at_5", 5),
        ("normalized_discounted_cumulative_gain_at_10", 10),
        ("normalized_discounted_cumulative_gain_at_25", 25),
    ] {
        let ideal = ideal(k);
        *sums.entry(name).or_default() += if ideal > 0.0 { dcg(k) / ideal } else { 0.0 };
    }
    for (name, k) in [
        ("precision_at_5", 5),
        ("precision_at_10", 10),
        ("precision_at_25", 25),
    ] {
        *sums.entry(name).or_default() += (0..k).filter(|&r| hit(r)).count() as f64 / k as f64;
    }
    let first = (0..25).find(|&r| hit(r));
    *sums.entry("mean_reciprocal_rank_at_25").or_default() +=
        first.map_or(0.0, |r| 1.0 / (r + 1) as f64);
}

/// GetSolutionMetrics for `options` on `data` (see the module documentation for the
/// protocol). Keys are [`METRIC_NAMES`]. Exploration is off while measuring: the metrics
/// judge relevance, as Personalize's do.
pub fn evaluate(
    data: &TrainingData,
    options: &TrainOptions,
) -> Result<BTreeMap<String, f64>, Error> {
    let kind = recipes::kind(&options.recipe);
    let held = held_out(data, options);
    let held_set: HashSet<&str> = held.iter().map(String::as_str).collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &data.interactions {
        *counts.entry(&i.user_id).or_default() += 1;
    }
    if held.is_empty() || counts.len() < 2 {
        return Err(Error::NotEnoughData(
            "Metrics need at least two users, one of them with two or more interactions".into(),
        ));
    }
    let train_data = TrainingData {
        interactions: data
            .interactions
            .iter()
            .filter(|i| !held_set.contains(i.user_id.as_str()))
            .cloned()
            .collect(),
        items: data.items.clone(),
        users: data.users.clone(),
    };
    let model = train(&train_data, options)?;
    // Each held-out user's selected interactions, oldest first (input order kept on ties).
    let mut per_user: BTreeMap<&str, Vec<&Interaction>> = BTreeMap::new();
    for i in data.interactions.iter().filter(|i| selected(i, options)) {
        if held_set.contains(i.user_id.as_str()) {
            per_user.entry(&i.user_id).or_default().push(i);
        }
    }
    let mut sums: BTreeMap<&'static str, f64> = BTreeMap::new();
    let mut recommended: HashSet<String> = HashSet::new();
    for (user, mut events) in per_user {
        events.sort_by_key(|i| i.timestamp);
        let n_truth = ((events.len() as f64 * HOLD_OUT).ceil() as usize).clamp(1, events.len() - 1);
        let (input, truth) = events.split_at(events.len() - n_truth);
        let input: Vec<Interaction> = input.iter().map(|&i| i.clone()).collect();
        let truth: HashSet<&str> = truth.iter().map(|i| i.item_id.as_str()).collect();
        let query = Query {
            user_id: Some(user),
            item_id: match kind {
                Some(Kind::RelatedItems) => input.last().map(|i| i.item_id.as_str()),
                _ => None,
            },
            num_results: 25,
            recent: &input,
            new_items: &[],
            exploration: Some(Exploration {
                weight: 0.0,
                cutoff_days: 0.0,
            }),
            filter: None,
            now: input.last().map_or(0, |i| i.timestamp),
            trend: None,
        };
        let ranked = model.top(&query)?;
        score_list(&ranked, &truth, &mut sums);
        recommended.extend(ranked);
    }
    let users = held.len() as f64;
    let mut out: BTreeMap<String, f64> = sums
        .into_iter()
        .map(|(k, v)| (k.to_string(), v / users))
        .collect();
    out.insert(
        "coverage".into(),
        recommended.len() as f64 / model.catalog.len().max(1) as f64,
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_empty_lists_score_one_and_zero() {
        let ranked: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let truth: HashSet<&str> = ["a"].into_iter().collect();
        let mut sums = BTreeMap::new();
        score_list(&ranked, &truth, &mut sums);
        assert_eq!(sums["mean_reciprocal_rank_at_25"], 1.0);
        assert_eq!(sums["normalized_discounted_cumulative_gain_at_5"], 1.0);
        assert_eq!(sums["precision_at_5"], 0.2);
        let mut none = BTreeMap::new();
        score_list(&ranked, &["z"].into_iter().collect(), &mut none);
        assert!(none.values().all(|&v| v == 0.0));
    }

    #[test]
    fn second_place_hit_halves_mrr_and_discounts_ndcg() {
        let ranked: Vec<String> = ["x", "a", "y", "b"].iter().map(|s| s.to_string()).collect();
        let mut sums = BTreeMap::new();
        // "c" is never recommended: the ideal is the list's own hits sorted to the top.
        score_list(&ranked, &["a", "b", "c"].into_iter().collect(), &mut sums);
        assert_eq!(sums["mean_reciprocal_rank_at_25"], 0.5);
        let ndcg = sums["normalized_discounted_cumulative_gain_at_10"];
        let expected = (1.0 / 3f64.log2() + 1.0 / 5f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg - expected).abs() < 1e-12, "{ndcg} vs {expected}");
        assert_eq!(sums["precision_at_5"], 0.4);
    }

    #[test]
    fn split_is_fixed_by_the_seed() {
        let mut data = TrainingData::default();
        for u in 0..50 {
            for t in 0..3 {
                data.interactions
                    .push(crate::dataset::tests::ev(&format!("u{u}"), "i", t, ""));
            }
        }
        let opts = |seed| TrainOptions {
            seed,
            ..TrainOptions::default()
        };
        assert_eq!(held_out(&data, &opts(7)), held_out(&data, &opts(7)));
        assert_ne!(held_out(&data, &opts(7)), held_out(&data, &opts(8)));
        assert_eq!(held_out(&data, &opts(7)).len(), 5);
    }
}
