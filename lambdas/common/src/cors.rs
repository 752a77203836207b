//! CORS for browser clients: the origin a browser may call the API from (`CORS_ALLOW_ORIGIN`,
//! the pipeline module's `cors_allow_origin`).
//!
//! A REST API with Lambda proxy integrations leaves the CORS headers of real responses to the
//! function ("Enabling CORS for a REST API resource", API Gateway developer guide: "for a
//! Lambda proxy integration ... the backend is responsible for returning the
//! `Access-Control-Allow-Origin` header"). The preflight (`OPTIONS`) is answered by API
//! Gateway itself, with the mock integration the `api-definition` module adds.
//!
//! With one configured origin the header is sent only to a request from that origin (with
//! `Vary: Origin`, as the value depends on it); any other origin gets no
//! `Access-Control-Allow-Origin`, so its browser withholds the answer. With `*` every origin
//! gets `*`.

use lambda_http::http::header::{HeaderValue, ORIGIN, VARY};
use lambda_http::http::HeaderMap;
use lambda_http::{Body, Response};

use crate::{ConfigError, Env};

/// The response header naming the allowed origin.
pub const ALLOW_ORIGIN: &str = "access-control-allow-origin";

/// The request headers a browser may send: the ones the API reads or authenticates with
/// (the same list as the `api-definition` module's preflight).
pub const ALLOW_HEADERS: &str =
    "Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token,X-Api-Key";

/// How long a browser may cache a preflight's answer, seconds.
pub const MAX_AGE_SECONDS: u32 = 600;

/// The origin browsers may call from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cors {
    /// Every origin (`*`).
    Any,
    /// One origin, `scheme://host[:port]`, compared without regard to ASCII case.
    Origin(String),
}

impl Cors {
    /// Parses `*` or an origin `http(s)://host[:port]` (no path, query or user info), as the
    /// module's variable validation does.
    ///
    /// # Errors
    /// A message saying what is wrong with `value`.
    pub fn parse(value: &str) -> Result<Self, String> {
        if value == "*" {
            return Ok(Self::Any);
        }
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .ok_or_else(|| format!("must be \"*\" or an http(s) origin, not {value:?}"))?;
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        };
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let port_ok = port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
        if !host_ok || !port_ok {
            return Err(format!(
                "must be \"*\" or an origin scheme://host[:port] without path, not {value:?}"
            ));
        }
        Ok(Self::Origin(value.to_owned()))
    }

    /// Reads `CORS_ALLOW_ORIGIN`; `None` when unset (no CORS headers).
    ///
    /// # Errors
    /// When the variable is set to something [`Cors::parse`] refuses.
    pub fn from_env<F: Fn(&str) -> Option<String>>(
        env: &Env<F>,
    ) -> Result<Option<Self>, ConfigError> {
        env.optional("CORS_ALLOW_ORIGIN")
            .map(|v| Self::parse(v.trim()).map_err(|m| ConfigError::new("CORS_ALLOW_ORIGIN", m)))
            .transpose()
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, or `None` when
    /// that origin is not allowed (or the request names none and only one origin is).
    pub fn allow_origin<'a>(&'a self, origin: Option<&'a str>) -> Option<&'a str> {
        match self {
            Self::Any => Some("*"),
            Self::Origin(allowed) => origin.filter(|o| o.eq_ignore_ascii_case(allowed)),
        }
    }

    /// The configured value (`*` or the origin), as API Gateway's static mappings send it.
    pub fn configured(&self) -> &str {
        match self {
            Self::Any => "*",
            Self::Origin(origin) => origin,
        }
    }

    /// Whether the header's value depends on the request's origin (`Vary: Origin`).
    pub fn varies(&self) -> bool {
        matches!(self, Self::Origin(_))
    }

    /// Adds the CORS headers to `response` for a request with `request_headers`.
    pub fn apply(&self, request_headers: &HeaderMap, response: &mut Response<Body>) {
        let origin = request_headers.get(ORIGIN).and_then(|v| v.to_str().ok());
        if let Some(value) = self
            .allow_origin(origin)
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            response.headers_mut().insert(ALLOW_ORIGIN, value);
        }
        if self.varies() {
            response
                .headers_mut()
                .append(VARY, HeaderValue::from_static("Origin"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_star_or_an_origin_and_refuses_the_rest() {
        assert_eq!(Cors::parse("*"), Ok(Cors::Any));
        assert_eq!(
            Cors::parse("https://shop.example.com:8443"),
            Ok(Cors::Origin("https://shop.example.com:8443".into()))
        );
        for bad in [
            "",
            "shop.example.com",
            "ftp://shop.example.com",
            "https://shop.example.com/",
            "https://shop.example.com/path",
            "https://user@shop.example.com",
            "https://",
            "https://shop.example.com:",
            "https://shop.example.com:123456",
            "https://shop.example.com:80a",
            "https://shop example.com",
            "https://shop.example.com\r\nX-Injected: 1",
            "**",
        ] {
            assert!(Cors::parse(bad).is_err(), "{bad:?} accepted");
        }
        let long = format!("https://{}.com", "a".repeat(300));
        assert!(Cors::parse(&long).is_err());
    }

    #[test]
    fn the_variable_is_optional_and_checked() {
        let none = Env::from_fn(|_| None);
        assert_eq!(Cors::from_env(&none), Ok(None));
        let set = Env::from_fn(|_| Some("https://a.example".to_owned()));
        assert_eq!(
            Cors::from_env(&set),
            Ok(Some(Cors::Origin("https://a.example".into())))
        );
        let bad = Env::from_fn(|_| Some("https://a.example/x".to_owned()));
        let err = Cors::from_env(&bad).unwrap_err();
        assert_eq!(err.name, "CORS_ALLOW_ORIGIN");
    }

    fn applied(cors: &Cors, origin: Option<&str>) -> Response<Body> {
        let mut headers = HeaderMap::new();
        if let Some(o) = origin {
            headers.insert(ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        let mut response = Response::new(Body::Empty);
        cors.apply(&headers, &mut response);
        response
    }

    #[test]
    fn only_the_configured_origin_is_allowed() {
        let cors = Cors::Origin("https://shop.example.com".into());
        let ok = applied(&cors, Some("https://shop.example.com"));
        assert_eq!(ok.headers()[ALLOW_ORIGIN], "https://shop.example.com");
        assert_eq!(ok.headers()[VARY], "Origin");
        // Browsers send origins lower-case; a host is case-insensitive anyway.
        let upper = applied(&cors, Some("https://SHOP.example.com"));
        assert!(upper.headers().contains_key(ALLOW_ORIGIN));
        for other in [
            Some("https://evil.example.com"),
            Some("https://shop.example.com.evil.example"),
            Some("http://shop.example.com"),
            Some("null"),
            None,
        ] {
            let refused = applied(&cors, other);
            assert!(
                !refused.headers().contains_key(ALLOW_ORIGIN),
                "{other:?} allowed"
            );
            assert_eq!(refused.headers()[VARY], "Origin");
        }
    }

    #[test]
    fn a_star_allows_every_origin_without_vary() {
        let response = applied(&Cors::Any, Some("https://anyone.example"));
        assert_eq!(response.headers()[ALLOW_ORIGIN], "*");
        assert!(!response.headers().contains_key(VARY));
        assert_eq!(applied(&Cors::Any, None).headers()[ALLOW_ORIGIN], "*");
    }
}
