//! Training a version of an AutoML or HPO solution: the recommender's search off the async
//! threads, logged trial by trial, stopped by StopSolutionVersionCreation, and its winner
//! stored as the version's model, metrics, `recipeArn` / `tunedHPOParams`, and the solution's
//! `autoMLResult`.

use std::sync::Arc;

use personalize_recommender::search::{Search, Trial};
use personalize_recommender::{self as rec, TrainOptions, TrainingData};
use serde_json::{json, Value};

use super::recipe_arn;
use crate::lifecycle::Apply;
use crate::state::{Kind, Txn, Write, Writes};
use crate::AppState;

/// Runs `search` for `version_arn` on `data`; the version's `trained_seq` is already set.
pub(super) async fn run(
    server: AppState,
    version_arn: String,
    data: TrainingData,
    opts: TrainOptions,
    search: Search,
    watermark: u64,
) -> Result<Apply, String> {
    let started = std::time::Instant::now();
    let trials = search.recipes.len()
        * if search.ranges.is_empty() {
            1
        } else {
            search.trials
        };
    tracing::info!(
        %version_arn,
        recipes = ?search.recipes,
        trials,
        parallel = search.parallel,
        metric = %search.objective.metric,
        "search started"
    );
    let watcher = server.clone();
    let arn = version_arn.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        // Anything but IN_PROGRESS (a Stop, a Delete) ends the search before its next trial.
        let stop = || {
            watcher
                .state
                .read()
                .records
                .get(&arn)
                .is_none_or(|r| r.status() != "CREATE IN_PROGRESS")
        };
        let metric = search.objective.metric.clone();
        let progress = |t: &Trial, result: &Result<f64, String>| match result {
            Ok(value) => tracing::info!(
                version_arn = %arn,
                trial = t.index + 1,
                of = trials,
                recipe = %t.recipe,
                hyperparameters = ?t.hyperparameters,
                %metric,
                value,
                "trial scored"
            ),
            Err(reason) => tracing::warn!(
                version_arn = %arn,
                trial = t.index + 1,
                of = trials,
                recipe = %t.recipe,
                %reason,
                "trial failed"
            ),
        };
        rec::search::run(&data, &opts, &search, &stop, &progress)
    })
    .await
    .map_err(|e| format!("training failed: {e}"))?
    .map_err(|e| e.to_string())?;
    let hours = started.elapsed().as_secs_f64() / 3600.0;
    tracing::info!(
        %version_arn,
        watermark,
        recipe = %outcome.best.recipe,
        hyperparameters = ?outcome.best.hyperparameters,
        "search finished: best trial {}",
        outcome.best.index + 1
    );
    let bytes = outcome.model.to_bytes();
    let model = Arc::new(outcome.model);
    let metrics = serde_json::to_value(&outcome.metrics).map_err(|e| e.to_string())?;
    let best = outcome.best;
    let state = server.clone();
    Ok(Box::new(move |inner: &mut Txn<'_>, writes: &mut Writes| {
        let Some(v) = inner.records.get_mut(&version_arn) else {
            return;
        };
        let automl = v.body.get("performAutoML").and_then(Value::as_bool) == Some(true);
        let hpo = v.body.get("performHPO").and_then(Value::as_bool) == Some(true);
        let solution_arn = v.parent(Kind::Solution).unwrap_or("").to_owned();
        v.body.insert("trainingHours".into(), Value::from(hours));
        // Kept like GetSolutionMetrics' cache: they are the winner's hold-out figures.
        v.body.insert("metrics".into(), metrics);
        v.body
            .insert("recipeArn".into(), recipe_arn(&best.recipe).into());
        if hpo {
            v.body.insert(
                "tunedHPOParams".into(),
                json!({ "algorithmHyperParameters": best.hyperparameters }),
            );
        }
        writes.record(inner, &version_arn);
        if automl {
            if let Some(s) = inner.records.get_mut(&solution_arn) {
                s.body.insert(
                    "autoMLResult".into(),
                    json!({ "bestRecipeArn": recipe_arn(&best.recipe) }),
                );
                writes.record(inner, &solution_arn);
            }
        }
        writes.push(Write::Model(version_arn.clone(), bytes));
        state.state.cache_model(&version_arn, model);
    }))
}

#[cfg(test)]
mod tests {
    use personalize_recommender::search::{Goal, Objective, ParameterRange, Range};
    use personalize_recommender::Interaction;
    use serde_json::Map;

    use super::*;
    use crate::control::records::insert_created;
    use crate::state::Kind;
    use crate::{Config, Server};

    const ARN: &str = "arn:aws:personalize:us-east-1:123456789012:solution/s/00000001";

    fn data() -> TrainingData {
        let mut d = TrainingData::default();
        for u in 0..20 {
            for k in 0..6 {
                d.interactions.push(Interaction {
                    user_id: format!("u{u}"),
                    item_id: format!("i{}", (u * 5 + k * 3) % 15),
                    timestamp: k,
                    event_type: String::new(),
                    event_value: None,
                    session_id: None,
                    attributes: Default::default(),
                });
            }
        }
        d
    }

    fn search(trials: usize) -> Search {
        Search {
            recipes: vec!["aws-user-personalization".into()],
            ranges: vec![ParameterRange {
                name: "bptt".into(),
                range: Range::Integer { min: 1, max: 64 },
            }],
            trials,
            parallel: 1,
            objective: Objective {
                metric: "precision_at_25".into(),
                goal: Goal::Maximize,
            },
        }
    }

    /// A version in `status` whose search is then run.
    async fn run_in(status: &str, trials: usize) -> (AppState, Result<Apply, String>) {
        let server = Server::open(Config::default()).unwrap();
        server
            .state
            .mutate(|inner, writes| {
                let mut body = Map::new();
                body.insert("performHPO".into(), true.into());
                insert_created(
                    inner,
                    writes,
                    Kind::SolutionVersion,
                    ARN,
                    body,
                    Some(status),
                    Default::default(),
                )
            })
            .unwrap();
        let opts = TrainOptions {
            recipe: "aws-user-personalization".into(),
            ..TrainOptions::default()
        };
        let out = run(server.clone(), ARN.into(), data(), opts, search(trials), 0).await;
        (server, out)
    }

    #[tokio::test]
    async fn a_version_no_longer_in_progress_runs_no_trial() {
        // StopSolutionVersionCreation moved it to CREATE STOPPING: the search ends at once,
        // whatever its size, and nothing is stored.
        let (server, out) = run_in("CREATE STOPPING", 40).await;
        let reason = out.err().expect("a stopped search has no result");
        assert!(reason.contains("stopped"), "{reason}");
        assert!(server.state.read().records[ARN]
            .body
            .get("tunedHPOParams")
            .is_none());
    }

    #[tokio::test]
    async fn a_search_in_progress_stores_its_winner_on_apply() {
        let (server, out) = run_in("CREATE IN_PROGRESS", 2).await;
        let apply = out.unwrap();
        server
            .state
            .mutate(|inner, writes| {
                apply(inner, writes);
                Ok(())
            })
            .unwrap();
        let inner = server.state.read();
        let body = &inner.records[ARN].body;
        let bptt = body["tunedHPOParams"]["algorithmHyperParameters"]["bptt"]
            .as_str()
            .unwrap()
            .parse::<u32>()
            .unwrap();
        assert!((1..=64).contains(&bptt));
        assert!(body["metrics"]["precision_at_25"].is_number());
        assert_eq!(
            body["recipeArn"],
            "arn:aws:personalize:::recipe/aws-user-personalization"
        );
        drop(inner);
        assert!(server.state.model(ARN).is_ok());
    }
}
