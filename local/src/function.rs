//! A Lambda function as the AWS services see it: JSON in, JSON out, or a function error.
//!
//! API Gateway, the Kinesis event source mapping and the Lambda `Invoke` API all talk to a
//! function through its serialized payload, never through Rust types. Hosting the handlers
//! behind the same boundary keeps the local stack honest: an event the handler could not
//! deserialize, or a response the service could not read, fails here as it would on AWS.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Why an invocation produced no usable response: what Lambda reports as `FunctionError`
/// (`Unhandled`), with the error message the runtime would put in the payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error_type}: {message}")]
pub struct FunctionError {
    /// `errorType` of the Lambda error payload (e.g. the Rust type name, or `Runtime.Unmarshal`).
    pub error_type: String,
    /// `errorMessage` of the Lambda error payload.
    pub message: String,
}

impl FunctionError {
    /// An error of the given type and message.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error_type: error_type.into(),
            message: message.into(),
        }
    }
}

/// The boxed future an invocation returns.
pub type Invocation = Pin<Box<dyn Future<Output = Result<Value, FunctionError>> + Send>>;

/// A deployed function: something that takes an event payload and answers one.
pub trait Function: Send + Sync {
    /// Invokes the function synchronously (`RequestResponse`) with `payload`.
    fn invoke(&self, payload: Value) -> Invocation;
}

/// A shared, type-erased [`Function`].
pub type SharedFunction = Arc<dyn Function>;

/// A [`Function`] made of a typed async handler: the payload is deserialized into `E` and the
/// answer serialized from `R`, as the Rust Lambda runtime does.
pub struct TypedFunction<F> {
    name: String,
    handler: F,
}

impl<F> fmt::Debug for TypedFunction<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedFunction")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Wraps a typed async handler as a [`SharedFunction`] named `name` (used in error messages).
pub fn typed<E, R, Err, Fut, F>(name: &str, handler: F) -> SharedFunction
where
    E: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    Err: fmt::Display + Send + 'static,
    Fut: Future<Output = Result<R, Err>> + Send + 'static,
    F: Fn(E) -> Fut + Send + Sync + 'static,
{
    Arc::new(TypedFunction {
        name: name.to_owned(),
        handler: move |payload: Value| -> Invocation {
            let event = serde_json::from_value::<E>(payload);
            match event {
                // The runtime's own error type for a payload it cannot read.
                Err(e) => Box::pin(std::future::ready(Err(FunctionError::new(
                    "Runtime.Unmarshal",
                    e.to_string(),
                )))),
                Ok(event) => {
                    let fut = handler(event);
                    Box::pin(async move {
                        let answer = fut.await.map_err(|e| {
                            FunctionError::new(std::any::type_name::<Err>(), e.to_string())
                        })?;
                        serde_json::to_value(answer)
                            .map_err(|e| FunctionError::new("Runtime.Marshal", e.to_string()))
                    })
                }
            }
        },
    })
}

impl<F> Function for TypedFunction<F>
where
    F: Fn(Value) -> Invocation + Send + Sync,
{
    fn invoke(&self, payload: Value) -> Invocation {
        let name = self.name.clone();
        let call = (self.handler)(payload);
        Box::pin(async move {
            call.await.map_err(|mut e| {
                e.message = format!("{name}: {}", e.message);
                e
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct In {
        n: u32,
    }

    #[tokio::test]
    async fn typed_function_round_trips_json_and_reports_unreadable_payloads() {
        let f = typed("double", |e: In| async move {
            if e.n == 13 {
                Err("unlucky".to_owned())
            } else {
                Ok(serde_json::json!({ "twice": e.n * 2 }))
            }
        });
        let ok = f.invoke(serde_json::json!({ "n": 4 })).await.unwrap();
        assert_eq!(ok, serde_json::json!({ "twice": 8 }));

        let bad = f
            .invoke(serde_json::json!({ "n": "four" }))
            .await
            .unwrap_err();
        assert_eq!(bad.error_type, "Runtime.Unmarshal");
        assert!(bad.message.starts_with("double: "), "{bad}");

        let failed = f.invoke(serde_json::json!({ "n": 13 })).await.unwrap_err();
        assert!(failed.message.ends_with("unlucky"), "{failed}");
    }
}
