//! What the collect, ingest and recommend Lambdas share.
//!
//! # Layout
//! - [`api_error`]: [`ApiError`], the REST API's one error format `{"message","field"}`.
//! - [`http`]: routing on the stage-less path, JSON bodies under a size limit, query
//!   parameters, JSON responses.
//! - [`fields`]: field-by-field checks of JSON values with errors naming the field's path.
//! - [`record`]: the Kinesis record format between collect and ingest, and its validation.
//! - [`cors`]: the CORS headers of responses to browser clients (`CORS_ALLOW_ORIGIN`).
//! - [`env`](mod@env): configuration variables with errors naming the variable.
//! - [`identity`]: who the caller is (the user an authorizer bound the request to, or a
//!   trusted IAM service) and whose data a request may touch.
//! - [`backoff`]: exponential backoff with full jitter for retries.
//! - [`telemetry`]: tracing for CloudWatch (JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`).
//! - [`upstream`]: classification of AWS SDK failures (throttled, not found, unavailable,
//!   rejected) and caller-safe messages.

#![warn(missing_docs)]

pub mod api_error;
pub mod backoff;
pub mod cors;
pub mod env;
pub mod fields;
pub mod http;
pub mod identity;
pub mod record;
pub mod telemetry;
pub mod upstream;

pub use api_error::ApiError;
pub use backoff::Backoff;
pub use cors::Cors;
pub use env::{ConfigError, Env};
pub use fields::FieldError;
pub use identity::{AuthMode, Caller};
pub use upstream::{Failure, Upstream};
