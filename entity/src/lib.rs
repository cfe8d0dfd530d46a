//! SeaORM entities: storage shapes only. Domain rules live in `api::domain`,
//! GraphQL types in `api::graphql`.

pub mod access_event;
pub mod account_closure;
pub mod calendar_feed;
pub mod check_in;
pub mod data_export;
pub mod enums;
pub mod event;
pub mod flag;
pub mod group;
pub mod group_ban;
pub mod group_session;
pub mod invite;
pub mod lease;
pub mod membership;
pub mod moderation_action;
pub mod notification;
pub mod notification_setting;
pub mod outbox;
pub mod post;
pub mod post_revision;
pub mod push_delivery;
pub mod push_subscription;
pub mod reaction;
pub mod session;
pub mod session_attendance;
pub mod session_job;
pub mod session_rsvp;
pub mod thread;
pub mod thread_read;
pub mod user;
pub mod webhook_delivery;
pub mod webhook_endpoint;
