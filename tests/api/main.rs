//! Black-box suite: each test starts the real server on a random port
//! against a fresh database (SQLite, and Postgres when TEST_DATABASE_URL is
//! set) and speaks GraphQL over HTTP like any client.
mod fake_meili;
mod helpers;
mod procs;
mod push;
mod ws;

mod accounts;
mod bad_input;
mod cli;
mod cluster;
mod data_rights;
mod escalation;
mod faults;
mod forum;
mod groups;
mod http_protocol;
mod limits;
mod live;
mod moderation;
mod notifications;
mod privacy;
mod reading;
mod schema;
mod search;
mod search_meili;
mod search_ops;
mod security;
mod sessions;
mod statements;
mod tracing_export;
mod upkeep;
mod webhooks;
