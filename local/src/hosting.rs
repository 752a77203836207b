//! Handlers written for `lambda_http` (a `Request` in, a `Response<Body>` out) as
//! [`Function`]s: the proxy event is read by `lambda_http` itself, as its runtime does, and
//! the response is written back as the REST API proxy response its runtime would send.

use std::future::Future;
use std::sync::Arc;

use base64::Engine;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Map, Value};

use crate::function::{Function, FunctionError, Invocation, SharedFunction};

struct HttpFunction<F> {
    name: String,
    handler: Arc<F>,
}

/// Wraps a `lambda_http` handler as a function named `name`.
pub fn http_function<F, Fut>(name: &str, handler: F) -> SharedFunction
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    Arc::new(HttpFunction {
        name: name.to_owned(),
        handler: Arc::new(handler),
    })
}

impl<F, Fut> Function for HttpFunction<F>
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    fn invoke(&self, payload: Value) -> Invocation {
        let request = match lambda_http::request::from_str(&payload.to_string()) {
            Ok(r) => r,
            Err(e) => {
                let e = FunctionError::new("Runtime.Unmarshal", format!("{}: {e}", self.name));
                return Box::pin(std::future::ready(Err(e)));
            }
        };
        let response = (self.handler)(request);
        Box::pin(async move { Ok(proxy_response_json(response.await)) })
    }
}

/// The REST API proxy response `lambda_http` sends for `response`: every header in
/// `multiValueHeaders`, text bodies as is, binary bodies base64-encoded.
pub fn proxy_response_json(response: Response<Body>) -> Value {
    let (parts, body) = response.into_parts();
    let mut headers = Map::new();
    for name in parts.headers.keys() {
        let values: Vec<Value> = parts
            .headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        headers.insert(name.as_str().to_owned(), Value::Array(values));
    }
    let (body, is_base64) = match body {
        Body::Text(text) => (Value::String(text), false),
        Body::Binary(bytes) => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
            true,
        ),
        _ => (Value::Null, false),
    };
    json!({
        "statusCode": parts.status.as_u16(),
        "headers": {},
        "multiValueHeaders": headers,
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

#[cfg(test)]
mod tests {
    use lambda_http::RequestExt;

    use super::*;

    #[tokio::test]
    async fn a_lambda_http_handler_sees_the_proxy_event_and_answers_a_proxy_response() {
        let f = http_function("echo", |req: Request| async move {
            let user = req
                .query_string_parameters()
                .first("userId")
                .unwrap_or("none")
                .to_owned();
            let stage = match req.request_context() {
                lambda_http::request::RequestContext::ApiGatewayV1(c) => {
                    c.stage.unwrap_or_default()
                }
                _ => "other".into(),
            };
            Response::builder()
                .status(201)
                .header("content-type", "application/json")
                .body(Body::Text(format!(
                    "{{\"user\":\"{user}\",\"stage\":\"{stage}\",\"path\":\"{}\"}}",
                    req.uri().path()
                )))
                .unwrap()
        });
        let parts = http::Request::get("/prod/recommendations?userId=429")
            .body(())
            .unwrap()
            .into_parts()
            .0;
        let event = crate::apigw::proxy_event(&parts, "/recommendations", "127.0.0.1", b"");
        let answer = f.invoke(event).await.unwrap();
        assert_eq!(answer["statusCode"], 201);
        assert_eq!(
            answer["multiValueHeaders"]["content-type"],
            json!(["application/json"])
        );
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["user"], "429");
        assert_eq!(body["stage"], "prod");
        // lambda_http builds the URI from requestContext.path, which carries the stage, as on
        // AWS: handlers must route on the stage-less path.
        assert_eq!(body["path"], "/prod/recommendations");
    }

    #[tokio::test]
    async fn an_event_lambda_http_cannot_read_is_an_unmarshal_error() {
        let f = http_function(
            "echo",
            |_req: Request| async move { Response::new(Body::Empty) },
        );
        let e = f.invoke(json!({ "nothing": "here" })).await.unwrap_err();
        assert_eq!(e.error_type, "Runtime.Unmarshal");
    }

    #[test]
    fn binary_bodies_are_base64() {
        let answer = proxy_response_json(Response::new(Body::Binary(vec![0xff])));
        assert_eq!(answer["body"], "/w==");
        assert_eq!(answer["isBase64Encoded"], true);
        assert_eq!(
            proxy_response_json(Response::new(Body::Empty))["body"],
            Value::Null
        );
    }
}
