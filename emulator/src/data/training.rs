//! Training a solution version and its offline metrics: what data a version sees (the group's
//! imported rows plus its log up to a watermark) and how the solution's settings become
//! [`TrainOptions`].
//!
//! `tuning.rs` runs an AutoML or HPO search (the recommender's `search::run`) off the async
//! threads, logs each trial, stops when the version is no longer IN_PROGRESS, and stores the
//! winner as the version's model, metrics, `recipeArn` and `tunedHPOParams`, and the solution's
//! `autoMLResult`.

use std::collections::BTreeMap;
use std::sync::Arc;

use personalize_recommender::{self as rec, Item, TrainOptions, TrainingData, User};
use serde_json::Value;

use crate::control::solutions::config;
use crate::lifecycle::Apply;
use crate::state::{Kind, LogEntry, Record, Rows, Txn, View, Write, Writes};
use crate::AppState;

/// What every recipe ARN starts with; the recipe's name follows.
const RECIPE_ARN_PREFIX: &str = "arn:aws:personalize:::recipe/";

/// The recipe named by a recipe ARN (`arn:PARTITION:personalize:::recipe/NAME`, in any
/// partition: `arn:aws-cn:...` in the China regions).
pub fn recipe_name(recipe_arn: &str) -> Option<&str> {
    let (partition, rest) = recipe_arn.strip_prefix("arn:")?.split_once(':')?;
    Some(rest)
        .filter(|_| partition.starts_with("aws"))
        .and_then(|r| r.strip_prefix(&RECIPE_ARN_PREFIX["arn:aws:".len()..]))
        .filter(|n| rec::recipe(n).is_some())
}

/// The ARN of the recipe called `name`.
pub fn recipe_arn(name: &str) -> String {
    format!("{RECIPE_ARN_PREFIX}{name}")
}

/// The group's rows plus its log entries with a sequence number up to `upto`.
pub fn gather(inner: &impl View, group_arn: &str, upto: u64) -> TrainingData {
    let mut data = TrainingData::default();
    let mut items: BTreeMap<String, Item> = BTreeMap::new();
    let mut users: BTreeMap<String, User> = BTreeMap::new();
    for dataset in inner.children(Kind::Dataset, Kind::DatasetGroup, group_arn) {
        let arn = dataset.arn();
        match inner.rows().get(arn) {
            Some(Rows::Interactions(v)) => data.interactions.extend(v.iter().cloned()),
            Some(Rows::Items(v)) => items.extend(v.iter().map(|i| (i.item_id.clone(), i.clone()))),
            Some(Rows::Users(v)) => users.extend(v.iter().map(|u| (u.user_id.clone(), u.clone()))),
            // Actions data trains aws-next-best-action only (`gather_actions`).
            Some(Rows::Actions(_) | Rows::ActionInteractions(_)) | None => {}
        }
    }
    if let Some(log) = inner.logs().get(group_arn) {
        data.interactions.extend(log.training_events(upto));
        for (seq, entry) in &log.entries {
            if *seq > upto {
                break;
            }
            match entry {
                LogEntry::Item(i) => {
                    items.insert(i.item_id.clone(), i.clone());
                }
                LogEntry::User(u) => {
                    users.insert(u.user_id.clone(), u.clone());
                }
                // Events: `training_events` above.
                _ => {}
            }
        }
    }
    data.items = items.into_values().collect();
    data.users = users.into_values().collect();
    data
}

/// The options `version` trains with: the recipe and `solutionConfig` its solution had when
/// the version was created (CreateSolutionVersion copies them into the version, as
/// DescribeSolutionVersion shows them), never the solution's live ones, so UpdateSolution does
/// not change an existing version's model or GetSolutionMetrics (API_SolutionVersion: "the
/// configuration properties for the solution" of that version). The seed derives from the
/// version ARN so a version's metrics are reproducible.
pub fn options(version: &Record, version_arn: &str) -> TrainOptions {
    let config = &version
        .body
        .get("solutionConfig")
        .cloned()
        .unwrap_or(Value::Null);
    let hyperparameters = config["algorithmHyperParameters"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    // Checked when the solution was created (or updated), so a stored config always reads.
    let events = config::events(config.get("eventsConfig")).unwrap_or_default();
    let columns = config::TrainingColumns::parse(config).unwrap_or_default();
    TrainOptions {
        recipe: recipe_name(version.recipe_arn().unwrap_or(""))
            .unwrap_or("aws-user-personalization")
            .to_owned(),
        events,
        item_columns: columns.item_columns(),
        ignore_event_types: columns.ignores_event_types(),
        hyperparameters,
        event_type: version
            .str("eventType")
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        event_value_threshold: config["eventValueThreshold"]
            .as_str()
            .and_then(|t| t.parse().ok()),
        seed: fnv(version_arn),
    }
}

pub(crate) fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The training of a version: gathers its data (setting the watermark), fits the model off the
/// async threads (an AutoML or HPO search when the solution asks for one), and on success
/// stores model and training time with the ACTIVE transition.
pub async fn run(server: AppState, version_arn: String) -> Result<Apply, String> {
    let is_actions = {
        let inner = server.state.read();
        inner
            .get(Kind::SolutionVersion, &version_arn)
            .map(|v| recipe_name(v.recipe_arn().unwrap_or("")) == Some(super::actions::RECIPE))
            .unwrap_or(false)
    };
    if is_actions {
        return run_actions(server, version_arn).await;
    }
    let (data, opts, watermark, search) = server
        .state
        .mutate(|inner, writes| {
            let version = inner.get(Kind::SolutionVersion, &version_arn)?;
            let group = version.parent(Kind::DatasetGroup).unwrap_or("").to_owned();
            let opts = options(version, &version_arn);
            let search = config::search(&version.body)?;
            let (data, watermark) = snapshot(inner, writes, &version_arn, &group);
            Ok((data, opts, watermark, search))
        })
        .map_err(|e| e.message)?;
    check_volume(&server, &data, &opts)?;
    if let Some(search) = search {
        return tuning::run(server, version_arn, data, opts, search, watermark).await;
    }
    fit(server, version_arn, data, opts, None).await
}

/// The group's data for the training of `arn` (a solution version or a recommender), with the
/// watermark it saw recorded on the resource so serving knows which events are newer.
pub fn snapshot(
    inner: &mut Txn<'_>,
    writes: &mut Writes,
    arn: &str,
    group: &str,
) -> (TrainingData, u64) {
    let watermark = inner.next_seq;
    let data = gather(inner, group, watermark);
    if let Some(record) = inner.records.get_mut(arn) {
        record.trained_seq = watermark;
    }
    writes.record(inner, arn);
    (data, watermark)
}

/// Refuses a training with no interactions, and under `--strict-quotas` one below AWS's data
/// minimums.
///
/// # Errors
/// The failureReason.
pub fn check_volume(
    server: &AppState,
    data: &TrainingData,
    opts: &TrainOptions,
) -> Result<(), String> {
    if data.interactions.is_empty() {
        return Err(
            "The dataset group has no interactions: import data or send events before training"
                .into(),
        );
    }
    if server.config.strict_quotas {
        crate::quotas::check_training(&rec::training_volume(data, opts))?;
    }
    Ok(())
}

/// Fits `opts` on `data` off the async threads; the returned [`Apply`] stores the model under
/// `arn` with the resource's `trainingHours` (a solution version) and, with `metrics`, the
/// hold-out evaluation in the member it names (a recommender's `modelMetrics`).
pub async fn fit(
    server: AppState,
    arn: String,
    data: TrainingData,
    opts: TrainOptions,
    metrics: Option<&'static str>,
) -> Result<Apply, String> {
    let started = std::time::Instant::now();
    let (model, evaluated) = tokio::task::spawn_blocking(move || {
        let model = rec::train(&data, &opts)?;
        let evaluated = match metrics {
            Some(_) => Some(rec::evaluate(&data, &opts)?),
            None => None,
        };
        Ok::<_, rec::Error>((model, evaluated))
    })
    .await
    .map_err(|e| format!("training failed: {e}"))?
    .map_err(|e| e.to_string())?;
    let hours = started.elapsed().as_secs_f64() / 3600.0;
    let bytes = model.to_bytes();
    let model = Arc::new(model);
    let state = server.clone();
    tracing::info!(%arn, "trained");
    Ok(Box::new(move |inner: &mut Txn<'_>, writes: &mut Writes| {
        if let Some(r) = inner.records.get_mut(&arn) {
            match (metrics, evaluated) {
                (Some(member), Some(values)) => {
                    r.body.insert(member.into(), serde_json::json!(values));
                }
                _ => {
                    r.body.insert("trainingHours".into(), Value::from(hours));
                }
            }
        }
        writes.record(inner, &arn);
        writes.push(Write::Model(arn.clone(), bytes));
        state.state.cache_model(&arn, model);
    }))
}

/// The training of an aws-next-best-action version: the group's actions and action
/// interactions up to now (the watermark), an [`rec::actions::ActionModel`] fitted off the
/// async threads. No HPO or AutoML: the recipe has no documented tunables here.
async fn run_actions(server: AppState, version_arn: String) -> Result<Apply, String> {
    let (actions, interactions, watermark) = server
        .state
        .mutate(|inner, writes| {
            let version = inner.get(Kind::SolutionVersion, &version_arn)?;
            if config::search(&version.body)?.is_some() {
                return Err(crate::error::ApiError::invalid(format!(
                    "{} takes no HPO or AutoML in personalize-local",
                    super::actions::RECIPE
                )));
            }
            let group = version.parent(Kind::DatasetGroup).unwrap_or("").to_owned();
            let watermark = inner.next_seq;
            let (actions, interactions) = super::actions::gather_actions(inner, &group, watermark);
            let version = inner.records.get_mut(&version_arn).expect("checked above");
            version.trained_seq = watermark;
            writes.record(inner, &version_arn);
            Ok((actions, interactions, watermark))
        })
        .map_err(|e| e.message)?;
    let started = std::time::Instant::now();
    let model =
        tokio::task::spawn_blocking(move || rec::actions::train_actions(&actions, &interactions))
            .await
            .map_err(|e| format!("training failed: {e}"))?
            .map_err(|e| e.to_string())?;
    let hours = started.elapsed().as_secs_f64() / 3600.0;
    let bytes = model.to_bytes();
    let model = Arc::new(model);
    let state = server.clone();
    tracing::info!(%version_arn, watermark, actions = model.len(), "trained next best action");
    Ok(Box::new(move |inner: &mut Txn<'_>, writes: &mut Writes| {
        if let Some(v) = inner.records.get_mut(&version_arn) {
            v.body.insert("trainingHours".into(), Value::from(hours));
        }
        writes.record(inner, &version_arn);
        writes.push(Write::Model(version_arn.clone(), bytes));
        state.state.cache_action_model(&version_arn, model);
    }))
}

/// GetSolutionMetrics' numbers for an ACTIVE version: the recommender's hold-out evaluation on
/// the data the version trained on.
///
/// # Errors
/// The recommender's refusal as a message.
pub async fn metrics(
    server: &AppState,
    version_arn: &str,
) -> Result<BTreeMap<String, f64>, String> {
    let (data, opts) = {
        let inner = server.state.read();
        let version = inner
            .get(Kind::SolutionVersion, version_arn)
            .map_err(|e| e.message)?;
        if recipe_name(version.recipe_arn().unwrap_or("")) == Some(super::actions::RECIPE) {
            return Err(format!(
                "personalize-local computes no offline metrics for {} versions",
                super::actions::RECIPE
            ));
        }
        let group = version.parent(Kind::DatasetGroup).unwrap_or("");
        (
            gather(&*inner, group, version.trained_seq),
            options(version, version_arn),
        )
    };
    tokio::task::spawn_blocking(move || rec::evaluate(&data, &opts))
        .await
        .map_err(|e| format!("evaluation failed: {e}"))?
        .map_err(|e| e.to_string())
}

mod tuning;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipe_arns_map_to_implemented_recipes() {
        assert_eq!(
            recipe_name("arn:aws:personalize:::recipe/aws-user-personalization"),
            Some("aws-user-personalization")
        );
        assert_eq!(recipe_name("arn:aws:personalize:::recipe/aws-nope"), None);
        assert_eq!(
            recipe_name("arn:aws-cn:personalize:::recipe/aws-user-personalization"),
            Some("aws-user-personalization")
        );
        assert_eq!(
            recipe_name("arn:azure:personalize:::recipe/aws-user-personalization"),
            None
        );
        assert_eq!(recipe_name("aws-user-personalization"), None);
    }

    #[test]
    fn seeds_differ_per_version_and_are_stable() {
        assert_eq!(fnv("a"), fnv("a"));
        assert_ne!(fnv("a"), fnv("b"));
    }
}
