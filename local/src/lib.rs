//! # local-stack
//!
//! Serves the project's Lambda handlers the way AWS wires them, against moto (Kinesis, S3,
//! SQS) and personalize-local, so the whole pipeline runs on one machine.
//!
//! # Layout
//! - [`apigw`]: API Gateway REST (Lambda proxy integration, stage `prod`) over HTTP.
//! - [`authorizer`]: its Cognito user pool authorizer, on a locally generated key.
//! - [`config`]: the stack's settings, read from the Terraform outputs of `examples/local`.
//! - [`resources`]: the stream, bucket and dead-letter queue in moto.
//! - [`hosting`]: `lambda_http` handlers as functions.
//! - [`functions`]: collect, ingest and recommend built from their environment variables.
//! - [`function`]: a function as AWS services see it (JSON payload in, JSON out, or an error).
//! - [`shard`]: reading a Kinesis shard in order, shared by the mapping and the archiver.
//! - [`esm`]: the Kinesis event source mapping (batches, partial failures, bisect, retries,
//!   on-failure destination).
//! - [`firehose`]: the archiver, Kinesis to S3 as GZIP newline-delimited JSON.
//! - [`stack`]: all of it assembled, started and stopped.
//! - [`demo`]: the one-command demo of the walkthrough, also run by the end-to-end test.
//! - `testing` (feature `testing`): the pipeline's real parts for this crate's tests and
//!   benchmarks.

#![warn(missing_docs)]

pub mod apigw;
pub mod authorizer;
pub mod config;
pub mod demo;
pub mod esm;
pub mod firehose;
pub mod function;
pub mod functions;
pub mod hosting;
pub mod resources;
pub mod shard;
pub mod stack;
#[cfg(feature = "testing")]
pub mod testing;
