//! UpdateSolution and the full SolutionConfig through the real aws-sdk-personalize client:
//! what CreateSolution is given comes back from DescribeSolution, an update changes automatic
//! training through `latestSolutionUpdate`, and bad input is refused with a precise message.

mod common;

use aws_sdk_personalize::error::ProvideErrorMetadata;
use aws_sdk_personalize::types::{
    AutoMlConfig, AutoTrainingConfig, HpoConfig, HpoResourceConfig, ObjectiveSensitivity,
    OptimizationObjective, SolutionConfig, SolutionUpdateConfig, TrainingDataConfig,
};
use common::*;

const RECIPE: &str = "arn:aws:personalize:::recipe/aws-user-personalization";

async fn group(p: &aws_sdk_personalize::Client) -> String {
    p.create_dataset_group()
        .name("solution-update")
        .send()
        .await
        .unwrap()
        .dataset_group_arn
        .unwrap()
}

fn schedule(expr: &str) -> AutoTrainingConfig {
    AutoTrainingConfig::builder()
        .scheduling_expression(expr)
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_keeps_every_config_member_and_update_changes_auto_training() {
    let root = data_root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let p = &c.control;
    let group = group(p).await;
    let config = SolutionConfig::builder()
        .event_value_threshold("0.5")
        .hpo_config(
            HpoConfig::builder()
                .hpo_resource_config(
                    HpoResourceConfig::builder()
                        .max_number_of_training_jobs("8")
                        .max_parallel_training_jobs("2")
                        .build(),
                )
                .build(),
        )
        .auto_ml_config(
            AutoMlConfig::builder()
                .metric_name("precision_at_25")
                .recipe_list(RECIPE)
                .build(),
        )
        .optimization_objective(
            OptimizationObjective::builder()
                .item_attribute("PRICE")
                .objective_sensitivity(ObjectiveSensitivity::Medium)
                .build(),
        )
        .training_data_config(
            TrainingDataConfig::builder()
                .excluded_dataset_columns("ITEMS", vec!["GENRE".to_owned()])
                .build(),
        )
        .auto_training_config(schedule("rate(7 days)"))
        .build();
    let arn = p
        .create_solution()
        .name("full")
        .dataset_group_arn(&group)
        .recipe_arn(RECIPE)
        .perform_auto_training(false)
        .solution_config(config.clone())
        .send()
        .await
        .unwrap()
        .solution_arn
        .unwrap();
    let describe = || async {
        p.describe_solution()
            .solution_arn(&arn)
            .send()
            .await
            .unwrap()
            .solution
            .unwrap()
    };
    let s = describe().await;
    assert_eq!(s.status(), Some("ACTIVE"));
    assert_eq!(s.perform_auto_training(), Some(false));
    assert_eq!(s.solution_config(), Some(&config));
    assert!(s.latest_solution_update().is_none());

    p.update_solution()
        .solution_arn(&arn)
        .perform_auto_training(true)
        .solution_update_config(
            SolutionUpdateConfig::builder()
                .auto_training_config(schedule("rate(3 days)"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let s = describe().await;
    assert_eq!(s.status(), Some("ACTIVE"));
    assert_eq!(s.perform_auto_training(), Some(true));
    let got = s.solution_config().unwrap();
    assert_eq!(
        got.auto_training_config()
            .and_then(|a| a.scheduling_expression()),
        Some("rate(3 days)")
    );
    // The members UpdateSolution does not touch stay as created.
    assert_eq!(
        got.optimization_objective(),
        config.optimization_objective()
    );
    assert_eq!(got.hpo_config(), config.hpo_config());
    let update = s.latest_solution_update().unwrap();
    assert_eq!(update.status(), Some("ACTIVE"));
    assert_eq!(update.perform_auto_training(), Some(true));
    assert_eq!(
        update
            .solution_update_config()
            .and_then(|u| u.auto_training_config())
            .and_then(|a| a.scheduling_expression()),
        Some("rate(3 days)")
    );

    // Only the flag: the schedule is kept.
    p.update_solution()
        .solution_arn(&arn)
        .perform_auto_training(false)
        .send()
        .await
        .unwrap();
    let s = describe().await;
    assert_eq!(s.perform_auto_training(), Some(false));
    assert_eq!(
        s.solution_config()
            .and_then(|c| c.auto_training_config())
            .and_then(|a| a.scheduling_expression()),
        Some("rate(3 days)")
    );

    // A solution created without the flag trains automatically, as on AWS.
    let default = p
        .create_solution()
        .name("defaults")
        .dataset_group_arn(&group)
        .recipe_arn(RECIPE)
        .send()
        .await
        .unwrap()
        .solution_arn
        .unwrap();
    let s = p
        .describe_solution()
        .solution_arn(&default)
        .send()
        .await
        .unwrap()
        .solution
        .unwrap();
    assert_eq!(s.perform_auto_training(), Some(true));
}

/// A bad schedule is refused before anything changes: by the model's pattern
/// (ValidationException) or by the 1..30 day range (InvalidInputException), naming the member.
fn refused<E: ProvideErrorMetadata + std::fmt::Debug>(err: &E, bad: &str) {
    assert!(
        matches!(
            err.code(),
            Some("ValidationException" | "InvalidInputException")
        ),
        "{bad}: {err:?}"
    );
    assert!(
        err.message().unwrap_or("").contains("schedulingExpression"),
        "{bad}: {err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_schedules_and_unknown_solutions_are_refused() {
    let root = data_root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let p = &c.control;
    let group = group(p).await;
    for bad in [
        "rate(0 days)",
        "rate(31 days)",
        "rate(7 hours)",
        "cron(0 0 * * ? *)",
        "rate(99999999999 days)",
        "",
    ] {
        let err = p
            .create_solution()
            .name("bad")
            .dataset_group_arn(&group)
            .recipe_arn(RECIPE)
            .solution_config(
                SolutionConfig::builder()
                    .auto_training_config(schedule(bad))
                    .build(),
            )
            .send()
            .await
            .unwrap_err();
        refused(&err, bad);
    }
    let err = p
        .create_solution()
        .name("bad-hpo")
        .dataset_group_arn(&group)
        .recipe_arn(RECIPE)
        .solution_config(
            SolutionConfig::builder()
                .hpo_config(
                    HpoConfig::builder()
                        .hpo_resource_config(
                            HpoResourceConfig::builder()
                                .max_parallel_training_jobs("11")
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(
        err.message().unwrap().contains("maxParallelTrainingJobs"),
        "{err:?}"
    );
    let arn = p
        .create_solution()
        .name("ok")
        .dataset_group_arn(&group)
        .recipe_arn(RECIPE)
        .send()
        .await
        .unwrap()
        .solution_arn
        .unwrap();
    for bad in ["rate(0 days)", "rate(31 days)", "rate(1 week)"] {
        let err = p
            .update_solution()
            .solution_arn(&arn)
            .solution_update_config(
                SolutionUpdateConfig::builder()
                    .auto_training_config(schedule(bad))
                    .build(),
            )
            .send()
            .await
            .unwrap_err();
        refused(&err, bad);
    }
    let err = p
        .update_solution()
        .solution_arn(format!("{arn}-gone"))
        .perform_auto_training(false)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_resource_not_found_exception(),
        "{err:?}"
    );
    let err = p.update_solution().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"), "{err:?}");
    assert!(err.message().unwrap().contains("solutionArn"), "{err:?}");
    // A refused update changed nothing.
    let s = p
        .describe_solution()
        .solution_arn(&arn)
        .send()
        .await
        .unwrap()
        .solution
        .unwrap();
    assert!(s.latest_solution_update().is_none());
    assert_eq!(s.perform_auto_training(), Some(true));
}
