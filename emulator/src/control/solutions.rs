//! Solutions, solution versions (training, stop, metrics) and recipes.
//!
//! [`config`] checks a solution's `solutionConfig` beyond the botocore model (eventsConfig,
//! trainingDataConfig columns against the schemas, AutoML's recipe list and metric, HPO's
//! objective and ranges) and turns a stored solution into the recommender's training plan
//! (events, columns, the AutoML/HPO search); its unit tests are in `config_tests.rs`.

use personalize_recommender as rec;
use serde_json::{json, Map, Value};

use super::{arn_response, copy, insert_created, require_active, s, tags_of};
use crate::data::training;
use crate::error::{ApiError, ErrorKind};
use crate::lifecycle;
use crate::state::{now_value, Kind, View};
use crate::updates::InPlaceUpdate;
use crate::wire::Ctx;

pub mod config;

/// CreateSolution: the recipe must be one the recommender implements, or, with
/// `performAutoML`, absent (AutoML picks among `autoMLConfig.recipeList`). `performHPO`,
/// `eventsConfig` and `trainingDataConfig` are checked here and honoured by training (see
/// [`config`]). `performAutoTraining` (default true, as AWS), `performIncrementalUpdate`
/// (described once set; absent reads as false) and every `solutionConfig` member are stored
/// and described back;
/// automatic training itself is not scheduled (training runs on CreateSolutionVersion).
pub async fn create_solution(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let name = s(input, "name");
    let group_arn = s(input, "datasetGroupArn").to_owned();
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
        insert_created(
            inner,
            writes,
            Kind::Solution,
            &arn,
            body,
            Some("CREATE PENDING"),
            tags,
        )
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
    let arn = s(input, "solutionArn").to_owned();
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

/// The recipes whose solutions take `trainingMode=UPDATE`.
const UPDATE_RECIPES: [&str; 2] = [
    "arn:aws:personalize:::recipe/aws-user-personalization",
    "arn:aws:personalize:::recipe/aws-hrnn-coldstart",
];

/// API_CreateSolutionVersion, `trainingMode`: "The UPDATE option can only be used when you
/// already have an active solution version created from the input solution using the FULL
/// option and the input solution was trained with the User-Personalization recipe or the legacy
/// HRNN-Coldstart recipe."
fn check_update_mode(
    inner: &impl crate::state::View,
    solution_arn: &str,
    solution: &crate::state::Record,
) -> Result<(), ApiError> {
    let recipe = solution.str("recipeArn").unwrap_or("");
    if !UPDATE_RECIPES.contains(&recipe) {
        return Err(ApiError::invalid(format!(
            "trainingMode UPDATE needs a solution of the User-Personalization or HRNN-Coldstart recipe; {solution_arn} uses {}",
            if recipe.is_empty() { "AutoML" } else { recipe }
        )));
    }
    let full = inner
        .children(Kind::SolutionVersion, "solutionArn", solution_arn)
        .any(|v| v.status() == "ACTIVE" && v.str("trainingMode") == Some("FULL"));
    if !full {
        return Err(ApiError::invalid(format!(
            "trainingMode UPDATE needs an ACTIVE solution version of {solution_arn} trained with trainingMode FULL; train one first"
        )));
    }
    Ok(())
}

/// CreateSolutionVersion: trains in the IN_PROGRESS stage; one training at a time per
/// solution (ResourceInUseException otherwise).
pub async fn create_solution_version(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let solution_arn = s(input, "solutionArn").to_owned();
    let mode = input
        .get("trainingMode")
        .and_then(Value::as_str)
        .unwrap_or("FULL");
    if mode == "AUTOTRAIN" {
        return Err(ApiError::invalid(
            "trainingMode AUTOTRAIN is set by Personalize itself",
        ));
    }
    let tags = tags_of(input)?;
    let arn = ctx.server.state.mutate(|inner, writes| {
        let solution = inner.get(Kind::Solution, &solution_arn)?;
        require_active(solution, "Solution")?;
        if let Some(v) = inner
            .children(Kind::SolutionVersion, "solutionArn", &solution_arn)
            .find(|v| {
                matches!(
                    v.status(),
                    "CREATE PENDING" | "CREATE IN_PROGRESS" | "CREATE STOPPING"
                )
            })
        {
            return Err(ApiError::in_use(format!(
                "Solution {solution_arn} is already training {}",
                v.str("solutionVersionArn").unwrap_or("")
            )));
        }
        if mode == "UPDATE" {
            check_update_mode(inner, &solution_arn, solution)?;
        }
        let solution = solution.clone();
        // Datasets may come after the solution: by now every column it names must exist.
        let group = solution.str("datasetGroupArn").unwrap_or("").to_owned();
        let solution_config = solution.body.get("solutionConfig").unwrap_or(&Value::Null);
        config::TrainingColumns::parse(solution_config)?.check_exist(inner, &group, true)?;
        let id = format!("{:08x}", uuid::Uuid::new_v4().as_u128() as u32);
        let arn = format!("{solution_arn}/{id}");
        let mut body = copy(
            &solution.body,
            &[
                "recipeArn",
                "eventType",
                "datasetGroupArn",
                "solutionConfig",
                "performHPO",
                "performAutoML",
                "performIncrementalUpdate",
            ],
        );
        body.insert("solutionArn".into(), solution_arn.clone().into());
        body.insert("trainingMode".into(), mode.into());
        body.insert("trainingType".into(), "MANUAL".into());
        if let Some(name) = input.get("name") {
            body.insert("name".into(), name.clone());
        }
        insert_created(
            inner,
            writes,
            Kind::SolutionVersion,
            &arn,
            body,
            Some("CREATE PENDING"),
            tags,
        )?;
        let summary = json!({
            "solutionVersionArn": arn, "status": "CREATE PENDING", "trainingMode": mode,
            "trainingType": "MANUAL", "creationDateTime": crate::state::now_value(),
            "lastUpdatedDateTime": crate::state::now_value(),
        });
        let s = inner.records.get_mut(&solution_arn).expect("checked above");
        s.body.insert("latestSolutionVersion".into(), summary);
        writes.record(inner, &solution_arn);
        Ok(arn)
    })?;
    lifecycle::drive(&ctx.server, version_lifecycle(&ctx.server, &arn)).await;
    Ok(arn_response(Kind::SolutionVersion, &arn))
}

/// The create lifecycle of a solution version (training as its work), then its status copied
/// into the solution's `latestSolutionVersion`. Stages count from this call.
pub fn version_lifecycle(
    server: &crate::AppState,
    arn: &str,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let work = crate::data::work_for(server, Kind::SolutionVersion, arn);
    let create = lifecycle::create(server.clone(), arn.to_owned(), work);
    let server = server.clone();
    let arn = arn.to_owned();
    async move {
        create.await;
        sync_latest_version(&server, &arn);
    }
}

/// Copies a version's final status into its solution's `latestSolutionVersion`.
pub fn sync_latest_version(server: &crate::AppState, version_arn: &str) {
    let _ = server.state.mutate(|inner, writes| {
        let Some(v) = inner.records.get(version_arn).cloned() else {
            return Ok(());
        };
        let solution_arn = v.str("solutionArn").unwrap_or("").to_owned();
        let Some(s) = inner.records.get_mut(&solution_arn) else {
            return Ok(());
        };
        if s.body["latestSolutionVersion"]["solutionVersionArn"] != version_arn {
            return Ok(());
        }
        for key in ["status", "lastUpdatedDateTime", "failureReason"] {
            if let Some(value) = v.body.get(key) {
                s.body["latestSolutionVersion"][key] = value.clone();
            }
        }
        writes.record(inner, &solution_arn);
        Ok(())
    });
}

/// StopSolutionVersionCreation: CREATE PENDING / IN_PROGRESS -> CREATE STOPPING -> CREATE
/// STOPPED (the training's result is discarded).
pub fn stop_solution_version(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = s(input, "solutionVersionArn").to_owned();
    ctx.server.state.mutate(|inner, writes| {
        let v = inner.get(Kind::SolutionVersion, &arn)?;
        if !matches!(v.status(), "CREATE PENDING" | "CREATE IN_PROGRESS") {
            return Err(ApiError::in_use(format!(
                "Solution version {arn} is {}; only a training in progress can be stopped",
                v.status()
            )));
        }
        let v = inner.records.get_mut(&arn).expect("checked above");
        v.set_status("CREATE STOPPING");
        writes.record(inner, &arn);
        Ok(())
    })?;
    // A version still PENDING has no training to interrupt: it stops at its next stage.
    Ok(json!({}))
}

/// GetSolutionMetrics: computed once per version (the recommender's hold-out evaluation) and
/// kept with the version.
pub async fn get_solution_metrics(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let arn = s(input, "solutionVersionArn").to_owned();
    {
        let inner = ctx.server.state.read();
        let v = inner.get(Kind::SolutionVersion, &arn)?;
        require_active(v, "Solution version")?;
        if let Some(m) = v.body.get("metrics") {
            return Ok(json!({"solutionVersionArn": arn, "metrics": m}));
        }
    }
    let metrics = training::metrics(&ctx.server, &arn)
        .await
        .map_err(|e| ApiError::invalid(format!("metrics cannot be computed: {e}")))?;
    let metrics = serde_json::to_value(metrics)
        .map_err(|e| ApiError::new(ErrorKind::Internal, e.to_string()))?;
    ctx.server.state.mutate(|inner, writes| {
        if let Some(v) = inner.records.get_mut(&arn) {
            // Kept in the body: the Describe shape has no such member, so it never leaks out.
            v.body.insert("metrics".into(), metrics.clone());
            writes.record(inner, &arn);
        }
        Ok(())
    })?;
    Ok(json!({"solutionVersionArn": arn, "metrics": metrics}))
}
