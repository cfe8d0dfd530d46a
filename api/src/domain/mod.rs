//! Domain rules, independent of GraphQL and of storage.
pub mod audit;
pub mod closure;
pub mod content;
pub mod crisis;
pub mod notifications;
pub mod policy;
pub mod reading;
pub mod sessions;
pub mod webhooks;
