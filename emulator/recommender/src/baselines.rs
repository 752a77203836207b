//! Rankings without a trained model, judged on the same split as the recipes (`metrics::score`)
//! so the offline report can say how much a model adds: the no-model baseline and a
//! recency-weighted item-kNN. Evaluation only: nothing serves them.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::metrics::{HeldOut, Split};

/// Items per user in the no-model baseline that come from the user's own history.
pub const OWN_LATEST: usize = 5;
/// Neighbours kept per item by the item-kNN baseline.
pub const KNN_NEIGHBOURS: usize = 100;
/// Latest distinct items of a user the item-kNN baseline starts from.
pub const KNN_HISTORY: usize = 50;
/// Weight of each step back in the history (recency weighting).
pub const KNN_DECAY: f64 = 0.9;

/// Items by the number of training users who interacted with them, most first (ties by id).
fn popular(split: &Split) -> Vec<String> {
    let mut users: HashMap<&str, HashSet<&str>> = HashMap::new();
    for i in &split.train.interactions {
        users.entry(&i.item_id).or_default().insert(&i.user_id);
    }
    let mut items: Vec<(&str, usize)> = users.into_iter().map(|(k, v)| (k, v.len())).collect();
    items.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    items.into_iter().map(|(k, _)| k.to_owned()).collect()
}

/// The user's distinct items, newest first.
fn latest_distinct(held: &HeldOut) -> Vec<&str> {
    let mut seen = HashSet::new();
    held.input
        .iter()
        .rev()
        .map(|i| i.item_id.as_str())
        .filter(|id| seen.insert(*id))
        .collect()
}

/// `list` then `fill`, without repeats, `n` at most.
fn topped_up(list: Vec<String>, fill: &[String], n: usize) -> Vec<String> {
    let mut seen: HashSet<String> = list.iter().cloned().collect();
    let mut out = list;
    for id in fill {
        if out.len() >= n {
            break;
        }
        if seen.insert(id.clone()) {
            out.push(id.clone());
        }
    }
    out.truncate(n);
    out
}

/// The no-model baseline: the user's own latest [`OWN_LATEST`] distinct items, newest first,
/// then the most popular items.
pub fn no_model(split: &Split) -> impl Fn(&HeldOut, usize) -> Vec<String> {
    let popular = popular(split);
    move |held, n| {
        let own: Vec<String> = latest_distinct(held)
            .into_iter()
            .take(OWN_LATEST)
            .map(str::to_owned)
            .collect();
        topped_up(own, &popular, n)
    }
}

/// A recency-weighted item-kNN: item similarity is the cosine of co-occurrence in training
/// users' histories (each item once per user); a user's score for an item sums, over the
/// user's latest [`KNN_HISTORY`] distinct items (newest weighing 1, each step back
/// [`KNN_DECAY`] times less), their similarity to it. Popular items fill the rest.
pub fn item_knn(split: &Split) -> impl Fn(&HeldOut, usize) -> Vec<String> {
    let popular = popular(split);
    let mut per_user: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    for i in &split.train.interactions {
        per_user.entry(&i.user_id).or_default().insert(&i.item_id);
    }
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut ids: Vec<String> = Vec::new();
    let histories: Vec<Vec<u32>> = per_user
        .values()
        .map(|items| {
            let mut h: Vec<u32> = items
                .iter()
                .map(|id| {
                    *index.entry(id).or_insert_with(|| {
                        ids.push((*id).to_owned());
                        (ids.len() - 1) as u32
                    })
                })
                .collect();
            h.sort_unstable();
            h
        })
        .collect();
    let n_items = ids.len();
    let mut counts = vec![0f64; n_items];
    let mut co: Vec<HashMap<u32, f64>> = vec![HashMap::new(); n_items];
    for h in &histories {
        for (a, &i) in h.iter().enumerate() {
            counts[i as usize] += 1.0;
            for &j in &h[a + 1..] {
                *co[i as usize].entry(j).or_default() += 1.0;
                *co[j as usize].entry(i).or_default() += 1.0;
            }
        }
    }
    let neighbours: Vec<Vec<(u32, f64)>> = co
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let mut list: Vec<(u32, f64)> = row
                .into_iter()
                .map(|(j, c)| (j, c / (counts[i] * counts[j as usize]).sqrt()))
                .collect();
            list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            list.truncate(KNN_NEIGHBOURS);
            list
        })
        .collect();
    let index: HashMap<String, u32> = index.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    move |held, n| {
        let mut scores: HashMap<u32, f64> = HashMap::new();
        let mut weight = 1.0;
        for id in latest_distinct(held).into_iter().take(KNN_HISTORY) {
            if let Some(&i) = index.get(id) {
                for &(j, sim) in &neighbours[i as usize] {
                    *scores.entry(j).or_default() += weight * sim;
                }
            }
            weight *= KNN_DECAY;
        }
        let mut ranked: Vec<(u32, f64)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let list = ranked
            .into_iter()
            .take(n)
            .map(|(j, _)| ids[j as usize].clone())
            .collect();
        topped_up(list, &popular, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::tests::ev;
    use crate::TrainingData;

    fn held(items: &[&str]) -> HeldOut {
        HeldOut {
            user: "h".into(),
            input: items
                .iter()
                .enumerate()
                .map(|(t, id)| ev("h", id, t as i64, ""))
                .collect(),
            truth: HashSet::new(),
        }
    }

    fn split() -> Split {
        let mut train = TrainingData::default();
        // "a" and "b" go together for three users; "pop" is everyone's.
        for u in 0..3 {
            for item in ["a", "b", "pop"] {
                train.interactions.push(ev(&format!("u{u}"), item, 0, ""));
            }
        }
        for u in 3..8 {
            for item in ["c", "pop"] {
                train.interactions.push(ev(&format!("u{u}"), item, 0, ""));
            }
        }
        Split {
            train,
            users: Vec::new(),
        }
    }

    #[test]
    fn no_model_gives_the_users_own_latest_items_then_popular_ones() {
        let rank = no_model(&split());
        assert_eq!(rank(&held(&["c", "a", "a"]), 4), ["a", "c", "pop", "b"]);
    }

    #[test]
    fn item_knn_ranks_co_occurring_items_first() {
        let rank = item_knn(&split());
        let got = rank(&held(&["a"]), 3);
        assert_eq!(got[0], "b", "{got:?}");
        assert_eq!(got.len(), 3);
        // Unknown items give popularity alone.
        assert_eq!(rank(&held(&["zzz"]), 2), ["pop", "c"]);
    }
}
