//! What CreateSolution and UpdateSolution check in a `solutionConfig` beyond the model, and
//! how a solution's settings become the training plan: `eventsConfig`, `trainingDataConfig`,
//! `autoMLConfig` and `hpoConfig`.

use std::collections::BTreeSet;

use personalize_recommender::search::{Goal, Objective, ParameterRange, Range, Search};
use personalize_recommender::{self as rec, Columns, EventParameters};
use serde_json::{Map, Value};

use crate::data::avro;
use crate::data::training::{recipe_arn, recipe_name};
use crate::error::ApiError;
use crate::state::{Kind, View};

/// The metric AutoML and HPO optimise when the configuration names none (AWS's default).
pub const DEFAULT_METRIC: &str = "precision_at_25";
/// Trials per recipe when `hpoResourceConfig` gives no `maxNumberOfTrainingJobs` (AWS
/// documents no default; a handful keeps local training quick).
pub const DEFAULT_TRAINING_JOBS: usize = 4;
/// Trials at once when `hpoResourceConfig` gives no `maxParallelTrainingJobs`.
pub const DEFAULT_PARALLEL_JOBS: usize = 2;

/// The recipes whose solutions take an `eventsConfig` (AWS: the v2 recipes only).
const EVENTS_CONFIG_RECIPES: [&str; 2] =
    ["aws-user-personalization-v2", "aws-personalized-ranking-v2"];

/// The implemented recipes AutoML may choose from (USER_PERSONALIZATION ones).
fn automl_candidates() -> Vec<&'static str> {
    rec::recipes()
        .iter()
        .filter(|r| r.recipe_type == "USER_PERSONALIZATION")
        .map(|r| r.name)
        .collect()
}

/// AutoML's candidate recipes (names): `autoMLConfig.recipeList`, or every implemented
/// USER_PERSONALIZATION recipe when the list is absent or empty. Duplicates count once.
///
/// # Errors
/// A recipe that is not an implemented USER_PERSONALIZATION recipe, naming those that are.
pub fn automl_recipes(config: &Value) -> Result<Vec<String>, ApiError> {
    let candidates = automl_candidates();
    let listed: Vec<&str> = config["autoMLConfig"]["recipeList"]
        .as_array()
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if listed.is_empty() {
        return Ok(candidates.iter().map(|s| s.to_string()).collect());
    }
    let mut out: Vec<String> = Vec::new();
    for arn in listed {
        match recipe_name(arn).filter(|n| candidates.contains(n)) {
            Some(name) if !out.iter().any(|o| o == name) => out.push(name.to_owned()),
            Some(_) => {}
            None => {
                let known: Vec<String> = candidates.iter().map(|n| recipe_arn(n)).collect();
                return Err(ApiError::invalid(format!(
                    "autoMLConfig.recipeList: {arn} is not a USER_PERSONALIZATION recipe \
                     implemented by personalize-local; implemented: {}",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(out)
}

fn metric(value: &Value, member: &str) -> Result<String, ApiError> {
    let name = value.as_str().unwrap_or(DEFAULT_METRIC);
    if rec::METRIC_NAMES.contains(&name) {
        Ok(name.to_owned())
    } else {
        Err(ApiError::invalid(format!(
            "{member} {name:?} is not a metric GetSolutionMetrics reports; use one of: {}",
            rec::METRIC_NAMES.join(", ")
        )))
    }
}

/// `eventsConfig.eventParametersList` as the recommender takes it. Every entry names an event
/// type, each type at most once; a missing weight counts 1.
///
/// # Errors
/// A missing or repeated event type.
pub fn events(config: Option<&Value>) -> Result<Vec<EventParameters>, ApiError> {
    let Some(list) = config
        .and_then(|c| c["eventParametersList"].as_array())
        .filter(|l| !l.is_empty())
    else {
        return Ok(Vec::new());
    };
    let mut out: Vec<EventParameters> = Vec::new();
    for (k, p) in list.iter().enumerate() {
        let event_type = p["eventType"].as_str().unwrap_or("");
        if event_type.is_empty() {
            return Err(ApiError::invalid(format!(
                "eventsConfig.eventParametersList[{k}] needs an eventType"
            )));
        }
        if out.iter().any(|e| e.event_type == event_type) {
            return Err(ApiError::invalid(format!(
                "eventsConfig.eventParametersList lists event type {event_type:?} more than once"
            )));
        }
        out.push(EventParameters {
            event_type: event_type.to_owned(),
            value_threshold: p["eventValueThreshold"].as_f64(),
            weight: p["weight"].as_f64().unwrap_or(1.0),
        });
    }
    Ok(out)
}

/// An `eventsConfig` with the solution's other settings: only v2 recipes take one, and it
/// replaces `eventType` and `eventValueThreshold` (both at once would select events two ways).
fn check_events_with(
    events: &[EventParameters],
    recipes: &[String],
    event_type: Option<&str>,
    config: &Value,
) -> Result<(), ApiError> {
    if events.is_empty() {
        return Ok(());
    }
    if let Some(r) = recipes
        .iter()
        .find(|r| !EVENTS_CONFIG_RECIPES.contains(&r.as_str()))
    {
        return Err(ApiError::invalid(format!(
            "eventsConfig is supported only by {}; the solution uses {}",
            EVENTS_CONFIG_RECIPES.map(recipe_arn).join(" and "),
            recipe_arn(r)
        )));
    }
    if event_type.is_some_and(|t| !t.is_empty()) {
        return Err(ApiError::invalid(
            "eventsConfig and eventType cannot be combined: list the event type in \
             eventsConfig.eventParametersList instead",
        ));
    }
    if config.get("eventValueThreshold").is_some() {
        return Err(ApiError::invalid(
            "eventsConfig and solutionConfig.eventValueThreshold cannot be combined: set \
             eventValueThreshold per event type in eventsConfig.eventParametersList",
        ));
    }
    Ok(())
}

/// The dataset types `trainingDataConfig` may name, with the columns that cannot be left out.
const DATASET_TYPES: [(&str, &[&str]); 3] = [
    ("INTERACTIONS", &["USER_ID", "ITEM_ID", "TIMESTAMP"]),
    ("ITEMS", &["ITEM_ID"]),
    ("USERS", &["USER_ID"]),
];

/// `trainingDataConfig` read and checked: per dataset type (upper-case), included or
/// excluded columns.
#[derive(Debug, Default, Clone)]
pub struct TrainingColumns {
    entries: Vec<(String, bool, Vec<String>)>,
}

impl TrainingColumns {
    /// Reads `solutionConfig.trainingDataConfig`.
    ///
    /// # Errors
    /// An unknown dataset type, the same type both included and excluded, or a required id
    /// column excluded.
    pub fn parse(config: &Value) -> Result<Self, ApiError> {
        let tdc = &config["trainingDataConfig"];
        let mut entries: Vec<(String, bool, Vec<String>)> = Vec::new();
        for (member, included) in [
            ("includedDatasetColumns", true),
            ("excludedDatasetColumns", false),
        ] {
            let Some(map) = tdc[member].as_object() else {
                continue;
            };
            for (ty, cols) in map {
                let upper = ty.to_ascii_uppercase();
                let Some((_, required)) = DATASET_TYPES.iter().find(|(t, _)| *t == upper) else {
                    return Err(ApiError::invalid(format!(
                        "trainingDataConfig.{member}: dataset type {ty:?} is not one of \
                         INTERACTIONS, ITEMS, USERS"
                    )));
                };
                if entries.iter().any(|(t, _, _)| *t == upper) {
                    return Err(ApiError::invalid(format!(
                        "trainingDataConfig: dataset type {upper} is both included and \
                         excluded; give one of includedDatasetColumns and \
                         excludedDatasetColumns per type"
                    )));
                }
                let cols = strings(cols);
                if !included {
                    if let Some(c) = cols
                        .iter()
                        .find(|c| required.iter().any(|r| r.eq_ignore_ascii_case(c)))
                    {
                        return Err(ApiError::invalid(format!(
                            "trainingDataConfig.excludedDatasetColumns: {c} is required in \
                             the {upper} dataset and cannot be excluded"
                        )));
                    }
                }
                entries.push((upper, included, cols));
            }
        }
        Ok(Self { entries })
    }

    /// Whether training may learn from `column` of the `ty` dataset (required ids always).
    fn keeps(&self, ty: &str, column: &str) -> bool {
        let required = DATASET_TYPES
            .iter()
            .find(|(t, _)| *t == ty)
            .is_some_and(|(_, r)| r.iter().any(|r| r.eq_ignore_ascii_case(column)));
        match self.entries.iter().find(|(t, _, _)| t == ty) {
            None => true,
            Some((_, included, cols)) => {
                required || *included == cols.iter().any(|c| c.eq_ignore_ascii_case(column))
            }
        }
    }

    /// The item metadata columns training may learn from.
    pub fn item_columns(&self) -> Columns {
        let upper = |cols: &[String]| -> BTreeSet<String> {
            cols.iter().map(|c| c.to_ascii_uppercase()).collect()
        };
        match self.entries.iter().find(|(t, _, _)| t == "ITEMS") {
            None => Columns::All,
            Some((_, true, cols)) => Columns::Only(upper(cols)),
            Some((_, false, cols)) => Columns::Except(upper(cols)),
        }
    }

    /// Whether EVENT_TYPE is left out of training.
    pub fn ignores_event_types(&self) -> bool {
        !self.keeps("INTERACTIONS", "EVENT_TYPE")
    }

    /// Every named column exists in the schema of the group's dataset of its type. A type
    /// without a dataset yet passes unless `complete` (CreateSolutionVersion: by then the
    /// data must be there).
    ///
    /// # Errors
    /// The first unknown column, or a missing dataset when `complete`.
    pub fn check_exist(
        &self,
        inner: &impl View,
        group: &str,
        complete: bool,
    ) -> Result<(), ApiError> {
        for (ty, included, cols) in &self.entries {
            let member = if *included {
                "includedDatasetColumns"
            } else {
                "excludedDatasetColumns"
            };
            let dataset = inner
                .children(Kind::Dataset, Kind::DatasetGroup, group)
                .find(|d| {
                    d.str("datasetType")
                        .is_some_and(|t| t.eq_ignore_ascii_case(ty))
                });
            let Some(dataset) = dataset else {
                if complete {
                    return Err(ApiError::invalid(format!(
                        "trainingDataConfig.{member} names the {ty} dataset, but the dataset \
                         group has none"
                    )));
                }
                continue;
            };
            let text = inner
                .records()
                .get(dataset.parent(Kind::Schema).unwrap_or(""))
                .and_then(|s| s.str("schema"))
                .unwrap_or("");
            let schema = avro::parse(text).map_err(ApiError::invalid)?;
            if let Some(c) = cols.iter().find(|c| schema.field(c).is_none()) {
                let known: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
                return Err(ApiError::invalid(format!(
                    "trainingDataConfig.{member}: the {ty} dataset has no column {c}; its \
                     columns: {}",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// A column the solution's event selection needs must not be left out of training.
    fn check_with(
        &self,
        event_type: Option<&str>,
        config: &Value,
        events: &[EventParameters],
    ) -> Result<(), ApiError> {
        let by_type = event_type.is_some_and(|t| !t.is_empty()) || !events.is_empty();
        if by_type && self.ignores_event_types() {
            return Err(ApiError::invalid(
                "trainingDataConfig leaves EVENT_TYPE out of training, but the solution \
                 selects events by type (eventType or eventsConfig)",
            ));
        }
        let by_value = config.get("eventValueThreshold").is_some()
            || events.iter().any(|e| e.value_threshold.is_some());
        if by_value && !self.keeps("INTERACTIONS", "EVENT_VALUE") {
            return Err(ApiError::invalid(
                "trainingDataConfig leaves EVENT_VALUE out of training, but the solution \
                 has an event value threshold",
            ));
        }
        Ok(())
    }
}

/// The recipes a solution (body or CreateSolution input) trains: AutoML's candidates or its
/// one recipe.
///
/// # Errors
/// What [`automl_recipes`] refuses.
pub fn candidate_recipes(solution: &Map<String, Value>) -> Result<Vec<String>, ApiError> {
    let config = solution.get("solutionConfig").unwrap_or(&Value::Null);
    if solution.get("performAutoML").and_then(Value::as_bool) == Some(true) {
        automl_recipes(config)
    } else {
        let arn = solution
            .get("recipeArn")
            .and_then(Value::as_str)
            .unwrap_or("");
        Ok(recipe_name(arn).into_iter().map(str::to_owned).collect())
    }
}

/// The strings of a JSON list (nothing for anything else).
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn number(v: &Value, member: &str) -> Result<f64, ApiError> {
    v.as_f64()
        .ok_or_else(|| ApiError::invalid(format!("{member} must be a number")))
}

fn ranges(hpo: &Value, recipe: &str) -> Result<Vec<ParameterRange>, ApiError> {
    let r = &hpo["algorithmHyperParameterRanges"];
    let mut out = Vec::new();
    for (member, kind) in [
        ("integerHyperParameterRanges", 0),
        ("continuousHyperParameterRanges", 1),
        ("categoricalHyperParameterRanges", 2),
    ] {
        for (k, e) in r[member].as_array().into_iter().flatten().enumerate() {
            let at = format!("algorithmHyperParameterRanges.{member}[{k}]");
            let name = e["name"]
                .as_str()
                .filter(|n| !n.is_empty())
                .ok_or_else(|| ApiError::invalid(format!("{at} needs a name")))?;
            let range = match kind {
                0 => Range::Integer {
                    min: number(&e["minValue"], &format!("{at}.minValue"))? as i64,
                    max: number(&e["maxValue"], &format!("{at}.maxValue"))? as i64,
                },
                1 => Range::Continuous {
                    min: number(&e["minValue"], &format!("{at}.minValue"))?,
                    max: number(&e["maxValue"], &format!("{at}.maxValue"))?,
                },
                _ => Range::Categorical(strings(&e["values"])),
            };
            out.push(ParameterRange {
                name: name.to_owned(),
                range,
            });
        }
    }
    if out.is_empty() {
        // No ranges: the ones Personalize documents as tunable for the recipe.
        out = rec::search::default_ranges(recipe);
    }
    Ok(out)
}

fn job_count(hpo: &Value, member: &str, default: usize) -> usize {
    hpo["hpoResourceConfig"][member]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The search a solution's versions run, or `None` for a plain solution (one recipe, its
/// hyperparameters as given). AutoML tries each candidate recipe and picks by
/// `autoMLConfig.metricName`; HPO tries `maxNumberOfTrainingJobs` hyperparameter sets per
/// recipe and picks by [`DEFAULT_METRIC`] (with AutoML too: AutoML's metric decides).
/// `hpoObjective` is refused: the API reference (HPOObjective, HPOConfig, CreateSolution) says
/// "Amazon Personalize doesn't support configuring the hpoObjective at this time".
///
/// # Errors
/// Bad recipes, metrics, objective or ranges, naming the member at fault.
pub fn search(solution: &Map<String, Value>) -> Result<Option<Search>, ApiError> {
    let automl = solution.get("performAutoML").and_then(Value::as_bool) == Some(true);
    let hpo = solution.get("performHPO").and_then(Value::as_bool) == Some(true);
    let config = solution.get("solutionConfig").unwrap_or(&Value::Null);
    let hpo_config = &config["hpoConfig"];
    if hpo_config
        .get("hpoObjective")
        .is_some_and(|o| !o.is_null() && o.as_object().is_none_or(|m| !m.is_empty()))
    {
        return Err(ApiError::invalid(
            "Amazon Personalize doesn't support configuring the hpoObjective at this time: remove solutionConfig.hpoConfig.hpoObjective",
        ));
    }
    if !automl && !hpo {
        return Ok(None);
    }
    let recipes = candidate_recipes(solution)?;
    let objective = Objective {
        metric: if automl {
            metric(
                &config["autoMLConfig"]["metricName"],
                "autoMLConfig.metricName",
            )?
        } else {
            DEFAULT_METRIC.to_owned()
        },
        goal: Goal::Maximize,
    };
    let (ranges, trials) = if hpo {
        let first = recipes.first().map(String::as_str).unwrap_or("");
        (
            ranges(hpo_config, first)?,
            job_count(hpo_config, "maxNumberOfTrainingJobs", DEFAULT_TRAINING_JOBS),
        )
    } else {
        (Vec::new(), 1)
    };
    let search = Search {
        recipes,
        ranges,
        trials,
        parallel: job_count(hpo_config, "maxParallelTrainingJobs", DEFAULT_PARALLEL_JOBS),
        objective,
    };
    if hpo {
        for r in &search.recipes {
            rec::search::check_ranges(r, &search.ranges)
                .map_err(|e| ApiError::invalid(format!("hpoConfig: {e}")))?;
        }
    }
    rec::search::check(&search).map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok(Some(search))
}

/// The feature transformation parameter of aws-trending-now's trend discovery frequency.
pub const TREND_DISCOVERY_FREQUENCY: &str = "trend_discovery_frequency";

/// The values `trend_discovery_frequency` takes, in seconds (developer guide, Trending-Now
/// recipe, Properties and hyperparameters: "Possible values: 30 minutes, 1 hour, 2 hours,
/// 3 hours, and 1 day"; "Default value: 2 hours").
const TREND_FREQUENCIES: [(&str, i64); 5] = [
    ("30 minutes", 1800),
    ("1 hour", 3600),
    ("2 hours", 7200),
    ("3 hours", 10_800),
    ("1 day", 86_400),
];

/// The name of the default trend discovery frequency ("Default value: 2 hours"), the one of
/// [`rec::DEFAULT_TREND_INTERVAL`].
pub fn default_trend_frequency() -> &'static str {
    TREND_FREQUENCIES
        .iter()
        .find(|(_, secs)| *secs == rec::DEFAULT_TREND_INTERVAL)
        .map(|(name, _)| *name)
        .expect("the default interval is one of the documented frequencies")
}

/// The trend discovery frequency of a `solutionConfig`, in seconds (2 hours when absent).
///
/// # Errors
/// A value that is not one of the documented frequencies, listing them.
pub fn trend_interval(config: &Value) -> Result<i64, ApiError> {
    let Some(value) = config
        .get("featureTransformationParameters")
        .and_then(|p| p.get(TREND_DISCOVERY_FREQUENCY))
    else {
        return Ok(rec::DEFAULT_TREND_INTERVAL);
    };
    value
        .as_str()
        .and_then(|v| TREND_FREQUENCIES.iter().find(|(name, _)| *name == v))
        .map(|(_, secs)| *secs)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "solutionConfig.featureTransformationParameters.{TREND_DISCOVERY_FREQUENCY} \
                 {value} is not one of {}",
                TREND_FREQUENCIES
                    .iter()
                    .map(|(name, _)| format!("{name:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// Everything CreateSolution checks in a solution about to be stored (`solution` has the
/// body's members: performAutoML, performHPO, recipeArn, eventType, solutionConfig).
///
/// # Errors
/// The first rule broken, as InvalidInputException.
pub fn check_solution(
    inner: &impl View,
    group: &str,
    solution: &Map<String, Value>,
) -> Result<(), ApiError> {
    let config = solution.get("solutionConfig").unwrap_or(&Value::Null);
    let recipes = candidate_recipes(solution)?;
    let event_type = solution.get("eventType").and_then(Value::as_str);
    let events = events(config.get("eventsConfig"))?;
    check_events_with(&events, &recipes, event_type, config)?;
    let columns = TrainingColumns::parse(config)?;
    columns.check_with(event_type, config, &events)?;
    columns.check_exist(inner, group, false)?;
    trend_interval(config)?;
    search(solution)?;
    Ok(())
}

/// UpdateSolution's `eventsConfig` against the solution it changes.
///
/// # Errors
/// As [`check_solution`] for the events part.
pub fn check_update_events(
    solution: &Map<String, Value>,
    events_config: &Value,
) -> Result<(), ApiError> {
    let config = solution.get("solutionConfig").unwrap_or(&Value::Null);
    let recipes = candidate_recipes(solution)?;
    let event_type = solution.get("eventType").and_then(Value::as_str);
    let events = events(Some(events_config))?;
    check_events_with(&events, &recipes, event_type, config)?;
    TrainingColumns::parse(config)?.check_with(event_type, config, &events)
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
