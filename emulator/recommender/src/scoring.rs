//! A query's raw scores over the catalogue (then new items), per recipe kind. Raw scores are
//! non-negative and comparable within one query; [`Model::recommend`] and [`Model::rank`]
//! normalise them. Every item gets a small popularity-shaped floor, so all scores are
//! positive and items with no signal still come out in a sensible order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dataset::Catalog;
use crate::model::{Candidates, Model, Query, DEFAULT_TREND_INTERVAL};
use crate::recipes::RecipeFamily;
use crate::repeat::bit;
use crate::{Columns, Value};

/// Share of the best score given to the popularity floor.
const FLOOR: f64 = 1e-4;
/// Seconds in a day, for `explorationItemAgeCutOff`.
const DAY: f64 = 86_400.0;

/// What scoring needs of a user's history.
struct History {
    /// The newest `bptt` distinct items with their summed event weights, newest last.
    latest: Vec<(u32, f64)>,
    /// Every item the user interacted with.
    seen: Vec<u32>,
    /// Time of the user's newest event.
    last_time: Option<i64>,
    /// Items among the user's latest `repeat_window` events, with the event types the user
    /// has on each.
    again: Vec<(u32, u64)>,
}

/// Item metadata as weighted tokens ("GENRE=Comedy", "YEAR=1995"), for items that have no
/// interactions to learn from.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Content {
    /// Token to index.
    pub tokens: BTreeMap<String, u32>,
    /// Inverse document frequency per token.
    pub idf: Vec<f32>,
    /// Per catalogue item: unit-length tf-idf vector, sorted by token.
    pub items: Vec<Vec<(u32, f32)>>,
    /// The metadata columns training learned from (new items are read the same way).
    pub columns: Columns,
}

/// The tokens of an item's metadata. Timestamps are ages, not tastes, and are left out, as
/// are the columns `trainingDataConfig` keeps out of training.
fn tokens(attributes: &BTreeMap<String, Value>, columns: &Columns) -> Vec<String> {
    let mut out = Vec::new();
    for (name, value) in attributes {
        if name.ends_with("TIMESTAMP") || !columns.keeps(name) {
            continue;
        }
        match value {
            Value::Str(s) => out.extend(
                s.split('|')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{name}={v}")),
            ),
            Value::Num(n) if n.is_finite() => out.push(format!("{name}={}", n.round())),
            Value::Num(_) => {}
            Value::Bool(b) => out.push(format!("{name}={b}")),
        }
    }
    out
}

impl Content {
    /// Learns the token vocabulary and weights from the catalogue's metadata.
    pub fn fit(catalog: &Catalog, columns: &Columns) -> Content {
        let mut c = Content {
            columns: columns.clone(),
            ..Content::default()
        };
        let mut df: Vec<f32> = Vec::new();
        let raw: Vec<Vec<u32>> = catalog
            .attributes
            .iter()
            .map(|a| {
                let mut ids: Vec<u32> = tokens(a, columns)
                    .into_iter()
                    .map(|t| {
                        let next = c.tokens.len() as u32;
                        *c.tokens.entry(t).or_insert(next)
                    })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                df.resize(c.tokens.len(), 0.0);
                for &t in &ids {
                    df[t as usize] += 1.0;
                }
                ids
            })
            .collect();
        let n = catalog.len().max(1) as f32;
        c.idf = df.iter().map(|d| (n / d).ln() + 1.0).collect();
        c.items = raw.iter().map(|ids| c.unit(ids)).collect();
        c
    }

    fn unit(&self, ids: &[u32]) -> Vec<(u32, f32)> {
        let norm = ids
            .iter()
            .map(|&t| self.idf[t as usize].powi(2))
            .sum::<f32>()
            .sqrt();
        ids.iter()
            .map(|&t| (t, self.idf[t as usize] / norm))
            .collect()
    }

    /// The vector of an item that is not in the catalogue (tokens unknown to training are
    /// ignored: nothing was learned about them).
    pub fn vector(&self, attributes: &BTreeMap<String, Value>) -> Vec<(u32, f32)> {
        let mut ids: Vec<u32> = tokens(attributes, &self.columns)
            .iter()
            .filter_map(|t| self.tokens.get(t).copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        self.unit(&ids)
    }
}

/// Divides by the maximum, so the best score is 1 (all zeros stay zeros).
fn scale_to_one(s: &mut [f64]) {
    let top = s.iter().copied().fold(0.0, f64::max);
    if top > 0.0 {
        s.iter_mut().for_each(|x| *x /= top);
    }
}

/// Cosine of a dense profile with a sparse unit vector.
fn cosine(profile: &[f64], profile_norm: f64, v: &[(u32, f32)]) -> f64 {
    if profile_norm == 0.0 {
        return 0.0;
    }
    v.iter()
        .map(|&(t, w)| profile[t as usize] * f64::from(w))
        .sum::<f64>()
        / profile_norm
}

impl Model {
    /// Positive scores for every candidate: the catalogue, then the query's new items.
    pub(crate) fn scores(&self, query: &Query<'_>, c: &Candidates<'_>) -> Vec<f64> {
        let n = self.catalog.len();
        let mut s = vec![0.0; n + c.new_items.len()];
        match self.kind {
            RecipeFamily::PopularityCount => {
                for (x, &p) in s.iter_mut().zip(&self.popularity) {
                    *x = f64::from(p);
                }
            }
            RecipeFamily::TrendingNow => self.trends(query, c, &mut s),
            RecipeFamily::RelatedItems => {
                if let Some(i) = query.item_id.and_then(|id| self.catalog.get(id)) {
                    for &(j, sim) in &self.neighbours.lists[i as usize] {
                        s[j as usize] += f64::from(sim);
                    }
                }
            }
            RecipeFamily::UserPersonalization
            | RecipeFamily::PersonalizedRanking
            | RecipeFamily::UserSegmentation => self.personal(query, c, &mut s),
        }
        let max_pop = self.popularity.iter().copied().fold(0.0, f32::max) as f64 + 1.0;
        let top = s.iter().copied().fold(0.0, f64::max);
        let scale = if top > 0.0 { top } else { 1.0 };
        for (k, x) in s.iter_mut().enumerate() {
            let pop = self.popularity.get(k).map_or(0.0, |&p| f64::from(p));
            *x += FLOOR * scale * (pop + 1.0) / max_pop;
        }
        s
    }

    /// The user's history: training events and then recent ones.
    fn history(&self, query: &Query<'_>) -> History {
        let mut events: Vec<(u32, f64, u64)> = Vec::new();
        let mut last_time = None;
        if let Some(evs) = query.user_id.and_then(|u| self.users.get(u)) {
            for e in evs.iter().filter(|e| e.trains) {
                let w = f64::from(self.event_weights[e.event_type as usize]);
                events.push((e.item, w, bit(e.event_type)));
                last_time = Some(e.timestamp);
            }
        }
        for r in query.recent.iter().filter(|r| self.steers(r)) {
            if let Some(i) = self.catalog.get(&r.item_id) {
                let t = self.event_types.iter().position(|t| t == &r.event_type);
                let w = t.map_or(1.0, |t| f64::from(self.event_weights[t]));
                events.push((i, w, t.map_or(bit(u16::MAX), |t| bit(t as u16))));
                last_time = Some(last_time.map_or(r.timestamp, |t: i64| t.max(r.timestamp)));
            }
        }
        // Distinct items at their latest position, strengths summed.
        let mut states: std::collections::HashMap<u32, u64> = Default::default();
        for &(item, _, b) in &events {
            *states.entry(item).or_default() |= b;
        }
        let mut again: Vec<(u32, u64)> = Vec::new();
        for &(item, _, _) in events.iter().rev().take(self.repeat.window) {
            if !again.iter().any(|a| a.0 == item) {
                again.push((item, states[&item]));
            }
        }
        let mut latest: Vec<(u32, f64)> = Vec::new();
        let mut at: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
        for &(item, w, _) in events.iter().rev() {
            match at.get(&item) {
                Some(&k) => latest[k].1 += w,
                None => {
                    at.insert(item, latest.len());
                    latest.push((item, w));
                }
            }
        }
        let seen = latest.iter().map(|&(i, _)| i).collect();
        latest.truncate(self.params.history_len);
        latest.reverse();
        History {
            latest,
            seen,
            last_time,
            again,
        }
    }

    fn personal(&self, query: &Query<'_>, c: &Candidates<'_>, s: &mut [f64]) {
        let n = self.catalog.len();
        let history = self.history(query);
        let len = history.latest.len();
        let mut profile = vec![0.0; self.content.idf.len()];
        for (k, &(h, strength)) in history.latest.iter().enumerate() {
            let age = (len - 1 - k) as i32;
            let w = strength
                * if self.params.recency {
                    self.params.recency_decay.powi(age)
                } else {
                    1.0
                };
            for &(j, sim) in &self.neighbours.lists[h as usize] {
                s[j as usize] += w * f64::from(sim);
            }
            for &(t, v) in &self.content.items[h as usize] {
                profile[t as usize] += w * f64::from(v);
            }
        }
        // New items the user touched since training shape the taste profile too.
        for r in query.recent {
            if let Some(item) = c.new_items.iter().find(|i| i.item_id == r.item_id) {
                for (t, v) in self.content.vector(&item.attributes) {
                    profile[t as usize] += f64::from(v);
                }
            }
        }
        scale_to_one(&mut s[..n]);
        if self.params.user_blend > 0.0 {
            let mut by_users = vec![0.0; n];
            let k = self.params.user_neighbours;
            if self
                .user_index
                .score(query.user_id, &history.seen, k, &mut by_users)
            {
                scale_to_one(&mut by_users);
                for (x, u) in s.iter_mut().zip(by_users) {
                    *x += self.params.user_blend * u;
                }
            }
        }
        let max_pop = self.popularity.iter().copied().fold(0.0, f32::max).max(1.0) as f64;
        for (x, &p) in s.iter_mut().zip(&self.popularity) {
            *x += self.params.popularity_blend * f64::from(p) / max_pop;
        }
        if let (Some(t), true) = (history.last_time, self.params.time_blend > 0.0) {
            self.around(t, s);
        }
        for &h in &history.seen {
            s[h as usize] *= self.params.seen_factor;
        }
        for &(item, state) in &history.again {
            s[item as usize] += self.params.repeat_weight * self.repeat.probability(state);
        }
        self.explore(query, c, &profile, s);
    }

    /// Whether an event received after training is of a kind the solution trains on (its
    /// `eventType`, its `eventsConfig`): others do not steer scoring.
    fn steers(&self, r: &crate::Interaction) -> bool {
        self.training_event_type
            .as_ref()
            .is_none_or(|t| t == &r.event_type)
            && (self.events.is_empty() || crate::dataset::selected_by_events(r, &self.events))
    }

    /// aws-trending-now: each item's growth from the interval before to the latest complete
    /// interval of the trend discovery frequency, over the training events and the events
    /// since (developer guide, Trending-Now recipe: "for every 30 minutes of data, Amazon
    /// Personalize identifies the items with the greatest rate of increase in interactions
    /// since the last evaluation"). Intervals are aligned to the epoch and run in data time:
    /// the latest complete one is the one before the interval of the newest event, so trends
    /// move when the data reaches a new interval, without retraining. Recent volume breaks
    /// ties. With no interaction in either interval the answer is popularity ("If you import
    /// zero interactions over the last two intervals, Amazon Personalize recommends only
    /// popular items instead of trending items"). Items new since training are candidates when
    /// the query's `new_items` holds them (the emulator adds those of the events).
    fn trends(&self, query: &Query<'_>, c: &Candidates<'_>, s: &mut [f64]) {
        let (interval, events) = query.trend.map_or((DEFAULT_TREND_INTERVAL, &[][..]), |t| {
            (t.interval.max(1), t.events)
        });
        let new: Vec<(i64, usize)> = events
            .iter()
            .filter(|e| self.steers(e))
            .filter_map(|e| self.index_of(&e.item_id, c).map(|i| (e.timestamp, i)))
            .collect();
        let newest = self
            .timeline
            .last()
            .map(|e| e.0)
            .into_iter()
            .chain(new.iter().map(|e| e.0))
            .max();
        // i128: hostile timestamps near i64's ends must not overflow the bounds.
        let bounds = newest.map(|t| {
            let current = i128::from(t.div_euclid(interval));
            let at = |k: i128| k * i128::from(interval);
            (at(current - 2), at(current - 1), at(current))
        });
        let mut latest = vec![0f64; s.len()];
        let mut before = vec![0f64; s.len()];
        if let Some((from, middle, to)) = bounds {
            let mut tally = |time: i64, item: usize| {
                let time = i128::from(time);
                if (middle..to).contains(&time) {
                    latest[item] += 1.0;
                } else if (from..middle).contains(&time) {
                    before[item] += 1.0;
                }
            };
            let clamp = |t: i128| t.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
            let lo = self.timeline.partition_point(|e| e.0 < clamp(from));
            let hi = self.timeline.partition_point(|e| e.0 < clamp(to));
            for &(time, item) in &self.timeline[lo..hi] {
                tally(time, item as usize);
            }
            for &(time, item) in &new {
                tally(time, item);
            }
        }
        if latest.iter().chain(&before).all(|&x| x == 0.0) {
            for (x, &p) in s.iter_mut().zip(&self.popularity) {
                *x = f64::from(p);
            }
            return;
        }
        for ((x, &r), &b) in s.iter_mut().zip(&latest).zip(&before) {
            *x = (r - b).max(0.0) + 0.01 * r;
        }
    }

    /// Adds what was popular in the period before `time` (what a user active then was
    /// likely to meet), scaled so its best item gets `time_blend`.
    fn around(&self, time: i64, s: &mut [f64]) {
        let from = time.saturating_sub((self.params.time_window_days * DAY) as i64);
        let to = time.saturating_add((self.params.time_forward_days * DAY) as i64);
        let lo = self.timeline.partition_point(|e| e.0 < from);
        let hi = self.timeline.partition_point(|e| e.0 <= to);
        // A dense tally: the period can hold tens of thousands of events.
        let mut counts = vec![0u32; self.catalog.len()];
        for &(_, item) in &self.timeline[lo..hi] {
            counts[item as usize] += 1;
        }
        let top = f64::from(counts.iter().copied().max().unwrap_or(0));
        if top > 0.0 {
            for (x, &c) in s.iter_mut().zip(&counts) {
                *x += self.params.time_blend * f64::from(c) / top;
            }
        }
    }

    /// Gives cold items (no training interactions, young enough) a share of the best score
    /// by how well their metadata matches the user's taste profile.
    fn explore(&self, query: &Query<'_>, c: &Candidates<'_>, profile: &[f64], s: &mut [f64]) {
        let e = query.exploration.unwrap_or_default();
        if e.weight <= 0.0 {
            return;
        }
        let norm = profile.iter().map(|x| x * x).sum::<f64>().sqrt();
        let cutoff = e.cutoff_days * DAY;
        let young = |attributes: &BTreeMap<String, Value>, fallback: i64| {
            let created = match attributes.get("CREATION_TIMESTAMP") {
                Some(Value::Num(t)) if t.is_finite() => *t as i64,
                _ => fallback,
            };
            (query.now.saturating_sub(created) as f64) <= cutoff
        };
        let n = self.catalog.len();
        let cold = self
            .popularity
            .iter()
            .zip(&self.catalog.attributes)
            .zip(&self.content.items);
        for (x, ((&pop, attributes), vector)) in s.iter_mut().zip(cold) {
            if pop == 0.0 && young(attributes, query.now) {
                *x += e.weight * (0.1 + 0.9 * cosine(profile, norm, vector));
            }
        }
        for (k, item) in c.new_items.iter().enumerate() {
            if young(&item.attributes, query.now) {
                let m = cosine(profile, norm, &self.content.vector(&item.attributes));
                s[n + k] += e.weight * (0.1 + 0.9 * m);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn tokens_split_categories_and_skip_timestamps() {
        let a = attrs(&[
            ("GENRE", Value::Str("Comedy|Drama".into())),
            ("YEAR", Value::Num(1995.0)),
            ("CREATION_TIMESTAMP", Value::Num(1.0)),
            ("ADULT", Value::Bool(false)),
        ]);
        assert_eq!(
            tokens(&a, &Columns::All),
            ["ADULT=false", "GENRE=Comedy", "GENRE=Drama", "YEAR=1995"]
        );
    }

    #[test]
    fn content_vectors_are_unit_and_ignore_unknown_tokens() {
        let mut catalog = Catalog::default();
        for (id, g) in [("a", "Comedy"), ("b", "Comedy|Drama"), ("c", "Horror")] {
            catalog.ids.push(id.into());
            catalog
                .attributes
                .push(attrs(&[("GENRE", Value::Str(g.into()))]));
        }
        let c = Content::fit(&catalog, &Columns::All);
        for v in &c.items {
            let norm: f32 = v.iter().map(|x| x.1 * x.1).sum();
            assert!((norm - 1.0).abs() < 1e-5);
        }
        let v = c.vector(&attrs(&[("GENRE", Value::Str("Drama|Western".into()))]));
        assert_eq!(v.len(), 1, "Western was never seen");
        assert!(c.vector(&BTreeMap::new()).is_empty());
    }
}
