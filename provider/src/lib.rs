//! # terraform-provider-personalize
//!
//! A Terraform provider (plugin protocol 6, through the `tf-provider` crate) for Amazon
//! Personalize, including solution versions (training) and standalone dataset import jobs,
//! which no other provider has (`awscc` also has campaigns and event trackers).
//!
//! # Layout
//! - [`provider`]: the `provider "personalize"` block, SDK clients, the resource list.
//! - [`framework`]: what every resource shares: the dynamic value type, declarative attribute
//!   specs, plan-time validation, the generic resource (plan/create/read/update/delete/import),
//!   the waiter with backoff, timeouts, tags, error wording and the stop signal.
//! - [`resources`]: one file per resource type: schema, AWS calls, finder, flatten.
//! - [`data_sources`]: read-only lookups (`personalize_recipe`, `personalize_campaign`, ...).
//! - [`avro`]: Avro schema checks and JSON-semantic comparison for `personalize_schema`.

#![warn(missing_docs)]

pub mod avro;
pub mod data_sources;
pub mod framework;
pub mod provider;
pub mod resources;

/// The provider name: resource types are `personalize_<name>`.
pub const NAME: &str = "personalize";
