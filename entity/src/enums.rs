use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PlatformRole {
    #[sea_orm(string_value = "member")]
    Member,
    #[sea_orm(string_value = "facilitator")]
    Facilitator,
    #[sea_orm(string_value = "admin")]
    Admin,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum GroupRole {
    #[sea_orm(string_value = "member")]
    Member,
    #[sea_orm(string_value = "facilitator")]
    Facilitator,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ThreadKind {
    #[sea_orm(string_value = "discussion")]
    Discussion,
    #[sea_orm(string_value = "check_in")]
    CheckIn,
    #[sea_orm(string_value = "reflection")]
    Reflection,
    #[sea_orm(string_value = "announcement")]
    Announcement,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PostState {
    #[sea_orm(string_value = "visible")]
    Visible,
    #[sea_orm(string_value = "hidden")]
    Hidden,
    #[sea_orm(string_value = "deleted")]
    Deleted,
}

/// Declaration order is the order reactions are listed in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReactionKind {
    #[sea_orm(string_value = "heart")]
    Heart,
    #[sea_orm(string_value = "hug")]
    Hug,
    #[sea_orm(string_value = "same_here")]
    SameHere,
    #[sea_orm(string_value = "strength")]
    Strength,
    #[sea_orm(string_value = "thanks")]
    Thanks,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FlagReason {
    #[sea_orm(string_value = "risk_to_self")]
    RiskToSelf,
    #[sea_orm(string_value = "risk_to_others")]
    RiskToOthers,
    #[sea_orm(string_value = "harassment")]
    Harassment,
    #[sea_orm(string_value = "privacy")]
    Privacy,
    #[sea_orm(string_value = "spam")]
    Spam,
    #[sea_orm(string_value = "other")]
    Other,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FlagSource {
    #[sea_orm(string_value = "member")]
    Member,
    #[sea_orm(string_value = "system")]
    System,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FlagStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "resolved")]
    Resolved,
    #[sea_orm(string_value = "dismissed")]
    Dismissed,
}

/// What happened, as recorded in the per-group event log.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum EventKind {
    #[sea_orm(string_value = "thread_created")]
    ThreadCreated,
    #[sea_orm(string_value = "thread_updated")]
    ThreadUpdated,
    #[sea_orm(string_value = "post_created")]
    PostCreated,
    #[sea_orm(string_value = "post_edited")]
    PostEdited,
    #[sea_orm(string_value = "post_deleted")]
    PostDeleted,
    #[sea_orm(string_value = "post_hidden")]
    PostHidden,
    #[sea_orm(string_value = "post_restored")]
    PostRestored,
    #[sea_orm(string_value = "reactions_changed")]
    ReactionsChanged,
    #[sea_orm(string_value = "member_joined")]
    MemberJoined,
    #[sea_orm(string_value = "member_left")]
    MemberLeft,
    #[sea_orm(string_value = "flag_raised")]
    FlagRaised,
    #[sea_orm(string_value = "flag_resolved")]
    FlagResolved,
    #[sea_orm(string_value = "flag_dismissed")]
    FlagDismissed,
    #[sea_orm(string_value = "flag_acknowledged")]
    FlagAcknowledged,
    #[sea_orm(string_value = "flag_escalated")]
    FlagEscalated,
    #[sea_orm(string_value = "action_taken")]
    ActionTaken,
    #[sea_orm(string_value = "group_archived")]
    GroupArchived,
    #[sea_orm(string_value = "group_deletion_scheduled")]
    GroupDeletionScheduled,
    #[sea_orm(string_value = "session_scheduled")]
    SessionScheduled,
    #[sea_orm(string_value = "session_updated")]
    SessionUpdated,
    #[sea_orm(string_value = "session_cancelled")]
    SessionCancelled,
    #[sea_orm(string_value = "session_starting")]
    SessionStarting,
    /// A reminder is due: the notifications worker tells the members.
    #[sea_orm(string_value = "session_reminder")]
    SessionReminder,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum ModerationActionKind {
    #[sea_orm(string_value = "hide_post")]
    HidePost,
    #[sea_orm(string_value = "restore_post")]
    RestorePost,
    #[sea_orm(string_value = "lock_thread")]
    LockThread,
    #[sea_orm(string_value = "unlock_thread")]
    UnlockThread,
    #[sea_orm(string_value = "pin_thread")]
    PinThread,
    #[sea_orm(string_value = "unpin_thread")]
    UnpinThread,
    #[sea_orm(string_value = "mute_member")]
    MuteMember,
    #[sea_orm(string_value = "unmute_member")]
    UnmuteMember,
    #[sea_orm(string_value = "remove_member")]
    RemoveMember,
    #[sea_orm(string_value = "unban_member")]
    UnbanMember,
    #[sea_orm(string_value = "resolve_flag")]
    ResolveFlag,
    #[sea_orm(string_value = "dismiss_flag")]
    DismissFlag,
    #[sea_orm(string_value = "acknowledge_flag")]
    AcknowledgeFlag,
    #[sea_orm(string_value = "escalate_flag")]
    EscalateFlag,
}

/// How much a member hears of a thread.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum NotificationLevel {
    #[sea_orm(string_value = "watching")]
    Watching,
    #[sea_orm(string_value = "normal")]
    Normal,
    #[sea_orm(string_value = "muted")]
    Muted,
}

/// What a notification is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum NotificationKind {
    #[sea_orm(string_value = "reply")]
    Reply,
    #[sea_orm(string_value = "reaction")]
    Reaction,
    #[sea_orm(string_value = "new_thread")]
    NewThread,
    #[sea_orm(string_value = "moderation")]
    Moderation,
    #[sea_orm(string_value = "urgent_flag")]
    UrgentFlag,
    #[sea_orm(string_value = "flag_escalated")]
    FlagEscalated,
    #[sea_orm(string_value = "session_reminder")]
    SessionReminder,
}

/// A group session's state.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SessionStatus {
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "done")]
    Done,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RsvpStatus {
    #[sea_orm(string_value = "going")]
    Going,
    #[sea_orm(string_value = "not_going")]
    NotGoing,
    #[sea_orm(string_value = "maybe")]
    Maybe,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AttendanceStatus {
    #[sea_orm(string_value = "present")]
    Present,
    #[sea_orm(string_value = "late")]
    Late,
    #[sea_orm(string_value = "absent")]
    Absent,
    #[sea_orm(string_value = "excused")]
    Excused,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CheckInVisibility {
    #[sea_orm(string_value = "group")]
    Group,
    #[sea_orm(string_value = "facilitator")]
    Facilitator,
}

/// A session's scheduled work.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum SessionJobKind {
    /// Check-ins open: the CHECK_IN thread.
    #[sea_orm(string_value = "open_check_in")]
    OpenCheckIn,
    /// A SESSION_REMINDER for the members.
    #[sea_orm(string_value = "remind")]
    Remind,
    /// SESSION_STARTING.
    #[sea_orm(string_value = "start")]
    Start,
    /// DONE, and the closing-reflection thread.
    #[sea_orm(string_value = "end")]
    End,
}
