//! The user neighbourhood: training users whose items overlap most with the query user's,
//! and what they interacted with. It complements the item neighbourhood (which sees only
//! the user's latest items) with the user's whole taste.

use serde::{Deserialize, Serialize};

/// Training users' distinct items, and the reverse index.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct UserIndex {
    /// USER_ID per training user, sorted (the order of the model's user map).
    pub names: Vec<String>,
    /// Distinct items per training user, sorted.
    pub items: Vec<Vec<u32>>,
    /// Training users per item, sorted.
    pub users_of: Vec<Vec<u32>>,
}

impl UserIndex {
    /// Indexes `users` (name, distinct training items) over `n_items` items.
    pub fn new(users: Vec<(String, Vec<u32>)>, n_items: usize) -> UserIndex {
        let mut index = UserIndex {
            users_of: vec![Vec::new(); n_items],
            ..UserIndex::default()
        };
        for (u, (name, mut items)) in users.into_iter().enumerate() {
            items.sort_unstable();
            items.dedup();
            for &i in &items {
                index.users_of[i as usize].push(u as u32);
            }
            index.names.push(name);
            index.items.push(items);
        }
        index
    }

    /// Whether every index is in range (for models read from bytes).
    pub fn consistent(&self, n_items: usize) -> bool {
        let n_users = self.items.len();
        self.names.len() == n_users
            && self.users_of.len() == n_items
            && self.items.iter().flatten().all(|&i| (i as usize) < n_items)
            && self
                .users_of
                .iter()
                .flatten()
                .all(|&u| (u as usize) < n_users)
    }

    /// Adds to `scores` the items of the `k` training users most similar (cosine over item
    /// sets) to a user with `seen` items, each weighted by its similarity; `user` itself is
    /// left out. Returns whether any neighbour was found.
    pub fn score(&self, user: Option<&str>, seen: &[u32], k: usize, scores: &mut [f64]) -> bool {
        if seen.is_empty() || self.items.is_empty() {
            return false;
        }
        let me = user.and_then(|u| self.names.binary_search_by(|n| n.as_str().cmp(u)).ok());
        let mut overlap = vec![0f64; self.items.len()];
        for &i in seen {
            // A blockbuster that everyone has says little about taste.
            let users = &self.users_of[i as usize];
            let w = 1.0 / (1.0 + users.len() as f64).ln();
            for &v in users {
                overlap[v as usize] += w;
            }
        }
        let mine = (seen.len() as f64).sqrt();
        let mut near: Vec<(u32, f32)> = overlap
            .iter()
            .enumerate()
            .filter(|&(v, &o)| o > 0.0 && Some(v) != me)
            .map(|(v, &o)| {
                (
                    v as u32,
                    (o / (mine * (self.items[v].len() as f64).sqrt())) as f32,
                )
            })
            .collect();
        crate::neighbours::top(&mut near, k);
        for &(v, sim) in &near {
            for &j in &self.items[v as usize] {
                scores[j as usize] += f64::from(sim);
            }
        }
        !near.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_similar_users_items_score_highest_and_the_user_is_left_out() {
        let index = UserIndex::new(
            vec![
                ("alice".into(), vec![0, 1, 2]),
                ("bob".into(), vec![0, 1, 3]),
                ("carol".into(), vec![4, 5]),
            ],
            6,
        );
        assert!(index.consistent(6));
        let mut s = vec![0.0; 6];
        assert!(index.score(Some("alice"), &[0, 1], 5, &mut s));
        assert!(s[3] > 0.0, "bob's item");
        assert_eq!(s[2], 0.0, "alice is not her own neighbour");
        assert_eq!(s[4], 0.0, "carol shares nothing");
        let mut none = vec![0.0; 6];
        assert!(!index.score(None, &[], 5, &mut none));
    }
}
