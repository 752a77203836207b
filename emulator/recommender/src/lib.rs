//! # Layout
//!
//! The recommender of personalize-local as a pure library: no I/O, no async, no AWS types. The
//! emulator owns the wire protocol, resources and storage, and calls into this crate to train a
//! model, serve recommendations and compute offline metrics.
//!
//! - [`recipes`](recipes()) / [`recipe`]: the recipes implemented here (ListRecipes shows these).
//! - `params`: hyperparameters from `solutionConfig`, checked and mapped to the model's knobs.
//! - `dataset`: turns [`TrainingData`] into dense indices, per-user sequences and item features.
//! - `neighbours`: item-to-item similarity from co-occurrence in users' sequences.
//! - `train`: [`train`] fits a [`Model`] for a recipe.
//! - `model`: [`Model`] with [`Model::recommend`] and [`Model::rank`], serialisation.
//! - `repeat`: how likely a user comes back to an item, by what they did with it so far.
//! - `users`: the user neighbourhood (training users with the most items in common).
//! - `scoring`: a user's score over the catalogue (history, recent events, exploration).
//! - [`metrics`]: [`evaluate`], GetSolutionMetrics on Personalize's hold-out protocol; the
//!   split and scoring behind it, with a discovery protocol and standard NDCG, for reports.
//! - [`baselines`]: rankings without a model (no-model, item-kNN) for the offline report.
//! - [`search`]: AutoML and HPO: candidate recipes and hyperparameters tried on the hold-out,
//!   the best kept.
//! - [`filter`]: Personalize's filter grammar, placeholders and evaluation.
//! - [`actions`]: Next-Best-Action: an action model trained on action interactions, its
//!   propensity scores, expiration and repeat frequency.
//! - `testing` (feature `testing`): the walkthrough data loader of the tests and examples.

#![warn(missing_docs)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod actions;
pub mod baselines;
#[cfg(test)]
mod config_tests;
mod dataset;
pub mod filter;
pub mod metrics;
mod model;
#[cfg(test)]
mod model_tests;
mod neighbours;
mod params;
mod recipes;
mod repeat;
mod scoring;
pub mod search;
#[cfg(feature = "testing")]
pub mod testing;
mod train;
mod users;

pub use dataset::{training_volume, TrainingVolume};
pub use metrics::{evaluate, METRIC_NAMES};
pub use model::{
    Affine, Exploration, Model, Query, Scored, SegmentTarget, Trend, DEFAULT_TREND_INTERVAL,
};
pub use params::default_hyperparameters;
pub use recipes::{recipe, recipes, RecipeInfo};
pub use train::train;

/// An attribute value from a dataset column. Names are the schema's field names, upper-case as
/// users write them in filters (GENRE, YEAR, CREATION_TIMESTAMP...). A categorical string with
/// several values keeps Personalize's `|` separator ("Comedy|Drama"); filters split it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// A string (categorical or free text) column.
    Str(String),
    /// A numeric (int, long, float, double) column.
    Num(f64),
    /// A boolean column.
    Bool(bool),
}

/// One row of the interactions dataset, or one event received through PutEvents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// USER_ID.
    pub user_id: String,
    /// ITEM_ID.
    pub item_id: String,
    /// TIMESTAMP, epoch seconds.
    pub timestamp: i64,
    /// EVENT_TYPE; empty when the dataset has no such column.
    pub event_type: String,
    /// EVENT_VALUE, when the dataset has one.
    pub event_value: Option<f64>,
    /// The session of a PutEvents call.
    pub session_id: Option<String>,
    /// Any other columns.
    pub attributes: BTreeMap<String, Value>,
}

/// One row of the items dataset (or an item from PutItems).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// ITEM_ID.
    pub item_id: String,
    /// Metadata columns (GENRE, YEAR, CREATION_TIMESTAMP...).
    pub attributes: BTreeMap<String, Value>,
}

/// One row of the users dataset (or a user from PutUsers).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// USER_ID.
    pub user_id: String,
    /// Metadata columns.
    pub attributes: BTreeMap<String, Value>,
}

/// Everything a solution version trains on: the dataset group's imported rows plus the events
/// received so far.
#[derive(Clone, Debug, Default)]
pub struct TrainingData {
    /// Interactions, in any order (training sorts them by time, keeping input order on ties).
    pub interactions: Vec<Interaction>,
    /// Items dataset.
    pub items: Vec<Item>,
    /// Users dataset.
    pub users: Vec<User>,
}

/// One entry of `solutionConfig.eventsConfig.eventParametersList`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventParameters {
    /// The event type the entry is about.
    pub event_type: String,
    /// Events of this type whose EVENT_VALUE is below this (or missing) do not train.
    pub value_threshold: Option<f64>,
    /// 0..1: how much one event of this type counts, replacing the learned rarity weight.
    pub weight: f64,
}

/// Which columns of a dataset training may learn from (`trainingDataConfig`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Columns {
    /// Every column (no configuration).
    #[default]
    All,
    /// Only these (`includedDatasetColumns`).
    Only(std::collections::BTreeSet<String>),
    /// All but these (`excludedDatasetColumns`).
    Except(std::collections::BTreeSet<String>),
}

impl Columns {
    /// Whether training may learn from the column `name`.
    pub fn keeps(&self, name: &str) -> bool {
        match self {
            Columns::All => true,
            Columns::Only(names) => names.contains(name),
            Columns::Except(names) => !names.contains(name),
        }
    }
}

/// What a solution version is trained with: `CreateSolution`'s recipe and `solutionConfig`.
#[derive(Clone, Debug, Default)]
pub struct TrainOptions {
    /// [`RecipeInfo::name`], e.g. "aws-user-personalization".
    pub recipe: String,
    /// `solutionConfig.algorithmHyperParameters` (see the crate README for the accepted names).
    pub hyperparameters: BTreeMap<String, String>,
    /// The solution's `eventType`: train on interactions of that type only.
    pub event_type: Option<String>,
    /// `solutionConfig.eventValueThreshold`: train only on interactions whose value is at least
    /// this (interactions without a value are dropped when it is set).
    pub event_value_threshold: Option<f64>,
    /// `solutionConfig.eventsConfig`: when not empty, only the listed event types train, each
    /// with its own value threshold and weight.
    pub events: Vec<EventParameters>,
    /// Item metadata columns the model may learn from (exploration's content features);
    /// filters still see every column.
    pub item_columns: Columns,
    /// EVENT_TYPE is left out of training: every event weighs the same.
    pub ignore_event_types: bool,
    /// Seed of every random choice (the evaluation split, the HPO search).
    pub seed: u64,
}

/// Why training, scoring or evaluation refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is wrong (unknown recipe, bad hyperparameter, missing userId...): the
    /// emulator answers InvalidInputException with this message.
    #[error("{0}")]
    InvalidInput(String),
    /// The data cannot train this recipe: the emulator ends the solution version in
    /// CREATE FAILED with this failureReason.
    #[error("{0}")]
    NotEnoughData(String),
    /// A search ([`search::run`]) was told to stop before it finished.
    #[error("stopped before the search finished")]
    Stopped,
}
