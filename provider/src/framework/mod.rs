//! The machinery every resource and data source shares: the dynamic value type ([`value`]),
//! declarative attribute specs and the Terraform schema built from them ([`schema`]), plan-time
//! checks ([`validate`]), the generic resource ([`resource`]), the waiter ([`wait`]), timeouts
//! ([`timeouts`]), tags ([`tags`]), AWS error wording ([`error`]), the stop signal ([`stop`]) and the logs
//! Terraform shows with `TF_LOG` ([`log`]).

pub mod error;
pub mod log;
pub mod resource;
pub mod schema;
pub mod stop;
pub mod tags;
pub mod timeouts;
pub mod validate;
pub mod value;
pub mod wait;
