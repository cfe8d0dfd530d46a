//! GraphQL object types, one file per domain as in `service/`. Each wraps a storage model and is only ever built
//! for an object the viewer was allowed to see: nested fields follow from an
//! authorised parent (a post's thread is in the same group) or ask the
//! policy again where the answer depends on the viewer.
use super::{
    ids::{self, Kind},
    pagination::{self as pg, connection},
    rc,
};
use crate::{
    domain::{
        crisis::{self, Risk},
        policy,
    },
    error::AppError,
    service::{self, forum::ThreadKey, moderation::FlagKey},
};
use async_graphql::{
    connection::Connection, ComplexObject, Context, Enum, InputObject, Interface, Object, Result,
    SimpleObject, ID,
};
use chrono::{DateTime, Utc};
use entity::enums as db;
use entity::{flag, group, invite, membership, moderation_action, post, thread, user};

mod accounts;
mod data_rights;
mod forum;
mod groups;
mod moderation;
mod notifications;
mod safety;
mod sessions;
mod webhooks;

pub use accounts::*;
pub use data_rights::*;
pub use forum::*;
pub use groups::*;
pub use moderation::*;
pub use notifications::*;
pub use safety::*;
pub use sessions::*;
pub use webhooks::*;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::PlatformRole")]
pub enum PlatformRole {
    Member,
    Facilitator,
    Admin,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::GroupRole")]
pub enum GroupRole {
    Member,
    Facilitator,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::ThreadKind")]
pub enum ThreadKind {
    Discussion,
    CheckIn,
    Reflection,
    Announcement,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::PostState")]
pub enum PostState {
    Visible,
    /// Hidden by a facilitator: body is null for everyone but facilitators and the author.
    Hidden,
    /// Deleted by its author: body is null for everyone.
    Deleted,
}

/// Supportive reactions only: there is no downvote in a therapy group.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::ReactionKind")]
pub enum ReactionKind {
    Heart,
    Hug,
    SameHere,
    Strength,
    Thanks,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::FlagReason")]
pub enum FlagReason {
    RiskToSelf,
    RiskToOthers,
    Harassment,
    Privacy,
    Spam,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::FlagSource")]
pub enum FlagSource {
    /// Raised by a group member.
    Member,
    /// Raised by the service itself, e.g. crisis-language detection.
    System,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum FlagPriority {
    Normal,
    Urgent,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::FlagStatus")]
pub enum FlagStatus {
    Open,
    Resolved,
    Dismissed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::ModerationActionKind")]
pub enum ModerationActionKind {
    HidePost,
    RestorePost,
    LockThread,
    UnlockThread,
    PinThread,
    UnpinThread,
    MuteMember,
    UnmuteMember,
    RemoveMember,
    UnbanMember,
    ResolveFlag,
    DismissFlag,
    AcknowledgeFlag,
    /// Taken by Hearth itself (no actor): an urgent flag went unacknowledged.
    EscalateFlag,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::NotificationLevel")]
pub enum NotificationLevel {
    /// Every new post in the thread.
    Watching,
    /// Replies to the member's own posts.
    Normal,
    /// Nothing, and the thread is left out of the group's unread count.
    Muted,
}

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    User(User),
    Group(Group),
    Thread(Thread),
    Post(Post),
    Flag(Flag),
    ModerationAction(ModerationAction),
    Notification(Notification),
    AccessEvent(AccessEvent),
    DataExport(DataExport),
    GroupSession(GroupSession),
    CheckIn(CheckIn),
}

/// The cost of a list field: its page size times the cost of one item.
pub fn pg_cost(n: Option<i32>, child: usize) -> usize {
    let n = n
        .unwrap_or(pg::DEFAULT_PAGE as i32)
        .clamp(1, pg::MAX_PAGE as i32) as usize;
    LOOKUP_COST.saturating_add(n.saturating_mul(child.max(1)))
}

/// What a field that reaches the database costs on top of its children,
/// whatever it returns: aliases add it up, `first: 0` does not make it free.
pub const LOOKUP_COST: usize = 5;
