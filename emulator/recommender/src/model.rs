//! The trained [`Model`]: what a solution version holds, how it is serialised, and the two
//! runtime operations (GetRecommendations and GetPersonalizedRanking).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::dataset::{Catalog, Event};
use crate::filter::{BoundFilter, Context, Subject};
use crate::neighbours::Neighbours;
use crate::params::Params;
use crate::recipes::RecipeFamily;
use crate::scoring::Content;
use crate::{Error, Interaction, Item, Value};

/// Most results GetRecommendations returns and most items GetPersonalizedRanking reorders.
pub const MAX_RESULTS: usize = 500;

/// A trained solution version.
#[derive(Serialize, Deserialize)]
pub struct Model {
    pub(crate) recipe: String,
    pub(crate) kind: RecipeFamily,
    pub(crate) params: Params,
    pub(crate) catalog: Catalog,
    pub(crate) event_types: Vec<String>,
    /// How much one event of each type says about a user's taste.
    pub(crate) event_weights: Vec<f32>,
    /// The solution's eventType: recent events of other types do not steer scoring.
    pub(crate) training_event_type: Option<String>,
    /// The solution's `eventsConfig`: recent events it would not train on do not steer
    /// scoring either.
    pub(crate) events: Vec<crate::EventParameters>,
    pub(crate) users: BTreeMap<String, Vec<Event>>,
    pub(crate) user_attributes: BTreeMap<String, BTreeMap<String, Value>>,
    /// Users per item among training events.
    pub(crate) popularity: Vec<f32>,
    pub(crate) neighbours: Neighbours,
    pub(crate) content: Content,
    /// Newest training timestamp.
    pub(crate) trained_until: i64,
    /// (time, item) of every training event, oldest first.
    pub(crate) timeline: Vec<(i64, u32)>,
    pub(crate) user_index: crate::users::UserIndex,
    pub(crate) repeat: crate::repeat::Repeat,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("recipe", &self.recipe)
            .field("items", &self.catalog.len())
            .field("users", &self.users.len())
            .finish_non_exhaustive()
    }
}

/// One GetRecommendations or GetPersonalizedRanking request.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// The user; required by USER_PERSONALIZATION and PERSONALIZED_RANKING recipes.
    pub user_id: Option<&'a str>,
    /// The item; required by RELATED_ITEMS recipes.
    pub item_id: Option<&'a str>,
    /// How many results (1 to 500); ignored by `rank`.
    pub num_results: usize,
    /// This user's events received after training (PutEvents), oldest first.
    pub recent: &'a [Interaction],
    /// Items added after training (PutItems): recommendable through exploration.
    pub new_items: &'a [Item],
    /// `campaignConfig.itemExplorationConfig`; `None` means Personalize's defaults.
    pub exploration: Option<Exploration>,
    /// The request's filter with its values bound.
    pub filter: Option<&'a BoundFilter>,
    /// Epoch seconds: the age of new items is measured from here.
    pub now: i64,
    /// aws-trending-now: the trend discovery frequency and every user's events since
    /// training; `None` is the default frequency and no new events.
    pub trend: Option<Trend<'a>>,
}

/// What aws-trending-now computes its trends from at query time, so new events move them
/// without retraining (developer guide, Trending-Now recipe: "You don't have to manually
/// create a new solution version for Trending-Now to consider new items in interactions
/// data").
#[derive(Debug, Clone, Copy)]
pub struct Trend<'a> {
    /// Trend discovery frequency, seconds.
    pub interval: i64,
    /// Every user's events received after training (repeats left out), any order.
    pub events: &'a [Interaction],
}

/// The default trend discovery frequency: 2 hours (Trending-Now recipe, hyperparameters).
pub const DEFAULT_TREND_INTERVAL: i64 = 2 * 3600;

/// `campaignConfig.itemExplorationConfig`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exploration {
    /// `explorationWeight`, 0 to 1: how much cold items are favoured.
    pub weight: f64,
    /// `explorationItemAgeCutOff`, days: only items younger than this are explored.
    pub cutoff_days: f64,
}

impl Default for Exploration {
    /// Personalize's defaults: weight 0.3, 30 days.
    fn default() -> Self {
        Exploration {
            weight: 0.3,
            cutoff_days: 30.0,
        }
    }
}

/// One recommended item and its score.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    /// ITEM_ID.
    pub item_id: String,
    /// Positive; scores of a response sum to at most 1.
    pub score: f64,
}

/// The refusal of real-time queries to a USER_SEGMENTATION model: "You can get user segments
/// with batch segment jobs" (developer guide, Item-Affinity and Item-Attribute-Affinity recipes).
fn segments_only() -> Error {
    Error::InvalidInput(
        "a USER_SEGMENTATION solution version (aws-item-affinity, aws-item-attribute-affinity) \
         answers batch segment jobs (CreateBatchSegmentJob) only"
            .into(),
    )
}

/// What a user segment is asked for: one item (Item-Affinity), or every item that has all of
/// `(column, value)` (Item-Attribute-Affinity; column names upper-case, a categorical value
/// matching any of its `|`-separated values).
#[derive(Debug, Clone, PartialEq)]
pub enum SegmentTarget {
    /// An ITEM_ID.
    Item(String),
    /// Attribute conditions, all of which an item must meet.
    Attributes(Vec<(String, String)>),
}

/// A user of a segment and their affinity (the model's probability mass on the target's
/// items for that user).
#[derive(Clone, Debug, PartialEq)]
pub struct Affine {
    /// USER_ID.
    pub user_id: String,
    /// Positive; at most 1.
    pub affinity: f64,
}

/// The items one query scores: the catalogue, then new items that it does not already hold.
pub(crate) struct Candidates<'a> {
    pub new_items: Vec<&'a Item>,
}

impl Model {
    /// Serialises the model (postcard), for the emulator to store.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_stdvec(self).expect("a model always serialises: no maps with non-string keys")
    }

    /// Reads a model written by [`Model::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, Error> {
        let model: Model = postcard::from_bytes(bytes)
            .map_err(|e| Error::InvalidInput(format!("not a serialised model: {e}")))?;
        model.check()?;
        Ok(model)
    }

    /// Cross-checks sizes, so a corrupt or hostile byte string cannot index out of bounds.
    fn check(&self) -> Result<(), Error> {
        let n = self.catalog.len();
        let ok =
            self.catalog.index.len() == n
                && self.catalog.attributes.len() == n
                && self.catalog.first_seen.len() == n
                && self.catalog.index.values().all(|&i| (i as usize) < n)
                && self.popularity.len() == n
                && self.neighbours.lists.len() == n
                && self.content.items.len() == n
                && self.event_weights.len() == self.event_types.len()
                && self.timeline.iter().all(|&(_, i)| (i as usize) < n)
                && self.user_index.consistent(n)
                && self.timeline.windows(2).all(|w| w[0].0 <= w[1].0)
                && self
                    .neighbours
                    .lists
                    .iter()
                    .flatten()
                    .all(|&(j, _)| (j as usize) < n)
                && self
                    .content
                    .items
                    .iter()
                    .flatten()
                    .all(|&(t, _)| (t as usize) < self.content.idf.len())
                && self.users.values().flatten().all(|e| {
                    (e.item as usize) < n && (e.event_type as usize) < self.event_types.len()
                });
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidInput(
                "not a serialised model: inconsistent sizes".into(),
            ))
        }
    }

    /// The recipe name the model was trained with.
    pub fn recipe(&self) -> &str {
        &self.recipe
    }

    /// GetRecommendations. Scores are positive, descending, and sum to 1 over the whole
    /// catalogue (so the returned top-N sum to at most 1). Unknown users get popular items.
    pub fn recommend(&self, query: &Query<'_>) -> Result<Vec<Scored>, Error> {
        if query.num_results == 0 || query.num_results > MAX_RESULTS {
            return Err(Error::InvalidInput(format!(
                "numResults must be between 1 and {MAX_RESULTS}, got {}",
                query.num_results
            )));
        }
        match self.kind {
            RecipeFamily::UserSegmentation => return Err(segments_only()),
            RecipeFamily::RelatedItems if query.item_id.is_none() => {
                return Err(Error::InvalidInput(
                    "itemId is required for a RELATED_ITEMS recipe".into(),
                ))
            }
            RecipeFamily::UserPersonalization | RecipeFamily::PersonalizedRanking
                if query.user_id.is_none() =>
            {
                return Err(Error::InvalidInput(
                    "userId is required for this recipe".into(),
                ))
            }
            RecipeFamily::PersonalizedRanking => {
                return Err(Error::InvalidInput(
                    "a PERSONALIZED_RANKING campaign answers GetPersonalizedRanking, not \
                     GetRecommendations"
                        .into(),
                ))
            }
            _ => {}
        }
        Ok(self.ranked(query))
    }

    /// The metadata of item `id` as the model knows it (every column of the Items dataset);
    /// `None` for an item the model has not seen.
    pub fn item_attributes(&self, id: &str) -> Option<&BTreeMap<String, Value>> {
        self.catalog
            .get(id)
            .map(|i| &self.catalog.attributes[i as usize])
    }

    /// Whether this model answers batch segment jobs (a USER_SEGMENTATION recipe) rather than
    /// item queries.
    pub fn is_segmentation(&self) -> bool {
        self.kind == RecipeFamily::UserSegmentation
    }

    /// The catalogue items `target` names: the item itself (none when the model never saw
    /// it), or the items whose metadata meets every condition.
    pub fn target_items(&self, target: &SegmentTarget) -> Vec<u32> {
        match target {
            SegmentTarget::Item(id) => self.catalog.get(id).into_iter().collect(),
            SegmentTarget::Attributes(conditions) => (0..self.catalog.len() as u32)
                .filter(|&i| {
                    let attributes = &self.catalog.attributes[i as usize];
                    conditions.iter().all(|(column, want)| {
                        attributes
                            .get(column)
                            .is_some_and(|v| attribute_matches(v, want))
                    })
                })
                .collect(),
        }
    }

    /// User segments (batch segment jobs): for each set of catalogue items in `targets` (see
    /// [`Model::target_items`]), the `n` training users with the highest affinity, best first
    /// (ties by user id). A user's affinity is the share of their score over the catalogue
    /// that falls on the target's items: the probability, under the same scores
    /// GetRecommendations ranks by, that their next interaction is one of them. An empty set
    /// has an empty segment.
    pub fn segments(&self, targets: &[Vec<u32>], n: usize) -> Result<Vec<Vec<Affine>>, Error> {
        if self.kind != RecipeFamily::UserSegmentation {
            return Err(Error::InvalidInput(format!(
                "{} is not a USER_SEGMENTATION recipe: user segments need aws-item-affinity or \
                 aws-item-attribute-affinity",
                self.recipe
            )));
        }
        let candidates = self.candidates(&[]);
        let mut best: Vec<Vec<(f64, &str)>> = vec![Vec::new(); targets.len()];
        for user in self.users.keys() {
            let query = Query {
                user_id: Some(user),
                item_id: None,
                num_results: 1,
                recent: &[],
                new_items: &[],
                exploration: None,
                filter: None,
                now: self.trained_until,
                trend: None,
            };
            let scores = self.scores(&query, &candidates);
            let total: f64 = scores.iter().sum();
            if total <= 0.0 {
                continue;
            }
            for (items, top) in targets.iter().zip(&mut best) {
                if items.is_empty() {
                    continue;
                }
                let affinity = items.iter().map(|&i| scores[i as usize]).sum::<f64>() / total;
                top.push((affinity, user));
                if top.len() >= 2 * n.max(1) {
                    keep_best(top, n);
                }
            }
        }
        Ok(best
            .into_iter()
            .map(|mut top| {
                keep_best(&mut top, n);
                top.into_iter()
                    .map(|(affinity, user)| Affine {
                        user_id: user.to_owned(),
                        affinity,
                    })
                    .collect()
            })
            .collect())
    }

    /// Items in the model's catalogue.
    pub fn catalogue_len(&self) -> usize {
        self.catalog.len()
    }

    /// The top `num_results` item IDs for `query`, whatever the recipe (the evaluation's path:
    /// no argument checks).
    ///
    /// # Errors
    /// None today; the signature leaves room for the recipe's own refusals.
    pub fn top(&self, query: &Query<'_>) -> Result<Vec<String>, Error> {
        Ok(self.ranked(query).into_iter().map(|s| s.item_id).collect())
    }

    fn ranked(&self, query: &Query<'_>) -> Vec<Scored> {
        let candidates = self.candidates(query.new_items);
        let scores = self.scores(query, &candidates);
        let total: f64 = scores.iter().sum();
        let allowed = self.allowed(query, &candidates);
        let skip = match self.kind {
            RecipeFamily::RelatedItems => query.item_id.and_then(|id| self.catalog.get(id)),
            _ => None,
        };
        let mut order: Vec<usize> = (0..scores.len())
            .filter(|&k| allowed(k) && Some(k as u32) != skip)
            .collect();
        best_first(&mut order, &scores, query.num_results);
        order
            .into_iter()
            .map(|k| Scored {
                item_id: self.id_of(k, &candidates).to_string(),
                score: scores[k] / total,
            })
            .collect()
    }

    /// GetPersonalizedRanking: `input` reordered for the user, scores summing to 1 over the
    /// items returned. Duplicates keep their first place; items the filter rejects are left
    /// out; items the model has never seen rank last.
    pub fn rank(&self, query: &Query<'_>, input: &[String]) -> Result<Vec<Scored>, Error> {
        if self.kind == RecipeFamily::UserSegmentation {
            return Err(segments_only());
        }
        if query.user_id.is_none() {
            return Err(Error::InvalidInput("userId is required for ranking".into()));
        }
        if input.is_empty() || input.len() > MAX_RESULTS {
            return Err(Error::InvalidInput(format!(
                "inputList must hold 1 to {MAX_RESULTS} item IDs, got {}",
                input.len()
            )));
        }
        let candidates = self.candidates(query.new_items);
        let scores = self.scores(query, &candidates);
        let allowed = self.allowed(query, &candidates);
        let mut seen = HashSet::new();
        let mut ranked: Vec<(usize, &String, f64)> = Vec::new();
        for (pos, id) in input.iter().enumerate() {
            if !seen.insert(id.as_str()) {
                continue;
            }
            let k = self.index_of(id, &candidates);
            match k {
                Some(k) if allowed(k) => ranked.push((pos, id, scores[k])),
                Some(_) => {}
                // Unknown to the model: a score below every known item's, order kept.
                None if self.unknown_allowed(query, id) => {
                    ranked.push((pos, id, f64::MIN_POSITIVE))
                }
                None => {}
            }
        }
        let total: f64 = ranked.iter().map(|r| r.2).sum();
        ranked.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        Ok(ranked
            .into_iter()
            .map(|(_, id, s)| Scored {
                item_id: id.clone(),
                score: s / total,
            })
            .collect())
    }

    pub(crate) fn candidates<'a>(&self, new_items: &'a [Item]) -> Candidates<'a> {
        let mut fresh = HashSet::new();
        Candidates {
            new_items: new_items
                .iter()
                .filter(|i| self.catalog.get(&i.item_id).is_none() && fresh.insert(&i.item_id))
                .collect(),
        }
    }

    fn id_of<'a>(&'a self, k: usize, c: &'a Candidates<'_>) -> &'a str {
        match self.catalog.ids.get(k) {
            Some(id) => id,
            None => &c.new_items[k - self.catalog.len()].item_id,
        }
    }

    pub(crate) fn index_of(&self, id: &str, c: &Candidates<'_>) -> Option<usize> {
        self.catalog.get(id).map(|i| i as usize).or_else(|| {
            c.new_items
                .iter()
                .position(|i| i.item_id == id)
                .map(|p| p + self.catalog.len())
        })
    }

    fn attributes_of<'a>(&'a self, k: usize, c: &'a Candidates<'_>) -> &'a BTreeMap<String, Value> {
        match self.catalog.attributes.get(k) {
            Some(a) => a,
            None => &c.new_items[k - self.catalog.len()].attributes,
        }
    }

    /// The event types of this user's interactions per item (training and recent), which
    /// `Interactions.EVENT_TYPE` filters test.
    fn interacted(&self, query: &Query<'_>) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        if let Some(events) = query.user_id.and_then(|u| self.users.get(u)) {
            for e in events {
                let types = out
                    .entry(self.catalog.ids[e.item as usize].clone())
                    .or_default();
                types.push(self.event_types[e.event_type as usize].clone());
            }
        }
        for r in query.recent {
            out.entry(r.item_id.clone())
                .or_default()
                .push(r.event_type.clone());
        }
        out
    }

    /// [`Model::interacted`] keyed by candidate index (catalogue items, then the query's new
    /// items), so the filter of every candidate looks its item up by number, not by id.
    fn interacted_by_index(
        &self,
        query: &Query<'_>,
        c: &Candidates<'_>,
    ) -> HashMap<usize, Vec<String>> {
        let mut out: HashMap<usize, Vec<String>> = HashMap::new();
        if let Some(events) = query.user_id.and_then(|u| self.users.get(u)) {
            for e in events {
                out.entry(e.item as usize)
                    .or_default()
                    .push(self.event_types[e.event_type as usize].clone());
            }
        }
        for r in query.recent {
            if let Some(k) = self.index_of(&r.item_id, c) {
                out.entry(k).or_default().push(r.event_type.clone());
            }
        }
        out
    }

    /// A predicate over candidate indices saying whether the query's filter keeps them.
    fn allowed<'a>(
        &'a self,
        query: &'a Query<'_>,
        c: &'a Candidates<'_>,
    ) -> impl Fn(usize) -> bool + 'a {
        let interacted = query
            .filter
            .map(|_| self.interacted_by_index(query, c))
            .unwrap_or_default();
        let context = Context {
            current_item: query.item_id.and_then(|id| {
                self.catalog
                    .get(id)
                    .map(|i| &self.catalog.attributes[i as usize])
                    .or_else(|| {
                        c.new_items
                            .iter()
                            .find(|n| n.item_id == id)
                            .map(|n| &n.attributes)
                    })
            }),
            current_user: query.user_id.and_then(|u| self.user_attributes.get(u)),
        };
        move |k| match query.filter {
            None => true,
            Some(f) => {
                let id = self.id_of(k, c);
                f.allows(
                    &context,
                    &Subject {
                        item_id: id,
                        attributes: self.attributes_of(k, c),
                        event_types: interacted.get(&k).map(Vec::as_slice).unwrap_or(&[]),
                    },
                )
            }
        }
    }

    fn unknown_allowed(&self, query: &Query<'_>, id: &str) -> bool {
        let Some(f) = query.filter else { return true };
        let interacted = self.interacted(query);
        let empty = BTreeMap::new();
        f.allows(
            &Context {
                current_item: None,
                current_user: query.user_id.and_then(|u| self.user_attributes.get(u)),
            },
            &Subject {
                item_id: id,
                attributes: &empty,
                event_types: interacted.get(id).map(Vec::as_slice).unwrap_or(&[]),
            },
        )
    }
}

/// Keeps the `n` candidates of `order` with the highest `scores`, best first, ties by
/// candidate index (catalogue order). That is a total order, so selecting the `n` best and
/// sorting only those gives exactly the prefix a sort of every candidate would: a
/// GetRecommendations call costs a partial selection over the catalogue, not a full sort.
fn best_first(order: &mut Vec<usize>, scores: &[f64], n: usize) {
    let better = |a: &usize, b: &usize| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b));
    if order.len() > n {
        if n == 0 {
            order.clear();
            return;
        }
        order.select_nth_unstable_by(n - 1, better);
        order.truncate(n);
    }
    order.sort_unstable_by(better);
}

/// Keeps the `n` best (highest affinity, then lowest user id), sorted.
fn keep_best(top: &mut Vec<(f64, &str)>, n: usize) {
    top.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    top.truncate(n);
}

/// Whether a metadata value meets `want`: a categorical string when any `|`-separated value
/// equals it, a number when `want` parses to the same number, a boolean by its name.
fn attribute_matches(value: &Value, want: &str) -> bool {
    match value {
        Value::Str(s) => s == want || s.split('|').any(|part| part == want),
        Value::Num(x) => want.trim().parse::<f64>().is_ok_and(|w| w == *x),
        Value::Bool(b) => want.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
    }
}

#[cfg(test)]
mod tests {
    use super::best_first;

    /// What `best_first` must equal: every candidate sorted, best first, ties by index.
    fn full_sort(order: &[usize], scores: &[f64], n: usize) -> Vec<usize> {
        let mut all = order.to_vec();
        all.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        all.truncate(n);
        all
    }

    #[test]
    fn the_selected_best_are_the_full_sorts_prefix_ties_included() {
        // Scores with many ties (a few distinct values), over candidates with gaps (some
        // filtered out), for every cut from none to more than there are.
        let scores: Vec<f64> = (0..200u64)
            .map(|k| ((k.wrapping_mul(2_654_435_761) >> 7) % 5) as f64)
            .collect();
        let order: Vec<usize> = (0..200).filter(|k| k % 7 != 3).collect();
        for n in [0, 1, 2, 5, 25, 100, order.len() - 1, order.len(), 500] {
            let mut got = order.clone();
            best_first(&mut got, &scores, n);
            assert_eq!(got, full_sort(&order, &scores, n), "n = {n}");
        }
        // NaN and infinities order as `total_cmp` orders them, as the full sort does.
        let odd = [
            f64::NAN,
            1.0,
            f64::INFINITY,
            -0.0,
            0.0,
            f64::NEG_INFINITY,
            1.0,
        ];
        let order: Vec<usize> = (0..odd.len()).collect();
        for n in 0..=odd.len() {
            let mut got = order.clone();
            best_first(&mut got, &odd, n);
            assert_eq!(got, full_sort(&order, &odd, n), "n = {n}");
        }
    }
}
