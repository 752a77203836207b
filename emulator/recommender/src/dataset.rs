//! Turns [`TrainingData`] into what training works on: dense item indices, per-user event
//! sequences in time order, and the selection of training events (event type, value
//! threshold, history-length percentiles).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{EventParameters, Interaction, Item, TrainOptions, TrainingData, Value};

/// The items a model knows: every item of the interactions and of the items dataset.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Catalog {
    /// Dense index to ITEM_ID.
    pub ids: Vec<String>,
    /// ITEM_ID to dense index.
    pub index: BTreeMap<String, u32>,
    /// Metadata per item (empty when the item is only in interactions).
    pub attributes: Vec<BTreeMap<String, Value>>,
    /// First interaction time per item (i64::MAX when none): its age for exploration.
    pub first_seen: Vec<i64>,
}

impl Catalog {
    /// The dense index of `id`.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    fn insert(&mut self, id: &str) -> u32 {
        if let Some(i) = self.get(id) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.push(id.to_string());
        self.index.insert(id.to_string(), i);
        self.attributes.push(BTreeMap::new());
        self.first_seen.push(i64::MAX);
        i
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.ids.len()
    }
}

/// One interaction of a user, by dense indices.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Event {
    /// Dense item index.
    pub item: u32,
    /// Epoch seconds.
    pub timestamp: i64,
    /// Index into the model's event type names.
    pub event_type: u16,
    /// Whether the event is one the solution trains on (event type and value threshold).
    pub trains: bool,
}

/// The prepared data set.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    pub catalog: Catalog,
    /// Event type names; index 0 is always "" (no EVENT_TYPE column).
    pub event_types: Vec<String>,
    /// USER_ID to the user's events, oldest first (input order kept on equal timestamps).
    pub users: BTreeMap<String, Vec<Event>>,
    /// USER_ID to users-dataset metadata.
    pub user_attributes: BTreeMap<String, BTreeMap<String, Value>>,
}

/// Whether an interaction is one the solution trains on: its event type (`eventType`, or
/// listed in `eventsConfig`) and value threshold (the solution's, or its type's).
pub(crate) fn selected(i: &Interaction, options: &TrainOptions) -> bool {
    if let Some(t) = &options.event_type {
        if &i.event_type != t {
            return false;
        }
    }
    if !options.events.is_empty() && !selected_by_events(i, &options.events) {
        return false;
    }
    match options.event_value_threshold {
        Some(min) => i.event_value.is_some_and(|v| v >= min),
        None => true,
    }
}

/// Whether `eventsConfig` keeps an interaction: its type is listed and its value reaches the
/// type's threshold (when the type has one).
pub(crate) fn selected_by_events(i: &Interaction, events: &[EventParameters]) -> bool {
    let Some(p) = events.iter().find(|p| p.event_type == i.event_type) else {
        return false;
    };
    p.value_threshold
        .is_none_or(|min| i.event_value.is_some_and(|v| v >= min))
}

/// How much of `data` a solution would train on, in the terms of Personalize's training
/// minimums ("Amazon Personalize endpoints and quotas", developer guide, Service quotas).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainingVolume {
    /// Unique interactions (user, item, timestamp, event type) the solution's event type and
    /// value thresholds keep.
    pub interactions: usize,
    /// Users with at least one kept interaction.
    pub users: usize,
    /// Users with at least two kept interactions.
    pub users_with_two: usize,
}

/// The [`TrainingVolume`] of `data` under `options`.
pub fn training_volume(data: &TrainingData, options: &TrainOptions) -> TrainingVolume {
    let unique: std::collections::BTreeSet<(&str, &str, i64, &str)> = data
        .interactions
        .iter()
        .filter(|i| selected(i, options))
        .map(|i| {
            (
                i.user_id.as_str(),
                i.item_id.as_str(),
                i.timestamp,
                i.event_type.as_str(),
            )
        })
        .collect();
    let mut per_user: BTreeMap<&str, usize> = BTreeMap::new();
    for (user, ..) in &unique {
        *per_user.entry(user).or_default() += 1;
    }
    TrainingVolume {
        interactions: unique.len(),
        users: per_user.len(),
        users_with_two: per_user.values().filter(|n| **n >= 2).count(),
    }
}

impl Prepared {
    /// Indexes `data`. Items of the items dataset come first, so their indices do not depend
    /// on the interactions.
    pub fn new(data: &TrainingData, options: &TrainOptions) -> Prepared {
        let mut p = Prepared {
            event_types: vec![String::new()],
            ..Prepared::default()
        };
        for Item {
            item_id,
            attributes,
        } in &data.items
        {
            let i = p.catalog.insert(item_id) as usize;
            p.catalog.attributes[i] = attributes.clone();
        }
        let mut order: Vec<&Interaction> = data.interactions.iter().collect();
        order.sort_by_key(|i| i.timestamp); // stable: input order kept on ties
        for i in order {
            let item = p.catalog.insert(&i.item_id);
            let first = &mut p.catalog.first_seen[item as usize];
            *first = (*first).min(i.timestamp);
            let event_type = p.event_type_index(&i.event_type);
            p.users.entry(i.user_id.clone()).or_default().push(Event {
                item,
                timestamp: i.timestamp,
                event_type,
                trains: selected(i, options),
            });
        }
        for u in &data.users {
            p.user_attributes
                .insert(u.user_id.clone(), u.attributes.clone());
        }
        p
    }

    fn event_type_index(&mut self, name: &str) -> u16 {
        match self.event_types.iter().position(|t| t == name) {
            Some(i) => i as u16,
            None => {
                // Event types are few in practice; saturating keeps a hostile data set with
                // 65,536 types from wrapping onto another type's index.
                let i = self.event_types.len().min(u16::MAX as usize) as u16;
                if (i as usize) == self.event_types.len() {
                    self.event_types.push(name.to_string());
                }
                i
            }
        }
    }

    /// The training events of the users whose history length (in training events) lies
    /// within the percentiles, as sequences oldest first.
    pub fn training_sequences(&self, min_pct: f64, max_pct: f64) -> Vec<Vec<Event>> {
        let seqs: Vec<Vec<Event>> = self
            .users
            .values()
            .map(|evs| evs.iter().copied().filter(|e| e.trains).collect::<Vec<_>>())
            .filter(|s: &Vec<Event>| !s.is_empty())
            .collect();
        if min_pct <= 0.0 && max_pct >= 1.0 {
            return seqs;
        }
        let mut lengths: Vec<usize> = seqs.iter().map(Vec::len).collect();
        lengths.sort_unstable();
        let at = |pct: f64| lengths[((lengths.len() - 1) as f64 * pct).round() as usize];
        let (lo, hi) = if lengths.is_empty() {
            (0, 0)
        } else {
            (at(min_pct), at(max_pct))
        };
        seqs.into_iter()
            .filter(|s| (lo..=hi).contains(&s.len()))
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An interaction for tests.
    pub fn ev(user: &str, item: &str, ts: i64, event_type: &str) -> Interaction {
        Interaction {
            user_id: user.into(),
            item_id: item.into(),
            timestamp: ts,
            event_type: event_type.into(),
            event_value: None,
            session_id: None,
            attributes: BTreeMap::new(),
        }
    }

    #[test]
    fn sequences_are_in_time_order_keeping_input_order_on_ties() {
        let data = TrainingData {
            interactions: vec![
                ev("u", "b", 20, "click"),
                ev("u", "a", 10, "click"),
                ev("u", "c", 20, "watch"),
            ],
            ..TrainingData::default()
        };
        let p = Prepared::new(&data, &TrainOptions::default());
        let items: Vec<&str> = p.users["u"]
            .iter()
            .map(|e| p.catalog.ids[e.item as usize].as_str())
            .collect();
        assert_eq!(items, ["a", "b", "c"]);
        assert_eq!(p.event_types, ["", "click", "watch"]);
        assert_eq!(
            p.catalog.first_seen[p.catalog.get("b").unwrap() as usize],
            20
        );
    }

    #[test]
    fn the_training_volume_counts_unique_selected_interactions_and_their_users() {
        let mut valued = ev("u", "a", 1, "click");
        valued.event_value = Some(0.9);
        let data = TrainingData {
            interactions: vec![
                valued.clone(),
                valued,
                ev("u", "b", 2, "click"),
                ev("v", "a", 1, "click"),
                ev("w", "c", 3, "watch"),
            ],
            ..TrainingData::default()
        };
        let all = training_volume(&data, &TrainOptions::default());
        assert_eq!(
            all,
            TrainingVolume {
                interactions: 4,
                users: 3,
                users_with_two: 1
            },
            "the repeated row counts once"
        );
        let clicks = TrainOptions {
            event_type: Some("click".into()),
            ..TrainOptions::default()
        };
        assert_eq!(training_volume(&data, &clicks).interactions, 3);
        let valued_only = TrainOptions {
            event_value_threshold: Some(0.5),
            ..TrainOptions::default()
        };
        assert_eq!(
            training_volume(&data, &valued_only),
            TrainingVolume {
                interactions: 1,
                users: 1,
                users_with_two: 0
            }
        );
    }

    #[test]
    fn event_type_and_threshold_select_training_events() {
        let mut valued = ev("u", "a", 1, "click");
        valued.event_value = Some(0.9);
        let data = TrainingData {
            interactions: vec![valued, ev("u", "b", 2, "click"), ev("u", "c", 3, "watch")],
            ..TrainingData::default()
        };
        let options = TrainOptions {
            event_type: Some("click".into()),
            event_value_threshold: Some(0.5),
            ..TrainOptions::default()
        };
        let p = Prepared::new(&data, &options);
        let trains: Vec<bool> = p.users["u"].iter().map(|e| e.trains).collect();
        assert_eq!(trains, [true, false, false]);
    }

    #[test]
    fn events_config_keeps_listed_types_above_their_own_threshold() {
        let valued = |item: &str, t: &str, v: Option<f64>| Interaction {
            event_value: v,
            ..ev("u", item, 1, t)
        };
        let options = TrainOptions {
            events: vec![
                crate::EventParameters {
                    event_type: "watch".into(),
                    value_threshold: Some(0.5),
                    weight: 1.0,
                },
                crate::EventParameters {
                    event_type: "click".into(),
                    value_threshold: None,
                    weight: 0.2,
                },
            ],
            ..TrainOptions::default()
        };
        let kept: Vec<bool> = [
            valued("a", "watch", Some(0.9)),
            valued("b", "watch", Some(0.1)),
            valued("c", "watch", None),
            valued("d", "click", None),
            valued("e", "buy", Some(9.0)),
        ]
        .iter()
        .map(|i| selected(i, &options))
        .collect();
        assert_eq!(kept, [true, false, false, true, false]);
    }

    #[test]
    fn percentiles_drop_short_and_long_histories() {
        let mut interactions = Vec::new();
        for (user, n) in [("a", 1), ("b", 5), ("c", 50)] {
            for k in 0..n {
                interactions.push(ev(user, &format!("i{k}"), k, ""));
            }
        }
        let data = TrainingData {
            interactions,
            ..TrainingData::default()
        };
        let p = Prepared::new(&data, &TrainOptions::default());
        assert_eq!(p.training_sequences(0.0, 1.0).len(), 3);
        let mid: Vec<usize> = p
            .training_sequences(0.5, 0.5)
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(mid, [5]);
    }
}
