//! [`evaluate`]: GetSolutionMetrics on Personalize's protocol. 10% of the users (chosen by the
//! seed) are held out of training; for each of them the oldest 90% of their interactions are
//! the input (fed to the model as events received after training, the path PutEvents takes)
//! and the newest 10% the truth, which training never sees.
//!
//! Interactions at the same second are ordered by a hash of their item and event type, not
//! by their place in the file: AWS says nothing about ties, and file order would let the way
//! a data set was written decide which half of a same-second pair (a click and a watch of one
//! movie, in the walkthrough's data) is input and which is truth.
//!
//! [`split`] and [`score`] expose the same split and scoring to offline reports, with a second
//! [`Protocol`] (discovery) and standard NDCG beside Personalize's, so a ranking that is not
//! a model (the baselines of `examples/quality.rs`) is judged on exactly the same users.

use std::collections::{BTreeMap, HashSet};

use crate::dataset::selected;
use crate::model::{Exploration, Model, Query};
use crate::recipes::{self, RecipeFamily};
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

/// Standard NDCG (the ideal ranks every truth item first, up to K), reported by [`score`]
/// beside Personalize's, whose ideal is the list's own hits sorted to the top.
pub const STANDARD_NDCG_NAMES: [&str; 3] = [
    "standard_ndcg_at_5",
    "standard_ndcg_at_10",
    "standard_ndcg_at_25",
];

/// Share of users held out, and share of each held-out user's interactions that is truth.
const HOLD_OUT: f64 = 0.1;

/// How a held-out user's ranking is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Personalize's: the truth is the user's newest interactions, whatever they are.
    Personalize,
    /// Discovery: the truth keeps only items absent from the user's input, and the input's
    /// items are removed from the ranking: what a recommender finds that the user has not
    /// met. Users whose truth is all repeats are left out.
    Discovery,
}

/// One held-out user: the input (oldest first) and the truth items.
#[derive(Clone, Debug)]
pub struct HeldOut {
    /// USER_ID.
    pub user: String,
    /// The oldest 90% of the user's selected interactions, oldest first.
    pub input: Vec<Interaction>,
    /// The items of the newest 10%.
    pub truth: HashSet<String>,
}

/// The hold-out split of `data` for `options` (its seed, event selection).
#[derive(Clone, Debug)]
pub struct Split {
    /// The data without the held-out users.
    pub train: TrainingData,
    /// The held-out users, by user id.
    pub users: Vec<HeldOut>,
}

/// The data a search (HPO, AutoML) chooses its winner on: `data` without the users
/// [`evaluate`] holds out for `options`, so the hold-out that reports a version's metrics
/// never picks the version's hyperparameters or recipe. The search's own hold-out is drawn
/// from the users left.
pub fn selection_data(data: &TrainingData, options: &TrainOptions) -> TrainingData {
    let report: HashSet<String> = held_out(data, options).into_iter().collect();
    TrainingData {
        interactions: data
            .interactions
            .iter()
            .filter(|i| !report.contains(&i.user_id))
            .cloned()
            .collect(),
        items: data.items.clone(),
        users: data
            .users
            .iter()
            .filter(|u| !report.contains(&u.user_id))
            .cloned()
            .collect(),
    }
}

/// The two disjoint groups of users offline reports judge: hyperparameters are tuned on the
/// held-out users of the **tuning** cohort, and every reported figure is measured on held-out
/// users of the **reporting** cohort, so no reported evaluation has seen the users the
/// defaults were chosen on. A user's cohort is fixed by a hash of the user id (one in five
/// tunes), whatever the seed, so the seeds of a report and of a tuning may overlap freely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cohort {
    /// Users whose hash is 0 modulo 5 (about 20%).
    Tuning,
    /// Every other user.
    Reporting,
}

impl Cohort {
    /// The cohort of `user`.
    pub fn of(user: &str) -> Cohort {
        if fnv1a(user.bytes()).is_multiple_of(5) {
            Cohort::Tuning
        } else {
            Cohort::Reporting
        }
    }
}

impl Split {
    /// The split with only the held-out users of `cohort` left to judge (training is
    /// unchanged).
    pub fn judged_by(mut self, cohort: Cohort) -> Split {
        self.users.retain(|h| Cohort::of(&h.user) == cohort);
        self
    }
}

/// FNV-1a of `bytes`: a hash that is the same on every platform and in every run.
fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A stable tie-break for interactions at the same second (FNV-1a of item and event type).
fn tie_key(i: &Interaction) -> u64 {
    fnv1a(i.item_id.bytes().chain([0]).chain(i.event_type.bytes()))
}

/// Splits `data` as [`evaluate`] does.
///
/// # Errors
/// When there are fewer than two users or none with two interactions.
pub fn split(data: &TrainingData, options: &TrainOptions) -> Result<Split, Error> {
    let held = held_out(data, options);
    let held_set: HashSet<&str> = held.iter().map(String::as_str).collect();
    let users: HashSet<&str> = data
        .interactions
        .iter()
        .map(|i| i.user_id.as_str())
        .collect();
    if held.is_empty() || users.len() < 2 {
        return Err(Error::NotEnoughData(
            "Metrics need at least two users, one of them with two or more interactions".into(),
        ));
    }
    let train = TrainingData {
        interactions: data
            .interactions
            .iter()
            .filter(|i| !held_set.contains(i.user_id.as_str()))
            .cloned()
            .collect(),
        items: data.items.clone(),
        users: data.users.clone(),
    };
    let mut per_user: BTreeMap<&str, Vec<&Interaction>> = BTreeMap::new();
    for i in data.interactions.iter().filter(|i| selected(i, options)) {
        if held_set.contains(i.user_id.as_str()) {
            per_user.entry(&i.user_id).or_default().push(i);
        }
    }
    let users = per_user
        .into_iter()
        .map(|(user, mut events)| {
            events.sort_by_key(|i| (i.timestamp, tie_key(i)));
            let n_truth =
                ((events.len() as f64 * HOLD_OUT).ceil() as usize).clamp(1, events.len() - 1);
            let (input, truth) = events.split_at(events.len() - n_truth);
            HeldOut {
                user: user.to_owned(),
                input: input.iter().map(|&i| i.clone()).collect(),
                truth: truth.iter().map(|i| i.item_id.clone()).collect(),
            }
        })
        .collect();
    Ok(Split { train, users })
}

/// Scores a ranking of every held-out user of `split` under `protocol`: the 8 metrics of
/// [`METRIC_NAMES`] (coverage over `catalogue` items) and [`STANDARD_NDCG_NAMES`], averaged
/// over the users judged. `rank(user, n)` gives at least `n` items when it can, best first.
///
/// # Errors
/// What `rank` returns.
pub fn score(
    split: &Split,
    protocol: Protocol,
    catalogue: usize,
    mut rank: impl FnMut(&HeldOut, usize) -> Result<Vec<String>, Error>,
) -> Result<BTreeMap<String, f64>, Error> {
    let mut sums: BTreeMap<&'static str, f64> = BTreeMap::new();
    let mut recommended: HashSet<String> = HashSet::new();
    let mut judged = 0usize;
    for held in &split.users {
        let seen: HashSet<&str> = match protocol {
            Protocol::Personalize => HashSet::new(),
            Protocol::Discovery => held.input.iter().map(|i| i.item_id.as_str()).collect(),
        };
        let truth: HashSet<&str> = held
            .truth
            .iter()
            .map(String::as_str)
            .filter(|t| !seen.contains(t))
            .collect();
        if truth.is_empty() {
            continue;
        }
        let ranked: Vec<String> = rank(held, 25 + seen.len())?
            .into_iter()
            .filter(|id| !seen.contains(id.as_str()))
            .take(25)
            .collect();
        score_list(&ranked, &truth, &mut sums);
        recommended.extend(ranked);
        judged += 1;
    }
    let mut out: BTreeMap<String, f64> = sums
        .into_iter()
        .map(|(k, v)| (k.to_string(), v / judged.max(1) as f64))
        .collect();
    out.insert(
        "coverage".into(),
        recommended.len() as f64 / catalogue.max(1) as f64,
    );
    out.insert("users_judged".into(), judged as f64);
    Ok(out)
}

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
    // Standard NDCG: the ideal ranks every truth item first.
    let standard = |k: usize| -> f64 {
        (0..truth.len().min(k))
            .map(|r| 1.0 / ((r + 2) as f64).log2())
            .sum()
    };
    for (name, k) in [
        ("standard_ndcg_at_5", 5),
        ("standard_ndcg_at_10", 10),
        ("standard_ndcg_at_25", 25),
    ] {
        let ideal = standard(k);
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
    let split = split(data, options)?;
    let model = train(&split.train, options)?;
    let mut out = score(
        &split,
        Protocol::Personalize,
        model.catalog.len(),
        |held, n| model.top(&model_query(&model, held, n)),
    )?;
    out.retain(|k, _| METRIC_NAMES.contains(&k.as_str()));
    Ok(out)
}

/// The query a trained model answers for a held-out user: the input as events received after
/// training, the latest item for RELATED_ITEMS recipes, exploration off.
pub fn model_query<'a>(model: &Model, held: &'a HeldOut, n: usize) -> Query<'a> {
    Query {
        user_id: Some(&held.user),
        item_id: match recipes::family(&model.recipe) {
            Some(RecipeFamily::RelatedItems) => held.input.last().map(|i| i.item_id.as_str()),
            _ => None,
        },
        num_results: n.clamp(1, 500),
        recent: &held.input,
        new_items: &[],
        exploration: Some(Exploration {
            weight: 0.0,
            cutoff_days: 0.0,
        }),
        filter: None,
        now: held.input.last().map_or(0, |i| i.timestamp),
        trend: None,
    }
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

    #[test]
    fn cohorts_are_disjoint_stable_and_about_one_in_five_tunes() {
        let users: Vec<String> = (0..1000).map(|u| format!("{u}")).collect();
        let tuning = users
            .iter()
            .filter(|u| Cohort::of(u) == Cohort::Tuning)
            .count();
        assert!((150..250).contains(&tuning), "{tuning} of 1000 tune");
        for u in &users {
            assert_eq!(Cohort::of(u), Cohort::of(&u.clone()));
        }
        let held = |user: &str| HeldOut {
            user: user.into(),
            input: Vec::new(),
            truth: HashSet::new(),
        };
        let split = Split {
            train: TrainingData::default(),
            users: users.iter().map(|u| held(u)).collect(),
        };
        let tune = split.clone().judged_by(Cohort::Tuning);
        let report = split.judged_by(Cohort::Reporting);
        assert_eq!(tune.users.len() + report.users.len(), 1000);
        let tuned: HashSet<&str> = tune.users.iter().map(|h| h.user.as_str()).collect();
        assert!(report
            .users
            .iter()
            .all(|h| !tuned.contains(h.user.as_str())));
    }
}
