//! Item-to-item similarity from co-occurrence in users' sequences: two items are neighbours
//! when the same users interact with them close together in time. Pairs are counted within a
//! window of positions, weighted by distance and direction (what comes after an item predicts
//! the next item better than what came before), then discounted by popularity.

use serde::{Deserialize, Serialize};

/// How co-occurrence is counted and turned into similarity.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    /// Positions either side of an item that count as "together".
    pub window: usize,
    /// Weight of a pair where the neighbour comes later in the sequence.
    pub forward: f32,
    /// Weight of a pair where the neighbour came earlier.
    pub backward: f32,
    /// Pair weight falls as `1 / distance^decay`.
    pub decay: f32,
    /// Similarity is `c_ij / (n_i^(1-d) * n_j^d)` with `d` this discount.
    pub popularity_discount: f64,
    /// Pairs whose weighted count is below this are dropped.
    pub min_count: f64,
    /// Neighbours kept per item.
    pub keep: usize,
}

/// Each item's neighbours, most similar first.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Neighbours {
    /// Per item: (neighbour, similarity), descending.
    pub lists: Vec<Vec<(u32, f32)>>,
}

/// Collapses a time-ordered sequence of (item, strength) to its distinct items in order of
/// first appearance, summing strengths, so repeated events on one item (a click then a watch)
/// do not pair the item with itself or push its real neighbours out of the window.
pub(crate) fn distinct(seq: impl IntoIterator<Item = (u32, f32)>) -> Vec<(u32, f32)> {
    let mut out: Vec<(u32, f32)> = Vec::new();
    let mut at: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for (item, strength) in seq {
        match at.get(&item) {
            Some(&k) => out[k].1 += strength,
            None => {
                at.insert(item, out.len());
                out.push((item, strength));
            }
        }
    }
    out
}

impl Neighbours {
    /// Counts co-occurrence in `seqs` (distinct items, oldest first, with strengths) over a
    /// catalogue of `n_items`.
    pub fn fit(seqs: &[Vec<(u32, f32)>], n_items: usize, cfg: &Config) -> Neighbours {
        // Where each item occurs: (sequence, position). Rows are then built one item at a
        // time in a dense scratch row, which is faster and leaner than a map of pairs.
        let mut occurrences: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n_items];
        for (s, seq) in seqs.iter().enumerate() {
            for (p, &(item, _)) in seq.iter().enumerate() {
                occurrences[item as usize].push((s as u32, p as u32));
            }
        }
        let users_of: Vec<f64> = occurrences.iter().map(|o| o.len() as f64).collect();
        let weights: Vec<f32> = (0..=cfg.window)
            .map(|d| 1.0 / (d.max(1) as f32).powf(cfg.decay))
            .collect();
        let d = cfg.popularity_discount;
        let mut scratch = vec![0f32; n_items];
        let mut touched: Vec<u32> = Vec::new();
        let mut lists = Vec::with_capacity(n_items);
        for (i, occ) in occurrences.iter().enumerate() {
            for &(s, p) in occ {
                let seq = &seqs[s as usize];
                let (p, strength) = (p as usize, seq[p as usize].1);
                let lo = p.saturating_sub(cfg.window);
                let hi = (p + cfg.window).min(seq.len() - 1);
                for (q, &(j, sj)) in seq.iter().enumerate().take(hi + 1).skip(lo) {
                    if q == p {
                        continue;
                    }
                    let (dist, dir) = if q > p {
                        (q - p, cfg.forward)
                    } else {
                        (p - q, cfg.backward)
                    };
                    let slot = &mut scratch[j as usize];
                    if *slot == 0.0 {
                        touched.push(j);
                    }
                    *slot += weights[dist] * dir * strength.min(sj);
                }
            }
            let ni = users_of[i].max(1.0).powf(1.0 - d);
            let mut row: Vec<(u32, f32)> = touched
                .iter()
                .filter(|&&j| {
                    f64::from(scratch[j as usize]) >= cfg.min_count.max(f64::MIN_POSITIVE)
                })
                .map(|&j| {
                    let c = f64::from(scratch[j as usize]);
                    (j, (c / (ni * users_of[j as usize].max(1.0).powf(d))) as f32)
                })
                .collect();
            for &j in &touched {
                scratch[j as usize] = 0.0;
            }
            touched.clear();
            top(&mut row, cfg.keep);
            lists.push(row);
        }
        Neighbours { lists }
    }
}

/// Keeps the `k` highest-scored entries of `row`, sorted descending (ties by index, so the
/// result does not depend on the order pairs were met in).
pub(crate) fn top(row: &mut Vec<(u32, f32)>, k: usize) {
    let cmp = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if row.len() > k && k > 0 {
        row.select_nth_unstable_by(k - 1, cmp);
        row.truncate(k);
    }
    if k == 0 {
        row.clear();
    }
    row.sort_unstable_by(cmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config {
            window: 2,
            forward: 1.0,
            backward: 1.0,
            decay: 1.0,
            popularity_discount: 0.5,
            min_count: 0.0,
            keep: 10,
        }
    }

    #[test]
    fn distinct_merges_repeats_in_first_order() {
        assert_eq!(
            distinct([(3, 1.0), (1, 1.0), (3, 0.5)]),
            [(3, 1.5), (1, 1.0)]
        );
    }

    #[test]
    fn items_used_together_are_neighbours_and_far_ones_are_not() {
        // 0 and 1 always together; 2 only far from 0 (beyond the window).
        let seqs = vec![
            vec![(0, 1.0), (1, 1.0), (3, 1.0), (4, 1.0), (2, 1.0)],
            vec![(1, 1.0), (0, 1.0)],
            vec![(0, 1.0), (1, 1.0)],
        ];
        let n = Neighbours::fit(&seqs, 5, &cfg());
        assert_eq!(n.lists[0][0].0, 1);
        assert!(n.lists[0].iter().all(|&(j, _)| j != 2 && j != 0));
        // Symmetric weights give symmetric similarity.
        let s01 = n.lists[0].iter().find(|e| e.0 == 1).unwrap().1;
        let s10 = n.lists[1].iter().find(|e| e.0 == 0).unwrap().1;
        assert!((s01 - s10).abs() < 1e-6);
    }

    #[test]
    fn direction_and_min_count_and_keep_apply() {
        let seqs = vec![vec![(0, 1.0), (1, 1.0)], vec![(0, 1.0), (1, 1.0)]];
        let forward = Config {
            backward: 0.25,
            ..cfg()
        };
        let n = Neighbours::fit(&seqs, 2, &forward);
        assert!(
            n.lists[0][0].1 > n.lists[1][0].1,
            "1 follows 0, so 0 predicts 1 more"
        );
        let strict = Config {
            min_count: 3.0,
            ..cfg()
        };
        assert!(Neighbours::fit(&seqs, 2, &strict).lists[0].is_empty());
        let none = Config { keep: 0, ..cfg() };
        assert!(Neighbours::fit(&seqs, 2, &none).lists[0].is_empty());
    }

    #[test]
    fn top_is_deterministic_on_ties() {
        let mut row = vec![(5, 1.0), (2, 1.0), (9, 3.0), (1, 0.5)];
        top(&mut row, 3);
        assert_eq!(row, [(9, 3.0), (2, 1.0), (5, 1.0)]);
    }
}
