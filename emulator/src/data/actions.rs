//! Next-Best-Action on the data planes: PutActionInteractions (events), GetActionRecommendations
//! (runtime), and the data an aws-next-best-action version trains on. PutActions is
//! `events::put_actions` (it shares PutItems' checks).

use std::collections::{BTreeMap, HashSet};

use personalize_recommender::actions::{ActionQuery, ScoredAction};
use personalize_recommender::{filter, Interaction, Item, Value as Attr};
use serde_json::{json, Map, Value};

use super::avro::DatasetType;
use super::events::{self, Rules};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::faults::Call;
use crate::state::{now_secs, Kind, LogEntry, Rows, View};

/// The recipe these operations serve.
pub const RECIPE: &str = "aws-next-best-action";
/// numResults of GetActionRecommendations without one ("The default is 5").
pub const DEFAULT_NUM_RESULTS: u64 = 5;
/// Largest numResults ("The maximum is 100").
pub const MAX_NUM_RESULTS: u64 = 100;

/// ActionInteraction.properties: like Event.properties, the members of the interaction are
/// not properties (API_UBS_ActionInteraction).
const ACTION_EVENT_RULES: Rules<'static> = Rules {
    schema: None,
    reserved: &[
        "actionId",
        "userId",
        "sessionId",
        "eventType",
        "timestamp",
        "recommendationId",
        "impression",
    ],
    members: &[],
};

/// PutActionInteractions: the `trackingId` is an ACTIVE Action interactions dataset's (the
/// tracker AWS creates with it); each interaction is checked in full (event type one of
/// Taken, Not Taken, Viewed; properties against the dataset's schema) before any is stored.
/// Without a `userId` the interaction is the session's (`sessionId` as the user), as for
/// PutEvents. A repeated `eventId` is kept for real time and left out of training.
pub fn put_action_interactions(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    ctx.server.faults.check(Call::PutEvents)?;
    let tracking_id = input
        .get("trackingId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let list = input
        .get("actionInteractions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    ctx.server.state.mutate(|inner, writes| {
        let dataset = inner
            .records
            .iter()
            .find(|(arn, r)| {
                r.kind == Kind::Dataset
                    && r.str("trackingId") == Some(tracking_id)
                    && DatasetType::parse(r.str("datasetType").unwrap_or(""))
                        == Ok(DatasetType::ActionInteractions)
                    && ctx.in_region(arn)
            })
            .map(|(_, r)| r)
            .ok_or_else(|| {
                ApiError::new(
                    crate::error::ErrorKind::ResourceNotFound,
                    format!("No Action interactions dataset has trackingId {tracking_id}"),
                )
            })?;
        if dataset.status() != "ACTIVE" {
            return Err(ApiError::in_use(format!(
                "The Action interactions dataset of trackingId {tracking_id} is {}",
                dataset.status()
            )));
        }
        let group = dataset.parent(Kind::DatasetGroup).unwrap_or("").to_owned();
        let schema = events::schema_of(inner, dataset.arn());
        let seen = inner.logs.get(&group).map(|l| &l.seen);
        let mut in_call = HashSet::new();
        let mut batch = Vec::new();
        for (i, event) in list.iter().enumerate() {
            let what = format!("actionInteractions[{i}]");
            let text = |k: &str| event.get(k).and_then(Value::as_str);
            let event_type = text("eventType").unwrap_or("");
            super::import::check_action_event_type(event_type)
                .map_err(|e| ApiError::invalid(format!("{what}: {e}")))?;
            let timestamp = event
                .get("timestamp")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            if !(0.0..=253_402_300_799.0).contains(&timestamp) {
                return Err(ApiError::invalid(format!(
                    "{what}: timestamp {timestamp} is out of range"
                )));
            }
            let rules = Rules {
                schema: schema.as_ref(),
                ..ACTION_EVENT_RULES
            };
            let mut attributes = events::properties(text("properties"), rules, &what)?;
            if let Some(id) = text("recommendationId") {
                attributes.insert(
                    super::metric_reports::RECOMMENDATION_ID.to_owned(),
                    Attr::Str(id.to_owned()),
                );
            }
            let session = text("sessionId").unwrap_or("").to_owned();
            let interaction = Interaction {
                user_id: text("userId").unwrap_or(&session).to_owned(),
                item_id: text("actionId").unwrap_or("").to_owned(),
                timestamp: timestamp as i64,
                event_type: event_type.to_owned(),
                event_value: None,
                session_id: Some(session),
                attributes,
            };
            let dedup = text("eventId").map(|id| format!("{tracking_id}/{id}"));
            let repeat = dedup.as_ref().is_some_and(|key| {
                seen.is_some_and(|s| s.contains(key)) || !in_call.insert(key.clone())
            });
            batch.push(LogEntry::ActionEvent {
                dedup,
                repeat,
                interaction,
            });
        }
        events::append(inner, writes, &group, batch);
        Ok(json!({}))
    })
}

/// What an aws-next-best-action version trains on: the group's Actions (dataset rows, then
/// PutActions up to `upto`, later replacing earlier) and action interactions (dataset rows,
/// then first deliveries of PutActionInteractions up to `upto`).
pub fn gather_actions(inner: &impl View, group: &str, upto: u64) -> (Vec<Item>, Vec<Interaction>) {
    let mut actions: BTreeMap<String, Item> = BTreeMap::new();
    let mut interactions = Vec::new();
    for dataset in inner.children(Kind::Dataset, Kind::DatasetGroup, group) {
        match inner.rows().get(dataset.arn()) {
            Some(Rows::Actions(v)) => {
                actions.extend(v.iter().map(|a| (a.item_id.clone(), a.clone())));
            }
            Some(Rows::ActionInteractions(v)) => interactions.extend(v.iter().cloned()),
            _ => {}
        }
    }
    if let Some(log) = inner.logs().get(group) {
        for a in log.actions_put(upto, true) {
            actions.insert(a.item_id.clone(), a);
        }
        interactions.extend(log.training_action_events(upto));
    }
    (actions.into_values().collect(), interactions)
}

/// GetActionRecommendations: the campaign must be ACTIVE and serve an aws-next-best-action
/// version; the user's action interactions since training and the actions put since join the
/// query; `filterArn` must name an ACTIVE filter of the same dataset group. Answers
/// `actionList` (`actionId`, `score`) and a `recommendationId`.
pub async fn get_action_recommendations(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    ctx.server.faults.check(Call::GetRecommendations)?;
    let num = input
        .get("numResults")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_NUM_RESULTS);
    if num == 0 || num > MAX_NUM_RESULTS {
        return Err(ApiError::invalid(format!(
            "numResults must be between 1 and {MAX_NUM_RESULTS}, got {num}"
        )));
    }
    let campaign_arn = input
        .get("campaignArn")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid("campaignArn is required"))?;
    let user = input.get("userId").and_then(Value::as_str);
    let (version_arn, recent, new_actions, filter_expr) = {
        let inner = ctx.server.state.read();
        let campaign = inner.get(Kind::Campaign, campaign_arn)?;
        if campaign.status() != "ACTIVE" {
            return Err(ApiError::invalid(format!(
                "Campaign {campaign_arn} is {}, not ACTIVE",
                campaign.status()
            )));
        }
        let version_arn = crate::control::campaigns::resolve_version(
            &*inner,
            campaign.deployed_version().unwrap_or(""),
        )?;
        let version = inner.get(Kind::SolutionVersion, &version_arn)?;
        let recipe = super::training::recipe_name(version.recipe_arn().unwrap_or(""));
        if recipe != Some(RECIPE) {
            return Err(ApiError::invalid(format!(
                "Campaign {campaign_arn} serves {}, not a PERSONALIZED_ACTIONS recipe \
                 ({RECIPE}): use GetRecommendations",
                recipe.unwrap_or("another recipe")
            )));
        }
        let group = version.parent(Kind::DatasetGroup).unwrap_or("").to_owned();
        let filter_expr = match input.get("filterArn").and_then(Value::as_str) {
            None => None,
            Some(arn) => {
                let f = inner.get(Kind::Filter, arn)?;
                if f.status() != "ACTIVE" {
                    return Err(ApiError::invalid(format!(
                        "Filter {arn} is {}, not ACTIVE",
                        f.status()
                    )));
                }
                if f.parent(Kind::DatasetGroup) != Some(group.as_str()) {
                    return Err(ApiError::invalid(format!(
                        "Filter {arn} belongs to another dataset group"
                    )));
                }
                Some(f.str("filterExpression").unwrap_or("").to_owned())
            }
        };
        let log = inner.logs.get(&group);
        let recent = match (log, user) {
            (Some(log), Some(user)) => log.user_action_events_after(user, version.trained_seq),
            _ => Vec::new(),
        };
        let new_actions = log.map_or_else(Vec::new, |l| l.actions_put(version.trained_seq, false));
        (version_arn, recent, new_actions, filter_expr)
    };
    let model = ctx
        .server
        .state
        .action_model(&version_arn)
        .map_err(ApiError::invalid)?;
    let filter = match filter_expr {
        None => None,
        Some(expr) => {
            let parsed = filter::parse(&expr)
                .map_err(|e| ApiError::invalid(format!("filter expression: {e}")))?;
            let values: BTreeMap<String, String> = input
                .get("filterValues")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            Some(
                parsed
                    .bind(&values)
                    .map_err(|e| ApiError::invalid(format!("filterValues: {e}")))?,
            )
        }
    };
    let scored: Vec<ScoredAction> = model.recommend(&ActionQuery {
        user_id: user,
        recent: &recent,
        new_actions: &new_actions,
        now: now_secs(),
        num_results: num as usize,
        filter: filter.as_ref(),
    });
    let list: Vec<Value> = scored
        .into_iter()
        .map(|s| json!({"actionId": s.action_id, "score": s.score}))
        .collect();
    Ok(json!({
        "actionList": list,
        "recommendationId": ctx.server.reports.issue(campaign_arn),
    }))
}
