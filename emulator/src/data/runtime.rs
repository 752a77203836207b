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
use crate::control::domains::{Need, UseCase};
use crate::control::recommenders;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::faults::Call;
use crate::state::{now_secs, Kind, View};

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
    source: Source,
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

/// What answers a query: a campaign's serving solution version (GetRecommendations,
/// GetPersonalizedRanking), a batch inference job's version with its
/// `batchInferenceJobConfig` (which has the campaign config's `itemExplorationConfig` and
/// `rankingInfluence`), or a recommender.
#[derive(Debug)]
pub(crate) struct Source {
    /// The ARN the model is stored under: the solution version, or the recommender.
    model: String,
    /// The events the model trained on (log sequence watermark).
    trained_seq: u64,
    group: String,
    /// The custom recipe that trained the model.
    recipe: String,
    /// `campaignConfig` or `recommenderConfig`.
    config: Option<Value>,
    /// The solution's event type (ranking influence counts interactions of it).
    event_type: Option<String>,
    /// aws-trending-now's discovery frequency, seconds.
    trend_interval: Option<i64>,
    /// A recommender's use case.
    use_case: Option<&'static UseCase>,
}

impl Source {
    fn of(inner: &impl View, input: &Map<String, Value>) -> Result<Source, ApiError> {
        let text = |key: &str| input.get(key).and_then(Value::as_str);
        match (text("campaignArn"), text("recommenderArn")) {
            (Some(campaign), None) => Self::campaign(inner, campaign),
            (None, Some(recommender)) => Self::recommender(inner, recommender),
            (Some(_), Some(_)) => Err(ApiError::invalid(
                "Give either campaignArn or recommenderArn, not both",
            )),
            (None, None) => Err(ApiError::invalid(
                "campaignArn or recommenderArn is required",
            )),
        }
    }

    fn campaign(inner: &impl View, campaign_arn: &str) -> Result<Source, ApiError> {
        let campaign = inner.get(Kind::Campaign, campaign_arn)?;
        if !matches!(campaign.status(), "ACTIVE") {
            return Err(ApiError::invalid(format!(
                "Campaign {campaign_arn} is {}, not ACTIVE",
                campaign.status()
            )));
        }
        // `SOLUTION/$LATEST` (syncWithLatestSolutionVersion) serves the newest ACTIVE version.
        let version_arn = crate::control::campaigns::resolve_version(
            inner,
            campaign.deployed_version().unwrap_or(""),
        )?;
        Self::version(
            inner,
            &version_arn,
            campaign.body.get("campaignConfig").cloned(),
        )
    }

    /// Solution version `version_arn` answering with `config` (a campaign's or a batch job's).
    pub(crate) fn version(
        inner: &impl View,
        version_arn: &str,
        config: Option<Value>,
    ) -> Result<Source, ApiError> {
        let version = inner.get(Kind::SolutionVersion, version_arn)?;
        let recipe = super::training::recipe_name(version.recipe_arn().unwrap_or(""))
            .unwrap_or("")
            .to_owned();
        if recipe == super::actions::RECIPE {
            return Err(ApiError::invalid(format!(
                "{version_arn} is a {} version, which recommends actions, not items: use \
                 GetActionRecommendations",
                super::actions::RECIPE
            )));
        }
        let trend_interval = (recipe == "aws-trending-now").then(|| {
            let config = version.body.get("solutionConfig").unwrap_or(&Value::Null);
            // Checked at CreateSolution, so a stored config always reads.
            crate::control::solutions::config::trend_interval(config)
                .unwrap_or(personalize_recommender::DEFAULT_TREND_INTERVAL)
        });
        let event_type = inner
            .get(Kind::Solution, version.parent(Kind::Solution).unwrap_or(""))
            .ok()
            .and_then(|solution| solution.str("eventType"))
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        Ok(Source {
            model: version_arn.to_owned(),
            trained_seq: version.trained_seq,
            group: version.parent(Kind::DatasetGroup).unwrap_or("").to_owned(),
            recipe,
            config,
            event_type,
            trend_interval,
            use_case: None,
        })
    }

    fn recommender(inner: &impl View, arn: &str) -> Result<Source, ApiError> {
        let r = recommenders::serving(inner, arn)?;
        let use_case = recommenders::use_case(r)?;
        Ok(Source {
            model: arn.to_owned(),
            trained_seq: r.trained_seq,
            group: r.parent(Kind::DatasetGroup).unwrap_or("").to_owned(),
            recipe: use_case.recipe.to_owned(),
            config: r.body.get("recommenderConfig").cloned(),
            event_type: use_case.event_type.map(str::to_owned),
            trend_interval: (use_case.recipe == "aws-trending-now")
                .then_some(personalize_recommender::DEFAULT_TREND_INTERVAL),
            use_case: Some(use_case),
        })
    }

    /// A use case's GetRecommendations requirements ("userId: Required", "itemId: Required").
    fn check_request(&self, user: Option<&str>, item: Option<&str>) -> Result<(), ApiError> {
        let Some(u) = self.use_case else {
            return Ok(());
        };
        for (need, given, name) in [(u.user, user, "userId"), (u.item, item, "itemId")] {
            if need == Need::Required && given.is_none() {
                return Err(ApiError::invalid(format!(
                    "{name} is required by the {} use case (developer guide, {} use cases)",
                    u.title,
                    u.domain.as_str()
                )));
            }
        }
        Ok(())
    }

    /// The use case's automatic filter: leave out what the user watched (or purchased) before
    /// the caller's own filter applies ("If you apply your own filter, your filter is applied
    /// after the videos the user watched are filtered out").
    fn automatic_filter(&self) -> Option<filter::BoundFilter> {
        let event_type = self.use_case?.exclude_event_type?;
        let expression =
            format!(r#"EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("{event_type}")"#);
        let parsed = filter::parse(&expression).expect("a fixed, valid expression");
        Some(parsed.bind(&BTreeMap::new()).expect("no placeholders"))
    }
}

fn prepare(ctx: &Ctx, input: &Map<String, Value>, user: Option<&str>) -> Result<Serving, ApiError> {
    let source = Source::of(&*ctx.server.state.read(), input)?;
    let filter = FilterRequest {
        arn: input.get("filterArn").and_then(Value::as_str),
        values: input.get("filterValues").and_then(Value::as_object),
    };
    serving(&ctx.server, source, &filter, user)
}

/// A request's (or a batch job line's) filter and its placeholder values.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FilterRequest<'a> {
    /// The filter.
    pub arn: Option<&'a str>,
    /// Values of its placeholders.
    pub values: Option<&'a Map<String, Value>>,
}

/// Everything a query of `user` against `source` needs: the model, the user's events and the
/// items put since training, exploration, the bound filter (after the use case's automatic
/// one) and the ranking influence.
///
/// # Errors
/// The query's AWS errors (unknown or inactive filter, bad filter values, no model).
pub(crate) fn serving(
    server: &crate::AppState,
    source: Source,
    request: &FilterRequest<'_>,
    user: Option<&str>,
) -> Result<Serving, ApiError> {
    let (source, watermark, exploration, filter_expr, influence, signals) = {
        let inner = server.state.read();
        let group = source.group.clone();
        let exploration = exploration_of(source.config.as_ref())?;
        let influence =
            RankingInfluence::from_config(source.config.as_ref()).map_err(ApiError::invalid)?;
        let signals = (!influence.is_neutral()).then(|| {
            server.influence.get_or_insert(&source.model, || {
                Signals::gather(
                    &*inner,
                    &group,
                    source.trained_seq,
                    source.event_type.as_deref(),
                )
            })
        });
        let filter_expr = match request.arn {
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
            (Some(log), Some(user)) => log.user_events_after(user, source.trained_seq),
            _ => Vec::new(),
        };
        let mut new_items: Vec<Item> = log
            .map(|l| l.items_after(source.trained_seq))
            .unwrap_or_default();
        // Trending-Now's trends move with every user's new events, and an item first seen in
        // them can trend (developer guide, Trending-Now recipe): the events go with the query
        // and their items join the candidates.
        let trend = source.trend_interval.map(|interval| {
            let events = log.map_or_else(Vec::new, |l| l.events_after(source.trained_seq));
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
            source,
            (recent, new_items, trend),
            exploration,
            filter_expr,
            influence,
            signals,
        )
    };
    let model = server
        .state
        .model(&source.model)
        .map_err(ApiError::invalid)?;
    let own = match filter_expr {
        None => None,
        Some(expr) => {
            let parsed = filter::parse(&expr)
                .map_err(|e| ApiError::invalid(format!("filter expression: {e}")))?;
            let values: BTreeMap<String, String> = request
                .values
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
    let filter = match (source.automatic_filter(), own) {
        (Some(automatic), Some(own)) => Some(automatic.then(own)),
        (automatic, own) => automatic.or(own),
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
        source,
    })
}

/// The Items columns a request asks to see with each item (`metadataColumns`, key `ITEMS`),
/// when the campaign or recommender was configured with `enableMetadataWithRecommendations`
/// (API_GetRecommendations: "If you enabled metadata in recommendations when you created or
/// updated the campaign or recommender, specify the metadata columns from your Items dataset
/// to include in item recommendations. The map key is ITEMS and the value is a list of column
/// names from your Items dataset. The maximum number of columns you can provide is 10").
fn metadata_columns(
    input: &Map<String, Value>,
    source: &Source,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(requested) = input.get("metadataColumns").and_then(Value::as_object) else {
        return Ok(None);
    };
    if let Some(other) = requested.keys().find(|k| k.as_str() != "ITEMS") {
        return Err(ApiError::invalid(format!(
            "metadataColumns takes the key ITEMS only, not {other}"
        )));
    }
    let columns: Vec<String> = requested
        .get("ITEMS")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    if columns.len() > MAX_METADATA_COLUMNS {
        return Err(ApiError::invalid(format!(
            "metadataColumns lists {} columns; at most {MAX_METADATA_COLUMNS}",
            columns.len()
        )));
    }
    let enabled = source
        .config
        .as_ref()
        .and_then(|c| c.get("enableMetadataWithRecommendations"))
        .and_then(Value::as_bool)
        == Some(true);
    if !enabled {
        return Err(ApiError::invalid(
            "metadataColumns needs a campaign or recommender created or updated with \
             enableMetadataWithRecommendations",
        ));
    }
    Ok(Some(columns))
}

/// Most `metadataColumns` a request may name.
pub const MAX_METADATA_COLUMNS: usize = 10;

impl Serving {
    /// `columns` of item `id` as strings (numbers in their shortest form), from the model's
    /// catalogue or the items added since; columns the item has no value for are left out.
    fn metadata(&self, id: &str, columns: &[String]) -> Map<String, Value> {
        let attributes = self.model.item_attributes(id).or_else(|| {
            self.new_items
                .iter()
                .find(|i| i.item_id == id)
                .map(|i| &i.attributes)
        });
        let Some(attributes) = attributes else {
            return Map::new();
        };
        columns
            .iter()
            .filter_map(|c| {
                let (_, value) = attributes.iter().find(|(k, _)| k.eq_ignore_ascii_case(c))?;
                let text = match value {
                    personalize_recommender::Value::Str(s) => s.clone(),
                    personalize_recommender::Value::Num(n) => n.to_string(),
                    personalize_recommender::Value::Bool(b) => b.to_string(),
                };
                Some((c.clone(), Value::from(text)))
            })
            .collect()
    }
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

/// The answer's items, with their scores when the source shows them (never a recommender's).
fn item_list(scored: Vec<Scored>, source: &Source) -> Vec<Value> {
    let scores = source.use_case.is_none() && shows_scores(&source.recipe);
    scored
        .into_iter()
        .map(|s| match scores {
            true => json!({"itemId": s.item_id, "score": s.score}),
            false => json!({"itemId": s.item_id}),
        })
        .collect()
}

/// A recommendation id, remembered with the campaign that answered, so events naming it are
/// attributed to that campaign in metric attribution reports.
fn recommendation_id(ctx: &Ctx, input: &Map<String, Value>) -> String {
    let source = ["campaignArn", "recommenderArn"]
        .into_iter()
        .find_map(|key| input.get(key).and_then(Value::as_str))
        .unwrap_or("");
    ctx.server.reports.issue(source)
}

/// GetRecommendations.
pub async fn get_recommendations(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
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
    let user = input.get("userId").and_then(Value::as_str);
    let serving = prepare(ctx, input, user)?;
    let item = input.get("itemId").and_then(Value::as_str);
    serving.source.check_request(user, item)?;
    let scored = serving.recommend(user, item, num as usize)?;
    let columns = metadata_columns(input, &serving.source)?;
    let mut items = item_list(scored, &serving.source);
    if let Some(columns) = columns {
        for item in &mut items {
            let id = item["itemId"].as_str().unwrap_or("").to_owned();
            item["metadata"] = serving.metadata(&id, &columns).into();
        }
    }
    Ok(json!({"itemList": items, "recommendationId": recommendation_id(ctx, input)}))
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
    let items = item_list(scored, &serving.source);
    Ok(json!({"personalizedRanking": items, "recommendationId": recommendation_id(ctx, input)}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(recipe: &str, use_case: Option<&'static UseCase>) -> Source {
        Source {
            model: "arn:m".into(),
            trained_seq: 0,
            group: "arn:g".into(),
            recipe: recipe.into(),
            config: None,
            event_type: None,
            trend_interval: None,
            use_case,
        }
    }

    #[test]
    fn sims_popularity_count_and_recommenders_answer_without_scores() {
        let scored = || {
            vec![Scored {
                item_id: "i".into(),
                score: 0.5,
            }]
        };
        assert_eq!(
            item_list(scored(), &source("aws-user-personalization", None)),
            [json!({"itemId": "i", "score": 0.5})]
        );
        for recipe in UNSCORED_RECIPES {
            assert_eq!(
                item_list(scored(), &source(recipe, None)),
                [json!({"itemId": "i"})]
            );
        }
        let top_picks =
            crate::control::domains::use_case_of("arn:aws:personalize:::recipe/aws-vod-top-picks");
        assert_eq!(
            item_list(scored(), &source("aws-user-personalization", top_picks)),
            [json!({"itemId": "i"})]
        );
    }

    #[test]
    fn use_cases_require_what_their_pages_require() {
        let case = |name: &str| {
            crate::control::domains::use_case_of(&format!("arn:aws:personalize:::recipe/{name}"))
        };
        let byw = source("aws-sims", case("aws-vod-because-you-watched-x"));
        assert!(byw.check_request(Some("u"), Some("i")).is_ok());
        let err = byw.check_request(Some("u"), None).unwrap_err();
        assert!(
            err.message
                .contains("itemId is required by the Because you watched X"),
            "{}",
            err.message
        );
        assert!(byw.check_request(None, Some("i")).is_err());
        let fbt = source("aws-sims", case("aws-ecomm-frequently-bought-together"));
        assert!(fbt.check_request(None, Some("i")).is_ok());
        let trending = source("aws-trending-now", case("aws-vod-trending-now"));
        assert!(trending.check_request(None, None).is_ok());
        assert!(source("aws-sims", None).check_request(None, None).is_ok());
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
