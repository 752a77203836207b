//! `solution_config` to and from the API's SolutionConfig (and SolutionUpdateConfig).

use aws_sdk_personalize::types::{
    AutoMlConfig, AutoTrainingConfig, CategoricalHyperParameterRange,
    ContinuousHyperParameterRange, EventParameters, EventsConfig, HpoConfig, HpoObjective,
    HpoResourceConfig, HyperParameterRanges, IntegerHyperParameterRange, ObjectiveSensitivity,
    OptimizationObjective, SolutionConfig, SolutionUpdateConfig, TrainingDataConfig,
};

use tf_provider::value::Value;

use super::super::common::{get_block, get_str};
use crate::framework::value::{
    list, list_of_strings, map_of_string_lists, map_of_strings, number, obj, opt_string,
    string_list, string_list_map, string_map, Dyn, DynExt, Obj,
};

fn block_str(o: &Obj, block: &str, key: &str) -> Option<String> {
    get_block(o, block).and_then(|b| get_str(b, key))
}

/// The items of a repeated block.
fn items<'a>(o: &'a Obj, key: &str) -> impl Iterator<Item = &'a Obj> {
    o.get(key)
        .and_then(DynExt::list)
        .unwrap_or_default()
        .iter()
        .filter_map(DynExt::obj)
}

fn num(o: &Obj, key: &str) -> Option<f64> {
    o.get(key).and_then(DynExt::num)
}

fn strings(o: &Obj, key: &str) -> Option<Vec<String>> {
    o.get(key)
        .filter(|v| v.list().is_some())
        .map(list_of_strings)
}

fn string_lists(o: &Obj, key: &str) -> Option<std::collections::HashMap<String, Vec<String>>> {
    let m = o.get(key).map(map_of_string_lists).unwrap_or_default();
    (!m.is_empty()).then(|| m.into_iter().collect())
}

/// The `auto_training_config` of a plan's `solution_config`, for CreateSolution and
/// UpdateSolution.
pub fn expand_auto_training(plan: &Obj) -> Option<AutoTrainingConfig> {
    let cfg = get_block(plan, "solution_config")?;
    block_str(cfg, "auto_training_config", "scheduling_expression").map(|e| {
        AutoTrainingConfig::builder()
            .scheduling_expression(e)
            .build()
    })
}

/// The `events_config` of a plan's `solution_config`.
fn expand_events(plan: &Obj) -> Option<EventsConfig> {
    let cfg = get_block(get_block(plan, "solution_config")?, "events_config")?;
    let params = items(cfg, "event_parameters")
        .map(|p| {
            EventParameters::builder()
                .set_event_type(get_str(p, "event_type"))
                .set_event_value_threshold(num(p, "event_value_threshold"))
                .set_weight(num(p, "weight"))
                .build()
        })
        .collect();
    Some(
        EventsConfig::builder()
            .set_event_parameters_list(Some(params))
            .build(),
    )
}

/// What UpdateSolution receives: the schedule and the events configuration. Removing
/// `events_config` sends an empty parameter list, which clears it (leaving it out would keep
/// the previous one).
pub fn expand_update(prior: &Obj, plan: &Obj) -> Option<SolutionUpdateConfig> {
    let events = expand_events(plan).or_else(|| {
        expand_events(prior).map(|_| {
            EventsConfig::builder()
                .set_event_parameters_list(Some(Vec::new()))
                .build()
        })
    });
    // A schedule removed from the configuration goes back to AWS's default explicitly:
    // UpdateSolution without one keeps the old schedule.
    let auto = expand_auto_training(plan).or_else(|| {
        expand_auto_training(prior).map(|_| {
            AutoTrainingConfig::builder()
                .scheduling_expression(super::DEFAULT_SCHEDULE)
                .build()
        })
    });
    (events.is_some() || auto.is_some()).then(|| {
        SolutionUpdateConfig::builder()
            .set_auto_training_config(auto)
            .set_events_config(events)
            .build()
    })
}

fn expand_hpo(h: &Obj) -> HpoConfig {
    let ranges = get_block(h, "algorithm_hyper_parameter_ranges").map(|r| {
        // Whole numbers within the API's range were checked at plan time.
        let int = |o: &Obj, k: &str| num(o, k).map_or(0, |x| x as i32);
        HyperParameterRanges::builder()
            .set_integer_hyper_parameter_ranges(Some(
                items(r, "integer_hyper_parameter_range")
                    .map(|o| {
                        IntegerHyperParameterRange::builder()
                            .set_name(get_str(o, "name"))
                            .min_value(int(o, "min_value"))
                            .max_value(int(o, "max_value"))
                            .build()
                    })
                    .collect(),
            ))
            .set_continuous_hyper_parameter_ranges(Some(
                items(r, "continuous_hyper_parameter_range")
                    .map(|o| {
                        ContinuousHyperParameterRange::builder()
                            .set_name(get_str(o, "name"))
                            .set_min_value(num(o, "min_value"))
                            .set_max_value(num(o, "max_value"))
                            .build()
                    })
                    .collect(),
            ))
            .set_categorical_hyper_parameter_ranges(Some(
                items(r, "categorical_hyper_parameter_range")
                    .map(|o| {
                        CategoricalHyperParameterRange::builder()
                            .set_name(get_str(o, "name"))
                            .set_values(strings(o, "values"))
                            .build()
                    })
                    .collect(),
            ))
            .build()
    });
    HpoConfig::builder()
        .set_hpo_objective(get_block(h, "hpo_objective").map(|o| {
            HpoObjective::builder()
                .set_type(get_str(o, "type"))
                .set_metric_name(get_str(o, "metric_name"))
                .set_metric_regex(get_str(o, "metric_regex"))
                .build()
        }))
        .set_hpo_resource_config(get_block(h, "hpo_resource_config").map(|r| {
            HpoResourceConfig::builder()
                .set_max_number_of_training_jobs(get_str(r, "max_number_of_training_jobs"))
                .set_max_parallel_training_jobs(get_str(r, "max_parallel_training_jobs"))
                .build()
        }))
        .set_algorithm_hyper_parameter_ranges(ranges)
        .build()
}

/// The `solution_config` block as the API's SolutionConfig.
pub fn expand(plan: &Obj) -> Option<SolutionConfig> {
    let cfg = get_block(plan, "solution_config")?;
    let map = |k: &str| {
        let m = cfg.get(k).map(map_of_strings).unwrap_or_default();
        (!m.is_empty()).then(|| m.into_iter().collect())
    };
    let objective = get_block(cfg, "optimization_objective").map(|o| {
        OptimizationObjective::builder()
            .set_item_attribute(get_str(o, "item_attribute"))
            .set_objective_sensitivity(
                get_str(o, "objective_sensitivity").map(|s| ObjectiveSensitivity::from(s.as_str())),
            )
            .build()
    });
    let training = get_block(cfg, "training_data_config").map(expand_training_data);
    let auto_ml = get_block(cfg, "auto_ml_config").map(|a| {
        AutoMlConfig::builder()
            .set_metric_name(get_str(a, "metric_name"))
            .set_recipe_list(strings(a, "recipe_list"))
            .build()
    });
    Some(
        SolutionConfig::builder()
            .set_event_value_threshold(get_str(cfg, "event_value_threshold"))
            .set_algorithm_hyper_parameters(map("algorithm_hyper_parameters"))
            .set_feature_transformation_parameters(map("feature_transformation_parameters"))
            .set_hpo_config(get_block(cfg, "hpo_config").map(expand_hpo))
            .set_auto_ml_config(auto_ml)
            .set_events_config(expand_events(plan))
            .set_optimization_objective(objective)
            .set_training_data_config(training)
            .set_auto_training_config(expand_auto_training(plan))
            .build(),
    )
}

/// Zero or one block.
fn one(o: Option<Obj>) -> Dyn {
    list(o.map(obj).into_iter().collect())
}

fn object<const N: usize>(pairs: [(&str, Dyn); N]) -> Obj {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn flatten_hpo(h: &HpoConfig) -> Obj {
    let ranges = h.algorithm_hyper_parameter_ranges().map(|r| {
        let name = |x: Option<&str>| opt_string(x);
        object([
            (
                "integer_hyper_parameter_range",
                list(
                    r.integer_hyper_parameter_ranges()
                        .iter()
                        .map(|x| {
                            obj(object([
                                ("name", name(x.name())),
                                ("min_value", number(f64::from(x.min_value()))),
                                ("max_value", number(f64::from(x.max_value()))),
                            ]))
                        })
                        .collect(),
                ),
            ),
            (
                "continuous_hyper_parameter_range",
                list(
                    r.continuous_hyper_parameter_ranges()
                        .iter()
                        .map(|x| {
                            obj(object([
                                ("name", name(x.name())),
                                ("min_value", number(x.min_value())),
                                ("max_value", number(x.max_value())),
                            ]))
                        })
                        .collect(),
                ),
            ),
            (
                "categorical_hyper_parameter_range",
                list(
                    r.categorical_hyper_parameter_ranges()
                        .iter()
                        .map(|x| {
                            obj(object([
                                ("name", name(x.name())),
                                ("values", string_list(x.values().iter().cloned())),
                            ]))
                        })
                        .collect(),
                ),
            ),
        ])
    });
    object([
        (
            "hpo_objective",
            one(h.hpo_objective().map(|x| {
                object([
                    ("type", opt_string(x.r#type())),
                    ("metric_name", opt_string(x.metric_name())),
                    ("metric_regex", opt_string(x.metric_regex())),
                ])
            })),
        ),
        (
            "hpo_resource_config",
            one(h.hpo_resource_config().map(|x| {
                object([
                    (
                        "max_number_of_training_jobs",
                        opt_string(x.max_number_of_training_jobs()),
                    ),
                    (
                        "max_parallel_training_jobs",
                        opt_string(x.max_parallel_training_jobs()),
                    ),
                ])
            })),
        ),
        ("algorithm_hyper_parameter_ranges", one(ranges)),
    ])
}

/// DescribeSolution's SolutionConfig as the `solution_config` block value.
pub fn flatten(cfg: &SolutionConfig) -> Dyn {
    let string_maps = |m: Option<&std::collections::HashMap<String, String>>| {
        string_map(m.cloned().unwrap_or_default())
    };
    // Optional maps: absent (or empty, as AWS may answer) is null, as the plan has it.
    // An events configuration cleared through UpdateSolution reads back as an empty list.
    let events = cfg
        .events_config()
        .filter(|e| !e.event_parameters_list().is_empty())
        .map(|e| {
            let params = e
                .event_parameters_list()
                .iter()
                .map(|p| {
                    obj(object([
                        ("event_type", opt_string(p.event_type())),
                        (
                            "event_value_threshold",
                            p.event_value_threshold().map_or(Value::Null, number),
                        ),
                        ("weight", p.weight().map_or(Value::Null, number)),
                    ]))
                })
                .collect();
            object([("event_parameters", list(params))])
        });
    obj(object([
        (
            "event_value_threshold",
            opt_string(cfg.event_value_threshold()),
        ),
        (
            "algorithm_hyper_parameters",
            string_maps(cfg.algorithm_hyper_parameters()),
        ),
        (
            "feature_transformation_parameters",
            string_maps(cfg.feature_transformation_parameters()),
        ),
        ("hpo_config", one(cfg.hpo_config().map(flatten_hpo))),
        (
            "auto_ml_config",
            one(cfg.auto_ml_config().map(|a| {
                object([
                    ("metric_name", opt_string(a.metric_name())),
                    (
                        "recipe_list",
                        a.recipe_list
                            .as_ref()
                            .map_or(Value::Null, |l| string_list(l.iter().cloned())),
                    ),
                ])
            })),
        ),
        ("events_config", one(events)),
        (
            "optimization_objective",
            one(cfg.optimization_objective().map(|x| {
                object([
                    ("item_attribute", opt_string(x.item_attribute())),
                    (
                        "objective_sensitivity",
                        opt_string(x.objective_sensitivity().map(|s| s.as_str())),
                    ),
                ])
            })),
        ),
        (
            "training_data_config",
            one(cfg.training_data_config().map(flatten_training_data)),
        ),
        (
            "auto_training_config",
            one(cfg.auto_training_config().map(|a| {
                object([(
                    "scheduling_expression",
                    opt_string(a.scheduling_expression()),
                )])
            })),
        ),
    ]))
}

/// A `training_data_config` block as the API's TrainingDataConfig.
pub fn expand_training_data(t: &Obj) -> TrainingDataConfig {
    TrainingDataConfig::builder()
        .set_excluded_dataset_columns(string_lists(t, "excluded_dataset_columns"))
        .set_included_dataset_columns(string_lists(t, "included_dataset_columns"))
        .build()
}

/// A TrainingDataConfig as the `training_data_config` block's attribute values.
pub fn flatten_training_data(t: &TrainingDataConfig) -> Obj {
    let lists = |m: Option<&std::collections::HashMap<String, Vec<String>>>| {
        m.filter(|m| !m.is_empty())
            .map_or(Value::Null, |m| string_list_map(m.clone()))
    };
    object([
        (
            "excluded_dataset_columns",
            lists(t.excluded_dataset_columns()),
        ),
        (
            "included_dataset_columns",
            lists(t.included_dataset_columns()),
        ),
    ])
}
