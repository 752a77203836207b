//! Recommenders of domain dataset groups: CreateRecommender trains the use case's model on the
//! group's data, UpdateRecommender changes the configuration in place (retraining when the
//! training columns change), StopRecommender and StartRecommender move it between ACTIVE and
//! INACTIVE. Describe, List and Delete are the generic ones of [`super`].
//!
//! Sources: Amazon Personalize API reference, API_CreateRecommender, API_UpdateRecommender,
//! API_StartRecommender, API_StopRecommender, API_DescribeRecommender (the status lifecycles),
//! API_RecommenderConfig (defaults); developer guide, "Stopping and starting a recommender".

use personalize_recommender::TrainOptions;
use serde_json::{json, Map, Value};

use super::campaigns::{check_exploration, fill_exploration_defaults};
use super::domains::{use_case_of, UseCase};
use super::records::{arn_response, copy, insert_pending, require_active, str_field, tags_of};
use super::solutions::config::TrainingColumns;
use crate::ctx::Ctx;
use crate::data::training;
use crate::error::ApiError;
use crate::lifecycle::{self, Apply, Work};
use crate::state::{Kind, Record, View};
use crate::updates::InPlaceUpdate;
use crate::AppState;

/// `minRecommendationRequestsPerSecond` when the caller gives none (API_RecommenderConfig:
/// "The default is 1").
pub const DEFAULT_MIN_RPS: u64 = 1;

/// The use case of a stored recommender.
///
/// # Errors
/// InvalidInputException when its recipe is no use case (only a corrupt record).
pub fn use_case(recommender: &Record) -> Result<&'static UseCase, ApiError> {
    let recipe = recommender.recipe_arn().unwrap_or("");
    use_case_of(recipe).ok_or_else(|| {
        ApiError::invalid(format!("{recipe} is not the recipe of a domain use case"))
    })
}

/// The configuration as stored: checked against the use case, with AWS's defaults filled in
/// (minRecommendationRequestsPerSecond 1; for the use cases that explore, explorationWeight
/// 0.3 and explorationItemAgeCutOff 30 days).
fn config_of(use_case: &UseCase, config: Option<&Value>) -> Result<Value, ApiError> {
    let mut config = config.cloned().unwrap_or_else(|| json!({}));
    if config.get("itemExplorationConfig").is_some() && !use_case.explores {
        return Err(ApiError::invalid(format!(
            "itemExplorationConfig does not apply to the {} use case: only Top picks for you \
             and Recommended for you explore (developer guide, {} use cases)",
            use_case.title,
            use_case.domain.as_str()
        )));
    }
    check_exploration(Some(&config))?;
    TrainingColumns::parse(&config)?;
    if use_case.explores {
        fill_exploration_defaults(&mut config);
    }
    if let Some(c) = config.as_object_mut() {
        c.entry("minRecommendationRequestsPerSecond")
            .or_insert_with(|| DEFAULT_MIN_RPS.into());
    }
    Ok(config)
}

/// CreateRecommender.
pub async fn create_recommender(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let name = str_field(input, "name");
    let group_arn = str_field(input, "datasetGroupArn").to_owned();
    let recipe_arn = str_field(input, "recipeArn");
    let use_case = use_case_of(recipe_arn).ok_or_else(|| {
        ApiError::invalid(format!(
            "recipeArn {recipe_arn} is not the recipe of a domain use case: a recommender takes \
             the ARN of a VIDEO_ON_DEMAND or ECOMMERCE use case, such as \
             arn:aws:personalize:::recipe/aws-vod-top-picks"
        ))
    })?;
    let config = config_of(use_case, input.get("recommenderConfig"))?;
    let tags = tags_of(input)?;
    let arn = ctx.arn(&format!("recommender/{name}"));
    ctx.server.state.mutate(|inner, writes| {
        let group = inner.get(Kind::DatasetGroup, &group_arn)?;
        require_active(group, "Dataset group")?;
        match group.str("domain") {
            None => {
                return Err(ApiError::invalid(format!(
                    "Dataset group {group_arn} is not a domain dataset group: recommenders \
                     serve domain dataset groups (create the group with a domain)"
                )))
            }
            Some(domain) if domain != use_case.domain.as_str() => {
                return Err(ApiError::invalid(format!(
                    "{recipe_arn} is a {} use case, and dataset group {group_arn} is {domain}",
                    use_case.domain.as_str()
                )))
            }
            Some(_) => {}
        }
        TrainingColumns::parse(&config)?.check_exist(inner, &group_arn, false)?;
        let mut body = copy(input, &["name", "datasetGroupArn", "recipeArn"]);
        body.insert("recommenderConfig".into(), config);
        insert_pending(inner, writes, Kind::Recommender, &arn, body, tags)
    })?;
    lifecycle::run_create(
        &ctx.server,
        &arn,
        crate::data::work_for(&ctx.server, Kind::Recommender, &arn),
    )
    .await;
    Ok(arn_response(Kind::Recommender, &arn))
}

/// The training options of a recommender: the use case's custom recipe and event type, the
/// configuration's training columns, a seed from the ARN.
fn options(use_case: &UseCase, config: &Value, arn: &str) -> TrainOptions {
    // Checked when stored, so a stored configuration always reads.
    let columns = TrainingColumns::parse(config).unwrap_or_default();
    TrainOptions {
        recipe: use_case.recipe.to_owned(),
        hyperparameters: Default::default(),
        event_type: use_case.event_type.map(str::to_owned),
        event_value_threshold: None,
        events: Vec::new(),
        item_columns: columns.item_columns(),
        ignore_event_types: columns.ignores_event_types(),
        seed: training::fnv(arn),
    }
}

/// The training of a recommender with `config` (its own, or an update's): the group's data as
/// of now, the use case's requirements (its event type, an Items dataset where the use case
/// page says "Items (required)"), then the model and its `modelMetrics`.
pub async fn train(server: AppState, arn: String, config: Option<Value>) -> Result<Apply, String> {
    let (data, opts, use_case) = server
        .state
        .mutate(|inner, writes| {
            let r = inner.get(Kind::Recommender, &arn)?;
            let use_case = use_case(r)?;
            let group = r.parent(Kind::DatasetGroup).unwrap_or("").to_owned();
            let config = config
                .clone()
                .or_else(|| r.body.get("recommenderConfig").cloned())
                .unwrap_or(Value::Null);
            let opts = options(use_case, &config, &arn);
            let (data, _) = training::snapshot(inner, writes, &arn, &group);
            Ok((data, opts, use_case))
        })
        .map_err(|e| e.message)?;
    let source = format!("developer guide, {} use cases", use_case.domain.as_str());
    if use_case.needs_items && data.items.is_empty() {
        return Err(format!(
            "The {} use case trains on an Items dataset, and the dataset group has no items \
             ({source})",
            use_case.title
        ));
    }
    if let Some(t) = use_case.event_type {
        if !data.interactions.iter().any(|i| i.event_type == t) {
            return Err(format!(
                "The {} use case trains on {t} events, and the dataset group's interactions \
                 have none ({source})",
                use_case.title
            ));
        }
    }
    training::check_volume(&server, &data, &opts)?;
    training::fit(server, arn, data, opts, Some("modelMetrics")).await
}

/// UpdateRecommender: the new configuration is `latestRecommenderUpdate` until it is ACTIVE;
/// the recommender keeps serving with the old one meanwhile (API_UpdateRecommender: "While the
/// update completes, you can still get recommendations from the recommender. The recommender
/// uses the previous configuration until the update completes").
pub async fn update_recommender(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = str_field(input, "recommenderArn").to_owned();
    ctx.server.state.mutate(|inner, writes| {
        let recommender = inner.get(Kind::Recommender, &arn)?;
        require_active(recommender, "Recommender")?;
        if let Some(status) = recommender
            .body
            .get("latestRecommenderUpdate")
            .and_then(|u| u["status"].as_str())
        {
            if status.contains("PENDING") || status.contains("IN_PROGRESS") {
                return Err(ApiError::in_use(format!(
                    "Recommender {arn} has an update {status}"
                )));
            }
        }
        let config = config_of(use_case(recommender)?, input.get("recommenderConfig"))?;
        let group = recommender
            .parent(Kind::DatasetGroup)
            .unwrap_or("")
            .to_owned();
        TrainingColumns::parse(&config)?.check_exist(inner, &group, false)?;
        let now = crate::state::now_value();
        let record = inner.records.get_mut(&arn).expect("checked above");
        record.body.insert(
            "latestRecommenderUpdate".into(),
            json!({"recommenderConfig": config, "status": "CREATE PENDING",
                   "creationDateTime": now, "lastUpdatedDateTime": now}),
        );
        record.touch();
        writes.record(inner, &arn);
        Ok(())
    })?;
    let server = ctx.server.clone();
    lifecycle::drive(&server, RECOMMENDER_UPDATE.run(server.clone(), arn.clone())).await;
    Ok(json!({ "recommenderArn": arn }))
}

/// UpdateRecommender's lifecycle. A change of `trainingDataConfig` retrains ("If you update the
/// recommender to modify the columns used in training, Amazon Personalize automatically starts
/// a full retraining of the models backing your recommender"); the new model replaces the old
/// one with the ACTIVE transition.
pub const RECOMMENDER_UPDATE: InPlaceUpdate = InPlaceUpdate {
    field: "latestRecommenderUpdate",
    apply: |body, update| {
        if let Some(config) = update.get("recommenderConfig") {
            body.insert("recommenderConfig".into(), config.clone());
        }
    },
    ready: |_, _| Ok(()),
    work: Some(retrain_if_columns_changed),
};

fn retrain_if_columns_changed(server: &AppState, arn: &str, update: &Value) -> Option<Work> {
    let new = update.get("recommenderConfig")?;
    let old = server
        .state
        .read()
        .records
        .get(arn)
        .and_then(|r| r.body.get("recommenderConfig").cloned())
        .unwrap_or(Value::Null);
    if old.get("trainingDataConfig") == new.get("trainingDataConfig") {
        return None;
    }
    Some(Box::pin(train(
        server.clone(),
        arn.to_owned(),
        Some(new.clone()),
    )))
}

/// StopRecommender: ACTIVE > STOP PENDING > STOP IN_PROGRESS > INACTIVE.
pub async fn stop_recommender(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    switch(ctx, input, STOP).await
}

/// StartRecommender: INACTIVE > START PENDING > START IN_PROGRESS > ACTIVE.
pub async fn start_recommender(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    switch(ctx, input, START).await
}

/// The statuses of a stop or a start: from, pending, in progress, to.
type Switch = [&'static str; 4];
const STOP: Switch = ["ACTIVE", "STOP PENDING", "STOP IN_PROGRESS", "INACTIVE"];
const START: Switch = ["INACTIVE", "START PENDING", "START IN_PROGRESS", "ACTIVE"];

async fn switch(ctx: &Ctx, input: &Map<String, Value>, steps: Switch) -> Result<Value, ApiError> {
    let arn = str_field(input, "recommenderArn").to_owned();
    let [from, pending, ..] = steps;
    ctx.server.state.mutate(|inner, writes| {
        let recommender = inner.get(Kind::Recommender, &arn)?;
        if recommender.status() != from {
            return Err(ApiError::in_use(format!(
                "Recommender {arn} is {}; it must be {from}",
                recommender.status()
            )));
        }
        inner
            .records
            .get_mut(&arn)
            .expect("checked above")
            .set_status(pending);
        writes.record(inner, &arn);
        Ok(())
    })?;
    lifecycle::drive(
        &ctx.server,
        finish_switch(ctx.server.clone(), arn.clone(), steps),
    )
    .await;
    Ok(json!({ "recommenderArn": arn }))
}

/// The rest of a stop or start from its PENDING status, one stage per arrow.
async fn finish_switch(server: AppState, arn: String, steps: Switch) {
    let [_, pending, in_progress, to] = steps;
    let mut at = tokio::time::Instant::now();
    server.clock.stage(&mut at).await;
    lifecycle::transition(&server, &arn, pending, in_progress);
    server.clock.stage(&mut at).await;
    lifecycle::transition(&server, &arn, in_progress, to);
}

/// Restarts a stop or start a previous process left half-way.
pub fn resume(server: &AppState, arn: &str, status: &str) {
    for steps in [STOP, START] {
        let [_, pending, in_progress, _] = steps;
        if status == pending || status == in_progress {
            lifecycle::transition(server, arn, in_progress, pending);
            tokio::spawn(finish_switch(server.clone(), arn.to_owned(), steps));
        }
    }
}

/// The recommender `arn` if it can serve now.
///
/// # Errors
/// ResourceNotFoundException, or InvalidInputException when it is not ACTIVE (stopped,
/// starting, being created).
pub fn serving<'a>(inner: &'a impl View, arn: &str) -> Result<&'a Record, ApiError> {
    let r = inner.get(Kind::Recommender, arn)?;
    if r.status() != "ACTIVE" {
        return Err(ApiError::invalid(format!(
            "Recommender {arn} is {}, not ACTIVE{}",
            r.status(),
            if r.status() == "INACTIVE" {
                ": start it with StartRecommender"
            } else {
                ""
            }
        )));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::domains::USE_CASES;
    use crate::control::records::insert_created;

    fn top_picks() -> &'static UseCase {
        USE_CASES
            .iter()
            .find(|u| u.name == "aws-vod-top-picks")
            .unwrap()
    }

    fn most_popular() -> &'static UseCase {
        USE_CASES
            .iter()
            .find(|u| u.name == "aws-vod-most-popular")
            .unwrap()
    }

    #[test]
    fn configuration_defaults_are_filled_as_aws_documents() {
        let c = config_of(top_picks(), None).unwrap();
        assert_eq!(c["minRecommendationRequestsPerSecond"], 1);
        assert_eq!(c["itemExplorationConfig"]["explorationWeight"], "0.3");
        assert_eq!(c["itemExplorationConfig"]["explorationItemAgeCutOff"], "30");
        let c = config_of(
            top_picks(),
            Some(&json!({"itemExplorationConfig": {"explorationWeight": "0.9"}, "minRecommendationRequestsPerSecond": 5})),
        )
        .unwrap();
        assert_eq!(c["minRecommendationRequestsPerSecond"], 5);
        assert_eq!(c["itemExplorationConfig"]["explorationWeight"], "0.9");
        assert_eq!(c["itemExplorationConfig"]["explorationItemAgeCutOff"], "30");
        let c = config_of(most_popular(), None).unwrap();
        assert!(c.get("itemExplorationConfig").is_none());
    }

    #[test]
    fn exploration_is_refused_where_the_use_case_does_not_explore_and_out_of_range() {
        let err = config_of(
            most_popular(),
            Some(&json!({"itemExplorationConfig": {"explorationWeight": "0.5"}})),
        )
        .unwrap_err();
        assert!(
            err.message.contains("does not apply to the Most popular"),
            "{}",
            err.message
        );
        let err = config_of(
            top_picks(),
            Some(&json!({"itemExplorationConfig": {"explorationWeight": "1.5"}})),
        )
        .unwrap_err();
        assert!(err.message.contains("explorationWeight"), "{}", err.message);
    }

    #[test]
    fn training_follows_the_use_case() {
        let o = options(most_popular(), &json!({}), "arn:r");
        assert_eq!(o.recipe, "aws-popularity-count");
        assert_eq!(o.event_type.as_deref(), Some("Watch"));
        let o = options(top_picks(), &json!({}), "arn:r");
        assert_eq!(o.recipe, "aws-user-personalization");
        assert_eq!(o.event_type, None);
    }

    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_and_a_resumed_start_take_one_stage_per_status() {
        let stage = std::time::Duration::from_secs(3);
        let server = crate::Server::open(crate::Config {
            stage_delay: stage,
            ..crate::Config::default()
        })
        .unwrap();
        let arn = "arn:aws:personalize:us-east-1:1:recommender/r";
        server
            .state
            .mutate(|txn, writes| {
                insert_created(
                    txn,
                    writes,
                    Kind::Recommender,
                    arn,
                    Map::new(),
                    Some("STOP PENDING"),
                    Default::default(),
                )
            })
            .unwrap();
        let status = || server.state.read().records[arn].status().to_owned();
        tokio::spawn(finish_switch(server.clone(), arn.to_owned(), STOP));
        settle().await;
        assert_eq!(status(), "STOP PENDING");
        for expected in ["STOP IN_PROGRESS", "INACTIVE"] {
            tokio::time::advance(stage).await;
            settle().await;
            assert_eq!(status(), expected);
        }
        // A start a previous process left IN_PROGRESS goes back to PENDING and completes.
        assert!(lifecycle::transition(
            &server,
            arn,
            "INACTIVE",
            "START IN_PROGRESS"
        ));
        resume(&server, arn, "START IN_PROGRESS");
        settle().await;
        assert_eq!(status(), "START PENDING");
        for expected in ["START IN_PROGRESS", "ACTIVE"] {
            tokio::time::advance(stage).await;
            settle().await;
            assert_eq!(status(), expected);
        }
    }
}
