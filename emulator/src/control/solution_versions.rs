//! Solution versions: CreateSolutionVersion (training as the IN_PROGRESS work),
//! StopSolutionVersionCreation and GetSolutionMetrics.

use serde_json::{json, Map, Value};

use super::records::{arn_response, copy, insert_pending, require_active, str_field, tags_of};
use super::solutions::config;
use crate::ctx::Ctx;
use crate::data::training;
use crate::error::{ApiError, ErrorKind};
use crate::lifecycle;
use crate::state::{Kind, View};

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
    let recipe = solution.recipe_arn().unwrap_or("");
    if !UPDATE_RECIPES.contains(&recipe) {
        return Err(ApiError::invalid(format!(
            "trainingMode UPDATE needs a solution of the User-Personalization or HRNN-Coldstart recipe; {solution_arn} uses {}",
            if recipe.is_empty() { "AutoML" } else { recipe }
        )));
    }
    let full = inner
        .children(Kind::SolutionVersion, Kind::Solution, solution_arn)
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
    let solution_arn = str_field(input, "solutionArn").to_owned();
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
            .children(Kind::SolutionVersion, Kind::Solution, &solution_arn)
            .find(|v| {
                matches!(
                    v.status(),
                    "CREATE PENDING" | "CREATE IN_PROGRESS" | "CREATE STOPPING"
                )
            })
        {
            return Err(ApiError::in_use(format!(
                "Solution {solution_arn} is already training {}",
                v.arn()
            )));
        }
        if mode == "UPDATE" {
            check_update_mode(inner, &solution_arn, solution)?;
        }
        let solution = solution.clone();
        // Datasets may come after the solution: by now every column it names must exist.
        let group = solution.parent(Kind::DatasetGroup).unwrap_or("").to_owned();
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
        insert_pending(inner, writes, Kind::SolutionVersion, &arn, body, tags)?;
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
        let solution_arn = v.parent(Kind::Solution).unwrap_or("").to_owned();
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
    let arn = str_field(input, "solutionVersionArn").to_owned();
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
    let arn = str_field(input, "solutionVersionArn").to_owned();
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
