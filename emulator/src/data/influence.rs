//! `campaignConfig.rankingInfluence`: a re-rank of the model's answer that blends its score
//! with each item's popularity and freshness, as much as the campaign's weights say.
//!
//! The signals come from what the emulator already stores about the data a solution version
//! trained on (the group's imported rows and its event log up to the version's watermark), so
//! the recommender needs no change: popularity is the number of training interactions of an
//! item (of the solution's `eventType`, every type when it has none), freshness its
//! `CREATION_TIMESTAMP` from the items dataset, else its first interaction. Both are computed
//! once per version and cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use personalize_recommender::{Interaction, Item, Scored, Value as Attr};
use serde_json::Value;

use crate::state::{Kind, LogEntry, Rows, View};

/// The two factors AWS defines (`RankingInfluenceType`).
pub const TYPES: [&str; 2] = ["POPULARITY", "FRESHNESS"];

/// The items-dataset column that dates an item.
pub const CREATION_TIMESTAMP: &str = "CREATION_TIMESTAMP";

/// A campaign's ranking influence weights, each 0 to 1 (0, the default, is no influence).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RankingInfluence {
    /// `POPULARITY`: how much items with many interactions are favoured.
    pub popularity: f64,
    /// `FRESHNESS`: how much recently created items are favoured.
    pub freshness: f64,
}

impl RankingInfluence {
    /// The weights of a `campaignConfig` (absent config or map: no influence).
    ///
    /// # Errors
    /// An unknown type or a weight that is not a number from 0 to 1, named precisely. The
    /// model validation refuses those before a handler runs; this check keeps a stored or
    /// hand-written record from ever reaching the blend with a bad weight.
    pub fn from_config(config: Option<&Value>) -> Result<Self, String> {
        let Some(map) = config.and_then(|c| c.get("rankingInfluence")) else {
            return Ok(Self::default());
        };
        let Some(map) = map.as_object() else {
            return Err("campaignConfig.rankingInfluence must be a map of type to weight".into());
        };
        let mut out = Self::default();
        for (key, value) in map {
            let weight = value
                .as_f64()
                .filter(|w| (0.0..=1.0).contains(w))
                .ok_or_else(|| {
                    format!(
                        "campaignConfig.rankingInfluence.{key} {value} is not a weight from 0 to 1"
                    )
                })?;
            match key.as_str() {
                "POPULARITY" => out.popularity = weight,
                "FRESHNESS" => out.freshness = weight,
                _ => {
                    return Err(format!(
                        "campaignConfig.rankingInfluence has no type {key:?} (valid: {})",
                        TYPES.join(", ")
                    ))
                }
            }
        }
        Ok(out)
    }

    /// True when the weights change nothing, so serving skips the re-rank entirely.
    pub fn is_neutral(&self) -> bool {
        self.popularity == 0.0 && self.freshness == 0.0
    }
}

/// What the blend knows about the items of one solution version's training data.
#[derive(Debug, Default)]
pub struct Signals {
    /// Training interactions per item.
    counts: HashMap<String, u64>,
    /// The most interactions of any item.
    max_count: u64,
    /// Each item's date: CREATION_TIMESTAMP, else its first interaction.
    times: HashMap<String, i64>,
    /// Every dated item's time, ascending, for freshness as a percentile.
    sorted_times: Vec<i64>,
}

impl Signals {
    /// Signals from interaction counts and item dates.
    pub fn new(counts: HashMap<String, u64>, times: HashMap<String, i64>) -> Self {
        let max_count = counts.values().copied().max().unwrap_or(0);
        let mut sorted_times: Vec<i64> = times.values().copied().collect();
        sorted_times.sort_unstable();
        Self {
            counts,
            max_count,
            times,
            sorted_times,
        }
    }

    /// The signals of the data a version trained on: the group's rows plus its log up to
    /// `upto` (the version's watermark), counting the interactions of `event_type` (all when
    /// `None`). Every interaction dates its item, whatever its type.
    pub fn gather(inner: &impl View, group_arn: &str, upto: u64, event_type: Option<&str>) -> Self {
        let mut counts: HashMap<String, u64> = HashMap::new();
        let mut first_seen: HashMap<String, i64> = HashMap::new();
        let mut created: HashMap<String, i64> = HashMap::new();
        let mut interaction = |i: &Interaction| {
            if event_type.is_none_or(|t| t == i.event_type) {
                *counts.entry(i.item_id.clone()).or_default() += 1;
            }
            let first = first_seen.entry(i.item_id.clone()).or_insert(i.timestamp);
            *first = (*first).min(i.timestamp);
        };
        for dataset in inner.children(Kind::Dataset, Kind::DatasetGroup, group_arn) {
            match inner.rows().get(dataset.arn()) {
                Some(Rows::Interactions(v)) => v.iter().for_each(&mut interaction),
                Some(Rows::Items(v)) => {
                    created.extend(v.iter().filter_map(|i| Some((i.item_id.clone(), date(i)?))));
                }
                _ => {}
            }
        }
        if let Some(log) = inner.logs().get(group_arn) {
            // The events training used: no repeats, anonymous ones only once stitched.
            log.training_events(upto).iter().for_each(&mut interaction);
            for (_, entry) in log.entries.iter().take_while(|(seq, _)| *seq <= upto) {
                if let LogEntry::Item(i) = entry {
                    // A later PutItems replaces the item, dated or not.
                    match date(i) {
                        Some(t) => created.insert(i.item_id.clone(), t),
                        None => created.remove(&i.item_id),
                    };
                }
            }
        }
        first_seen.extend(created);
        Self::new(counts, first_seen)
    }

    /// Popularity, 0 to 1: log-scaled so one blockbuster does not flatten every other item.
    fn popularity(&self, item: &str) -> f64 {
        let count = self.counts.get(item).copied().unwrap_or(0);
        if self.max_count == 0 {
            return 0.0;
        }
        (count as f64).ln_1p() / (self.max_count as f64).ln_1p()
    }

    /// Freshness, 0 to 1: the share of dated items not newer than this one (the newest is 1).
    /// Items added after training (`new`) are newer than anything the version saw unless they
    /// carry their own CREATION_TIMESTAMP; an undated item has 0.
    fn freshness(&self, item: &str, new: &HashMap<&str, &Item>) -> f64 {
        let time = match new.get(item) {
            Some(i) => match date(i) {
                Some(t) => t,
                None => return 1.0,
            },
            None => match self.times.get(item) {
                Some(&t) => t,
                None => return 0.0,
            },
        };
        if self.sorted_times.is_empty() {
            return 1.0;
        }
        let not_newer = self.sorted_times.partition_point(|&t| t <= time);
        not_newer as f64 / self.sorted_times.len() as f64
    }
}

/// An item's CREATION_TIMESTAMP, if it has one.
fn date(item: &Item) -> Option<i64> {
    match item.attributes.get(CREATION_TIMESTAMP)? {
        Attr::Num(n) if n.is_finite() => Some(*n as i64),
        Attr::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The least share of the blend the model keeps, so items without any signal still follow the
/// model's order and keep a positive score even when the weights take the whole blend.
const MODEL_FLOOR: f64 = 1e-6;

/// Re-ranks the model's answer `pool` (best first) and keeps the best `n`.
///
/// A weight is its factor's share of the blend: each item's value is
/// `(1 - p - f) * score / best + p * popularity + f * freshness` (weights summing to more
/// than 1 are scaled to sum to 1), so 0.5 weighs popularity as much as the model and 1 ranks
/// by popularity alone. The returned scores are the blended values rescaled to the pool's own
/// score mass, so they stay descending and keep summing to what the model's did (at most 1).
/// `new_items` are the items added after training (the query's candidates).
pub fn rerank(
    pool: Vec<Scored>,
    n: usize,
    weights: RankingInfluence,
    signals: &Signals,
    new_items: &[Item],
) -> Vec<Scored> {
    let best = pool.iter().map(|s| s.score).fold(0.0, f64::max);
    if weights.is_neutral() || best <= 0.0 {
        return pool.into_iter().take(n).collect();
    }
    let new: HashMap<&str, &Item> = new_items.iter().map(|i| (i.item_id.as_str(), i)).collect();
    let sum = weights.popularity + weights.freshness;
    let scale = if sum > 1.0 { 1.0 / sum } else { 1.0 };
    let (p, f) = (weights.popularity * scale, weights.freshness * scale);
    let model = (1.0 - p - f).max(MODEL_FLOOR);
    let mass: f64 = pool.iter().map(|s| s.score).sum();
    let mut blended: Vec<(usize, f64, Scored)> = pool
        .into_iter()
        .enumerate()
        .map(|(pos, s)| {
            let value = model * s.score / best
                + p * signals.popularity(&s.item_id)
                + f * signals.freshness(&s.item_id, &new);
            (pos, value, s)
        })
        .collect();
    let total: f64 = blended.iter().map(|b| b.1).sum();
    // Ties keep the model's order, so the re-rank is deterministic.
    blended.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    blended
        .into_iter()
        .take(n)
        .map(|(_, value, s)| Scored {
            score: if total > 0.0 {
                value / total * mass
            } else {
                s.score
            },
            item_id: s.item_id,
        })
        .collect()
}

/// Signals per solution version, computed on the first request that needs them. Events and
/// items a version saw are fixed by its watermark; a FULL import after training replaces rows
/// the version trained on, and the cache keeps the first view, as the model itself does.
#[derive(Debug, Default)]
pub struct Cache(Mutex<HashMap<String, Arc<Signals>>>);

impl Cache {
    /// The signals of `version_arn`, computing them with `make` the first time.
    pub fn get_or_insert(&self, version_arn: &str, make: impl FnOnce() -> Signals) -> Arc<Signals> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(version_arn.to_owned())
            .or_insert_with(|| Arc::new(make()))
            .clone()
    }
}

#[cfg(test)]
#[path = "influence_tests.rs"]
mod tests;
