//! Request plumbing shared by the HTTP functions: which route a request is for, its JSON body
//! under a size limit, its query parameters, and JSON responses.
//!
//! Routes match on the resource path without the API Gateway stage, so the same handler serves
//! a REST API proxy event (its `resource`, `/events`, whatever the URL path: behind a custom
//! domain with a base path mapping `path` is `/v1/events`), an HTTP API v2 event on a named
//! stage (`rawPath` = `/prod/events`), a function URL, and the local stack.

use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::http::{header, Method, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;

use crate::ApiError;

/// The path a request is for, without the API Gateway stage prefix and trailing slash.
///
/// For a REST API event it is the resource API Gateway matched (`requestContext.resourcePath`),
/// not the URL path: a custom domain's base path mapping (`api.example.com/v1` -> stage `prod`)
/// puts the base path in `path` but not in the resource. A resource with a path parameter
/// (`/{proxy+}`) names no route, so the URL path is used then. Input format:
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format>
pub fn route_path(req: &Request) -> String {
    if let Some(RequestContext::ApiGatewayV1(ctx)) = req.request_context_ref() {
        if let Some(resource) = ctx
            .resource_path
            .as_deref()
            .filter(|r| r.starts_with('/') && !r.contains('{'))
        {
            return without_trailing_slash(resource);
        }
    }
    let raw = req.raw_http_path();
    let raw = if raw.is_empty() {
        req.uri().path()
    } else {
        raw
    };
    let stage = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.stage.clone(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    let mut path = raw;
    if let Some(stage) = stage.filter(|s| s != "$default" && !s.is_empty()) {
        let prefix = format!("/{stage}");
        if let Some(rest) = path.strip_prefix(&prefix) {
            if rest.is_empty() || rest.starts_with('/') {
                path = rest;
            }
        }
    }
    without_trailing_slash(path)
}

fn without_trailing_slash(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Finds the route of `req` among `routes` (method, path): `Ok(path)` when one matches, 404
/// for an unknown path, 405 (with `Allow`) for a known path and another method. `HEAD` and
/// `OPTIONS` are not served. API Gateway does not answer a CORS preflight by itself for a REST
/// API: only an `OPTIONS` method of the API (a mock integration) does, so no `OPTIONS` request
/// should reach a function.
pub fn match_route(
    req: &Request,
    routes: &[(&str, &'static str)],
) -> Result<&'static str, ApiError> {
    let path = route_path(req);
    let method = req.method();
    let mut allow = Vec::new();
    for (m, p) in routes {
        if *p == path {
            if Method::from_bytes(m.as_bytes()).is_ok_and(|m| m == method) {
                return Ok(p);
            }
            allow.push(*m);
        }
    }
    if allow.is_empty() {
        Err(ApiError::no_route(&path))
    } else {
        Err(ApiError::method_not_allowed(method.as_str(), &allow))
    }
}

/// The request body parsed as JSON, refused when larger than `limit` bytes, empty, not UTF-8
/// or not JSON. The body is parsed to a [`serde_json::Value`] first so that each field can be
/// checked with an error naming it.
pub fn json_body(req: &Request, limit: usize) -> Result<serde_json::Value, ApiError> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    if bytes.len() > limit {
        return Err(ApiError::too_large(limit));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "request body is empty; send a JSON object",
        ));
    }
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or_default().trim();
        if !essence.is_empty() && essence != "application/json" && !essence.ends_with("+json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("content type {essence:?} is not supported; send application/json"),
            )
            .with_field("Content-Type"));
        }
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("request body is not valid JSON: {e}")))
}

/// The query parameters: those API Gateway parsed into the event, or, for a request built
/// without them (a plain `http::Request`, e.g. from a test or another host), the URI's query.
pub fn query_params(req: &Request) -> QueryMap {
    match req.query_string_parameters_ref() {
        Some(params) => params.clone(),
        None => req
            .uri()
            .query()
            .and_then(|q| q.parse::<QueryMap>().ok())
            .unwrap_or_default(),
    }
}

/// One query parameter: `None` when absent, refused when given more than once (a repeated
/// parameter is ambiguous, and silently taking one of them hides the caller's mistake).
pub fn query_param(req: &Request, name: &str) -> Result<Option<String>, ApiError> {
    let params = query_params(req);
    match params.all(name) {
        None => Ok(None),
        Some(values) if values.len() == 1 => Ok(Some(values[0].to_owned())),
        Some(_) => Err(ApiError::invalid(
            name,
            format!("{name} is given more than once"),
        )),
    }
}

/// Names of the query parameters that are not in `known`, sorted (to refuse typos like
/// `userid` instead of silently ignoring them).
pub fn unknown_query_params(req: &Request, known: &[&str]) -> Vec<String> {
    let params = query_params(req);
    let mut unknown: Vec<String> = params
        .iter()
        .map(|(k, _)| k.to_owned())
        .filter(|k| !known.contains(&k.as_str()))
        .collect();
    unknown.sort();
    unknown.dedup();
    unknown
}

/// A JSON response with `status`.
pub fn json_response(status: StatusCode, value: &impl Serialize) -> Response<Body> {
    match serde_json::to_string(value) {
        Ok(text) => Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::Text(text))
            .unwrap_or_else(|_| Response::new(Body::Empty)),
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not encode the response: {e}"),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ROUTES: &[(&str, &str)] = &[("POST", "/events"), ("GET", "/events"), ("POST", "/data")];

    fn request(method: &str, path: &str) -> Request {
        lambda_http::http::Request::builder()
            .method(method)
            .uri(format!("https://example.com{path}"))
            .body(Body::Empty)
            .unwrap()
    }

    #[test]
    fn routes_on_the_path_without_stage_or_trailing_slash() {
        let v1 = lambda_http::request::from_str(include_str!("../tests/data/apigw_v1_events.json"))
            .unwrap();
        assert_eq!(route_path(&v1), "/events");
        let v2 = lambda_http::request::from_str(include_str!("../tests/data/apigw_v2_staged.json"))
            .unwrap();
        assert_eq!(route_path(&v2), "/events");
        assert_eq!(route_path(&request("POST", "/data/")), "/data");
        assert_eq!(route_path(&request("POST", "/")), "/");
        assert_eq!(match_route(&v1, ROUTES), Ok("/events"));
        assert_eq!(match_route(&v2, ROUTES), Ok("/events"));
    }

    /// A REST event through a custom domain whose base path mapping `v1` points at the stage.
    fn behind_base_path(resource: &str) -> Request {
        let mut event: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/apigw_v1_events.json")).unwrap();
        event["path"] = "/v1/events".into();
        event["resource"] = resource.into();
        event["requestContext"]["resourcePath"] = resource.into();
        event["requestContext"]["path"] = "/v1/events".into();
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    #[test]
    fn rest_events_route_on_the_resource_so_a_base_path_mapping_works() {
        let req = behind_base_path("/events");
        assert_eq!(route_path(&req), "/events");
        assert_eq!(match_route(&req, ROUTES), Ok("/events"));
        // A greedy resource names no route: the URL path is all there is.
        assert_eq!(route_path(&behind_base_path("/{proxy+}")), "/v1/events");
    }

    #[test]
    fn unknown_path_is_404_and_wrong_method_405() {
        assert_eq!(
            match_route(&request("POST", "/nope"), ROUTES)
                .unwrap_err()
                .status,
            404
        );
        let e = match_route(&request("DELETE", "/events"), ROUTES).unwrap_err();
        assert_eq!(e.status, 405);
        assert_eq!(e.allow.as_deref(), Some("POST, GET"));
    }

    fn with_body(body: &str, content_type: Option<&str>) -> Request {
        let mut b = lambda_http::http::Request::builder()
            .method("POST")
            .uri("/events");
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        b.body(Body::Text(body.to_owned())).unwrap()
    }

    #[test]
    fn body_limits_and_errors_are_precise() {
        assert_eq!(
            json_body(&with_body(r#"{"a":1}"#, None), 100).unwrap()["a"],
            1
        );
        assert_eq!(
            json_body(
                &with_body(r#"{"a":1}"#, Some("application/json; charset=utf-8")),
                100
            )
            .unwrap()["a"],
            1
        );
        assert_eq!(
            json_body(&with_body(&"x".repeat(101), None), 100)
                .unwrap_err()
                .status,
            413
        );
        assert_eq!(
            json_body(&with_body("  ", None), 100).unwrap_err().status,
            400
        );
        let e = json_body(&with_body("{", None), 100).unwrap_err();
        assert!(e.message.contains("not valid JSON"), "{e}");
        assert_eq!(
            json_body(&with_body("{}", Some("text/plain")), 100)
                .unwrap_err()
                .status,
            415
        );
    }

    #[test]
    fn query_parameters_repeated_or_unknown_are_reported() {
        let mut map = HashMap::new();
        map.insert("userId".to_owned(), vec!["1".to_owned(), "2".to_owned()]);
        map.insert("usrId".to_owned(), vec!["1".to_owned()]);
        let req = request("GET", "/r").with_query_string_parameters(map);
        assert_eq!(
            query_param(&req, "userId").unwrap_err().field.as_deref(),
            Some("userId")
        );
        assert_eq!(query_param(&req, "other").unwrap(), None);
        assert_eq!(
            unknown_query_params(&req, &["userId"]),
            vec!["usrId".to_owned()]
        );
    }
}
