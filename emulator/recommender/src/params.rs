//! Hyperparameters from `solutionConfig.algorithmHyperParameters`, by Personalize's names,
//! checked and mapped to this crate's model. Personalize passes every value as a string.

use std::collections::BTreeMap;

use crate::recipes::RecipeFamily;
use crate::Error;

/// The knobs of training and scoring. Defaults are what the benchmark tuned on the walkthrough
/// data (see BENCHMARKS.md).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Params {
    /// `bptt`: how many of a user's latest interactions scoring looks at.
    pub history_len: usize,
    /// `recency_mask`: weigh a user's latest interactions more than older ones.
    pub recency: bool,
    /// `hidden_dimension`: neighbours kept per item.
    pub neighbours: usize,
    /// `popularity_discount_factor`: 0 ranks neighbours by raw co-occurrence, 1 fully
    /// discounts the neighbour's popularity.
    pub popularity_discount: f64,
    /// `min_cointeraction_count`: pairs seen together fewer times are not neighbours.
    pub min_cointeraction: f64,
    /// `min_user_history_length_percentile`: users with fewer interactions are left out.
    pub min_history_percentile: f64,
    /// `max_user_history_length_percentile`: users with more interactions are left out.
    pub max_history_percentile: f64,
    /// `local.recency_decay`: each step back in a user's history multiplies its weight by this.
    pub recency_decay: f64,
    /// `local.popularity_blend`: weight of popularity beside the neighbourhood score.
    pub popularity_blend: f64,
    /// `local.seen_factor`: share of its score an item the user already has keeps.
    pub seen_factor: f64,
    /// `local.window`: positions either side of an item that count as co-occurrence.
    pub window: usize,
    /// `local.backward`: weight of a neighbour that came before (1 = symmetric).
    pub backward: f64,
    /// `local.distance_decay`: co-occurrence weight falls as 1 / distance^this.
    pub distance_decay: f64,
    /// `local.event_weight_exponent`: event types weigh (total / count of the type)^this.
    pub event_weight_exponent: f64,
    /// `local.time_blend`: weight of what was popular just before the user's latest event.
    pub time_blend: f64,
    /// `local.time_window_days`: how far back "just before" reaches.
    pub time_window_days: f64,
    /// `local.time_forward_days`: how far after the user's latest event it reaches.
    pub time_forward_days: f64,
    /// `local.user_blend`: weight of the user neighbourhood beside the item neighbourhood.
    pub user_blend: f64,
    /// `local.user_neighbours`: how many similar users the user neighbourhood takes.
    pub user_neighbours: usize,
    /// `local.repeat_weight`: weight of coming back to an item the user just had.
    pub repeat_weight: f64,
    /// `local.repeat_window`: events ahead within which coming back counts.
    pub repeat_window: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            history_len: 32,
            recency: true,
            neighbours: 150,
            popularity_discount: 0.35,
            min_cointeraction: 0.0,
            min_history_percentile: 0.0,
            max_history_percentile: 1.0,
            recency_decay: 0.85,
            popularity_blend: 0.05,
            seen_factor: 0.05,
            window: 50,
            backward: 0.25,
            distance_decay: 0.5,
            event_weight_exponent: 0.5,
            time_blend: 0.3,
            time_window_days: 180.0,
            time_forward_days: 0.0,
            user_blend: 0.5,
            user_neighbours: 50,
            repeat_weight: 5.0,
            repeat_window: 5,
        }
    }
}

const PERCENTILES: [&str; 2] = [
    "min_user_history_length_percentile",
    "max_user_history_length_percentile",
];

/// The hyperparameter names a recipe kind accepts.
pub(crate) fn accepted(kind: RecipeFamily) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = match kind {
        RecipeFamily::UserPersonalization
        | RecipeFamily::PersonalizedRanking
        | RecipeFamily::UserSegmentation => vec![
            "bptt",
            "hidden_dimension",
            "recency_mask",
            "local.recency_decay",
            "local.popularity_blend",
            "local.seen_factor",
            "local.window",
            "local.backward",
            "local.distance_decay",
            "local.event_weight_exponent",
            "local.popularity_discount",
            "local.time_blend",
            "local.time_window_days",
            "local.time_forward_days",
            "local.min_cointeraction",
            "local.user_blend",
            "local.user_neighbours",
            "local.repeat_weight",
            "local.repeat_window",
        ],
        RecipeFamily::RelatedItems => vec![
            "min_cointeraction_count",
            "popularity_discount_factor",
            "local.window",
            "local.distance_decay",
            "local.event_weight_exponent",
        ],
        RecipeFamily::PopularityCount | RecipeFamily::TrendingNow => return Vec::new(),
    };
    names.extend(PERCENTILES);
    names
}

impl Params {
    /// Reads the hyperparameters of `kind`, refusing unknown names and bad values with the
    /// name and the accepted range in the message.
    pub fn parse(kind: RecipeFamily, values: &BTreeMap<String, String>) -> Result<Params, Error> {
        let names = accepted(kind);
        let mut p = Params::default();
        if kind == RecipeFamily::UserSegmentation {
            // A segment is the users most likely to interact with an item: having interacted
            // with it already is affinity, not a reason to look elsewhere.
            p.seen_factor = 1.0;
        }
        if kind == RecipeFamily::RelatedItems {
            // SIMS's own default: pairs seen together once are noise for related items.
            p.min_cointeraction = 3.0;
            p.window = 20;
            p.popularity_discount = 0.5;
        }
        for (name, raw) in values {
            if !names.contains(&name.as_str()) {
                return Err(Error::InvalidInput(if names.is_empty() {
                    format!("Hyperparameter {name} is not supported: this recipe takes none")
                } else {
                    format!(
                        "Hyperparameter {name} is not supported by this recipe; supported: {}",
                        names.join(", ")
                    )
                }));
            }
            let raw = raw.trim();
            match name.as_str() {
                "bptt" => p.history_len = int(name, raw, 1, 1024)?,
                "hidden_dimension" => p.neighbours = int(name, raw, 8, 1024)?,
                "recency_mask" => {
                    p.recency = match raw.to_ascii_lowercase().as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(bad(name, raw, "true or false")),
                    }
                }
                "popularity_discount_factor" => p.popularity_discount = float(name, raw, 0.0, 1.0)?,
                "min_cointeraction_count" => {
                    p.min_cointeraction = int(name, raw, 0, 1_000_000)? as f64
                }
                "min_user_history_length_percentile" => {
                    p.min_history_percentile = float(name, raw, 0.0, 1.0)?
                }
                "max_user_history_length_percentile" => {
                    p.max_history_percentile = float(name, raw, 0.0, 1.0)?
                }
                "local.recency_decay" => p.recency_decay = float(name, raw, 0.0, 1.0)?,
                "local.popularity_blend" => p.popularity_blend = float(name, raw, 0.0, 100.0)?,
                "local.seen_factor" => p.seen_factor = float(name, raw, 0.0, 1.0)?,
                "local.window" => p.window = int(name, raw, 1, 1000)?,
                "local.backward" => p.backward = float(name, raw, 0.0, 1.0)?,
                "local.distance_decay" => p.distance_decay = float(name, raw, 0.0, 4.0)?,
                "local.event_weight_exponent" => {
                    p.event_weight_exponent = float(name, raw, 0.0, 2.0)?
                }
                "local.popularity_discount" => p.popularity_discount = float(name, raw, 0.0, 1.0)?,
                "local.time_blend" => p.time_blend = float(name, raw, 0.0, 100.0)?,
                "local.time_window_days" => p.time_window_days = float(name, raw, 0.0, 36500.0)?,
                "local.time_forward_days" => p.time_forward_days = float(name, raw, 0.0, 36500.0)?,
                "local.min_cointeraction" => {
                    p.min_cointeraction = float(name, raw, 0.0, 1_000_000.0)?
                }
                "local.user_blend" => p.user_blend = float(name, raw, 0.0, 100.0)?,
                "local.user_neighbours" => p.user_neighbours = int(name, raw, 1, 100_000)?,
                "local.repeat_weight" => p.repeat_weight = float(name, raw, 0.0, 100.0)?,
                "local.repeat_window" => p.repeat_window = int(name, raw, 1, 10_000)?,
                _ => unreachable!("accepted() and this match list the same names"),
            }
        }
        if p.min_history_percentile > p.max_history_percentile {
            return Err(Error::InvalidInput(format!(
                "min_user_history_length_percentile ({}) must not exceed \
                 max_user_history_length_percentile ({})",
                p.min_history_percentile, p.max_history_percentile
            )));
        }
        Ok(p)
    }
}

/// The hyperparameters `recipe` trains with when a solution sets none, under Personalize's
/// names (DescribeAlgorithm's `defaultHyperParameters`); the `local.*` knobs of this model are
/// left out, as they are no Personalize hyperparameters. Empty for an unknown recipe or one
/// with no hyperparameters.
pub fn default_hyperparameters(recipe: &str) -> BTreeMap<String, String> {
    let Some(kind) = crate::recipes::family(recipe) else {
        return BTreeMap::new();
    };
    let p = Params::parse(kind, &BTreeMap::new()).expect("the defaults are valid");
    accepted(kind)
        .into_iter()
        .filter(|name| !name.starts_with("local."))
        .map(|name| {
            let value = match name {
                "bptt" => p.history_len.to_string(),
                "hidden_dimension" => p.neighbours.to_string(),
                "recency_mask" => p.recency.to_string(),
                "popularity_discount_factor" => p.popularity_discount.to_string(),
                "min_cointeraction_count" => (p.min_cointeraction as u64).to_string(),
                "min_user_history_length_percentile" => p.min_history_percentile.to_string(),
                "max_user_history_length_percentile" => p.max_history_percentile.to_string(),
                _ => unreachable!("accepted() lists no other Personalize name"),
            };
            (name.to_owned(), value)
        })
        .collect()
}

fn bad(name: &str, raw: &str, expected: &str) -> Error {
    let shown: String = raw.chars().take(64).collect();
    Error::InvalidInput(format!(
        "Hyperparameter {name} has value '{shown}'; expected {expected}"
    ))
}

fn int(name: &str, raw: &str, min: usize, max: usize) -> Result<usize, Error> {
    match raw.parse::<usize>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(bad(name, raw, &format!("an integer from {min} to {max}"))),
    }
}

fn float(name: &str, raw: &str, min: f64, max: f64) -> Result<f64, Error> {
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= min && v <= max => Ok(v),
        _ => Err(bad(name, raw, &format!("a number from {min} to {max}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn personalize_names_map_to_knobs() {
        let p = Params::parse(
            RecipeFamily::UserPersonalization,
            &map(&[
                ("bptt", "8"),
                ("recency_mask", "False"),
                ("hidden_dimension", "64"),
            ]),
        )
        .unwrap();
        assert_eq!((p.history_len, p.recency, p.neighbours), (8, false, 64));
        let s = Params::parse(
            RecipeFamily::RelatedItems,
            &map(&[
                ("popularity_discount_factor", "0.25"),
                ("min_cointeraction_count", "0"),
            ]),
        )
        .unwrap();
        assert_eq!((s.popularity_discount, s.min_cointeraction), (0.25, 0.0));
        assert_eq!(
            Params::parse(RecipeFamily::RelatedItems, &map(&[]))
                .unwrap()
                .min_cointeraction,
            3.0
        );
    }

    #[test]
    fn bad_values_name_the_parameter_and_range() {
        for (k, v) in [
            ("bptt", "0"),
            ("bptt", "-3"),
            ("bptt", "1e9"),
            ("bptt", "ten"),
            ("hidden_dimension", "99999999999999999999999"),
            ("recency_mask", "yes"),
            ("min_user_history_length_percentile", "NaN"),
            ("max_user_history_length_percentile", "1.5"),
        ] {
            let err =
                Params::parse(RecipeFamily::UserPersonalization, &map(&[(k, v)])).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput(m) if m.contains(k)),
                "{k}={v}: {err}"
            );
        }
        let long = "x".repeat(10_000);
        let err =
            Params::parse(RecipeFamily::UserPersonalization, &map(&[("bptt", &long)])).unwrap_err();
        assert!(
            err.to_string().len() < 200,
            "the message does not echo huge values"
        );
    }

    #[test]
    fn unknown_or_foreign_names_are_refused() {
        let err = Params::parse(RecipeFamily::PopularityCount, &map(&[("bptt", "3")])).unwrap_err();
        assert!(err.to_string().contains("takes none"));
        let err = Params::parse(RecipeFamily::RelatedItems, &map(&[("bptt", "3")])).unwrap_err();
        assert!(err.to_string().contains("popularity_discount_factor"));
        let err = Params::parse(
            RecipeFamily::UserPersonalization,
            &map(&[("learning_rate", "1")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("learning_rate"));
    }

    #[test]
    fn local_knobs_are_read_and_checked() {
        let p = Params::parse(
            RecipeFamily::UserPersonalization,
            &map(&[
                ("local.window", "7"),
                ("local.repeat_weight", "0"),
                ("local.user_blend", "1.5"),
            ]),
        )
        .unwrap();
        assert_eq!((p.window, p.repeat_weight, p.user_blend), (7, 0.0, 1.5));
        for (k, v) in [
            ("local.window", "0"),
            ("local.seen_factor", "2"),
            ("local.recency_decay", "-1"),
        ] {
            assert!(
                Params::parse(RecipeFamily::UserPersonalization, &map(&[(k, v)])).is_err(),
                "{k}={v}"
            );
        }
        // Sims takes only the co-occurrence knobs.
        assert!(Params::parse(RecipeFamily::RelatedItems, &map(&[("local.window", "5")])).is_ok());
        assert!(Params::parse(
            RecipeFamily::RelatedItems,
            &map(&[("local.user_blend", "1")])
        )
        .is_err());
    }

    #[test]
    fn percentiles_must_be_ordered() {
        let m = map(&[
            ("min_user_history_length_percentile", "0.9"),
            ("max_user_history_length_percentile", "0.1"),
        ]);
        assert!(Params::parse(RecipeFamily::UserPersonalization, &m).is_err());
    }

    #[test]
    fn the_documented_defaults_are_the_ones_training_uses() {
        for recipe in [
            "aws-user-personalization",
            "aws-sims",
            "aws-personalized-ranking",
        ] {
            let kind = crate::recipes::family(recipe).unwrap();
            let defaults = default_hyperparameters(recipe);
            assert!(!defaults.is_empty(), "{recipe}");
            let given = Params::parse(kind, &defaults).unwrap();
            let none = Params::parse(kind, &BTreeMap::new()).unwrap();
            assert_eq!(format!("{given:?}"), format!("{none:?}"), "{recipe}");
        }
        assert_eq!(
            default_hyperparameters("aws-sims")["min_cointeraction_count"],
            "3"
        );
        assert!(default_hyperparameters("aws-popularity-count").is_empty());
        assert!(default_hyperparameters("aws-nope").is_empty());
    }
}
