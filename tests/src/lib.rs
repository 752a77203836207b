//! # testkit
//!
//! The project's test fixtures. The environment they run in (venv, Terraform, moto, child
//! processes, paths) is the `devenv` crate, re-exported here so a test needs one
//! dev-dependency.
//!
//! # Layout
//! - [`aws_schema`]: a check of `aws_*` blocks against the hashicorp/aws schema.
//! - [`hcl`]: `.tf` files parsed to JSON (python-hcl2) for static wiring checks.
//! - [`https`]: a static HTTPS host on loopback (a provider network mirror's server).
//! - [`kinesis`]: Kinesis events as Lambda delivers them, for handler tests.
//! - [`openapi`]: `api/openapi.yaml` as JSON.
//! - [`provider`]: the provider tests' fixtures: their emulator, provider block and walkthrough.
//! - [`workdir`]: a Terraform working directory using the locally built provider.
//! - Re-exported from `devenv`: [`paths`], [`python`], [`terraform`], [`moto`], [`process`],
//!   [`movies_domain`].

#![warn(missing_docs)]

pub use devenv::{moto, movies_domain, paths, process, python, terraform};

pub mod aws_schema;
pub mod hcl;
pub mod https;
pub mod kinesis;
pub mod openapi;
pub mod provider;
pub mod workdir;
