//! The machinery shared by every resource and data source (see the folder's README).

pub mod error;
pub mod resource;
pub mod schema;
pub mod stop;
pub mod tags;
pub mod timeouts;
pub mod validate;
pub mod value;
pub mod wait;
