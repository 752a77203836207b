//! The one error format of the REST API: `{"message": "...", "field": "..."}`.
//!
//! Every handler turns every failure into an [`ApiError`], so a caller never sees an SDK
//! message, a stack trace or an empty 500. `field` names the request field at fault (body
//! path like `events[2].eventType`, or a query parameter), `null` when no field is.

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

/// A failure rendered as an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status: 4xx for the caller's mistakes, 5xx only when upstream failed.
    pub status: StatusCode,
    /// What went wrong, for a human; never contains SDK internals.
    pub message: String,
    /// The request field at fault, if any.
    pub field: Option<String>,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u32>,
    /// Methods for an `Allow` header (405).
    pub allow: Option<String>,
}

#[derive(Serialize)]
struct Wire<'a> {
    message: &'a str,
    field: Option<&'a str>,
}

impl ApiError {
    /// An error with a status and message, no field.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            field: None,
            retry_after: None,
            allow: None,
        }
    }

    /// 400: a field of the request is missing or invalid.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message).with_field(field)
    }

    /// 400 without a specific field (e.g. a body that is not JSON).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404 for a path this function does not serve.
    pub fn no_route(path: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("no route for path {path:?}"))
    }

    /// 405 with the methods the path accepts.
    pub fn method_not_allowed(method: &str, allow: &[&str]) -> Self {
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "method {method} is not allowed here; use {}",
                allow.join(", ")
            ),
        );
        e.allow = Some(allow.join(", "));
        e
    }

    /// 413 for a body over the limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body is larger than {limit} bytes"),
        )
    }

    /// Sets the field at fault.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Sets `Retry-After`.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Renders the error as the JSON response.
    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::to_string(&Wire {
            message: &self.message,
            field: self.field.as_deref(),
        })
        .unwrap_or_else(|_| r#"{"message":"internal error","field":null}"#.to_owned());
        let mut builder = Response::builder()
            .status(self.status)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(seconds) = self.retry_after {
            builder = builder.header(header::RETRY_AFTER, seconds.to_string());
        }
        if let Some(allow) = &self.allow {
            builder = builder.header(header::ALLOW, allow.as_str());
        }
        builder
            .body(Body::Text(body))
            .unwrap_or_else(|_| Response::new(Body::Empty))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} ({field}): {}", self.status, self.message),
            None => write!(f, "{}: {}", self.status, self.message),
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &Response<Body>) -> serde_json::Value {
        match r.body() {
            Body::Text(t) => serde_json::from_str(t).unwrap(),
            other => panic!("unexpected body {other:?}"),
        }
    }

    #[test]
    fn renders_message_and_field() {
        let r = ApiError::invalid("events[0].itemId", "must be a string").into_response();
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(
            body(&r),
            serde_json::json!({"message": "must be a string", "field": "events[0].itemId"})
        );
    }

    #[test]
    fn field_is_null_when_absent_and_headers_are_set() {
        let r = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "slow down")
            .with_retry_after(2)
            .into_response();
        assert_eq!(body(&r)["field"], serde_json::Value::Null);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
        let r = ApiError::method_not_allowed("PUT", &["GET"]).into_response();
        assert_eq!(r.status(), 405);
        assert_eq!(r.headers()[header::ALLOW], "GET");
    }
}
