//! GetRecommendations and GetPersonalizedRanking: the campaign's serving version, the user's
//! events since that version trained, items added since, the filter bound to its values, and
//! the campaign's ranking influence applied to the model's answer.

use std::collections::BTreeMap;
use std::sync::Arc;

use personalize_recommender::{
    filter, Exploration, Interaction, Item, Model, Query, Scored, Trend,
};
use serde_json::{json, Map, Value};

use super::influence::{self, RankingInfluence, Signals};
use crate::error::ApiError;
use crate::faults::Call;
use crate::state::{now_secs, Kind, View};
use crate::wire::Ctx;

/// numResults when the request has none.
pub const DEFAULT_NUM_RESULTS: u64 = 25;
/// Largest numResults.
pub const MAX_NUM_RESULTS: u64 = 500;

/// Everything a query needs, collected under the state lock and used after it is released.
pub(crate) struct Serving {
    model: Arc<Model>,
    recent: Vec<Interaction>,
    new_items: Vec<Item>,
    exploration: Option<Exploration>,
    filter: Option<filter::BoundFilter>,
    influence: RankingInfluence,
    /// The version's popularity and freshness; `None` when `influence` is neutral.
    signals: Option<Arc<Signals>>,
    /// aws-trending-now: the trend discovery frequency (seconds) and every user's events
    /// since training.
    trend: Option<(i64, Vec<Interaction>)>,
}

impl Serving {
    fn query<'a>(&'a self, user: Option<&'a str>, item: Option<&'a str>, n: usize) -> Query<'a> {
        Query {
            user_id: user,
            item_id: item,
            num_results: n,
            recent: &self.recent,
            new_items: &self.new_items,
            exploration: self.exploration,
            filter: self.filter.as_ref(),
            now: now_secs(),
            trend: self.trend.as_ref().map(|(interval, events)| Trend {
                interval: *interval,
                events,
            }),
        }
    }

    /// How many results to ask the model for: with a ranking influence, its whole answer
    /// (500), so the re-rank can lift items from below the caller's `n`.
    fn pool_size(&self, n: usize) -> usize {
        match self.signals {
            Some(_) => MAX_NUM_RESULTS as usize,
            None => n,
        }
    }

    /// GetRecommendations' answer: the model's best `n` for `user` or `item`, re-ranked by the
    /// ranking influence. Batch inference answers each line through here too.
    pub(crate) fn recommend(
        &self,
        user: Option<&str>,
        item: Option<&str>,
        n: usize,
    ) -> Result<Vec<Scored>, ApiError> {
        let query = self.query(user, item, self.pool_size(n));
        let scored = self
            .model
            .recommend(&query)
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        Ok(self.influenced(scored, n))
    }

    /// GetPersonalizedRanking's answer: `list` reordered for `user`, re-ranked by the ranking
    /// influence.
    pub(crate) fn rank(
        &self,
        user: Option<&str>,
        list: &[String],
    ) -> Result<Vec<Scored>, ApiError> {
        let query = self.query(user, None, list.len());
        let scored = self
            .model
            .rank(&query, list)
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        Ok(self.influenced(scored, list.len()))
    }

    /// The model's answer re-ranked by the campaign's ranking influence, best `n` kept.
    fn influenced(&self, scored: Vec<Scored>, n: usize) -> Vec<Scored> {
        match &self.signals {
            Some(signals) => influence::rerank(scored, n, self.influence, signals, &self.new_items),
            None => scored.into_iter().take(n).collect(),
        }
    }
}

/// Where a query's model and settings come from: a campaign (GetRecommendations,
/// GetPersonalizedRanking) or a batch inference job (its solution version and
/// `batchInferenceJobConfig`, which has the campaign config's `itemExplorationConfig` and
/// `rankingInfluence`).
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The solution version that answers.
    pub version_arn: &'a str,
    /// `campaignConfig` or `batchInferenceJobConfig`.
    pub config: Option<&'a Value>,
    /// The request's (or job's) filter.
    pub filter_arn: Option<&'a str>,
    /// Values of the filter's placeholders.
    pub filter_values: Option<&'a Map<String, Value>>,
}

fn prepare(ctx: &Ctx, input: &Map<String, Value>, user: Option<&str>) -> Result<Serving, ApiError> {
    let campaign_arn = input
        .get("campaignArn")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::invalid("campaignArn is required (personalize-local has no recommenders)")
        })?;
    let (version_arn, config) = {
        let inner = ctx.server.state.read();
        let campaign = inner.get(Kind::Campaign, campaign_arn)?;
        if !matches!(campaign.status(), "ACTIVE") {
            return Err(ApiError::invalid(format!(
                "Campaign {campaign_arn} is {}, not ACTIVE",
                campaign.status()
            )));
        }
        // `SOLUTION/$LATEST` (syncWithLatestSolutionVersion) serves the newest ACTIVE version.
        let version_arn = crate::control::campaigns::resolve_version(
            &*inner,
            campaign.str("solutionVersionArn").unwrap_or(""),
        )?;
        (version_arn, campaign.body.get("campaignConfig").cloned())
    };
    let source = Source {
        version_arn: &version_arn,
        config: config.as_ref(),
        filter_arn: input.get("filterArn").and_then(Value::as_str),
        filter_values: input.get("filterValues").and_then(Value::as_object),
    };
    serving(&ctx.server, &source, user)
}

/// Everything a query of `user` against `source` needs: the model, the user's events and the
/// items put since training, exploration, the bound filter and the ranking influence.
///
/// # Errors
/// The query's AWS errors (unknown or inactive filter, bad filter values, no model).
pub(crate) fn serving(
    server: &crate::AppState,
    source: &Source<'_>,
    user: Option<&str>,
) -> Result<Serving, ApiError> {
    let version_arn = source.version_arn.to_owned();
    let (watermark, exploration, filter_expr, influence, signals) = {
        let inner = server.state.read();
        let version = inner.get(Kind::SolutionVersion, &version_arn)?;
        let group = version.str("datasetGroupArn").unwrap_or("").to_owned();
        let exploration = exploration_of(source.config)?;
        let influence = RankingInfluence::from_config(source.config).map_err(ApiError::invalid)?;
        let signals = (!influence.is_neutral()).then(|| {
            server.influence.get_or_insert(&version_arn, || {
                let event_type = inner
                    .get(Kind::Solution, version.str("solutionArn").unwrap_or(""))
                    .ok()
                    .and_then(|solution| solution.str("eventType"))
                    .filter(|t| !t.is_empty());
                Signals::gather(&*inner, &group, version.trained_seq, event_type)
            })
        });
        let filter_expr = match source.filter_arn {
            None => None,
            Some(arn) => {
                let f = inner.get(Kind::Filter, arn)?;
                if f.status() != "ACTIVE" {
                    return Err(ApiError::invalid(format!(
                        "Filter {arn} is {}, not ACTIVE",
                        f.status()
                    )));
                }
                if f.str("datasetGroupArn") != Some(group.as_str()) {
                    return Err(ApiError::invalid(format!(
                        "Filter {arn} belongs to another dataset group"
                    )));
                }
                Some(f.str("filterExpression").unwrap_or("").to_owned())
            }
        };
        let log = inner.logs.get(&group);
        let recent = match (log, user) {
            (Some(log), Some(user)) => log.user_events_after(user, version.trained_seq),
            _ => Vec::new(),
        };
        let mut new_items: Vec<Item> = log
            .map(|l| l.items_after(version.trained_seq))
            .unwrap_or_default();
        // Trending-Now's trends move with every user's new events, and an item first seen in
        // them can trend (developer guide, Trending-Now recipe): the events go with the query
        // and their items join the candidates.
        let trend = (super::training::recipe_name(version.str("recipeArn").unwrap_or(""))
            == Some("aws-trending-now"))
        .then(|| {
            let config = version.body.get("solutionConfig").unwrap_or(&Value::Null);
            // Checked at CreateSolution, so a stored config always reads.
            let interval = crate::control::solutions::config::trend_interval(config)
                .unwrap_or(personalize_recommender::DEFAULT_TREND_INTERVAL);
            let events = log.map_or_else(Vec::new, |l| l.events_after(version.trained_seq));
            // One candidate per item, however many events it has.
            let ids: std::collections::BTreeSet<&str> =
                events.iter().map(|e| e.item_id.as_str()).collect();
            new_items.extend(ids.into_iter().map(|id| Item {
                item_id: id.to_owned(),
                attributes: BTreeMap::new(),
            }));
            (interval, events)
        });
        (
            (recent, new_items, trend),
            exploration,
            filter_expr,
            influence,
            signals,
        )
    };
    let model = server
        .state
        .model(&version_arn)
        .map_err(ApiError::invalid)?;
    let filter = match filter_expr {
        None => None,
        Some(expr) => {
            let parsed = filter::parse(&expr)
                .map_err(|e| ApiError::invalid(format!("filter expression: {e}")))?;
            let values: BTreeMap<String, String> = source
                .filter_values
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
    let (recent, new_items, trend) = watermark;
    Ok(Serving {
        model,
        recent,
        new_items,
        exploration,
        filter,
        influence,
        signals,
        trend,
    })
}

/// `itemExplorationConfig` (`explorationWeight`, `explorationItemAgeCutOff`, strings).
pub(crate) fn exploration_of(config: Option<&Value>) -> Result<Option<Exploration>, ApiError> {
    let Some(c) = config.and_then(|c| c.get("itemExplorationConfig")) else {
        return Ok(None);
    };
    let num = |key: &str, default: f64| -> Result<f64, ApiError> {
        match c.get(key).and_then(Value::as_str) {
            None => Ok(default),
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "itemExplorationConfig.{key} {s:?} is not a non-negative number"
                    ))
                }),
        }
    };
    Ok(Some(Exploration {
        weight: num("explorationWeight", 0.3)?,
        cutoff_days: num("explorationItemAgeCutOff", 30.0)?,
    }))
}

/// Recipes whose recommendations carry no `score`: "Amazon Personalize doesn't show scores for
/// domain recommenders or the Similar-Items, SIMS or Popularity-Count recipes" (developer
/// guide, How recommendation scoring works (custom resources)).
const UNSCORED_RECIPES: [&str; 2] = ["aws-sims", "aws-popularity-count"];

/// Whether answers of `recipe` carry scores (see [`UNSCORED_RECIPES`]).
pub(crate) fn shows_scores(recipe: &str) -> bool {
    !UNSCORED_RECIPES.contains(&recipe)
}

/// The answer's items, with their scores when the recipe shows them.
fn item_list(scored: Vec<Scored>, recipe: &str) -> Vec<Value> {
    let scores = shows_scores(recipe);
    scored
        .into_iter()
        .map(|s| match scores {
            true => json!({"itemId": s.item_id, "score": s.score}),
            false => json!({"itemId": s.item_id}),
        })
        .collect()
}

fn recommendation_id() -> String {
    format!("RID-{}", uuid::Uuid::new_v4())
}

/// GetRecommendations.
pub async fn get_recommendations(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    ctx.server.faults.check(Call::GetRecommendations)?;
    if input.contains_key("recommenderArn") {
        return Err(ApiError::invalid(
            "recommenderArn is not supported by personalize-local: use campaignArn",
        ));
    }
    let num = input
        .get("numResults")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_NUM_RESULTS);
    if num == 0 || num > MAX_NUM_RESULTS {
        return Err(ApiError::invalid(format!(
            "numResults must be between 1 and {MAX_NUM_RESULTS}, got {num}"
        )));
    }
    let user = input.get("userId").and_then(Value::as_str);
    let serving = prepare(ctx, input, user)?;
    let item = input.get("itemId").and_then(Value::as_str);
    let scored = serving.recommend(user, item, num as usize)?;
    let items = item_list(scored, serving.model.recipe());
    Ok(json!({"itemList": items, "recommendationId": recommendation_id()}))
}

/// GetPersonalizedRanking.
pub async fn get_personalized_ranking(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    ctx.server.faults.check(Call::GetRecommendations)?;
    let user = input.get("userId").and_then(Value::as_str);
    let list: Vec<String> = input
        .get("inputList")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    if list.len() > MAX_NUM_RESULTS as usize {
        return Err(ApiError::invalid(format!(
            "inputList holds at most {MAX_NUM_RESULTS} items"
        )));
    }
    let serving = prepare(ctx, input, user)?;
    let scored = serving.rank(user, &list)?;
    let items = item_list(scored, serving.model.recipe());
    Ok(json!({"personalizedRanking": items, "recommendationId": recommendation_id()}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sims_and_popularity_count_answer_without_scores() {
        let scored = || {
            vec![Scored {
                item_id: "i".into(),
                score: 0.5,
            }]
        };
        assert_eq!(
            item_list(scored(), "aws-user-personalization"),
            [json!({"itemId": "i", "score": 0.5})]
        );
        for recipe in UNSCORED_RECIPES {
            assert_eq!(item_list(scored(), recipe), [json!({"itemId": "i"})]);
        }
    }

    #[test]
    fn exploration_defaults_and_errors() {
        assert_eq!(exploration_of(None).unwrap(), None);
        let e = exploration_of(Some(
            &json!({"itemExplorationConfig": {"explorationWeight": "0.5"}}),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(e.weight, 0.5);
        assert_eq!(e.cutoff_days, 30.0);
        assert!(exploration_of(Some(
            &json!({"itemExplorationConfig": {"explorationWeight": "lots"}})
        ))
        .is_err());
    }
}
