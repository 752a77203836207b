//! Re-engagement: how likely a user comes back to an item they just interacted with, by
//! what they have done with it so far. In the walkthrough's data every "watch" comes with a
//! "click" of the same movie (two clicks in three have one); learned from the data, this puts
//! an item that was clicked but not yet watched on top, while one with both stays down.

use serde::{Deserialize, Serialize};

use crate::dataset::Event;

/// Event types a user has on an item, as a bit set (types past 63 share the last bit).
pub(crate) fn bit(event_type: u16) -> u64 {
    1u64 << event_type.min(63)
}

/// P(the user interacts with the item again within `window` events | event types so far).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Repeat {
    /// (type set, probability), sorted by type set.
    pub by_state: Vec<(u64, f32)>,
    /// Events ahead that still count as "again".
    pub window: usize,
}

impl Repeat {
    /// Learns from training sequences (oldest first).
    pub fn fit(seqs: &[Vec<Event>], window: usize) -> Repeat {
        let mut counts: std::collections::BTreeMap<u64, (f64, f64)> = Default::default();
        for seq in seqs {
            // Next position of the same item, found scanning backwards.
            let mut next = vec![usize::MAX; seq.len()];
            let mut last: std::collections::HashMap<u32, usize> = Default::default();
            for (p, e) in seq.iter().enumerate().rev() {
                if let Some(&q) = last.get(&e.item) {
                    next[p] = q;
                }
                last.insert(e.item, p);
            }
            let mut state: std::collections::HashMap<u32, u64> = Default::default();
            for (p, e) in seq.iter().enumerate() {
                let s = state.entry(e.item).or_default();
                *s |= bit(e.event_type);
                // The last `window` events cannot show whether the item comes back.
                if p + window >= seq.len() {
                    continue;
                }
                let c = counts.entry(*s).or_default();
                c.0 += 1.0;
                if next[p] != usize::MAX && next[p] - p <= window {
                    c.1 += 1.0;
                }
            }
        }
        Repeat {
            // Smoothed towards 0, so a state seen a handful of times claims little.
            by_state: counts
                .into_iter()
                .map(|(s, (n, again))| (s, (again / (n + 10.0)) as f32))
                .collect(),
            window,
        }
    }

    /// The probability for a type set (0 when never seen in training).
    pub fn probability(&self, state: u64) -> f64 {
        self.by_state
            .binary_search_by_key(&state, |e| e.0)
            .map_or(0.0, |k| f64::from(self.by_state[k].1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(item: u32, event_type: u16) -> Event {
        Event {
            item,
            timestamp: 0,
            event_type,
            trains: true,
        }
    }

    #[test]
    fn a_click_followed_by_a_watch_is_learned() {
        // Type 1 = click, 2 = watch: every click is followed by a watch of the same item.
        let mut seq = Vec::new();
        for item in 0..100 {
            seq.push(event(item, 1));
            seq.push(event(item, 2));
        }
        let r = Repeat::fit(&[seq], 3);
        assert!(r.probability(bit(1)) > 0.9, "{r:?}");
        assert!(r.probability(bit(1) | bit(2)) < 0.1, "{r:?}");
        assert_eq!(r.probability(bit(5)), 0.0);
    }
}
