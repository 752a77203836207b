//! The `solution_config` block of `personalize_solution`: its schema and plan-time checks
//! (here), the conversion to and from the API's SolutionConfig (`convert.rs`), and which of its
//! changes force replacement: all but `auto_training_config` and `events_config`, which
//! UpdateSolution changes in place.
//!
//! Repeated blocks are named after the API's item shape (`event_parameters` for
//! `eventParametersList`, `integer_hyper_parameter_range` for `integerHyperParameterRanges`),
//! so one block reads as one item.

mod convert;
#[cfg(test)]
mod tests;

use tf_provider::value::Value;
use tf_provider::AttributePath;

pub use convert::{
    expand, expand_auto_training, expand_training_data, expand_update, flatten,
    flatten_training_data,
};

use super::common::get_block;
use crate::framework::schema::{Attr, Check, Ty};
use crate::framework::validate;
use crate::framework::value::{map_of_string_lists, Dyn, DynExt, Obj};

/// The members of `solution_config` that UpdateSolution changes in place.
pub const IN_PLACE: [&str; 2] = ["auto_training_config", "events_config"];

/// `rate(N day|days)` with N from 1 to 30, as UpdateSolution and CreateSolution accept.
pub fn scheduling_expression(v: &Dyn) -> Result<(), String> {
    let expr = v.str().ok_or("expected a string")?;
    let days = expr
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(" days)").or_else(|| r.strip_suffix(" day)")))
        .and_then(|n| n.parse::<u32>().ok());
    match days {
        Some(1..=30) => Ok(()),
        _ => Err(format!(
            "{expr:?} must be rate(N days) with N between 1 and 30, e.g. \"rate(7 days)\""
        )),
    }
}

fn whole_up_to(v: &Dyn, max: u32) -> Result<(), String> {
    let s = v.str().ok_or("expected a string")?;
    match s.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(()),
        _ => Err(format!("{s:?} must be a whole number from 1 to {max}")),
    }
}

/// The attributes of `solution_config`.
pub fn attrs() -> Vec<Attr> {
    vec![
        Attr::optional_computed(
            "event_value_threshold",
            Ty::String,
            "Train only on events whose `EVENT_VALUE` is at least this value.",
        )
        .check(|v| validate::max_len(v, 256)),
        Attr::optional_computed(
            "algorithm_hyper_parameters",
            Ty::MapString,
            "Hyperparameters of the recipe's algorithm.",
        ),
        Attr::optional_computed(
            "feature_transformation_parameters",
            Ty::MapString,
            "Parameters of the feature transformation.",
        ),
        Attr::optional("hpo_config", Ty::Block(hpo_attrs()), "Hyperparameter optimisation settings (with `perform_hpo = true`)."),
        Attr::optional(
            "auto_ml_config",
            Ty::Block(vec![
                Attr::optional(
                    "metric_name",
                    Ty::String,
                    "Metric AutoML compares the recipes by, e.g. `precision_at_25`.",
                )
                .check(|v| validate::max_len(v, 256)),
                Attr::optional(
                    "recipe_list",
                    Ty::ListString,
                    "ARNs of the recipes AutoML chooses from (at most 100).",
                )
                .check(|v| validate::each(v, 100, validate::personalize_arn)),
            ]),
            "AutoML settings (with `perform_auto_ml = true` and no `recipe_arn`).",
        ),
        Attr::optional(
            "events_config",
            Ty::Block(vec![Attr::optional(
                "event_parameters",
                Ty::Blocks(
                    vec![
                        Attr::required("event_type", Ty::String, "The event type.")
                            .check(|v| validate::max_len(v, 256)),
                        Attr::optional(
                            "event_value_threshold",
                            Ty::Number,
                            "Train only on events of this type whose `EVENT_VALUE` is at least this value.",
                        ),
                        Attr::optional(
                            "weight",
                            Ty::Number,
                            "Importance of this event type in training, from 0 to 1.",
                        )
                        .check(|v| validate::number_in(v, 0.0, 1.0, false)),
                    ],
                    10,
                ),
                "Per-event-type settings, one block per event type (at most 10).",
            )
            .check(|v| unique(v, "event_type"))]),
            "How each event type counts in training; changed in place through UpdateSolution.",
        ),
        Attr::optional(
            "optimization_objective",
            Ty::Block(vec![
                Attr::optional(
                    "item_attribute",
                    Ty::String,
                    "Numerical Items column to optimise for, e.g. `PRICE`.",
                )
                .check(|v| validate::max_len(v, 150)),
                Attr::optional(
                    "objective_sensitivity",
                    Ty::String,
                    "`LOW`, `MEDIUM`, `HIGH` or `OFF`: weight of the objective against relevance.",
                )
                .check(|v| validate::one_of(v, &["LOW", "MEDIUM", "HIGH", "OFF"])),
            ]),
            "An additional business objective.",
        ),
        training_data_attr(),
        Attr::optional(
            "auto_training_config",
            Ty::Block(vec![Attr::optional(
                "scheduling_expression",
                Ty::String,
                "How often to train automatically: `rate(N days)`, N from 1 to 30 (AWS default `rate(7 days)`); changed in place.",
            )
            .check(scheduling_expression)]),
            "Automatic training schedule (with `perform_auto_training`); changed in place through UpdateSolution.",
        ),
    ]
}

fn hpo_attrs() -> Vec<Attr> {
    let name = || {
        Attr::required("name", Ty::String, "Name of the hyperparameter.")
            .check(|v| validate::max_len(v, 256))
    };
    let range = |check: Check| {
        Ty::Blocks(
            vec![
                name(),
                Attr::required("min_value", Ty::Number, "Smallest value to try.").check(check),
                Attr::required("max_value", Ty::Number, "Largest value to try.").check(check),
            ],
            100,
        )
    };
    vec![
        Attr::optional(
            "hpo_objective",
            Ty::Block(vec![
                Attr::optional("type", Ty::String, "`Maximize` or `Minimize`.")
                    .check(|v| validate::one_of(v, &["Maximize", "Minimize"])),
                Attr::optional("metric_name", Ty::String, "Metric to optimise.")
                    .check(|v| validate::max_len(v, 256)),
                Attr::optional(
                    "metric_regex",
                    Ty::String,
                    "Regular expression finding the metric in the training logs.",
                )
                .check(|v| validate::max_len(v, 256)),
            ]),
            "Refused at plan time: Amazon Personalize doesn't support configuring the HPO objective (API reference, `HPOObjective`); HPO optimises its own. Kept in the schema only to say so.",
        ),
        Attr::optional(
            "hpo_resource_config",
            Ty::Block(vec![
                Attr::optional(
                    "max_number_of_training_jobs",
                    Ty::String,
                    "Most training jobs (1 to 40, a string as the API takes it).",
                )
                .check(|v| whole_up_to(v, 40)),
                Attr::optional(
                    "max_parallel_training_jobs",
                    Ty::String,
                    "Most parallel training jobs (1 to 10, a string as the API takes it).",
                )
                .check(|v| whole_up_to(v, 10)),
            ]),
            "Resources HPO may use.",
        ),
        Attr::optional(
            "algorithm_hyper_parameter_ranges",
            Ty::Block(vec![
                Attr::optional(
                    "integer_hyper_parameter_range",
                    range(|v| validate::number_in(v, -1e6, 1e6, true)),
                    "A hyperparameter tuned over whole numbers from `min_value` to `max_value` (-1000000 to 1000000); one block each, at most 100.",
                )
                .check(ordered_bounds),
                Attr::optional(
                    "continuous_hyper_parameter_range",
                    range(|v| validate::number_in(v, -1e6, f64::INFINITY, false)),
                    "A hyperparameter tuned over real numbers from `min_value` to `max_value` (at least -1000000); one block each, at most 100.",
                )
                .check(ordered_bounds),
                Attr::optional(
                    "categorical_hyper_parameter_range",
                    Ty::Blocks(
                        vec![
                            name(),
                            Attr::required("values", Ty::ListString, "The values to try (1 to 100, each at most 1000 characters).")
                                .check(|v| {
                                    if v.list().is_some_and(<[Dyn]>::is_empty) {
                                        return Err("list at least one value".into());
                                    }
                                    validate::each(v, 100, |x| validate::max_len(x, 1000))
                                }),
                        ],
                        100,
                    ),
                    "A hyperparameter tuned over a set of values; one block each, at most 100.",
                ),
            ]),
            "The hyperparameters HPO tunes and their ranges; a hyperparameter is named in one range only.",
        )
        .check(unique_range_names),
    ]
}

fn items(v: &Dyn) -> impl Iterator<Item = &Obj> {
    v.list().unwrap_or_default().iter().filter_map(DynExt::obj)
}

/// Every known `key` in a repeated block is distinct.
fn unique(v: &Dyn, key: &str) -> Result<(), String> {
    match validate::first_duplicate(items(v).filter_map(|o| o.get(key)?.str())) {
        Some(dup) => Err(format!("{key} {dup:?} appears in more than one block")),
        None => Ok(()),
    }
}

/// `min_value <= max_value` in each range block.
fn ordered_bounds(v: &Dyn) -> Result<(), String> {
    for o in items(v) {
        let bound = |k: &str| o.get(k).and_then(DynExt::num);
        if let (Some(min), Some(max)) = (bound("min_value"), bound("max_value")) {
            if min > max {
                let name = o.get("name").and_then(DynExt::str).unwrap_or("?");
                return Err(format!(
                    "range {name:?}: min_value {min} is greater than max_value {max}"
                ));
            }
        }
    }
    Ok(())
}

/// A hyperparameter is tuned by one range only, across the three kinds.
fn unique_range_names(v: &Dyn) -> Result<(), String> {
    let names = v
        .list()
        .unwrap_or_default()
        .iter()
        .filter_map(DynExt::obj)
        .flat_map(|r| {
            r.values()
                .flat_map(|l| items(l).filter_map(|o| o.get("name")?.str()))
        });
    match validate::first_duplicate(names) {
        Some(dup) => Err(format!(
            "hyperparameter {dup:?} has more than one range; give each hyperparameter one range"
        )),
        None => Ok(()),
    }
}

/// The `training_data_config` block (solutions, and recommenders' `recommender_config`).
pub fn training_data_attr() -> Attr {
    Attr::optional(
            "training_data_config",
            Ty::Block(vec![
                Attr::optional(
                    "excluded_dataset_columns",
                    Ty::MapListString,
                    "Columns to leave out of training: dataset type (`INTERACTIONS`, `ITEMS`, `USERS`) to a list of column names.",
                )
                .check(dataset_columns),
                Attr::optional(
                    "included_dataset_columns",
                    Ty::MapListString,
                    "The only columns training uses (besides the required ones): dataset type (`INTERACTIONS`, `ITEMS`, `USERS`) to a list of column names.",
                )
                .check(dataset_columns),
            ]),
            "Which data training uses.",
        )
}

/// Dataset types and column names as TrainingDataConfig takes them.
fn dataset_columns(v: &Dyn) -> Result<(), String> {
    for (kind, columns) in map_of_string_lists(v) {
        validate::one_of(
            &crate::framework::value::string(kind.clone()),
            &["INTERACTIONS", "ITEMS", "USERS"],
        )
        .map_err(|e| format!("dataset type {e}"))?;
        let list = crate::framework::value::string_list(columns);
        validate::each(&list, 50, column_name).map_err(|e| format!("{kind}: {e}"))?;
    }
    Ok(())
}

/// A dataset column name: a letter or `_`, then letters, digits or `_`, at most 150.
fn column_name(v: &Dyn) -> Result<(), String> {
    validate::max_len(v, 150)?;
    let name = v.str().unwrap_or_default();
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err("not a column name (a letter or _, then letters, digits or _)".into())
    }
}

/// `solution_config` without what UpdateSolution changes, and without empty members, so two
/// values compare equal exactly when CreateSolution would receive the same configuration.
fn immutable_part(o: &Obj) -> Obj {
    let Some(cfg) = get_block(o, "solution_config") else {
        return Obj::new();
    };
    cfg.iter()
        .filter(|(k, _)| !IN_PLACE.contains(&k.as_str()))
        .filter(|(_, v)| match v {
            Value::Null => false,
            v => v.list().is_none_or(|l| !l.is_empty()) && v.obj().is_none_or(|m| !m.is_empty()),
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Which `solution_config` changes force replacement: any but [`IN_PLACE`].
pub fn replace_paths(prior: &Obj, planned: &Obj) -> Vec<AttributePath> {
    let (before, after) = (immutable_part(prior), immutable_part(planned));
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| {
            AttributePath::new("solution_config")
                .index(0)
                .attribute(k.clone())
        })
        .collect()
}

/// The schedule AWS trains on when `auto_training_config` is left out
/// (<https://docs.aws.amazon.com/personalize/latest/APIReference/API_AutoTrainingConfig.html>:
/// "The default is every 7 days").
pub const DEFAULT_SCHEDULE: &str = "rate(7 days)";

/// A `solution_config` object without empty members and without the default schedule: two
/// configurations mean the same exactly when these are equal, and one holding nothing else is
/// `None`, as if the block were absent.
pub fn canonical(cfg: &Obj) -> Option<Obj> {
    let out: Obj = cfg
        .iter()
        .filter(|(k, v)| {
            let default_schedule = k.as_str() == "auto_training_config"
                && get_block(cfg, k)
                    .and_then(|b| b.get("scheduling_expression"))
                    .is_none_or(|e| e.str() == Some(DEFAULT_SCHEDULE));
            !default_schedule && !is_empty(v)
        })
        .map(|(k, v)| (k.clone(), numbers(v)))
        .collect();
    (!out.is_empty()).then_some(out)
}

/// A value with every number as a number: Terraform sends `0.3` as its decimal text, AWS
/// answers a number, and the two mean the same.
fn numbers(v: &Dyn) -> Dyn {
    use crate::framework::value::{list, number, obj, Node};
    match v {
        Value::Value(Node::String(text)) => text
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map_or_else(|| v.clone(), number),
        Value::Value(Node::List(l)) => list(l.iter().map(numbers).collect()),
        Value::Value(Node::Map(m)) => obj(m.iter().map(|(k, x)| (k.clone(), numbers(x))).collect()),
        _ => v.clone(),
    }
}

/// A `solution_config` value whose `auto_training_config` is AWS's default schedule, with that
/// block left out (the state of a configuration that leaves it out).
pub fn without_default_schedule(mut v: Dyn) -> Dyn {
    if let Value::Value(crate::framework::value::Node::Map(cfg)) = &mut v {
        let default = get_block(cfg, "auto_training_config")
            .and_then(|b| b.get("scheduling_expression"))
            .is_some_and(|e| e.str() == Some(DEFAULT_SCHEDULE));
        if default {
            cfg.insert(
                "auto_training_config".into(),
                crate::framework::value::list(vec![]),
            );
        }
    }
    v
}

fn is_empty(v: &Dyn) -> bool {
    match v {
        // What the plan left to AWS.
        Value::Null | Value::Unknown => true,
        v => v.list().is_some_and(<[Dyn]>::is_empty) || v.obj().is_some_and(|m| m.is_empty()),
    }
}

/// The maps a recipe has defaults for: CreateSolution alone sets them (UpdateSolution's
/// SolutionUpdateConfig has neither), so a key the remote has beyond the state's can only be a
/// default Personalize filled in, never a change made behind Terraform's back.
const DEFAULTED_MAPS: [&str; 2] = [
    "algorithm_hyper_parameters",
    "feature_transformation_parameters",
];

/// Whether the remote `solution_config` means the state's (see [`canonical`]): AWS reports
/// its default schedule when the configuration sets none, which must not show as a change,
/// while any other schedule, set behind Terraform's back, must. Where the state holds one of
/// the `DEFAULTED_MAPS`, keys only the remote has beside it are the recipe's defaults (the
/// developer guide's recipe pages list a default for every hyperparameter) and compare as
/// absent; a state key's value still must match. Where the state holds none of a map, the
/// remote's counts in full: after an import the state is empty and must read what AWS has.
pub fn equivalent(state: &Dyn, remote: &Dyn) -> bool {
    let first = |v: &Dyn| {
        v.list()
            .and_then(|l| l.first())
            .and_then(|o| o.obj())
            .and_then(canonical)
    };
    let (state, mut remote) = (first(state), first(remote));
    if let Some(remote) = &mut remote {
        for name in DEFAULTED_MAPS {
            let Some(configured) = state
                .as_ref()
                .and_then(|s| s.get(name))
                .and_then(|v| v.obj())
            else {
                continue;
            };
            if let Some(filled) = remote.get(name).and_then(|v| v.obj()) {
                let kept: Obj = filled
                    .iter()
                    .filter(|(k, _)| configured.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                remote.insert(name.to_owned(), crate::framework::value::obj(kept));
            }
        }
    }
    state == remote.filter(|r| !r.is_empty())
}
