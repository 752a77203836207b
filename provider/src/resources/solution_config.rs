//! The `solution_config` block of `personalize_solution`: its schema, plan-time checks, the
//! conversion to and from the API's SolutionConfig, and which of its changes force
//! replacement (all but `auto_training_config`, which UpdateSolution changes in place).

use aws_sdk_personalize::types::{
    AutoTrainingConfig, HpoConfig, HpoObjective, HpoResourceConfig, ObjectiveSensitivity,
    OptimizationObjective, SolutionConfig,
};
use tf_provider::value::Value;
use tf_provider::AttributePath;

use super::common::{get_block, get_str};
use crate::framework::schema::{Attr, Ty};
use crate::framework::validate;
use crate::framework::value::{list, map_of_strings, obj, opt_s, string_map, Dyn, DynExt, Obj};

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
        Attr::optional(
            "hpo_config",
            Ty::Block(vec![
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
                    "The metric HPO optimises.",
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
            ]),
            "Hyperparameter optimisation settings (with `perform_hpo`).",
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
        Attr::optional(
            "training_data_config",
            Ty::Block(vec![Attr::optional(
                "excluded_dataset_columns",
                Ty::MapString,
                "Columns to leave out of training: dataset type (`INTERACTIONS`, `ITEMS`, `USERS`) to a comma-separated list of column names.",
            )
            .check(excluded_columns)]),
            "Which data training uses.",
        ),
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

fn excluded_columns(v: &Dyn) -> Result<(), String> {
    for key in map_of_strings(v).keys() {
        validate::one_of(
            &crate::framework::value::s(key.clone()),
            &["INTERACTIONS", "ITEMS", "USERS"],
        )
        .map_err(|e| format!("dataset type {e}"))?;
    }
    Ok(())
}

fn block_str(o: &Obj, block: &str, key: &str) -> Option<String> {
    get_block(o, block).and_then(|b| get_str(b, key))
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

/// The `solution_config` block as the API's SolutionConfig.
pub fn expand(plan: &Obj) -> Option<SolutionConfig> {
    let cfg = get_block(plan, "solution_config")?;
    let map = |k: &str| {
        let m = cfg.get(k).map(map_of_strings).unwrap_or_default();
        (!m.is_empty()).then(|| m.into_iter().collect())
    };
    let hpo = get_block(cfg, "hpo_config").map(|h| {
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
            .build()
    });
    let objective = get_block(cfg, "optimization_objective").map(|o| {
        OptimizationObjective::builder()
            .set_item_attribute(get_str(o, "item_attribute"))
            .set_objective_sensitivity(
                get_str(o, "objective_sensitivity").map(|s| ObjectiveSensitivity::from(s.as_str())),
            )
            .build()
    });
    let training = get_block(cfg, "training_data_config").map(|t| {
        let columns = t
            .get("excluded_dataset_columns")
            .map(map_of_strings)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.split(',').map(|c| c.trim().to_owned()).collect()))
            .collect();
        aws_sdk_personalize::types::TrainingDataConfig::builder()
            .set_excluded_dataset_columns(Some(columns))
            .build()
    });
    Some(
        SolutionConfig::builder()
            .set_event_value_threshold(get_str(cfg, "event_value_threshold"))
            .set_algorithm_hyper_parameters(map("algorithm_hyper_parameters"))
            .set_feature_transformation_parameters(map("feature_transformation_parameters"))
            .set_hpo_config(hpo)
            .set_optimization_objective(objective)
            .set_training_data_config(training)
            .set_auto_training_config(expand_auto_training(plan))
            .build(),
    )
}

fn one(o: Option<Obj>) -> Dyn {
    list(o.map(obj).into_iter().collect())
}

/// DescribeSolution's SolutionConfig as the `solution_config` block value.
pub fn flatten(cfg: &SolutionConfig) -> Dyn {
    let mut o = Obj::new();
    o.insert(
        "event_value_threshold".into(),
        opt_s(cfg.event_value_threshold()),
    );
    o.insert(
        "algorithm_hyper_parameters".into(),
        string_map(
            cfg.algorithm_hyper_parameters()
                .cloned()
                .unwrap_or_default(),
        ),
    );
    o.insert(
        "feature_transformation_parameters".into(),
        string_map(
            cfg.feature_transformation_parameters()
                .cloned()
                .unwrap_or_default(),
        ),
    );
    let hpo = cfg.hpo_config().map(|h| {
        let mut m = Obj::new();
        m.insert(
            "hpo_objective".into(),
            one(h.hpo_objective().map(|x| {
                let mut m = Obj::new();
                m.insert("type".into(), opt_s(x.r#type()));
                m.insert("metric_name".into(), opt_s(x.metric_name()));
                m.insert("metric_regex".into(), opt_s(x.metric_regex()));
                m
            })),
        );
        m.insert(
            "hpo_resource_config".into(),
            one(h.hpo_resource_config().map(|x| {
                let mut m = Obj::new();
                m.insert(
                    "max_number_of_training_jobs".into(),
                    opt_s(x.max_number_of_training_jobs()),
                );
                m.insert(
                    "max_parallel_training_jobs".into(),
                    opt_s(x.max_parallel_training_jobs()),
                );
                m
            })),
        );
        m
    });
    o.insert("hpo_config".into(), one(hpo));
    let objective = cfg.optimization_objective().map(|x| {
        let mut m = Obj::new();
        m.insert("item_attribute".into(), opt_s(x.item_attribute()));
        m.insert(
            "objective_sensitivity".into(),
            opt_s(x.objective_sensitivity().map(|s| s.as_str())),
        );
        m
    });
    o.insert("optimization_objective".into(), one(objective));
    let training = cfg.training_data_config().map(|t| {
        let columns = t
            .excluded_dataset_columns()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.join(",")));
        let mut m = Obj::new();
        m.insert("excluded_dataset_columns".into(), string_map(columns));
        m
    });
    o.insert("training_data_config".into(), one(training));
    let auto = cfg.auto_training_config().map(|a| {
        let mut m = Obj::new();
        m.insert(
            "scheduling_expression".into(),
            opt_s(a.scheduling_expression()),
        );
        m
    });
    o.insert("auto_training_config".into(), one(auto));
    obj(o)
}

/// `solution_config` without what UpdateSolution changes, and without empty members, so two
/// values compare equal exactly when CreateSolution would receive the same configuration.
fn immutable_part(o: &Obj) -> Obj {
    let Some(cfg) = get_block(o, "solution_config") else {
        return Obj::new();
    };
    cfg.iter()
        .filter(|(k, _)| k.as_str() != "auto_training_config")
        .filter(|(_, v)| match v {
            Value::Null => false,
            v => v.list().is_none_or(|l| !l.is_empty()) && v.obj().is_none_or(|m| !m.is_empty()),
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Which `solution_config` changes force replacement: any but `auto_training_config`.
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

/// Whether the remote `solution_config` means the state's: AWS reports its default schedule
/// (`rate(7 days)`) in `auto_training_config` when the configuration sets none, which must
/// not show as a change. Leaving the block out keeps whatever schedule AWS has.
pub fn equivalent(state: &Dyn, remote: &Dyn) -> bool {
    let first = |v: &Dyn| {
        v.list()
            .and_then(|l| l.first())
            .and_then(|o| o.obj())
            .cloned()
    };
    let (Some(mut state), Some(mut remote)) = (first(state), first(remote)) else {
        return false;
    };
    if state
        .get("auto_training_config")
        .and_then(|v| v.list())
        .is_some_and(|l| !l.is_empty())
    {
        return false;
    }
    state.remove("auto_training_config");
    remote.remove("auto_training_config");
    state == remote
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::value::s;

    fn plan(cfg: Obj) -> Obj {
        let mut o = Obj::new();
        o.insert("solution_config".into(), list(vec![obj(cfg)]));
        o
    }

    fn auto(expr: &str) -> Dyn {
        let mut m = Obj::new();
        m.insert("scheduling_expression".into(), s(expr));
        list(vec![obj(m)])
    }

    #[test]
    fn schedules_are_checked_as_aws_does() {
        for ok in ["rate(1 day)", "rate(7 days)", "rate(30 days)"] {
            assert!(scheduling_expression(&s(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "rate(0 days)",
            "rate(31 days)",
            "rate(7 hours)",
            "cron(0 0 * * ? *)",
            "",
            "rate(-1 days)",
        ] {
            let e = scheduling_expression(&s(bad)).unwrap_err();
            assert!(e.contains("between 1 and 30"), "{bad}: {e}");
        }
        assert!(whole_up_to(&s("40"), 40).is_ok());
        assert!(whole_up_to(&s("41"), 40).is_err());
        assert!(whole_up_to(&s("0"), 10).is_err());
        assert!(whole_up_to(&s("x"), 10).is_err());
        assert!(excluded_columns(&string_map([("ITEMS", "A")])).is_ok());
        assert!(excluded_columns(&string_map([("ACTIONS", "A")])).is_err());
    }

    #[test]
    fn only_the_schedule_changes_in_place() {
        let mut a = Obj::new();
        a.insert("auto_training_config".into(), auto("rate(7 days)"));
        a.insert("event_value_threshold".into(), Value::Null);
        let mut b = a.clone();
        b.insert("auto_training_config".into(), auto("rate(3 days)"));
        assert!(replace_paths(&plan(a.clone()), &plan(b.clone())).is_empty());
        // An empty block and no block mean the same configuration.
        assert!(replace_paths(&Obj::new(), &plan(b.clone())).is_empty());
        b.insert("event_value_threshold".into(), s("0.5"));
        let paths = replace_paths(&plan(a), &plan(b));
        assert_eq!(
            paths,
            vec![AttributePath::new("solution_config")
                .index(0)
                .attribute("event_value_threshold")]
        );
    }

    #[test]
    fn an_aws_default_schedule_is_no_change() {
        let mut state = Obj::new();
        state.insert("event_value_threshold".into(), s("1"));
        state.insert("auto_training_config".into(), list(vec![]));
        let mut remote = state.clone();
        remote.insert("auto_training_config".into(), auto("rate(7 days)"));
        let one = |o: &Obj| list(vec![obj(o.clone())]);
        assert!(equivalent(&one(&state), &one(&remote)));
        // A schedule the user set is compared as usual.
        let mut set = state.clone();
        set.insert("auto_training_config".into(), auto("rate(3 days)"));
        assert!(!equivalent(&one(&set), &one(&remote)));
        // Any other difference still shows.
        remote.insert("event_value_threshold".into(), s("2"));
        assert!(!equivalent(&one(&state), &one(&remote)));
    }

    #[test]
    fn config_round_trips_through_the_api_shape() {
        let mut objective = Obj::new();
        objective.insert("item_attribute".into(), s("PRICE"));
        objective.insert("objective_sensitivity".into(), s("HIGH"));
        let mut columns = Obj::new();
        columns.insert(
            "excluded_dataset_columns".into(),
            string_map([("ITEMS", "GENRE,COLOR")]),
        );
        let mut cfg = Obj::new();
        cfg.insert("optimization_objective".into(), list(vec![obj(objective)]));
        cfg.insert("training_data_config".into(), list(vec![obj(columns)]));
        cfg.insert("auto_training_config".into(), auto("rate(5 days)"));
        let api = expand(&plan(cfg)).unwrap();
        assert_eq!(
            api.optimization_objective()
                .unwrap()
                .objective_sensitivity(),
            Some(&ObjectiveSensitivity::High)
        );
        assert_eq!(
            api.training_data_config()
                .unwrap()
                .excluded_dataset_columns()
                .unwrap()["ITEMS"],
            vec!["GENRE".to_owned(), "COLOR".to_owned()]
        );
        let back = flatten(&api).obj().unwrap().clone();
        assert_eq!(
            get_block(&back, "auto_training_config")
                .and_then(|a| get_str(a, "scheduling_expression"))
                .as_deref(),
            Some("rate(5 days)")
        );
        assert_eq!(
            get_block(&back, "training_data_config").unwrap()["excluded_dataset_columns"],
            string_map([("ITEMS", "GENRE,COLOR")])
        );
        assert!(expand(&Obj::new()).is_none());
    }
}
