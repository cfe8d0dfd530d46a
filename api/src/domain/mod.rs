//! Domain rules, independent of GraphQL and of storage.
pub mod content;
pub mod crisis;
pub mod notifications;
pub mod policy;
pub mod reading;
