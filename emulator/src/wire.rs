//! The wire layer: one router for the three protocols.
//!
//! - control plane, awsJson1_1: `POST /` with `X-Amz-Target: AmazonPersonalize.<Op>`;
//! - personalize-events, restJson1: `POST /events`, `/items`, `/users`;
//! - personalize-runtime, restJson1: `POST /recommendations`, `/personalize-ranking`.
//!
//! Every request body is read under a size limit, parsed as a JSON object and validated against
//! the operation's input shape before any handler sees it; every answer is projected onto the
//! output shape. With `Config::verify_sigv4`, every request (all three planes, unknown routes
//! too) must carry a valid SigV4 signature before it is routed ([`crate::sigv4`]); without it
//! signatures are accepted unverified. The region comes from the SigV4 credential scope, and a
//! request sees only its region's resources ([`Ctx::in_region`]). Every response carries
//! `x-amzn-requestid`.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, post, MethodFilter};
use axum::Router;
use serde_json::Value;

use crate::ctx::Ctx;
use crate::error::{ApiError, ErrorKind, Service};
use crate::model::{self, ServiceModel};
use crate::AppState;

/// Region used when a request carries no SigV4 credential scope.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The router. The restJson1 routes are the data-plane models' own (`http.method` and
/// `http.requestUri` of every operation), so every operation AWS has answers at its path:
/// those the emulator does not implement (the Actions operations) answer
/// InvalidInputException saying so, as the control plane's do.
pub fn router(server: AppState) -> Router {
    let mut router = Router::new().route("/", post(control));
    for (model, service) in [
        (model::events(), Service::Events),
        (model::runtime(), Service::Runtime),
    ] {
        for (name, op) in model.operations() {
            let name: &'static str = name;
            let method = op
                .http
                .0
                .parse::<axum::http::Method>()
                .ok()
                .and_then(|m| MethodFilter::try_from(m).ok())
                .unwrap_or(MethodFilter::POST);
            router = router.route(
                &op.http.1,
                on(method, move |State(server): State<AppState>, headers: HeaderMap, body: Body| async move {
                    answer(server, &headers, body, name, service).await
                }),
            );
        }
    }
    let mut router = router
        .fallback(unknown_route)
        .method_not_allowed_fallback(unknown_route);
    if server.config.verify_sigv4.is_some() {
        router = router.layer(middleware::from_fn_with_state(
            server.clone(),
            verify_signature,
        ));
    }
    router
        .layer(middleware::from_fn(request_id))
        .with_state(server)
}

/// The plane a path belongs to, for the format of an error answered before routing: `/` is the
/// control plane, a path of the events or runtime model that service, any other path answers
/// as unknown routes do.
fn plane_of(path: &str) -> Service {
    if path == "/" {
        return Service::Control;
    }
    if model::events()
        .operations()
        .any(|(_, op)| op.http.1 == path)
    {
        return Service::Events;
    }
    Service::Runtime
}

/// `--verify-sigv4`: reads the body (under the body limit), checks the signature over the
/// request as received, and only then lets the request through to its route.
async fn verify_signature(
    State(server): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(credentials) = server.config.verify_sigv4.as_ref() else {
        return next.run(request).await;
    };
    let service = plane_of(request.uri().path());
    let (parts, body) = request.into_parts();
    let limit = server.config.max_body_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return ApiError::new(
            ErrorKind::TooLarge,
            format!("Request body is larger than {limit} bytes"),
        )
        .into_response_for(service);
    };
    let received = crate::sigv4::Received {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
        body: &bytes,
    };
    if let Err(e) = crate::sigv4::verify(credentials, &received, std::time::SystemTime::now()) {
        tracing::debug!(error = %e, "signature refused");
        return e.into_response_for(service);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

async fn request_id(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let id = uuid::Uuid::new_v4().to_string();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    response
}

/// A method and path no model has: UnknownOperationException, HTTP 404, with a JSON
/// `message` ("UnknownOperationException: The action or operation could not be recognized...
/// HTTP Status Code: 404", Amazon Personalize API reference, Common Error Types). The
/// data-plane models define no error of their own for it.
async fn unknown_route(request: Request) -> Response {
    ApiError::new(
        ErrorKind::UnknownOperation,
        format!(
            "No operation at {} {}",
            request.method(),
            request.uri().path()
        ),
    )
    .into_response_for(Service::Runtime)
}

/// The region in `Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/...`.
pub fn region_of(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|cred| cred.split('/').nth(2))
        .filter(|r| {
            !r.is_empty()
                && r.len() <= 32
                && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .unwrap_or(DEFAULT_REGION)
        .to_owned()
}

async fn read_json(server: &AppState, body: Body) -> Result<Value, ApiError> {
    let limit = server.config.max_body_bytes;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            ErrorKind::TooLarge,
            format!("Request body is larger than {limit} bytes"),
        )
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            ErrorKind::Serialization,
            format!("Request body is not valid JSON: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(ApiError::new(
            ErrorKind::Serialization,
            "Request body must be a JSON object",
        ));
    }
    Ok(value)
}

fn validate(model: &ServiceModel, shape: Option<&str>, input: &Value) -> Result<(), ApiError> {
    if let Some(shape) = shape {
        model
            .validate(shape, input)
            .map_err(|e| ApiError::new(ErrorKind::Validation, model::violation_message(&e)))?;
    }
    Ok(())
}

async fn control(State(server): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match target.strip_prefix("AmazonPersonalize.") {
        Some(op_name) => {
            let op_name = op_name.to_owned();
            answer(server, &headers, body, &op_name, Service::Control).await
        }
        None => ApiError::new(
            ErrorKind::UnknownOperation,
            format!("Unknown X-Amz-Target {target:?}"),
        )
        .into_response_for(Service::Control),
    }
}

/// The common path of every operation: look it up in the service's model, read and validate
/// the body, dispatch, project the output, render success or error for that protocol.
async fn answer(
    server: AppState,
    headers: &HeaderMap,
    body: Body,
    op_name: &str,
    service: Service,
) -> Response {
    let model = match service {
        Service::Control => model::control(),
        Service::Events => model::events(),
        Service::Runtime => model::runtime(),
    };
    let result = async {
        let op = model.operation(op_name).ok_or_else(|| {
            ApiError::new(
                ErrorKind::UnknownOperation,
                format!("Unknown operation {op_name}"),
            )
        })?;
        let input = read_json(&server, body).await?;
        validate(model, op.input.as_deref(), &input)?;
        let ctx = Ctx {
            region: region_of(headers),
            server: server.clone(),
        };
        // The List operations filter on the region instead: a parent of another region lists
        // nothing, as a parent that does not exist.
        if !(service == Service::Control
            && op_name.starts_with("List")
            && op_name != "ListTagsForResource")
        {
            ctx.check_regions(&input)?;
        }
        let output = match service {
            Service::Control => crate::control::dispatch(&ctx, op_name, input).await?,
            Service::Events | Service::Runtime => {
                crate::data::dispatch(&ctx, op_name, input).await?
            }
        };
        Ok::<_, ApiError>(match op.output.as_deref() {
            Some(shape) => model.project(shape, &output),
            None => Value::Object(Default::default()),
        })
    }
    .await;
    match result {
        Ok(output) => json_response(output, service),
        Err(e) => e.into_response_for(service),
    }
}

fn json_response(value: Value, service: Service) -> Response {
    let content_type = match service {
        Service::Control => "application/x-amz-json-1.1",
        Service::Events | Service::Runtime => "application/json",
    };
    let mut response = (StatusCode::OK, value.to_string()).into_response();
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_comes_from_the_credential_scope() {
        let mut h = HeaderMap::new();
        assert_eq!(region_of(&h), DEFAULT_REGION);
        h.insert(
            "authorization",
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/personalize/aws4_request, SignedHeaders=host, Signature=x",
            ),
        );
        assert_eq!(region_of(&h), "eu-west-1");
        h.insert(
            "authorization",
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKID/x/../../etc/"),
        );
        assert_eq!(region_of(&h), DEFAULT_REGION);
    }
}
