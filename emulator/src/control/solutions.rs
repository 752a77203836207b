//! Solutions: CreateSolution and UpdateSolution (an in-place update on the lifecycle clock).
//!
//! [`config`] checks a solution's `solutionConfig` beyond the botocore model (eventsConfig,
//! trainingDataConfig columns against the schemas, AutoML's recipe list and metric, HPO's
//! objective and ranges) and turns a stored solution into the recommender's training plan
//! (events, columns, the AutoML/HPO search); its unit tests are in `config_tests.rs`.

use personalize_recommender as rec;
use serde_json::{json, Map, Value};

use super::records::{arn_response, copy, insert_pending, require_active, str_field, tags_of};
use crate::ctx::Ctx;
use crate::data::training;
use crate::error::ApiError;
use crate::lifecycle;
use crate::state::{now_value, Kind, View};
use crate::updates::InPlaceUpdate;

pub mod config;

/// CreateSolution: the recipe must be one the recommender implements, or, with
/// `performAutoML`, absent (AutoML picks among `autoMLConfig.recipeList`). `performHPO`,
/// `eventsConfig` and `trainingDataConfig` are checked here and honoured by training (see
/// [`config`]). `performAutoTraining` (default true, as AWS), `performIncrementalUpdate`
/// (described once set; absent reads as false) and every `solutionConfig` member are stored
/// and described back;
/// automatic training itself is not scheduled (training runs on CreateSolutionVersion).
pub async fn create_solution(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let name = str_field(input, "name");
    let group_arn = str_field(input, "datasetGroupArn").to_owned();
    let automl = input.get("performAutoML").and_then(Value::as_bool) == Some(true);
    let recipe = input.get("recipeArn").and_then(Value::as_str);
    match (automl, recipe) {
        (true, Some(_)) => {
            return Err(ApiError::invalid(
                "recipeArn must be omitted when performAutoML is true: AutoML chooses the \
                 recipe from solutionConfig.autoMLConfig.recipeList",
            ))
        }
        (false, None) => {
            return Err(ApiError::invalid(
                "recipeArn is required when performAutoML is false",
            ))
        }
        (false, Some(recipe)) if training::recipe_name(recipe).is_none() => {
            let known: Vec<String> = rec::recipes()
                .iter()
                .map(|r| training::recipe_arn(r.name))
                .collect();
            return Err(ApiError::invalid(format!(
                "Unknown recipe {recipe}; implemented: {}",
                known.join(", ")
            )));
        }
        _ => {}
    }
    let config = input.get("solutionConfig");
    if let Some(t) = config
        .and_then(|c| c.get("eventValueThreshold"))
        .and_then(Value::as_str)
    {
        if t.parse::<f64>().map(f64::is_finite) != Ok(true) {
            return Err(ApiError::invalid(format!(
                "eventValueThreshold {t:?} is not a number"
            )));
        }
    }
    check_auto_training(config.and_then(|c| c.get("autoTrainingConfig")))?;
    check_hpo_resources(config.and_then(|c| c.get("hpoConfig")))?;
    let tags = tags_of(input)?;
    let arn = ctx.arn(&format!("solution/{name}"));
    ctx.server.state.mutate(|inner, writes| {
        let group = inner.get(Kind::DatasetGroup, &group_arn)?;
        require_active(group, "Dataset group")?;
        let mut body = copy(
            input,
            &[
                "name",
                "recipeArn",
                "datasetGroupArn",
                "eventType",
                "solutionConfig",
            ],
        );
        for (flag, default) in [
            ("performHPO", false),
            ("performAutoML", false),
            ("performAutoTraining", true),
        ] {
            let value = input.get(flag).cloned().unwrap_or(default.into());
            body.insert(flag.into(), value);
        }
        // Described only once set (absent reads as false): clients with a service model older
        // than botocore 1.44 have no such member, and strict ones refuse unknown members.
        if let Some(v) = input.get("performIncrementalUpdate") {
            body.insert("performIncrementalUpdate".into(), v.clone());
        }
        fill_schedule(&mut body);
        config::check_solution(inner, &group_arn, &body)?;
        insert_pending(inner, writes, Kind::Solution, &arn, body, tags)
    })?;
    lifecycle::run_create(&ctx.server, &arn, None).await;
    Ok(arn_response(Kind::Solution, &arn))
}

/// The schedule AWS trains on when automatic training is on and no `autoTrainingConfig` is
/// given: "The default is every 7 days"
/// (<https://docs.aws.amazon.com/personalize/latest/APIReference/API_AutoTrainingConfig.html>).
/// DescribeSolution reports it, as AWS does.
pub const DEFAULT_SCHEDULE: &str = "rate(7 days)";

/// Fills the default schedule into a solution body with `performAutoTraining` true.
fn fill_schedule(body: &mut Map<String, Value>) {
    if body.get("performAutoTraining").and_then(Value::as_bool) != Some(true) {
        return;
    }
    let config = body.entry("solutionConfig").or_insert_with(|| json!({}));
    if let Some(c) = config.as_object_mut() {
        c.entry("autoTrainingConfig")
            .or_insert_with(|| json!({ "schedulingExpression": DEFAULT_SCHEDULE }));
    }
}

/// `schedulingExpression` beyond the model's pattern: AWS takes `rate(N day|days)` with N from
/// 1 to 30 only.
fn check_auto_training(config: Option<&Value>) -> Result<(), ApiError> {
    let Some(expr) = config
        .and_then(|c| c.get("schedulingExpression"))
        .and_then(Value::as_str)
    else {
        return Ok(());
    };
    let days = expr
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(" days)").or_else(|| r.strip_suffix(" day)")))
        .and_then(|n| n.parse::<u32>().ok());
    match days {
        Some(1..=30) => Ok(()),
        _ => Err(ApiError::invalid(format!(
            "schedulingExpression {expr:?} must be rate(N days) with N between 1 and 30"
        ))),
    }
}

/// HPO resource limits: the model types them as strings; AWS takes whole numbers up to 40
/// training jobs and 10 in parallel.
fn check_hpo_resources(hpo: Option<&Value>) -> Result<(), ApiError> {
    let Some(res) = hpo.and_then(|h| h.get("hpoResourceConfig")) else {
        return Ok(());
    };
    for (key, max) in [
        ("maxNumberOfTrainingJobs", 40),
        ("maxParallelTrainingJobs", 10),
    ] {
        if let Some(v) = res.get(key).and_then(Value::as_str) {
            if !v.parse::<u32>().is_ok_and(|n| (1..=max).contains(&n)) {
                return Err(ApiError::invalid(format!(
                    "hpoResourceConfig.{key} {v:?} must be a whole number from 1 to {max}"
                )));
            }
        }
    }
    Ok(())
}

/// UpdateSolution: changes automatic training, `performIncrementalUpdate` and
/// `eventsConfig`. The update runs its own lifecycle in `latestSolutionUpdate` (CREATE
/// PENDING > CREATE IN_PROGRESS > ACTIVE); the solution takes the new settings when the
/// update is ACTIVE, so versions created before then train with the old ones. One update at a
/// time (ResourceInUse).
pub async fn update_solution(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = str_field(input, "solutionArn").to_owned();
    let update_config = input.get("solutionUpdateConfig");
    let new_auto = update_config.and_then(|c| c.get("autoTrainingConfig"));
    let new_events = update_config.and_then(|c| c.get("eventsConfig"));
    check_auto_training(new_auto)?;
    ctx.server.state.mutate(|inner, writes| {
        let solution = inner.get(Kind::Solution, &arn)?;
        require_active(solution, "Solution")?;
        if let Some(status) = solution
            .body
            .get("latestSolutionUpdate")
            .and_then(|u| u["status"].as_str())
        {
            if status.contains("PENDING") || status.contains("IN_PROGRESS") {
                return Err(ApiError::in_use(format!(
                    "Solution {arn} has an update {status}"
                )));
            }
        }
        if let Some(events) = new_events {
            config::check_update_events(&solution.body, events)?;
        }
        let auto = input
            .get("performAutoTraining")
            .or_else(|| solution.body.get("performAutoTraining"))
            .cloned()
            .unwrap_or(true.into());
        let mut config = Map::new();
        for (member, new) in [
            ("autoTrainingConfig", new_auto),
            ("eventsConfig", new_events),
        ] {
            if let Some(v) = new.or_else(|| solution.body.get("solutionConfig")?.get(member)) {
                config.insert(member.into(), v.clone());
            }
        }
        let mut update = json!({
            "performAutoTraining": auto,
            "solutionUpdateConfig": config,
            "status": "CREATE PENDING",
            "creationDateTime": now_value(),
            "lastUpdatedDateTime": now_value(),
        });
        // Like CreateSolution: in the update only once the solution has the flag at all.
        if let Some(v) = input
            .get("performIncrementalUpdate")
            .or_else(|| solution.body.get("performIncrementalUpdate"))
        {
            update["performIncrementalUpdate"] = v.clone();
        }
        let solution = inner.records.get_mut(&arn).expect("checked above");
        solution.body.insert("latestSolutionUpdate".into(), update);
        solution.touch();
        writes.record(inner, &arn);
        Ok(())
    })?;
    let server = ctx.server.clone();
    lifecycle::drive(&server, SOLUTION_UPDATE.run(server.clone(), arn.clone())).await;
    Ok(json!({ "solutionArn": arn }))
}

/// UpdateSolution's lifecycle: at ACTIVE the solution takes `performAutoTraining`,
/// `performIncrementalUpdate`, and the update's `autoTrainingConfig` and `eventsConfig`.
pub const SOLUTION_UPDATE: InPlaceUpdate = InPlaceUpdate {
    field: "latestSolutionUpdate",
    apply: |body, update| {
        for flag in ["performAutoTraining", "performIncrementalUpdate"] {
            if let Some(v) = update.get(flag) {
                body.insert(flag.into(), v.clone());
            }
        }
        for member in ["autoTrainingConfig", "eventsConfig"] {
            if let Some(a) = update["solutionUpdateConfig"].get(member) {
                let config = body.entry("solutionConfig").or_insert_with(|| json!({}));
                config[member] = a.clone();
            }
        }
        fill_schedule(body);
    },
    ready: |_, _| Ok(()),
    work: None,
};
