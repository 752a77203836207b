//! Unit tests of `solution_config`: checks, conversions, replacement.

use aws_sdk_personalize::types::ObjectiveSensitivity;

use super::super::common::get_str;
use super::*;
use crate::framework::value::{list, number, obj, string, string_list, string_list_map};

fn plan(cfg: Obj) -> Obj {
    let mut o = Obj::new();
    o.insert("solution_config".into(), list(vec![obj(cfg)]));
    o
}

fn object<const N: usize>(pairs: [(&str, Dyn); N]) -> Obj {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn block<const N: usize>(pairs: [(&str, Dyn); N]) -> Dyn {
    list(vec![obj(object(pairs))])
}

fn auto(expr: &str) -> Dyn {
    block([("scheduling_expression", string(expr))])
}

fn events(params: &[(&str, f64)]) -> Dyn {
    let items = params
        .iter()
        .map(|(t, w)| {
            obj(object([
                ("event_type", string(*t)),
                ("weight", number(*w)),
                ("event_value_threshold", Value::Null),
            ]))
        })
        .collect();
    block([("event_parameters", list(items))])
}

fn range(name: &str, min: f64, max: f64) -> Dyn {
    obj(object([
        ("name", string(name)),
        ("min_value", number(min)),
        ("max_value", number(max)),
    ]))
}

#[test]
fn schedules_are_checked_as_aws_does() {
    for ok in ["rate(1 day)", "rate(7 days)", "rate(30 days)"] {
        assert!(scheduling_expression(&string(ok)).is_ok(), "{ok}");
    }
    for bad in [
        "rate(0 days)",
        "rate(31 days)",
        "rate(7 hours)",
        "cron(0 0 * * ? *)",
        "",
        "rate(-1 days)",
    ] {
        let e = scheduling_expression(&string(bad)).unwrap_err();
        assert!(e.contains("between 1 and 30"), "{bad}: {e}");
    }
    assert!(whole_up_to(&string("40"), 40).is_ok());
    assert!(whole_up_to(&string("41"), 40).is_err());
    assert!(whole_up_to(&string("0"), 10).is_err());
    assert!(whole_up_to(&string("x"), 10).is_err());
}

#[test]
fn dataset_columns_are_checked_by_type_count_and_name() {
    let cols =
        |k: &str, v: &[&str]| string_list_map([(k, v.iter().map(|c| (*c).to_owned()).collect())]);
    assert!(dataset_columns(&cols("ITEMS", &["GENRE", "_x1"])).is_ok());
    let e = dataset_columns(&cols("ACTIONS", &["A"])).unwrap_err();
    assert!(e.contains("dataset type \"ACTIONS\""), "{e}");
    let e = dataset_columns(&cols("ITEMS", &["GENRE", "1bad"])).unwrap_err();
    assert!(e.contains("ITEMS: item 2 (\"1bad\")"), "{e}");
    assert!(dataset_columns(&cols("USERS", &["a;drop"])).is_err());
    assert!(dataset_columns(&cols("USERS", &[&"c".repeat(151)])).is_err());
    let many: Vec<String> = (0..51).map(|i| format!("C{i}")).collect();
    let e = dataset_columns(&string_list_map([("ITEMS", many)])).unwrap_err();
    assert!(e.contains("at most 50"), "{e}");
}

#[test]
fn ranges_and_event_types_are_checked_across_blocks() {
    assert!(ordered_bounds(&list(vec![range("a", 1.0, 2.0)])).is_ok());
    let e = ordered_bounds(&list(vec![range("a", 1.0, 2.0), range("b", 5.0, 3.0)])).unwrap_err();
    assert!(
        e.contains("\"b\": min_value 5 is greater than max_value 3"),
        "{e}"
    );
    let ranges = |int: Vec<Dyn>, cont: Vec<Dyn>| {
        block([
            ("integer_hyper_parameter_range", list(int)),
            ("continuous_hyper_parameter_range", list(cont)),
            ("categorical_hyper_parameter_range", list(vec![])),
        ])
    };
    assert!(unique_range_names(&ranges(
        vec![range("a", 1.0, 2.0)],
        vec![range("b", 0.0, 1.0)]
    ))
    .is_ok());
    let e = unique_range_names(&ranges(
        vec![range("a", 1.0, 2.0)],
        vec![range("a", 0.0, 1.0)],
    ))
    .unwrap_err();
    assert!(e.contains("\"a\" has more than one range"), "{e}");
    let ev = events(&[("click", 0.5), ("watch", 1.0)]);
    let inner = ev.list().unwrap()[0].obj().unwrap()["event_parameters"].clone();
    assert!(unique(&inner, "event_type").is_ok());
    let dup = events(&[("click", 0.5), ("click", 1.0)]);
    let inner = dup.list().unwrap()[0].obj().unwrap()["event_parameters"].clone();
    assert!(unique(&inner, "event_type")
        .unwrap_err()
        .contains("\"click\""));
}

#[test]
fn the_schedule_and_events_change_in_place_the_rest_replaces() {
    let mut a = Obj::new();
    a.insert("auto_training_config".into(), auto("rate(7 days)"));
    a.insert("events_config".into(), events(&[("click", 0.5)]));
    a.insert("event_value_threshold".into(), Value::Null);
    let mut b = a.clone();
    b.insert("auto_training_config".into(), auto("rate(3 days)"));
    b.insert(
        "events_config".into(),
        events(&[("click", 0.9), ("watch", 1.0)]),
    );
    assert!(replace_paths(&plan(a.clone()), &plan(b.clone())).is_empty());
    // An empty block and no block mean the same configuration.
    assert!(replace_paths(&Obj::new(), &plan(b.clone())).is_empty());
    b.insert("event_value_threshold".into(), string("0.5"));
    b.insert(
        "hpo_config".into(),
        block([("hpo_objective", block([("type", string("Maximize"))]))]),
    );
    let paths = replace_paths(&plan(a), &plan(b));
    let at = |k: &'static str| AttributePath::new("solution_config").index(0).attribute(k);
    assert_eq!(paths, vec![at("event_value_threshold"), at("hpo_config")]);
}

#[test]
fn removing_events_config_clears_it_and_an_empty_one_reads_as_none() {
    let mut with = Obj::new();
    with.insert("events_config".into(), events(&[("click", 0.5)]));
    let update = expand_update(&plan(with.clone()), &plan(Obj::new())).unwrap();
    assert!(update
        .events_config()
        .unwrap()
        .event_parameters_list()
        .is_empty());
    // Nothing set before or after: UpdateSolution gets no configuration.
    assert!(expand_update(&plan(Obj::new()), &plan(Obj::new())).is_none());
    let cleared = aws_sdk_personalize::types::SolutionConfig::builder()
        .events_config(
            aws_sdk_personalize::types::EventsConfig::builder()
                .set_event_parameters_list(Some(vec![]))
                .build(),
        )
        .build();
    let back = flatten(&cleared);
    assert_eq!(back.obj().unwrap()["events_config"], list(vec![]));
}

#[test]
fn an_aws_default_schedule_is_no_change() {
    let mut state = Obj::new();
    state.insert("event_value_threshold".into(), string("1"));
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
    remote.insert("event_value_threshold".into(), string("2"));
    assert!(!equivalent(&one(&state), &one(&remote)));
}

#[test]
fn recipe_defaults_aws_fills_in_are_no_change_but_a_changed_value_is() {
    let mut state = Obj::new();
    state.insert(
        "algorithm_hyper_parameters".into(),
        string_map_of([("hidden_dimension", "64")]),
    );
    let one = |o: &Obj| list(vec![obj(o.clone())]);
    let mut remote = Obj::new();
    remote.insert(
        "algorithm_hyper_parameters".into(),
        string_map_of([("hidden_dimension", "64"), ("bptt", "32")]),
    );
    assert!(equivalent(&one(&state), &one(&remote)));
    // A state without a map (what an import starts from) reads the remote's in full.
    assert!(!equivalent(&list(vec![]), &one(&remote)));
    let mut filled = remote.clone();
    filled.insert(
        "feature_transformation_parameters".into(),
        string_map_of([("max_user_history_length_percentile", "0.99")]),
    );
    assert!(!equivalent(&one(&state), &one(&filled)));
    remote.insert(
        "algorithm_hyper_parameters".into(),
        string_map_of([("hidden_dimension", "128"), ("bptt", "32")]),
    );
    assert!(!equivalent(&one(&state), &one(&remote)));
    // A member outside the defaulted maps still shows.
    let mut other = state.clone();
    other.insert("event_value_threshold".into(), string("1"));
    assert!(!equivalent(&one(&state), &one(&other)));
}

/// Every member set, expanded to the API shape and flattened back, is the same value: what
/// makes a no-change plan after apply.
#[test]
fn every_member_round_trips_through_the_api_shape() {
    let recipe = "arn:aws:personalize:::recipe/aws-user-personalization";
    let cfg = object([
        ("event_value_threshold", string("0.5")),
        (
            "algorithm_hyper_parameters",
            string_map_of([("bptt", "16")]),
        ),
        ("feature_transformation_parameters", string_map_of([])),
        (
            "hpo_config",
            block([
                (
                    "hpo_objective",
                    block([
                        ("type", string("Maximize")),
                        ("metric_name", string("precision_at_25")),
                        ("metric_regex", Value::Null),
                    ]),
                ),
                (
                    "hpo_resource_config",
                    block([
                        ("max_number_of_training_jobs", string("4")),
                        ("max_parallel_training_jobs", string("2")),
                    ]),
                ),
                (
                    "algorithm_hyper_parameter_ranges",
                    block([
                        (
                            "integer_hyper_parameter_range",
                            list(vec![range("hidden_dimension", 32.0, 256.0)]),
                        ),
                        (
                            "continuous_hyper_parameter_range",
                            list(vec![range("popularity_discount_factor", 0.0, 0.5)]),
                        ),
                        (
                            "categorical_hyper_parameter_range",
                            list(vec![obj(object([
                                ("name", string("recency_mask")),
                                ("values", string_list(["true", "false"])),
                            ]))]),
                        ),
                    ]),
                ),
            ]),
        ),
        (
            "auto_ml_config",
            block([
                ("metric_name", string("precision_at_25")),
                ("recipe_list", string_list([recipe])),
            ]),
        ),
        ("events_config", events(&[("click", 0.25), ("watch", 1.0)])),
        (
            "optimization_objective",
            block([
                ("item_attribute", string("PRICE")),
                ("objective_sensitivity", string("HIGH")),
            ]),
        ),
        (
            "training_data_config",
            block([
                (
                    "excluded_dataset_columns",
                    string_list_map([("ITEMS", vec!["GENRE".to_owned(), "COLOR".to_owned()])]),
                ),
                (
                    "included_dataset_columns",
                    string_list_map([("USERS", vec!["AGE".to_owned()])]),
                ),
            ]),
        ),
        ("auto_training_config", auto("rate(5 days)")),
    ]);
    let api = expand(&plan(cfg.clone())).unwrap();
    assert_eq!(
        api.optimization_objective()
            .unwrap()
            .objective_sensitivity(),
        Some(&ObjectiveSensitivity::High)
    );
    let ranges = api
        .hpo_config()
        .unwrap()
        .algorithm_hyper_parameter_ranges()
        .unwrap();
    assert_eq!(ranges.integer_hyper_parameter_ranges()[0].max_value(), 256);
    assert_eq!(
        api.training_data_config()
            .unwrap()
            .excluded_dataset_columns()
            .unwrap()["ITEMS"],
        ["GENRE", "COLOR"]
    );
    let back = flatten(&api);
    assert_eq!(back, obj(cfg.clone()), "flatten(expand(x)) != x");
    assert_eq!(
        get_block(back.obj().unwrap(), "auto_training_config")
            .and_then(|a| get_str(a, "scheduling_expression"))
            .as_deref(),
        Some("rate(5 days)")
    );
    assert!(expand(&Obj::new()).is_none());
}

fn string_map_of<const N: usize>(pairs: [(&str, &str); N]) -> Dyn {
    crate::framework::value::string_map(pairs)
}
