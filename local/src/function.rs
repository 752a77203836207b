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

/// A function whose handler future is not `Send` (a handler borrowing across
/// `buffer_unordered`, say), run the way Lambda runs any function: in its own sandbox, here a
/// thread with a single-threaded runtime. Invocations run concurrently on it (as concurrent
/// invocations would on separate instances); the payload crosses as JSON.
pub fn sandboxed<E, R, Err, Fut, F>(name: &str, handler: F) -> anyhow::Result<SharedFunction>
where
    E: DeserializeOwned + 'static,
    R: Serialize + 'static,
    Err: fmt::Display + 'static,
    Fut: Future<Output = Result<R, Err>> + 'static,
    F: Fn(E) -> Fut + Send + 'static,
{
    type Job = (
        Value,
        tokio::sync::oneshot::Sender<Result<Value, FunctionError>>,
    );
    let (jobs, mut queue) = tokio::sync::mpsc::unbounded_channel::<Job>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let thread_name = format!("lambda-{name}");
    std::thread::Builder::new()
        .name(thread_name)
        .spawn(move || {
            let handler = std::rc::Rc::new(handler);
            let local = tokio::task::LocalSet::new();
            local.block_on(&runtime, async move {
                // Ends when every sender (the SharedFunction) is dropped.
                while let Some((payload, answer)) = queue.recv().await {
                    let handler = handler.clone();
                    tokio::task::spawn_local(async move {
                        let result = match serde_json::from_value::<E>(payload) {
                            Err(e) => Err(FunctionError::new("Runtime.Unmarshal", e.to_string())),
                            Ok(event) => match handler(event).await {
                                Err(e) => Err(FunctionError::new(
                                    std::any::type_name::<Err>(),
                                    e.to_string(),
                                )),
                                Ok(r) => serde_json::to_value(r).map_err(|e| {
                                    FunctionError::new("Runtime.Marshal", e.to_string())
                                }),
                            },
                        };
                        let _ = answer.send(result);
                    });
                }
            });
        })?;
    Ok(Arc::new(Sandboxed {
        name: name.to_owned(),
        jobs,
    }))
}

/// See [`sandboxed`].
struct Sandboxed {
    name: String,
    jobs: tokio::sync::mpsc::UnboundedSender<(
        Value,
        tokio::sync::oneshot::Sender<Result<Value, FunctionError>>,
    )>,
}

impl Function for Sandboxed {
    fn invoke(&self, payload: Value) -> Invocation {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let sent = self.jobs.send((payload, tx));
        let name = self.name.clone();
        Box::pin(async move {
            if sent.is_err() {
                return Err(FunctionError::new(
                    "Sandbox.Exited",
                    format!("{name}: the sandbox is gone"),
                ));
            }
            let result = rx.await.map_err(|_| {
                FunctionError::new(
                    "Sandbox.Crashed",
                    format!("{name}: the invocation panicked"),
                )
            })?;
            result.map_err(|mut e| {
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

    #[tokio::test]
    async fn a_sandboxed_handler_need_not_be_send() {
        let f = sandboxed("local", |e: In| async move {
            // An Rc held across an await: not Send.
            let shared = std::rc::Rc::new(e.n);
            tokio::task::yield_now().await;
            if *shared == 13 {
                panic!("crash");
            }
            Ok::<_, String>(serde_json::json!({ "n": *shared }))
        })
        .unwrap();
        let (a, b) = tokio::join!(
            f.invoke(serde_json::json!({ "n": 1 })),
            f.invoke(serde_json::json!({ "n": 2 }))
        );
        assert_eq!(a.unwrap()["n"], 1);
        assert_eq!(b.unwrap()["n"], 2);
        let bad = f.invoke(serde_json::json!({})).await.unwrap_err();
        assert_eq!(bad.error_type, "Runtime.Unmarshal");
        let crashed = f.invoke(serde_json::json!({ "n": 13 })).await.unwrap_err();
        assert_eq!(crashed.error_type, "Sandbox.Crashed");
        // The sandbox survives a crashed invocation, as a Lambda instance is replaced.
        assert_eq!(
            f.invoke(serde_json::json!({ "n": 3 })).await.unwrap()["n"],
            3
        );
    }
}
