//! The query strings of the routes, checked parameter by parameter, and where each request
//! goes: the campaign or a recommender.

use std::collections::{BTreeMap, HashMap};

use lambda_common::fields::{integer_value, string_value, type_name, FieldError};
use lambda_common::http::{query_param, unknown_query_params};
use lambda_common::ApiError;
use lambda_http::http::StatusCode;
use lambda_http::Request;
use serde_json::Value;

use crate::upstream::RecommendationRequest;
use crate::{Config, ITEM_ROUTES, SEED_ROUTE, USER_ROUTE, USER_USE_CASES, USE_CASES};

/// `numResults` when not given.
pub const DEFAULT_NUM_RESULTS: i64 = 25;
/// Largest `numResults` (Personalize limit).
pub const MAX_NUM_RESULTS: i64 = 500;

/// Query parameters `GET /recommendations` accepts; any other is refused.
pub const RECOMMENDATIONS_PARAMS: &[&str] = &[
    "userId",
    "numResults",
    "itemId",
    "filter",
    "filterValues",
    "context",
];
/// Query parameters `GET /getRecommendations` accepts; any other is refused.
pub const SEED_PARAMS: &[&str] = &["campaignArn", "userId", "numResults"];
/// Query parameters the item-to-item routes ([`ITEM_ROUTES`]) accept; `itemId` is required.
pub const ITEM_PARAMS: &[&str] = &["userId", "itemId", "numResults", "filter", "filterValues"];

/// Where a request goes: a campaign or a recommender, by ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// `campaignArn`.
    Campaign(&'a str),
    /// `recommenderArn`.
    Recommender(&'a str),
}

/// The answer for a route this deployment does not configure: 404 naming what is missing,
/// before any parameter is read.
fn unconfigured(route: &str, missing: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("GET {route} is not configured in this deployment: {missing}"),
    )
}

fn refuse_unknown(req: &Request, known: &[&str]) -> Result<(), ApiError> {
    match unknown_query_params(req, known).first() {
        None => Ok(()),
        Some(name) => Err(ApiError::invalid(
            name.as_str(),
            format!(
                "unknown query parameter; expected one of {}",
                known.join(", ")
            ),
        )),
    }
}

fn text(req: &Request, name: &str, max: usize) -> Result<Option<String>, ApiError> {
    match query_param(req, name)? {
        None => Ok(None),
        Some(v) => Ok(Some(string_value(&Value::String(v), name, 1, max)?)),
    }
}

/// The user and count of every route. The user is the caller's (see
/// [`lambda_common::identity`]): `userId` may be omitted by a user caller and must be its own.
fn common(
    req: &Request,
    config: &Config,
    source: Source<'_>,
) -> Result<RecommendationRequest, ApiError> {
    let caller = config.auth.caller(req)?;
    let user_id = caller.acting_for(text(req, "userId", 256)?, "userId")?;
    let num_results = match query_param(req, "numResults")? {
        None => DEFAULT_NUM_RESULTS,
        Some(v) => integer_value(&Value::String(v), "numResults", 1, MAX_NUM_RESULTS)?,
    };
    let (campaign_arn, recommender_arn) = match source {
        Source::Campaign(arn) => (Some(arn.to_owned()), None),
        Source::Recommender(arn) => (None, Some(arn.to_owned())),
    };
    Ok(RecommendationRequest {
        campaign_arn,
        recommender_arn,
        user_id,
        num_results: num_results as i32,
        ..RecommendationRequest::default()
    })
}

/// `GET /recommendations`: the campaign, or else the "Top picks for you" or "Recommended for
/// you" recommender.
pub fn recommendations(req: &Request, config: &Config) -> Result<RecommendationRequest, ApiError> {
    let source = match (&config.campaign_arn, config.user_recommender()) {
        (Some(arn), _) => Source::Campaign(arn),
        (None, Some((_, arn))) => Source::Recommender(arn),
        (None, None) => {
            return Err(unconfigured(
                USER_ROUTE,
                &format!(
                    "no CAMPAIGN_ARN, and RECOMMENDER_ARNS has none of {}",
                    USER_USE_CASES.join(", ")
                ),
            ))
        }
    };
    refuse_unknown(req, RECOMMENDATIONS_PARAMS)?;
    let mut r = common(req, config, source)?;
    r.item_id = text(req, "itemId", 256)?;
    filter(req, config, &mut r)?;
    if let Some(raw) = text(req, "context", 16 * 1024)? {
        r.context = string_map(&raw, "context", 150, 150, 1000)?;
    }
    Ok(r)
}

/// An item-to-item route ([`ITEM_ROUTES`]): its use case's recommender, `itemId` required.
pub fn item(
    req: &Request,
    config: &Config,
    route: &str,
) -> Result<RecommendationRequest, ApiError> {
    let (path, use_case) = ITEM_ROUTES
        .iter()
        .find(|(p, _)| *p == route)
        .ok_or_else(|| ApiError::no_route(route))?;
    let arn = config.recommenders.get(*use_case).ok_or_else(|| {
        unconfigured(
            path,
            &format!("RECOMMENDER_ARNS has no {use_case} recommender"),
        )
    })?;
    refuse_unknown(req, ITEM_PARAMS)?;
    let mut r = common(req, config, Source::Recommender(arn))?;
    r.item_id =
        Some(text(req, "itemId", 256)?.ok_or_else(|| FieldError::new("itemId", "is required"))?);
    filter(req, config, &mut r)?;
    Ok(r)
}

/// `filter` (a configured name) and `filterValues`.
fn filter(req: &Request, config: &Config, r: &mut RecommendationRequest) -> Result<(), ApiError> {
    if let Some(name) = text(req, "filter", 63)? {
        let arn = config.filters.get(&name).ok_or_else(|| {
            let known: Vec<&str> = config.filters.keys().map(String::as_str).collect();
            ApiError::invalid(
                "filter",
                if known.is_empty() {
                    "unknown filter: this deployment has no filters".to_owned()
                } else {
                    format!("unknown filter; known filters: {}", known.join(", "))
                },
            )
        })?;
        r.filter_arn = Some(arn.clone());
    }
    if let Some(raw) = text(req, "filterValues", 4096)? {
        if r.filter_arn.is_none() {
            return Err(ApiError::invalid("filterValues", "needs a filter"));
        }
        r.filter_values = string_map(&raw, "filterValues", 25, 50, 1000)?;
    }
    Ok(())
}

/// `GET /getRecommendations` (the walkthrough's): `campaignArn` must be the configured one.
pub fn seed(req: &Request, config: &Config) -> Result<RecommendationRequest, ApiError> {
    let Some(campaign) = &config.campaign_arn else {
        return Err(unconfigured(
            SEED_ROUTE,
            "it serves a campaign and CAMPAIGN_ARN is not set",
        ));
    };
    refuse_unknown(req, SEED_PARAMS)?;
    let arn = text(req, "campaignArn", 256)?
        .ok_or_else(|| FieldError::new("campaignArn", "is required"))?;
    if &arn != campaign {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this API serves only its configured campaign",
        )
        .with_field("campaignArn"));
    }
    common(req, config, Source::Campaign(campaign))
}

/// A JSON object of strings, as Personalize's `filterValues` and `context` maps.
fn string_map(
    raw: &str,
    field: &str,
    max_entries: usize,
    max_key: usize,
    max_value: usize,
) -> Result<HashMap<String, String>, FieldError> {
    let value: Value = serde_json::from_str(raw)
        .map_err(|e| FieldError::new(field, format!("must be a JSON object of strings: {e}")))?;
    let Value::Object(map) = value else {
        return Err(FieldError::new(
            field,
            format!(
                "must be a JSON object of strings, not {}",
                type_name(&value)
            ),
        ));
    };
    if map.is_empty() || map.len() > max_entries {
        return Err(FieldError::new(
            field,
            format!("must hold 1 to {max_entries} entries, not {}", map.len()),
        ));
    }
    let mut out = HashMap::new();
    for (k, v) in &map {
        let path = format!("{field}.{k}");
        string_value(&Value::String(k.clone()), &path, 1, max_key)?;
        out.insert(k.clone(), string_value(v, &path, 1, max_value)?);
    }
    Ok(out)
}

/// Parses `FILTER_ARNS`: a JSON object of filter name → filter ARN.
pub fn filter_arns(raw: &str) -> Result<BTreeMap<String, String>, String> {
    let value: Value = serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err(format!("must be a JSON object, not {}", type_name(&value)));
    };
    map.into_iter()
        .map(|(name, arn)| match arn {
            Value::String(arn) if arn.starts_with("arn:") && (1..=63).contains(&name.len()) => {
                Ok((name, arn))
            }
            other => Err(format!(
                "filter {name:?}: name must be 1 to 63 characters and the value a filter ARN, not {other}"
            )),
        })
        .collect()
}

/// Parses `RECOMMENDER_ARNS`: a JSON object of use case short name ([`USE_CASES`]) →
/// recommender ARN.
pub fn recommender_arns(raw: &str) -> Result<BTreeMap<String, String>, String> {
    let value: Value = serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err(format!("must be a JSON object, not {}", type_name(&value)));
    };
    map.into_iter()
        .map(|(use_case, arn)| {
            if !USE_CASES.iter().any(|(name, _)| *name == use_case) {
                let known: Vec<&str> = USE_CASES.iter().map(|(name, _)| *name).collect();
                return Err(format!(
                    "unknown use case {use_case:?}; expected one of {}",
                    known.join(", ")
                ));
            }
            match arn {
                Value::String(arn) if arn.starts_with("arn:") && arn.contains(":recommender/") => {
                    Ok((use_case, arn))
                }
                other => Err(format!(
                    "use case {use_case:?}: the value must be a recommender ARN, not {other}"
                )),
            }
        })
        .collect()
}
