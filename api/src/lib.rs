//! Hearth: the backend of a private forum for online therapy groups.
//!
//! Layers, outermost first:
//! - [`http`]: actix-web routes, body limits, request ids.
//! - [`graphql`]: thin resolvers; types that mirror the public contract.
//! - [`service`]: use cases (register, create a post, …); each asks
//!   [`domain::policy`] before it reads or writes.
//! - [`domain`]: the rules: who may see or do what, what valid content is.
//! - [`store`]: database connection, pagination helpers, the event log.
//! - [`search`]: the search backends and the indexer that feeds them.

pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod outbound;
pub mod search;
pub mod service;
pub mod startup;
pub mod store;
pub mod tasks;
pub mod telemetry;
pub mod ttl_cache;
pub mod worker;
pub mod ws;

pub use config::Config;
pub use error::AppError;
