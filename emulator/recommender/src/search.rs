//! AutoML and hyperparameter optimisation: a [`Search`] lists candidate recipes and
//! hyperparameter ranges; [`plan`] turns it into trials (seeded, so one solution version
//! always tries the same ones), [`run`] scores each on the hold-out of [`evaluate`] and keeps
//! the best by the objective, then trains the winner on all the data.
//!
//! Trial 0 of each recipe is its defaults (the solution's own `algorithmHyperParameters`, the
//! recipe defaults for the rest, clamped into the ranges): whenever the defaults lie in the
//! ranges, the winner scores at least as well as they do by construction. Ties keep the
//! earlier trial.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::metrics::{selection_data, SplitMix};
use crate::params::Params;
use crate::recipes::{self, RecipeFamily};
use crate::{evaluate, train, Error, Model, TrainOptions, TrainingData, METRIC_NAMES};

/// The values one hyperparameter may take.
#[derive(Clone, Debug, PartialEq)]
pub enum Range {
    /// Whole numbers from `min` to `max` (`integerHyperParameterRanges`).
    Integer {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// Real numbers from `min` to `max` (`continuousHyperParameterRanges`).
    Continuous {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
    /// One of these (`categoricalHyperParameterRanges`).
    Categorical(Vec<String>),
}

/// A hyperparameter and its range.
#[derive(Clone, Debug, PartialEq)]
pub struct ParameterRange {
    /// Personalize's name, e.g. "bptt".
    pub name: String,
    /// What it may take.
    pub range: Range,
}

/// Whether the objective metric is better high or low.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// Higher is better (`Maximize`).
    Maximize,
    /// Lower is better (`Minimize`).
    Minimize,
}

/// What a search optimises: one of [`METRIC_NAMES`].
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// The metric, e.g. "precision_at_25".
    pub metric: String,
    /// Which way is better.
    pub goal: Goal,
}

/// A search: every recipe is tried with `trials` hyperparameter sets drawn from `ranges`.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    /// Candidate recipes (AutoML's `recipeList`, or the solution's one recipe).
    pub recipes: Vec<String>,
    /// Ranges searched (empty: each recipe is tried once, with its defaults).
    pub ranges: Vec<ParameterRange>,
    /// Hyperparameter sets per recipe (`maxNumberOfTrainingJobs`), at least 1.
    pub trials: usize,
    /// Trials run at once (`maxParallelTrainingJobs`), capped by the machine's cores.
    pub parallel: usize,
    /// The metric that picks the winner.
    pub objective: Objective,
}

/// One candidate: a recipe and its hyperparameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Trial {
    /// Position in the plan (0 is the first recipe's defaults).
    pub index: usize,
    /// The recipe.
    pub recipe: String,
    /// The hyperparameters it trains with (fixed ones plus the drawn ones).
    pub hyperparameters: BTreeMap<String, String>,
}

/// What [`run`] found.
#[derive(Debug)]
pub struct Outcome {
    /// The winning trial.
    pub best: Trial,
    /// Its objective on the search's hold-out (where it won).
    pub selection: f64,
    /// Its metrics on [`evaluate`]'s hold-out, which took no part in the choice
    /// (GetSolutionMetrics of the version).
    pub metrics: BTreeMap<String, f64>,
    /// The winner trained on all the data.
    pub model: Model,
    /// Every trial with its objective value, or why it failed.
    pub trials: Vec<(Trial, Result<f64, String>)>,
}

/// The ranges HPO searches when the solution gives none: the hyperparameters Personalize
/// documents as tunable for the recipe, over spans this model handles.
pub fn default_ranges(recipe: &str) -> Vec<ParameterRange> {
    let int = |name: &str, min, max| ParameterRange {
        name: name.into(),
        range: Range::Integer { min, max },
    };
    match recipes::family(recipe) {
        Some(RecipeFamily::UserPersonalization | RecipeFamily::PersonalizedRanking) => vec![
            int("bptt", 8, 64),
            int("hidden_dimension", 32, 256),
            ParameterRange {
                name: "recency_mask".into(),
                range: Range::Categorical(vec!["true".into(), "false".into()]),
            },
        ],
        Some(RecipeFamily::RelatedItems) => vec![
            int("min_cointeraction_count", 0, 10),
            ParameterRange {
                name: "popularity_discount_factor".into(),
                range: Range::Continuous { min: 0.0, max: 1.0 },
            },
        ],
        _ => Vec::new(),
    }
}

/// Checks `ranges` against what `recipe` accepts: known names, each once, `min <= max`, every
/// bound and category a value the recipe takes. The message names the offending parameter.
pub fn check_ranges(recipe: &str, ranges: &[ParameterRange]) -> Result<(), Error> {
    let kind = recipes::family(recipe)
        .ok_or_else(|| Error::InvalidInput(format!("Recipe {recipe} is not supported")))?;
    if crate::params::accepted(kind).is_empty() {
        return Err(Error::InvalidInput(format!(
            "Recipe {recipe} has no hyperparameters to optimise: performHPO needs a recipe \
             that takes some"
        )));
    }
    if kind == RecipeFamily::UserSegmentation {
        // Item-Attribute-Affinity recipe: "You can't use hyperparameter optimization (HPO)
        // with the Item-Attribute-Affinity recipe"; the segment recipes share one model here.
        return Err(Error::InvalidInput(format!(
            "Recipe {recipe} is a USER_SEGMENTATION recipe: hyperparameter optimization (HPO) \
             is not available for it; set performHPO to false"
        )));
    }
    let mut seen: Vec<&str> = Vec::new();
    for r in ranges {
        let name = r.name.as_str();
        if seen.contains(&name) {
            return Err(Error::InvalidInput(format!(
                "Hyperparameter {name} has more than one range"
            )));
        }
        seen.push(name);
        let values: Vec<String> = match &r.range {
            Range::Integer { min, max } if min > max => {
                return Err(Error::InvalidInput(format!(
                    "Hyperparameter {name}: minValue {min} is greater than maxValue {max}"
                )))
            }
            Range::Continuous { min, max } if min > max || !min.is_finite() || !max.is_finite() => {
                return Err(Error::InvalidInput(format!(
                    "Hyperparameter {name}: minValue {min} is greater than maxValue {max}"
                )))
            }
            Range::Integer { min, max } => vec![min.to_string(), max.to_string()],
            Range::Continuous { min, max } => vec![min.to_string(), max.to_string()],
            Range::Categorical(v) if v.is_empty() => {
                return Err(Error::InvalidInput(format!(
                    "Hyperparameter {name}: a categorical range needs at least one value"
                )))
            }
            Range::Categorical(v) => v.clone(),
        };
        // Each bound on its own must be a value the recipe accepts (Params::parse names the
        // parameter and its accepted range when it is not).
        for v in values {
            Params::parse(kind, &BTreeMap::from([(r.name.clone(), v)]))?;
        }
    }
    Ok(())
}

/// Checks a search before anything trains: objective metric, recipes, ranges per recipe.
pub fn check(search: &Search) -> Result<(), Error> {
    if !METRIC_NAMES.contains(&search.objective.metric.as_str()) {
        return Err(Error::InvalidInput(format!(
            "Metric {} is not one GetSolutionMetrics reports; use one of: {}",
            search.objective.metric,
            METRIC_NAMES.join(", ")
        )));
    }
    if search.recipes.is_empty() {
        return Err(Error::InvalidInput(
            "A search needs at least one recipe".into(),
        ));
    }
    for recipe in &search.recipes {
        if search.ranges.is_empty() {
            recipes::family(recipe)
                .ok_or_else(|| Error::InvalidInput(format!("Recipe {recipe} is not supported")))?;
        } else {
            check_ranges(recipe, &search.ranges)?;
        }
    }
    Ok(())
}

/// The value `params` has for `name`, as Personalize would pass it.
fn value_of(p: &Params, name: &str) -> Option<String> {
    Some(match name {
        "bptt" => p.history_len.to_string(),
        "hidden_dimension" => p.neighbours.to_string(),
        "recency_mask" => p.recency.to_string(),
        "popularity_discount_factor" | "local.popularity_discount" => {
            p.popularity_discount.to_string()
        }
        "min_cointeraction_count" | "local.min_cointeraction" => p.min_cointeraction.to_string(),
        "min_user_history_length_percentile" => p.min_history_percentile.to_string(),
        "max_user_history_length_percentile" => p.max_history_percentile.to_string(),
        "local.recency_decay" => p.recency_decay.to_string(),
        "local.popularity_blend" => p.popularity_blend.to_string(),
        "local.seen_factor" => p.seen_factor.to_string(),
        "local.window" => p.window.to_string(),
        "local.backward" => p.backward.to_string(),
        "local.distance_decay" => p.distance_decay.to_string(),
        "local.event_weight_exponent" => p.event_weight_exponent.to_string(),
        "local.time_blend" => p.time_blend.to_string(),
        "local.time_window_days" => p.time_window_days.to_string(),
        "local.time_forward_days" => p.time_forward_days.to_string(),
        "local.user_blend" => p.user_blend.to_string(),
        "local.user_neighbours" => p.user_neighbours.to_string(),
        "local.repeat_weight" => p.repeat_weight.to_string(),
        "local.repeat_window" => p.repeat_window.to_string(),
        _ => return None,
    })
}

/// The default of `name` moved into `range` (the nearest bound, or the first category).
fn clamped_default(default: &str, range: &Range) -> String {
    match range {
        Range::Integer { min, max } => {
            let d = default.parse::<f64>().unwrap_or(*min as f64);
            (d.round() as i64).clamp(*min, *max).to_string()
        }
        Range::Continuous { min, max } => {
            let d = default.parse::<f64>().unwrap_or(*min);
            d.clamp(*min, *max).to_string()
        }
        Range::Categorical(values) => values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(default))
            .unwrap_or(&values[0])
            .clone(),
    }
}

fn draw(range: &Range, rng: &mut SplitMix) -> String {
    match range {
        Range::Integer { min, max } => {
            let span = max.abs_diff(*min).saturating_add(1);
            let off = rng.next() % span;
            min.saturating_add_unsigned(off).to_string()
        }
        Range::Continuous { min, max } => {
            let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
            (min + (max - min) * u).to_string()
        }
        Range::Categorical(values) => values[rng.below(values.len())].clone(),
    }
}

/// The trials of `search` for a version trained with `base` (its recipe is ignored; its
/// hyperparameters are the fixed ones, overridden by the ranged ones). Deterministic in
/// `base.seed`.
///
/// # Errors
/// What [`check`] refuses.
pub fn plan(base: &TrainOptions, search: &Search) -> Result<Vec<Trial>, Error> {
    check(search)?;
    let mut rng = SplitMix(base.seed ^ 0x5EA5_C4ED_0000_0001);
    let mut out = Vec::new();
    for recipe in &search.recipes {
        let kind = recipes::family(recipe)
            .ok_or_else(|| Error::InvalidInput(format!("Recipe {recipe} is not supported")))?;
        // The defaults as this solution sets them: fixed hyperparameters over recipe defaults.
        let defaults = Params::parse(kind, &base.hyperparameters)?;
        for t in 0..search.trials.max(1) {
            let mut hp = base.hyperparameters.clone();
            for r in &search.ranges {
                let value = if t == 0 {
                    let d = value_of(&defaults, &r.name).unwrap_or_default();
                    clamped_default(&d, &r.range)
                } else {
                    draw(&r.range, &mut rng)
                };
                hp.insert(r.name.clone(), value);
            }
            out.push(Trial {
                index: out.len(),
                recipe: recipe.clone(),
                hyperparameters: hp,
            });
            if search.ranges.is_empty() {
                break; // nothing varies between trials of this recipe
            }
        }
    }
    Ok(out)
}

fn options_for(base: &TrainOptions, trial: &Trial) -> TrainOptions {
    TrainOptions {
        recipe: trial.recipe.clone(),
        hyperparameters: trial.hyperparameters.clone(),
        ..base.clone()
    }
}

/// Whether `a` beats `b` on `goal` (strictly: ties keep the earlier trial).
fn better(goal: Goal, a: f64, b: f64) -> bool {
    match goal {
        Goal::Maximize => a > b,
        Goal::Minimize => a < b,
    }
}

/// Runs the search: every trial of [`plan`] is evaluated on the [`selection_data`] (without
/// the users whose hold-out reports the winner's metrics; the same hold-out for all trials,
/// from `base.seed`) on up to `search.parallel` threads (never more than the
/// machine's cores); `progress` hears each result as it comes. `stop` is asked before each
/// trial: once it says true, no new trial starts and the search ends in [`Error::Stopped`].
/// The best trial by the objective is then evaluated on [`evaluate`]'s hold-out of `data`, for
/// the version's metrics, and trained on all of `data`.
///
/// # Errors
/// [`Error::InvalidInput`] for a bad search, [`Error::Stopped`], or the first trial's error
/// when no trial succeeds.
pub fn run(
    data: &TrainingData,
    base: &TrainOptions,
    search: &Search,
    stop: &(dyn Fn() -> bool + Sync),
    progress: &(dyn Fn(&Trial, &Result<f64, String>) + Sync),
) -> Result<Outcome, Error> {
    let trials = plan(base, search)?;
    let selection = selection_data(data, base);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let workers = search.parallel.clamp(1, cores).min(trials.len());
    let next = AtomicUsize::new(0);
    type Slot = Option<Result<BTreeMap<String, f64>, Error>>;
    let results: Mutex<Vec<Slot>> = Mutex::new((0..trials.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if stop() {
                    return;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(trial) = trials.get(i) else { return };
                let result = evaluate(&selection, &options_for(base, trial));
                let score = match &result {
                    Ok(m) => m
                        .get(&search.objective.metric)
                        .copied()
                        .ok_or_else(|| format!("no {} reported", search.objective.metric)),
                    Err(e) => Err(e.to_string()),
                };
                progress(trial, &score);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
            });
        }
    });
    if stop() {
        return Err(Error::Stopped);
    }
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut best: Option<(usize, f64)> = None;
    let mut first_error = None;
    let mut report = Vec::new();
    for (i, (trial, result)) in trials.iter().zip(results).enumerate() {
        match result {
            Some(Ok(m)) => {
                let v = m.get(&search.objective.metric).copied().unwrap_or(f64::NAN);
                if !v.is_nan()
                    && best
                        .as_ref()
                        .is_none_or(|(_, b)| better(search.objective.goal, v, *b))
                {
                    best = Some((i, v));
                }
                report.push((trial.clone(), Ok(v)));
            }
            Some(Err(e)) => {
                report.push((trial.clone(), Err(e.to_string())));
                first_error.get_or_insert(e);
            }
            None => return Err(Error::Stopped),
        }
    }
    let Some((i, selection)) = best else {
        return Err(first_error
            .unwrap_or_else(|| Error::NotEnoughData("No trial could be evaluated".into())));
    };
    let winner = trials[i].clone();
    let options = options_for(base, &winner);
    let metrics = evaluate(data, &options)?;
    let model = train(data, &options)?;
    Ok(Outcome {
        best: winner,
        selection,
        metrics,
        model,
        trials: report,
    })
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
