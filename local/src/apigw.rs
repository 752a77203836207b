//! API Gateway (REST API, Lambda proxy integration) in front of the functions: each HTTP
//! request becomes the proxy event the function would get from stage [`STAGE`], and its
//! proxy response becomes the HTTP answer.
//!
//! Kept from API Gateway: routes live under `/<stage>`; a path or method with no route gets
//! `403 {"message":"Missing Authentication Token"}`; a body over 10 MB gets
//! `413 {"message":"Request Too Long"}` (reached only without the web ACL, below); a function error or a malformed proxy response gets
//! `502 {"message":"Internal server error"}`; an integration slower than 29 s gets
//! `504 {"message":"Endpoint request timed out"}`. Query parameters and headers are given in
//! both the single-value (last wins) and multi-value forms; a body that is not UTF-8 is sent
//! base64-encoded with `isBase64Encoded`.
//!
//! Kept from the pipeline module's web ACL (`terraform/modules/pipeline/waf.tf`, on by
//! default), which sees a request before API Gateway does: a body over its `max_body_kb` (64 KB)
//! gets `413 {"message":"request body is larger than 64 KB","field":"body"}`, whatever the route.
//!
//! With an [`Authorizer`] (the stack always has one), every route needs a valid token: a
//! refused one is a 401 before the function runs, and the verified claims reach it as
//! `requestContext.authorizer.claims`.
//!
//! With CORS ([`Settings::cors`], the module's `cors_allow_origin`), an `OPTIONS` request on a
//! resource with routes is the preflight the `api-definition` module's mock integration
//! answers (no authorizer, no function), and the gateway's own error responses carry the
//! configured origin, as the module's gateway responses do; the functions add the header to
//! their own answers (`CORS_ALLOW_ORIGIN`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use axum::Router;
use base64::Engine;
use http::{HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::authorizer::Authorizer;
use crate::function::SharedFunction;
use lambda_common::Cors;

/// The stage the local API is deployed to, as in the AWS example.
pub const STAGE: &str = "prod";

/// API Gateway's payload limit.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The pipeline module's web ACL body limit (`max_body_kb`, default 64: the most AWS WAF
/// inspects of an API Gateway body; a larger body matches its size rule).
/// <https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-size-constraint-match.html>
pub const WEB_ACL_MAX_BODY_BYTES: usize = 64 * 1024;

/// API Gateway's integration timeout.
pub const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);

/// One route: a method on a resource path, integrated with a function.
#[derive(Clone)]
pub struct Route {
    /// HTTP method.
    pub method: Method,
    /// Resource path, e.g. `/recommendations`.
    pub resource: String,
    /// The integrated function.
    pub function: SharedFunction,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.resource)
    }
}

/// What the stage has besides its routes.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The integration timeout ([`INTEGRATION_TIMEOUT`] by default).
    pub timeout: Duration,
    /// The web ACL's body limit; `None` for a stage without the module's web ACL (as with
    /// `create_web_acl = false`).
    pub web_acl_max_body: Option<usize>,
    /// Verifies the `Authorization` header of every request; `None`: every route open.
    pub authorizer: Option<Authorizer>,
    /// CORS (`cors_allow_origin`): `OPTIONS` preflights answered by the gateway, and the
    /// origin on the gateway's own error responses; `None`: no CORS.
    pub cors: Option<Cors>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            timeout: INTEGRATION_TIMEOUT,
            web_acl_max_body: Some(WEB_ACL_MAX_BODY_BYTES),
            authorizer: None,
            cors: None,
        }
    }
}

#[derive(Debug)]
struct Gateway {
    routes: Vec<Route>,
    settings: Settings,
}

/// The router serving `routes` under `/prod`, with the web ACL and no authorizer. Serve it
/// with `into_make_service_with_connect_info::<SocketAddr>()` so events carry the caller's
/// address.
pub fn app(routes: Vec<Route>) -> Router {
    app_with(routes, Settings::default())
}

/// [`app`] with another integration timeout (tests).
pub fn app_with_timeout(routes: Vec<Route>, timeout: Duration) -> Router {
    app_with(
        routes,
        Settings {
            timeout,
            ..Settings::default()
        },
    )
}

/// The router serving `routes` with `settings`.
pub fn app_with(routes: Vec<Route>, settings: Settings) -> Router {
    Router::new()
        .fallback(handle)
        .with_state(Arc::new(Gateway { routes, settings }))
}

/// Marks a response API Gateway makes itself (a gateway response), which carries the CORS
/// origin as the `api-definition` module's gateway responses do.
#[derive(Debug, Clone, Copy)]
struct GatewayResponse;

/// The answer to a CORS preflight on a resource with `methods`, as the `api-definition`
/// module's mock integration gives it: the configured origin (static, whatever the request's
/// `Origin`: a browser compares it with its own and refuses a mismatch), the resource's
/// methods and `OPTIONS`, the headers the API reads, and the cache time. No authorizer runs:
/// a browser sends no credentials with a preflight ("Enabling CORS for a REST API resource",
/// API Gateway developer guide).
fn preflight(cors: &Cors, methods: &[&str]) -> Response {
    let mut allowed: Vec<&str> = methods.to_vec();
    allowed.push("OPTIONS");
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .header(lambda_common::cors::ALLOW_ORIGIN, cors.configured())
        .header("access-control-allow-methods", allowed.join(","))
        .header(
            "access-control-allow-headers",
            lambda_common::cors::ALLOW_HEADERS,
        )
        .header(
            "access-control-max-age",
            lambda_common::cors::MAX_AGE_SECONDS.to_string(),
        )
        .body(Body::empty())
        .expect("the preflight's parts are valid")
}

/// The web ACL's answer to an oversized body: its custom response, JSON, 413.
fn web_acl_too_large(limit: usize) -> Response {
    Response::builder()
        .status(StatusCode::PAYLOAD_TOO_LARGE)
        .header("content-type", "application/json")
        .body(Body::from(
            json!({
                "message": format!("request body is larger than {} KB", limit / 1024),
                "field": "body",
            })
            .to_string(),
        ))
        .expect("static response parts are valid")
}

fn message(status: StatusCode, text: &str) -> Response {
    Response::builder()
        .extension(GatewayResponse)
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-errortype", status_error_type(status))
        .body(Body::from(json!({ "message": text }).to_string()))
        .expect("static response parts are valid")
}

/// The authorizer's 401: the API's error shape, naming the header and the reason.
fn unauthorized(reason: &str) -> Response {
    Response::builder()
        .extension(GatewayResponse)
        .status(StatusCode::UNAUTHORIZED)
        .header("content-type", "application/json")
        .header(
            "x-amzn-errortype",
            status_error_type(StatusCode::UNAUTHORIZED),
        )
        .body(Body::from(
            json!({ "message": reason, "field": "Authorization" }).to_string(),
        ))
        .expect("static response parts are valid")
}

fn status_error_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "UnauthorizedException",
        403 => "MissingAuthenticationTokenException",
        413 => "RequestTooLongException",
        504 => "IntegrationTimeout",
        _ => "InternalServerErrorException",
    }
}

async fn handle(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    let mut response = answer(&gateway, request).await;
    if let Some(cors) = &gateway.settings.cors {
        if response.extensions().get::<GatewayResponse>().is_some() {
            if let Ok(origin) = HeaderValue::from_str(cors.configured()) {
                response
                    .headers_mut()
                    .insert(lambda_common::cors::ALLOW_ORIGIN, origin);
            }
        }
    }
    response
}

async fn answer(gateway: &Gateway, request: Request) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".into());
    let path = request.uri().path().to_owned();
    let (parts, body) = request.into_parts();
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(e) => {
            tracing::info!("{path}: reading the request body: {e}");
            return message(StatusCode::BAD_REQUEST, "Could not read the request body");
        }
    };
    if let Some(limit) = gateway.settings.web_acl_max_body {
        if body.as_ref().is_none_or(|b| b.len() > limit) {
            return web_acl_too_large(limit);
        }
    }
    let Some(resource) = path
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(STAGE))
        .filter(|r| r.starts_with('/'))
        .map(|r| r.trim_end_matches('/').to_owned())
    else {
        return message(StatusCode::FORBIDDEN, "Missing Authentication Token");
    };
    if let (Some(cors), &Method::OPTIONS) = (&gateway.settings.cors, &parts.method) {
        let methods: Vec<&str> = gateway
            .routes
            .iter()
            .filter(|r| r.resource == resource)
            .map(|r| r.method.as_str())
            .collect();
        if !methods.is_empty() {
            return preflight(cors, &methods);
        }
    }
    let Some(route) = gateway
        .routes
        .iter()
        .find(|r| r.method == parts.method && r.resource == resource)
    else {
        return message(StatusCode::FORBIDDEN, "Missing Authentication Token");
    };
    // The authorizer runs after the web ACL and the route match, before the function.
    let authorized = match &gateway.settings.authorizer {
        None => None,
        Some(authorizer) => {
            let header = parts
                .headers
                .get(http::header::AUTHORIZATION)
                .map(HeaderValue::as_bytes);
            match authorizer.verify(header, OffsetDateTime::now_utc().unix_timestamp()) {
                Ok(claims) => Some(claims),
                Err(refused) => {
                    tracing::info!("{route:?}: token refused: {refused}");
                    return unauthorized(&refused.0);
                }
            }
        }
    };
    let Some(body) = body else {
        return message(StatusCode::PAYLOAD_TOO_LARGE, "Request Too Long");
    };
    let mut event = proxy_event(&parts, &resource, &peer, &body);
    if let Some(claims) = authorized {
        event["requestContext"]["authorizer"] = claims;
    }
    let answer =
        match tokio::time::timeout(gateway.settings.timeout, route.function.invoke(event)).await {
            Err(_) => return message(StatusCode::GATEWAY_TIMEOUT, "Endpoint request timed out"),
            Ok(Err(e)) => {
                tracing::error!("{route:?}: function error: {e}");
                return message(StatusCode::BAD_GATEWAY, "Internal server error");
            }
            Ok(Ok(answer)) => answer,
        };
    match proxy_response(&answer) {
        Ok(response) => response,
        Err(why) => {
            tracing::error!("{route:?}: malformed Lambda proxy response: {why}");
            message(StatusCode::BAD_GATEWAY, "Internal server error")
        }
    }
}

/// Most of an oversized body that is read (and dropped) before answering 413, so that a
/// client still sending gets the answer instead of a reset connection.
const MAX_DRAIN_BYTES: usize = 8 * MAX_BODY_BYTES;

/// The body, or `None` when it is over [`MAX_BODY_BYTES`].
async fn read_body(body: Body) -> Result<Option<Vec<u8>>, axum::Error> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        seen += chunk.len();
        if seen <= MAX_BODY_BYTES {
            kept.extend_from_slice(&chunk);
        } else if seen > MAX_DRAIN_BYTES {
            break;
        }
    }
    Ok((seen <= MAX_BODY_BYTES).then_some(kept))
}

/// The Lambda proxy integration event for a request on `resource`.
pub fn proxy_event(parts: &http::request::Parts, resource: &str, peer: &str, body: &[u8]) -> Value {
    let mut headers = Map::new();
    let mut multi_headers: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(name.as_str().to_owned(), Value::String(value.clone()));
        multi_headers
            .entry(name.as_str().to_owned())
            .or_default()
            .push(Value::String(value));
    }
    let mut query = Map::new();
    let mut multi_query: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, v) in parse_query(parts.uri.query().unwrap_or("")) {
        query.insert(k.clone(), Value::String(v.clone()));
        multi_query.entry(k).or_default().push(Value::String(v));
    }
    let nullable = |m: Map<String, Value>| {
        if m.is_empty() {
            Value::Null
        } else {
            Value::Object(m)
        }
    };
    let nullable_multi = |m: BTreeMap<String, Vec<Value>>| {
        if m.is_empty() {
            Value::Null
        } else {
            Value::Object(m.into_iter().map(|(k, v)| (k, Value::Array(v))).collect())
        }
    };
    let (body, is_base64) = if body.is_empty() {
        (Value::Null, false)
    } else {
        match std::str::from_utf8(body) {
            Ok(text) => (Value::String(text.to_owned()), false),
            Err(_) => (
                Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
                true,
            ),
        }
    };
    let now = OffsetDateTime::now_utc();
    let request_id = uuid::Uuid::new_v4().to_string();
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    json!({
        "resource": resource,
        "path": resource,
        "httpMethod": parts.method.as_str(),
        "headers": nullable(headers),
        "multiValueHeaders": nullable_multi(multi_headers),
        "queryStringParameters": nullable(query),
        "multiValueQueryStringParameters": nullable_multi(multi_query),
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "resourceId": "local",
            "stage": STAGE,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTimeEpoch": now.unix_timestamp() * 1000 + i64::from(now.millisecond()),
            "path": format!("/{STAGE}{resource}"),
            "resourcePath": resource,
            "httpMethod": parts.method.as_str(),
            "protocol": format!("{:?}", parts.version),
            "domainName": host,
            "identity": {
                "sourceIp": peer,
                "userAgent": parts.headers.get(http::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok()),
            },
        },
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

/// The HTTP response for a Lambda proxy response payload.
///
/// # Errors
/// When the payload is not a proxy response (no integer `statusCode` in 100..=599, headers
/// that are not strings, a base64 body that does not decode).
pub fn proxy_response(answer: &Value) -> Result<Response, String> {
    let status = answer
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| format!("no valid statusCode in {answer}"))?;
    let mut response = Response::builder().status(status);
    let mut add = |name: &str, value: &Value| -> Result<(), String> {
        let value = value
            .as_str()
            .ok_or_else(|| format!("header {name} is not a string"))?;
        let name = HeaderName::try_from(name).map_err(|e| format!("header {name}: {e}"))?;
        let value = HeaderValue::try_from(value).map_err(|e| format!("header {name}: {e}"))?;
        response.headers_mut().map(|h| h.append(name, value));
        Ok(())
    };
    if let Some(Value::Object(headers)) = answer.get("headers") {
        for (name, value) in headers {
            add(name, value)?;
        }
    }
    if let Some(Value::Object(headers)) = answer.get("multiValueHeaders") {
        for (name, values) in headers {
            for value in values.as_array().map(Vec::as_slice).unwrap_or_default() {
                add(name, value)?;
            }
        }
    }
    let body = match answer.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => {
            if answer.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| format!("base64 body: {e}"))?
            } else {
                text.clone().into_bytes()
            }
        }
        Some(other) => return Err(format!("body is not a string: {other}")),
    };
    response.body(Body::from(body)).map_err(|e| e.to_string())
}

/// Splits and percent-decodes a query string (`+` stays a plus, as API Gateway leaves it).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests;
