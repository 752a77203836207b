//! [`train`]: fits a [`Model`] for a recipe on a data set.

use std::collections::BTreeMap;

use crate::dataset::{Event, Prepared};
use crate::model::Model;
use crate::neighbours::{self, Neighbours};
use crate::params::Params;
use crate::recipes::{self, RecipeFamily};
use crate::repeat::Repeat;
use crate::scoring::Content;
use crate::users::UserIndex;
use crate::{Error, TrainOptions, TrainingData};

/// Trains a solution version: the recipe's model on `data`, with `options`'
/// hyperparameters. Unknown recipes and bad hyperparameters are [`Error::InvalidInput`]; data
/// with nothing to train on (no interactions of the solution's event type) is
/// [`Error::NotEnoughData`].
pub fn train(data: &TrainingData, options: &TrainOptions) -> Result<Model, Error> {
    let kind = recipes::family(&options.recipe).ok_or_else(|| {
        Error::InvalidInput(format!(
            "Recipe {} does not train an item model; item recipes: {}",
            shorten(&options.recipe),
            recipes::recipes()
                .iter()
                .map(|r| r.name)
                .filter(|r| recipes::family(r).is_some())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let params = Params::parse(kind, &options.hyperparameters)?;
    let prepared = Prepared::new(data, options);
    fit(prepared, kind, params, options)
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push_str("...");
    }
    out
}

/// Weight of each event type: rarer types say more about a user (a "watch" is scarcer and
/// stronger than a "click"). With one type, or EVENT_TYPE left out of training, every event
/// weighs 1. A type listed in `eventsConfig` weighs its configured weight instead: the user
/// said how much it counts, so rarity does not add to it.
fn event_weights(p: &Prepared, exponent: f64, options: &TrainOptions) -> Vec<f32> {
    if options.ignore_event_types {
        return vec![1.0; p.event_types.len()];
    }
    let mut weights = rarity_weights(p, exponent);
    for (name, w) in p.event_types.iter().zip(&mut weights) {
        if let Some(e) = options.events.iter().find(|e| &e.event_type == name) {
            *w = e.weight as f32;
        }
    }
    weights
}

fn rarity_weights(p: &Prepared, exponent: f64) -> Vec<f32> {
    let mut counts = vec![0f64; p.event_types.len()];
    for e in p.users.values().flatten().filter(|e| e.trains) {
        counts[e.event_type as usize] += 1.0;
    }
    let total: f64 = counts.iter().sum();
    let present = counts.iter().filter(|&&c| c > 0.0).count();
    counts
        .iter()
        .map(|&c| {
            if present <= 1 || c == 0.0 {
                1.0
            } else {
                (total / c).powf(exponent) as f32
            }
        })
        .collect()
}

pub(crate) fn fit(
    p: Prepared,
    kind: RecipeFamily,
    params: Params,
    options: &TrainOptions,
) -> Result<Model, Error> {
    let n = p.catalog.len();
    let training: Vec<&Event> = p.users.values().flatten().filter(|e| e.trains).collect();
    if training.is_empty() {
        return Err(Error::NotEnoughData(match &options.event_type {
            Some(t) => format!(
                "There are no interactions of event type {} to train on",
                shorten(t)
            ),
            None => "There are no interactions to train on".into(),
        }));
    }
    // Item-Attribute-Affinity recipe: "You must have an Interactions dataset and an Items
    // dataset to use Item-Attribute-Affinity. Your Items dataset must have at least one
    // column that is a non-textual, non-reserved metadata column."
    if options.recipe == "aws-item-attribute-affinity"
        && p.catalog.attributes.iter().all(BTreeMap::is_empty)
    {
        return Err(Error::NotEnoughData(
            "Item-Attribute-Affinity needs an Items dataset with at least one metadata column \
             (the items trained on have none)"
                .into(),
        ));
    }
    let weights = event_weights(&p, params.event_weight_exponent, options);
    let mut popularity = vec![0f32; n];
    if kind == RecipeFamily::PopularityCount {
        // Developer guide, Popularity-Count recipe: it "recommends the popular items based on
        // the items with the most interactions data from unique users": a user counts once
        // per item however often they interacted with it.
        for events in p.users.values() {
            let mut seen = std::collections::HashSet::new();
            for e in events.iter().filter(|e| e.trains) {
                if seen.insert(e.item) {
                    popularity[e.item as usize] += 1.0;
                }
            }
        }
    } else {
        for e in &training {
            popularity[e.item as usize] += 1.0;
        }
    }
    let trained_until = training.iter().map(|e| e.timestamp).max().unwrap_or(0);
    let neighbours = match kind {
        RecipeFamily::UserPersonalization
        | RecipeFamily::PersonalizedRanking
        | RecipeFamily::RelatedItems
        | RecipeFamily::UserSegmentation => {
            let seqs: Vec<Vec<(u32, f32)>> = p
                .training_sequences(params.min_history_percentile, params.max_history_percentile)
                .into_iter()
                .map(|s| {
                    neighbours::distinct(s.iter().map(|e| (e.item, weights[e.event_type as usize])))
                })
                .collect();
            Neighbours::fit(&seqs, n, &neighbour_config(kind, &params))
        }
        RecipeFamily::PopularityCount | RecipeFamily::TrendingNow => Neighbours {
            lists: vec![Vec::new(); n],
        },
    };
    let content = Content::fit(&p.catalog, &options.item_columns);
    let mut timeline: Vec<(i64, u32)> = training.iter().map(|e| (e.timestamp, e.item)).collect();
    timeline.sort_unstable();
    let repeat = Repeat::fit(&p.training_sequences(0.0, 1.0), params.repeat_window);
    let user_index = match kind {
        RecipeFamily::UserPersonalization
        | RecipeFamily::PersonalizedRanking
        | RecipeFamily::UserSegmentation => UserIndex::new(
            p.users
                .iter()
                .map(|(u, evs)| {
                    (
                        u.clone(),
                        evs.iter().filter(|e| e.trains).map(|e| e.item).collect(),
                    )
                })
                .collect(),
            n,
        ),
        _ => UserIndex::new(Vec::new(), n),
    };
    Ok(Model {
        recipe: options.recipe.clone(),
        kind,
        params,
        event_weights: weights,
        training_event_type: options.event_type.clone(),
        events: options.events.clone(),
        popularity,
        neighbours,
        content,
        trained_until,
        timeline,
        user_index,
        repeat,
        catalog: p.catalog,
        event_types: p.event_types,
        users: p.users,
        user_attributes: p.user_attributes,
    })
}

fn neighbour_config(kind: RecipeFamily, params: &Params) -> neighbours::Config {
    match kind {
        // Related items are symmetric; next-item prediction favours what came after.
        RecipeFamily::RelatedItems => neighbours::Config {
            window: params.window,
            forward: 1.0,
            backward: 1.0,
            decay: params.distance_decay as f32,
            popularity_discount: params.popularity_discount,
            min_count: params.min_cointeraction,
            keep: params.neighbours,
        },
        _ => neighbours::Config {
            window: params.window,
            forward: 1.0,
            backward: params.backward as f32,
            decay: params.distance_decay as f32,
            popularity_discount: params.popularity_discount,
            min_count: params.min_cointeraction,
            keep: params.neighbours,
        },
    }
}
