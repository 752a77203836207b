//! What a solution asks of training, through the real aws-sdk-personalize client:
//! `eventsConfig` and `performIncrementalUpdate` (CreateSolution, UpdateSolution, versions),
//! `trainingDataConfig` columns, AutoML and HPO, each with the bad input AWS refuses.

mod common;

use aws_sdk_personalize::error::ProvideErrorMetadata;
use aws_sdk_personalize::types::{
    AutoMlConfig, CategoricalHyperParameterRange, EventParameters, EventsConfig, HpoConfig,
    HpoObjective, HpoResourceConfig, HyperParameterRanges, IntegerHyperParameterRange,
    SolutionConfig, SolutionUpdateConfig, TrainingDataConfig,
};
use aws_sdk_personalize::Client;
use common::*;

const V1: &str = "arn:aws:personalize:::recipe/aws-user-personalization";
const V2: &str = "arn:aws:personalize:::recipe/aws-user-personalization-v2";

fn event(t: &str, weight: f64) -> EventParameters {
    EventParameters::builder()
        .event_type(t)
        .weight(weight)
        .build()
}

fn events(list: Vec<EventParameters>) -> EventsConfig {
    EventsConfig::builder()
        .set_event_parameters_list(Some(list))
        .build()
}

/// Creates a solution; `Err((code, message))` when refused.
async fn solution(
    p: &Client,
    group: &str,
    name: &str,
    recipe: Option<&str>,
    build: impl FnOnce(
        aws_sdk_personalize::operation::create_solution::builders::CreateSolutionFluentBuilder,
    ) -> aws_sdk_personalize::operation::create_solution::builders::CreateSolutionFluentBuilder,
) -> Result<String, (String, String)> {
    let b = p
        .create_solution()
        .name(name)
        .dataset_group_arn(group)
        .set_recipe_arn(recipe.map(str::to_owned));
    build(b)
        .send()
        .await
        .map(|o| o.solution_arn.unwrap())
        .map_err(code_and_message)
}

/// An AWS error as `(code, message)`, what [`refused`] checks.
fn code_and_message(e: impl ProvideErrorMetadata) -> (String, String) {
    (
        e.code().unwrap_or("").to_owned(),
        e.message().unwrap_or("").to_owned(),
    )
}

fn refused(result: Result<String, (String, String)>, code: &str, needle: &str) {
    let (got, message) = result.expect_err(needle);
    assert_eq!(got, code, "{needle}: {message}");
    assert!(message.contains(needle), "{needle}: {message}");
}

async fn described(p: &Client, arn: &str) -> aws_sdk_personalize::types::Solution {
    p.describe_solution()
        .solution_arn(arn)
        .send()
        .await
        .unwrap()
        .solution
        .unwrap()
}

/// Trains a version and returns it once final.
async fn train(p: &Client, solution: &str) -> aws_sdk_personalize::types::SolutionVersion {
    let arn = p
        .create_solution_version()
        .solution_arn(solution)
        .send()
        .await
        .unwrap()
        .solution_version_arn
        .unwrap();
    p.describe_solution_version()
        .solution_version_arn(arn)
        .send()
        .await
        .unwrap()
        .solution_version
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_config_and_incremental_updates_reach_training_and_update_in_place() {
    let f = Fixture::start("events").await;
    let (c, chain) = (&f.c, &f.chain);
    let p = &c.control;
    let g = chain.group.as_str();

    let config = SolutionConfig::builder()
        .events_config(events(vec![event("watch", 0.5)]))
        .build();
    let arn = solution(p, g, "weighted", Some(V2), |b| {
        b.perform_incremental_update(true)
            .solution_config(config.clone())
    })
    .await
    .unwrap();
    let describe = || described(p, &arn);
    let s = describe().await;
    assert_eq!(s.perform_incremental_update(), Some(true));
    // With automatic training on (AWS's default), AWS's default schedule is filled in.
    assert_eq!(
        s.solution_config().and_then(|c| c.events_config()),
        config.events_config()
    );
    assert_eq!(
        s.solution_config()
            .and_then(|c| c.auto_training_config())
            .and_then(|a| a.scheduling_expression()),
        Some("rate(7 days)")
    );
    let v = train(p, &arn).await;
    assert_eq!(v.status(), Some("ACTIVE"), "{:?}", v.failure_reason());
    assert_eq!(v.perform_incremental_update(), Some(true));

    // UpdateSolution: new events and flag, applied once the update is ACTIVE.
    p.update_solution()
        .solution_arn(&arn)
        .perform_incremental_update(false)
        .solution_update_config(
            SolutionUpdateConfig::builder()
                .events_config(events(vec![event("click", 1.0)]))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let s = describe().await;
    let update = s.latest_solution_update().unwrap();
    assert_eq!(update.status(), Some("ACTIVE"));
    assert_eq!(update.perform_incremental_update(), Some(false));
    assert_eq!(s.perform_incremental_update(), Some(false));
    let listed = |s: &aws_sdk_personalize::types::Solution| -> Vec<String> {
        s.solution_config()
            .and_then(|c| c.events_config())
            .map(|e| {
                e.event_parameters_list()
                    .iter()
                    .map(|p| p.event_type().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(listed(&s), ["click"]);
    // The data has only "watch" events: listing "click" alone leaves nothing to train on.
    let v = train(p, &arn).await;
    assert_eq!(v.status(), Some("CREATE FAILED"));
    assert!(
        v.failure_reason().unwrap().contains("no interactions"),
        "{:?}",
        v.failure_reason()
    );

    // Bad input, each refused before anything is stored.
    let with = |e: EventsConfig| SolutionConfig::builder().events_config(e).build();
    refused(
        solution(p, g, "heavy", Some(V2), |b| {
            b.solution_config(with(events(vec![event("watch", 1.5)])))
        })
        .await,
        "ValidationException",
        "weight",
    );
    let eleven = (0..11).map(|k| event(&format!("t{k}"), 0.5)).collect();
    refused(
        solution(p, g, "eleven", Some(V2), |b| {
            b.solution_config(with(events(eleven)))
        })
        .await,
        "ValidationException",
        "eventParametersList",
    );
    let twice = events(vec![event("watch", 0.5), event("watch", 0.9)]);
    refused(
        solution(p, g, "twice", Some(V2), |b| {
            b.solution_config(with(twice.clone()))
        })
        .await,
        "InvalidInputException",
        "more than once",
    );
    refused(
        solution(p, g, "v1", Some(V1), |b| {
            b.solution_config(with(events(vec![event("watch", 0.5)])))
        })
        .await,
        "InvalidInputException",
        "aws-user-personalization-v2",
    );
    refused(
        solution(p, g, "typed", Some(V2), |b| {
            b.event_type("watch")
                .solution_config(with(events(vec![event("watch", 0.5)])))
        })
        .await,
        "InvalidInputException",
        "eventType",
    );
    let err = p
        .update_solution()
        .solution_arn(&arn)
        .solution_update_config(SolutionUpdateConfig::builder().events_config(twice).build())
        .send()
        .await
        .unwrap_err();
    assert!(err.message().unwrap().contains("more than once"), "{err:?}");
    assert_eq!(listed(&describe().await), ["click"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn training_data_columns_are_checked_against_the_schemas() {
    let f = Fixture::start("columns").await;
    let (c, chain) = (&f.c, &f.chain);
    let p = &c.control;
    let g = chain.group.as_str();
    let columns = |included: bool, ty: &str, cols: &[&str]| {
        let cols: Vec<String> = cols.iter().map(|s| s.to_string()).collect();
        let b = TrainingDataConfig::builder();
        let b = if included {
            b.included_dataset_columns(ty, cols)
        } else {
            b.excluded_dataset_columns(ty, cols)
        };
        SolutionConfig::builder()
            .training_data_config(b.build())
            .build()
    };
    for (name, config, needle) in [
        ("nope", columns(false, "ITEMS", &["NOPE"]), "no column NOPE"),
        (
            "id",
            columns(false, "INTERACTIONS", &["ITEM_ID"]),
            "ITEM_ID",
        ),
        ("type", columns(false, "CLICKS", &["X"]), "CLICKS"),
    ] {
        refused(
            solution(p, g, name, Some(V1), |b| b.solution_config(config)).await,
            "InvalidInputException",
            needle,
        );
    }
    let both = SolutionConfig::builder()
        .training_data_config(
            TrainingDataConfig::builder()
                .included_dataset_columns("ITEMS", vec!["GENRE".into()])
                .excluded_dataset_columns("ITEMS", vec!["GENRE".into()])
                .build(),
        )
        .build();
    refused(
        solution(p, g, "both", Some(V1), |b| b.solution_config(both)).await,
        "InvalidInputException",
        "both included and excluded",
    );
    refused(
        solution(p, g, "typeless", Some(V1), |b| {
            b.event_type("watch")
                .solution_config(columns(true, "INTERACTIONS", &["USER_ID"]))
        })
        .await,
        "InvalidInputException",
        "EVENT_TYPE",
    );
    for (name, config) in [
        ("no-genre", columns(false, "ITEMS", &["GENRE"])),
        ("genre-only", columns(true, "ITEMS", &["GENRE"])),
    ] {
        let arn = solution(p, g, name, Some(V1), |b| b.solution_config(config))
            .await
            .unwrap();
        let v = train(p, &arn).await;
        assert_eq!(v.status(), Some("ACTIVE"), "{:?}", v.failure_reason());
    }
    // Datasets may come after the solution: the check is repeated at CreateSolutionVersion.
    let empty = dataset_group(p, "later").await;
    let arn = solution(p, &empty, "later", Some(V1), |b| {
        b.solution_config(columns(false, "ITEMS", &["GENRE"]))
    })
    .await
    .unwrap();
    let err = p
        .create_solution_version()
        .solution_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidInputException"), "{err:?}");
    assert!(err.message().unwrap().contains("ITEMS dataset"), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automl_trains_every_candidate_and_keeps_the_best() {
    let f = Fixture::start("automl").await;
    let (c, chain) = (&f.c, &f.chain);
    let p = &c.control;
    let g = chain.group.as_str();
    let automl = |recipes: &[&str], metric: &str| {
        SolutionConfig::builder()
            .auto_ml_config(
                AutoMlConfig::builder()
                    .metric_name(metric)
                    .set_recipe_list(Some(recipes.iter().map(|s| s.to_string()).collect()))
                    .build(),
            )
            .build()
    };
    refused(
        solution(p, g, "with-recipe", Some(V1), |b| b.perform_auto_ml(true)).await,
        "InvalidInputException",
        "recipeArn must be omitted",
    );
    refused(
        solution(p, g, "sims", None, |b| {
            b.perform_auto_ml(true).solution_config(automl(
                &["arn:aws:personalize:::recipe/aws-sims"],
                "precision_at_25",
            ))
        })
        .await,
        "InvalidInputException",
        V2,
    );
    refused(
        solution(p, g, "metric", None, |b| {
            b.perform_auto_ml(true)
                .solution_config(automl(&[V1], "accuracy"))
        })
        .await,
        "InvalidInputException",
        "accuracy",
    );
    refused(
        solution(p, g, "no-recipe", None, |b| b).await,
        "InvalidInputException",
        "recipeArn is required",
    );

    let arn = solution(p, g, "picked", None, |b| {
        b.perform_auto_ml(true).solution_config(automl(
            &[V2, V1],
            "normalized_discounted_cumulative_gain_at_10",
        ))
    })
    .await
    .unwrap();
    let v = train(p, &arn).await;
    assert_eq!(v.status(), Some("ACTIVE"), "{:?}", v.failure_reason());
    let s = described(p, &arn).await;
    assert!(s.perform_auto_ml());
    assert_eq!(s.recipe_arn(), None);
    let best = s
        .auto_ml_result()
        .and_then(|r| r.best_recipe_arn())
        .unwrap();
    // Both candidates are the same model here, so the tie keeps the first listed.
    assert_eq!(best, V2);
    assert_eq!(v.recipe_arn(), Some(best));
    let metrics = p
        .get_solution_metrics()
        .solution_version_arn(v.solution_version_arn().unwrap())
        .send()
        .await
        .unwrap()
        .metrics
        .unwrap();
    assert!(
        metrics["normalized_discounted_cumulative_gain_at_10"] > 0.0,
        "{metrics:?}"
    );

    // Without autoMLConfig: every implemented USER_PERSONALIZATION recipe, precision_at_25.
    let arn = solution(p, g, "automl-defaults", None, |b| b.perform_auto_ml(true))
        .await
        .unwrap();
    assert_eq!(train(p, &arn).await.status(), Some("ACTIVE"));
}

fn int_range(name: &str, min: i32, max: i32) -> IntegerHyperParameterRange {
    IntegerHyperParameterRange::builder()
        .name(name)
        .min_value(min)
        .max_value(max)
        .build()
}

fn hpo(
    ranges: HyperParameterRanges,
    objective: Option<HpoObjective>,
    jobs: &str,
) -> SolutionConfig {
    SolutionConfig::builder()
        .hpo_config(
            HpoConfig::builder()
                .set_hpo_objective(objective)
                .hpo_resource_config(
                    HpoResourceConfig::builder()
                        .max_number_of_training_jobs(jobs)
                        .max_parallel_training_jobs("2")
                        .build(),
                )
                .algorithm_hyper_parameter_ranges(ranges)
                .build(),
        )
        .build()
}

fn maximize(metric: &str) -> HpoObjective {
    HpoObjective::builder()
        .r#type("Maximize")
        .metric_name(metric)
        .build()
}

fn ints(list: Vec<IntegerHyperParameterRange>) -> HyperParameterRanges {
    HyperParameterRanges::builder()
        .set_integer_hyper_parameter_ranges(Some(list))
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hpo_searches_the_ranges_and_reports_the_winner() {
    let f = Fixture::start("hpo").await;
    let (c, chain) = (&f.c, &f.chain);
    let p = &c.control;
    let g = chain.group.as_str();
    let bad: Vec<(HyperParameterRanges, Option<HpoObjective>, &str)> = vec![
        (ints(vec![int_range("dropout", 1, 2)]), None, "dropout"),
        (ints(vec![int_range("bptt", 40, 10)]), None, "greater than"),
        (
            ints(vec![int_range("hidden_dimension", 8, 5000)]),
            None,
            "hidden_dimension",
        ),
        (
            ints(vec![int_range("bptt", 1, 2), int_range("bptt", 3, 4)]),
            None,
            "more than one range",
        ),
        // API reference, HPOObjective: "Amazon Personalize doesn't support configuring the
        // hpoObjective at this time."
        (
            ints(vec![int_range("bptt", 1, 2)]),
            Some(maximize("precision_at_25")),
            "doesn't support configuring the hpoObjective",
        ),
    ];
    for (ranges, objective, needle) in bad {
        refused(
            solution(p, g, "bad", Some(V1), |b| {
                b.perform_hpo(true)
                    .solution_config(hpo(ranges, objective, "3"))
            })
            .await,
            "InvalidInputException",
            needle,
        );
    }
    refused(
        solution(
            p,
            g,
            "popular",
            Some("arn:aws:personalize:::recipe/aws-popularity-count"),
            |b| b.perform_hpo(true),
        )
        .await,
        "InvalidInputException",
        "no hyperparameters",
    );

    let ranges = HyperParameterRanges::builder()
        .integer_hyper_parameter_ranges(int_range("bptt", 2, 48))
        .integer_hyper_parameter_ranges(int_range("hidden_dimension", 16, 200))
        .categorical_hyper_parameter_ranges(
            CategoricalHyperParameterRange::builder()
                .name("recency_mask")
                .values("true")
                .values("false")
                .build(),
        )
        .build();
    let arn = solution(p, g, "tuned", Some(V1), |b| {
        b.perform_hpo(true).solution_config(hpo(ranges, None, "3"))
    })
    .await
    .unwrap();
    let v = train(p, &arn).await;
    assert_eq!(v.status(), Some("ACTIVE"), "{:?}", v.failure_reason());
    assert!(v.perform_hpo());
    let tuned = v
        .tuned_hpo_params()
        .and_then(|t| t.algorithm_hyper_parameters())
        .unwrap();
    let bptt: i64 = tuned["bptt"].parse().unwrap();
    let hidden: i64 = tuned["hidden_dimension"].parse().unwrap();
    assert!((2..=48).contains(&bptt), "{tuned:?}");
    assert!((16..=200).contains(&hidden), "{tuned:?}");
    assert!(["true", "false"].contains(&tuned["recency_mask"].as_str()));
    let metrics = p
        .get_solution_metrics()
        .solution_version_arn(v.solution_version_arn().unwrap())
        .send()
        .await
        .unwrap()
        .metrics
        .unwrap();
    assert!(metrics["precision_at_25"] > 0.0, "{metrics:?}");
    // The served model is the winner's: the campaign path answers with it.
    let campaign = p
        .create_campaign()
        .name("tuned")
        .solution_version_arn(v.solution_version_arn().unwrap())
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    assert_eq!(recommend(c, &campaign, "u1", 5).await.len(), 5);
}

/// API_CreateSolutionVersion, `trainingMode`: "The UPDATE option can only be used when you
/// already have an active solution version created from the input solution using the FULL
/// option and the input solution was trained with the User-Personalization recipe or the legacy
/// HRNN-Coldstart recipe."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_training_needs_an_active_full_version_of_a_recipe_that_takes_it() {
    let f = Fixture::start("update-mode").await;
    let p = &f.c.control;
    let g = f.chain.group.as_str();
    let update = |solution: String| async move {
        p.create_solution_version()
            .solution_arn(solution)
            .training_mode(aws_sdk_personalize::types::TrainingMode::Update)
            .send()
            .await
            .map(|o| o.solution_version_arn.unwrap())
            .map_err(code_and_message)
    };
    let up = solution(p, g, "up", Some(V1), |b| b).await.unwrap();
    refused(
        update(up.clone()).await,
        "InvalidInputException",
        "needs an ACTIVE solution version",
    );
    assert_eq!(train(p, &up).await.status(), Some("ACTIVE"));
    let arn = update(up.clone()).await.unwrap();
    let v = p
        .describe_solution_version()
        .solution_version_arn(arn)
        .send()
        .await
        .unwrap()
        .solution_version
        .unwrap();
    assert_eq!(v.training_mode().map(|m| m.as_str()), Some("UPDATE"));
    assert_eq!(v.status(), Some("ACTIVE"), "{:?}", v.failure_reason());

    // Not for User-Personalization-v2, even after a FULL version.
    let v2 = solution(p, g, "v2", Some(V2), |b| b).await.unwrap();
    assert_eq!(train(p, &v2).await.status(), Some("ACTIVE"));
    refused(
        update(v2).await,
        "InvalidInputException",
        "User-Personalization or HRNN-Coldstart",
    );
}
