//! The solutionConfig checks and their translation into the training plan, without a server.

use serde_json::json;

use super::*;

fn body(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn message(e: ApiError) -> String {
    e.message
}

#[test]
fn events_need_a_type_each_once_and_default_to_weight_one() {
    let got = events(Some(&json!({"eventParametersList": [
        {"eventType": "watch", "eventValueThreshold": 0.5},
        {"eventType": "click", "weight": 0.25}
    ]})))
    .unwrap();
    assert_eq!(got[0].weight, 1.0);
    assert_eq!(got[0].value_threshold, Some(0.5));
    assert_eq!(got[1].weight, 0.25);
    assert!(events(None).unwrap().is_empty());
    assert!(events(Some(&json!({"eventParametersList": []})))
        .unwrap()
        .is_empty());
    let m = message(events(Some(&json!({"eventParametersList": [{"weight": 1.0}]}))).unwrap_err());
    assert!(m.contains("[0] needs an eventType"), "{m}");
    let m = message(
        events(Some(&json!({"eventParametersList": [
            {"eventType": "a"}, {"eventType": "a"}
        ]})))
        .unwrap_err(),
    );
    assert!(m.contains("\"a\" more than once"), "{m}");
}

#[test]
fn columns_keep_ids_and_follow_include_or_exclude() {
    let c = TrainingColumns::parse(&json!({"trainingDataConfig": {
        "includedDatasetColumns": {"Items": ["genre"]},
        "excludedDatasetColumns": {"INTERACTIONS": ["EVENT_TYPE"]}
    }}))
    .unwrap();
    assert!(c.keeps("ITEMS", "ITEM_ID"));
    assert!(c.keeps("ITEMS", "GENRE"));
    assert!(!c.keeps("ITEMS", "YEAR"));
    assert!(c.keeps("USERS", "AGE"));
    assert!(c.ignores_event_types());
    assert_eq!(
        c.item_columns(),
        Columns::Only(["GENRE".to_string()].into_iter().collect())
    );
    let none = TrainingColumns::parse(&Value::Null).unwrap();
    assert_eq!(none.item_columns(), Columns::All);
    assert!(!none.ignores_event_types());

    for (config, needle) in [
        (
            json!({"excludedDatasetColumns": {"ACTIONS": ["X"]}}),
            "\"ACTIONS\"",
        ),
        (
            json!({"excludedDatasetColumns": {"USERS": ["user_id"]}}),
            "user_id is required",
        ),
        (
            json!({"includedDatasetColumns": {"ITEMS": ["A"]},
                   "excludedDatasetColumns": {"items": ["B"]}}),
            "both included and excluded",
        ),
    ] {
        let m =
            message(TrainingColumns::parse(&json!({ "trainingDataConfig": config })).unwrap_err());
        assert!(m.contains(needle), "{needle}: {m}");
    }
}

#[test]
fn automl_candidates_are_user_personalization_recipes() {
    let all = automl_recipes(&Value::Null).unwrap();
    assert_eq!(
        all,
        ["aws-user-personalization", "aws-user-personalization-v2"]
    );
    let listed = automl_recipes(&json!({"autoMLConfig": {"recipeList": [
        "arn:aws:personalize:::recipe/aws-user-personalization-v2",
        "arn:aws:personalize:::recipe/aws-user-personalization-v2"
    ]}}))
    .unwrap();
    assert_eq!(listed, ["aws-user-personalization-v2"]);
    let m = message(
        automl_recipes(&json!({"autoMLConfig": {"recipeList": [
            "arn:aws:personalize:::recipe/aws-hrnn"
        ]}}))
        .unwrap_err(),
    );
    assert!(
        m.contains("aws-hrnn") && m.contains("aws-user-personalization-v2"),
        "{m}"
    );
}

#[test]
fn the_search_follows_automl_and_hpo_with_documented_defaults() {
    let plain = body(json!({"recipeArn": "arn:aws:personalize:::recipe/aws-sims"}));
    assert!(search(&plain).unwrap().is_none());

    let automl = body(json!({"performAutoML": true}));
    let s = search(&automl).unwrap().unwrap();
    assert_eq!(s.recipes.len(), 2);
    assert!(s.ranges.is_empty());
    assert_eq!(s.objective.metric, DEFAULT_METRIC);

    // HPOObjective (API reference): "Amazon Personalize doesn't support configuring the
    // hpoObjective at this time": refused; HPO maximises the default metric.
    let objective = body(json!({
        "performHPO": true,
        "recipeArn": "arn:aws:personalize:::recipe/aws-sims",
        "solutionConfig": {"hpoConfig": {"hpoObjective": {"type": "Minimize",
            "metricName": "coverage"}}}
    }));
    let e = search(&objective).unwrap_err();
    assert!(e.message.contains("hpoObjective"), "{}", e.message);
    let hpo = body(json!({
        "performHPO": true,
        "recipeArn": "arn:aws:personalize:::recipe/aws-sims",
        "solutionConfig": {"hpoConfig": {"hpoObjective": {}}}
    }));
    let s = search(&hpo).unwrap().unwrap();
    assert_eq!(s.recipes, ["aws-sims"]);
    assert_eq!(s.trials, DEFAULT_TRAINING_JOBS);
    assert_eq!(s.parallel, DEFAULT_PARALLEL_JOBS);
    assert_eq!(s.objective.goal, Goal::Maximize);
    assert_eq!(s.objective.metric, DEFAULT_METRIC);
    // No ranges given: the recipe's documented tunables.
    assert_eq!(s.ranges, rec::search::default_ranges("aws-sims"));

    let bad = body(json!({
        "performHPO": true,
        "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization",
        "solutionConfig": {"hpoConfig": {"algorithmHyperParameterRanges": {
            "continuousHyperParameterRanges": [{"name": "bptt", "minValue": 1.5, "maxValue": 3}]
        }}}
    }));
    let m = message(search(&bad).unwrap_err());
    assert!(m.contains("bptt"), "{m}");
}

#[test]
fn events_config_takes_v2_recipes_and_replaces_event_type_and_threshold() {
    let ev = events(Some(
        &json!({"eventParametersList": [{"eventType": "watch"}]}),
    ))
    .unwrap();
    let v2 = ["aws-user-personalization-v2".to_string()];
    check_events_with(&ev, &v2, None, &Value::Null).unwrap();
    let m =
        message(check_events_with(&ev, &["aws-sims".to_string()], None, &Value::Null).unwrap_err());
    assert!(m.contains("aws-sims"), "{m}");
    assert!(check_events_with(&ev, &v2, Some("watch"), &Value::Null).is_err());
    let m = message(
        check_events_with(&ev, &v2, None, &json!({"eventValueThreshold": "0.5"})).unwrap_err(),
    );
    assert!(m.contains("eventValueThreshold"), "{m}");
    // No eventsConfig: nothing to combine.
    check_events_with(&[], &["aws-sims".to_string()], Some("x"), &Value::Null).unwrap();
}
