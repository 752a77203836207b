//! The recommend Lambda: `GET /recommendations`, the item-to-item routes
//! (`GET /recommendations/more-like`, `/because-you-watched`, `/also-viewed`,
//! `/bought-together`) and the walkthrough's `GET /getRecommendations`, from the configured
//! Personalize campaign or from the recommenders of a domain dataset group.
//!
//! # Layout
//! - [`handler`]: [`Recommend`], the handler value; routing and the mapping of upstream
//!   failures to responses.
//! - [`query`]: the query strings of the routes, checked parameter by parameter, and the
//!   `FILTER_ARNS` and `RECOMMENDER_ARNS` configuration.
//! - [`upstream`]: the narrow [`Recommender`] trait, its Personalize implementation and the
//!   response shape.

#![warn(missing_docs)]

pub mod handler;
pub mod query;
pub mod upstream;

#[cfg(test)]
mod tests;

pub use handler::Recommend;
pub use upstream::{PersonalizeRecommender, RecommendationRequest, Recommendations, Recommender};

use std::collections::BTreeMap;

use lambda_common::{AuthMode, ConfigError, Cors, Env};

/// The user route.
pub const USER_ROUTE: &str = "/recommendations";
/// The walkthrough's route (campaign only).
pub const SEED_ROUTE: &str = "/getRecommendations";

/// The use cases of domain dataset groups, by the short name `RECOMMENDER_ARNS` and the
/// personalize module's `use_cases` use, with their recipe (developer guide, "VIDEO_ON_DEMAND
/// use cases" and "ECOMMERCE use cases": the recipe ARN is
/// `arn:aws:personalize:::recipe/<recipe>`).
pub const USE_CASES: [(&str, &str); 10] = [
    ("top-picks", "aws-vod-top-picks"),
    ("because-you-watched-x", "aws-vod-because-you-watched-x"),
    ("more-like-x", "aws-vod-more-like-x"),
    ("most-popular", "aws-vod-most-popular"),
    ("trending-now", "aws-vod-trending-now"),
    ("recommended-for-you", "aws-ecomm-recommended-for-you"),
    (
        "customers-who-viewed-x-also-viewed",
        "aws-ecomm-customers-who-viewed-x-also-viewed",
    ),
    (
        "frequently-bought-together",
        "aws-ecomm-frequently-bought-together",
    ),
    ("popular-items-by-views", "aws-ecomm-popular-items-by-views"),
    (
        "popular-items-by-purchases",
        "aws-ecomm-popular-items-by-purchases",
    ),
];

/// The use cases `GET /recommendations` serves from when no campaign is configured: "Top picks
/// for you" (VIDEO_ON_DEMAND) and "Recommended for you" (ECOMMERCE), the two that take a user
/// alone. A dataset group has one domain, so a deployment configures at most one of them.
pub const USER_USE_CASES: [&str; 2] = ["top-picks", "recommended-for-you"];

/// The item-to-item routes (path, use case): each needs `itemId` and is served only when
/// `RECOMMENDER_ARNS` has its use case.
pub const ITEM_ROUTES: [(&str, &str); 4] = [
    ("/recommendations/more-like", "more-like-x"),
    (
        "/recommendations/because-you-watched",
        "because-you-watched-x",
    ),
    (
        "/recommendations/also-viewed",
        "customers-who-viewed-x-also-viewed",
    ),
    (
        "/recommendations/bought-together",
        "frequently-bought-together",
    ),
];

/// The routes this function serves (method, path), as in the OpenAPI document.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", USER_ROUTE),
    ("GET", SEED_ROUTE),
    ("GET", ITEM_ROUTES[0].0),
    ("GET", ITEM_ROUTES[1].0),
    ("GET", ITEM_ROUTES[2].0),
    ("GET", ITEM_ROUTES[3].0),
];

/// Configuration of the recommend function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The campaign `GET /recommendations` and `GET /getRecommendations` go to
    /// (`CAMPAIGN_ARN`); `None` for a deployment serving from recommenders only.
    pub campaign_arn: Option<String>,
    /// Recommenders by use case short name ([`USE_CASES`]; `RECOMMENDER_ARNS`, a JSON object
    /// use case → recommender ARN; default none).
    pub recommenders: BTreeMap<String, String>,
    /// Filters callers may name (`FILTER_ARNS`, a JSON object name → ARN; default none).
    pub filters: BTreeMap<String, String>,
    /// Whose recommendations a caller may read (`AUTH_MODE`, `USER_ID_CLAIM`).
    pub auth: AuthMode,
    /// The origin browsers may call from (`CORS_ALLOW_ORIGIN`); `None`: no CORS headers.
    pub cors: Option<Cors>,
}

impl Config {
    /// Configuration for `campaign_arn` without filters, callers bound to their token's user.
    pub fn new(campaign_arn: impl Into<String>) -> Self {
        Self {
            campaign_arn: Some(campaign_arn.into()),
            ..Self::with_recommenders(BTreeMap::new())
        }
    }

    /// Configuration serving from `recommenders` (use case → ARN) without a campaign.
    pub fn with_recommenders(recommenders: BTreeMap<String, String>) -> Self {
        Self {
            campaign_arn: None,
            recommenders,
            filters: BTreeMap::new(),
            auth: AuthMode::default(),
            cors: None,
        }
    }

    /// The recommender `GET /recommendations` asks when there is no campaign: the configured
    /// one of [`USER_USE_CASES`], as (use case, ARN).
    pub fn user_recommender(&self) -> Option<(&'static str, &str)> {
        USER_USE_CASES
            .iter()
            .find_map(|u| self.recommenders.get(*u).map(|arn| (*u, arn.as_str())))
    }

    /// Reads `CAMPAIGN_ARN`, `RECOMMENDER_ARNS`, `FILTER_ARNS`, `AUTH_MODE`, `USER_ID_CLAIM`
    /// and `CORS_ALLOW_ORIGIN`. At least one of `CAMPAIGN_ARN` and `RECOMMENDER_ARNS` is
    /// needed; `GET /recommendations` has one source, so a campaign excludes the
    /// [`USER_USE_CASES`] recommenders and those two exclude each other.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let campaign_arn = env.optional("CAMPAIGN_ARN");
        if let Some(arn) = &campaign_arn {
            if !arn.starts_with("arn:") || !arn.contains(":campaign/") {
                return Err(ConfigError::new("CAMPAIGN_ARN", "must be a campaign ARN"));
            }
        }
        let recommenders = match env.optional("RECOMMENDER_ARNS") {
            None => BTreeMap::new(),
            Some(raw) => query::recommender_arns(&raw)
                .map_err(|m| ConfigError::new("RECOMMENDER_ARNS", m))?,
        };
        if campaign_arn.is_none() && recommenders.is_empty() {
            return Err(ConfigError::new(
                "CAMPAIGN_ARN",
                "is required unless RECOMMENDER_ARNS names at least one recommender",
            ));
        }
        let user: Vec<&str> = USER_USE_CASES
            .iter()
            .copied()
            .filter(|u| recommenders.contains_key(*u))
            .collect();
        if user.len() > 1 {
            return Err(ConfigError::new(
                "RECOMMENDER_ARNS",
                "top-picks (VIDEO_ON_DEMAND) and recommended-for-you (ECOMMERCE) both serve GET /recommendations; a dataset group has one domain: keep one",
            ));
        }
        if let (Some(_), Some(u)) = (&campaign_arn, user.first()) {
            return Err(ConfigError::new(
                "RECOMMENDER_ARNS",
                format!(
                    "{u} and CAMPAIGN_ARN both serve GET /recommendations: configure one of them"
                ),
            ));
        }
        let filters = match env.optional("FILTER_ARNS") {
            None => BTreeMap::new(),
            Some(raw) => {
                query::filter_arns(&raw).map_err(|m| ConfigError::new("FILTER_ARNS", m))?
            }
        };
        Ok(Self {
            campaign_arn,
            recommenders,
            filters,
            auth: AuthMode::from_env(env)?,
            cors: Cors::from_env(env)?,
        })
    }
}

impl Recommend<PersonalizeRecommender> {
    /// The handler on the real Personalize runtime client.
    pub fn from_sdk(config: Config, sdk: &sdk_config::aws_config::SdkConfig) -> Self {
        let client = aws_sdk_personalizeruntime::Client::new(sdk);
        Self::new(config, PersonalizeRecommender::new(client))
    }
}
