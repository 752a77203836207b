//! The recommend handler: route, check the query, call Personalize, answer. Every outcome is
//! an HTTP response; upstream failures map to 404 (not found), 429 with `Retry-After`
//! (throttling), 400 (Personalize refused the caller's parameters) and 502 (anything else),
//! without SDK internals.

use lambda_common::http::{json_response, match_route};
use lambda_common::{ApiError, Failure, Upstream};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::upstream::Recommender;
use crate::{query, Config, ROUTES, SEED_ROUTE, USER_ROUTE};

/// The recommend function: configuration and the recommender, built once per container.
#[derive(Debug)]
pub struct Recommend<R> {
    config: Config,
    recommender: R,
}

impl<R: Recommender> Recommend<R> {
    /// A handler asking `recommender`.
    pub fn new(config: Config, recommender: R) -> Self {
        Self {
            config,
            recommender,
        }
    }

    /// The recommender (tests read what it was asked).
    pub fn recommender(&self) -> &R {
        &self.recommender
    }

    /// Handles one HTTP request (API Gateway REST or HTTP API, function URL, local stack).
    pub async fn handle(&self, req: Request) -> Response<Body> {
        let mut response = match self.answer(&req).await {
            Ok(r) => r,
            Err(e) => {
                if e.status.is_server_error() {
                    tracing::error!(status = e.status.as_u16(), message = %e.message, "request failed");
                } else {
                    tracing::info!(status = e.status.as_u16(), field = ?e.field, message = %e.message, "request refused");
                }
                e.into_response()
            }
        };
        if let Some(cors) = &self.config.cors {
            cors.apply(req.headers(), &mut response);
        }
        response
    }

    async fn answer(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let request = match match_route(req, ROUTES)? {
            SEED_ROUTE => query::seed(req, &self.config)?,
            USER_ROUTE => query::recommendations(req, &self.config)?,
            item_route => query::item(req, &self.config, item_route)?,
        };
        let recommendations = self
            .recommender
            .recommend(&request)
            .await
            .map_err(upstream_error)?;
        tracing::info!(
            items = recommendations.item_list.len(),
            "recommendations served"
        );
        Ok(json_response(StatusCode::OK, &recommendations))
    }
}

/// The response for a failed GetRecommendations call.
pub fn upstream_error(e: Upstream) -> ApiError {
    tracing::warn!(error = %e, "GetRecommendations failed");
    match e.kind {
        Failure::NotFound => ApiError::new(StatusCode::NOT_FOUND, e.public_message()),
        Failure::Throttled => {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, e.public_message()).with_retry_after(1)
        }
        Failure::Rejected if e.code == "InvalidInputException" => ApiError::bad_request(
            "Personalize refused the request's parameters (InvalidInputException)",
        ),
        Failure::Unavailable | Failure::Rejected => {
            ApiError::new(StatusCode::BAD_GATEWAY, e.public_message())
        }
    }
}
