//! Who is told of what. The notifications worker applies these rules when
//! it handles an event, to the facts as they are then; the inbox applies
//! access rules again when it is read.
//!
//! - REPLY: a reply to the member's post, or a new post in a thread they
//!   watch.
//! - REACTION: reactions on the member's post, folded into one unread
//!   notification per post.
//! - NEW_THREAD: a new thread in the member's groups.
//! - MODERATION: the member's post was hidden or restored, or they were
//!   muted or unmuted.
//! - URGENT_FLAG: an URGENT flag, for the group's facilitators.
//! - FLAG_ESCALATED: an escalation, for the group's facilitators and every
//!   admin.
//!
//! Never the one who acted, never a MUTED thread's member (except for
//! moderation of their own post), and never about a flag on one's own
//! post.
use entity::enums::{EventKind, ModerationActionKind, NotificationLevel};

/// The events the notifications worker handles: its outbox subscription.
pub fn caused_by(kind: EventKind) -> bool {
    use EventKind::*;
    match kind {
        PostCreated | ThreadCreated | ReactionsChanged | PostHidden | PostRestored
        | ActionTaken | FlagRaised | FlagEscalated => true,
        ThreadUpdated | PostEdited | PostDeleted | MemberJoined | MemberLeft | FlagResolved
        | FlagDismissed | FlagAcknowledged => false,
    }
}

/// Moderation actions on a member that they are told of.
pub fn tells_member(action: ModerationActionKind) -> bool {
    matches!(
        action,
        ModerationActionKind::MuteMember | ModerationActionKind::UnmuteMember
    )
}

/// Whether a new post reaches a member at `level` in its thread:
/// `reply_to_them` when it answers one of their posts.
pub fn post_reaches(level: NotificationLevel, reply_to_them: bool) -> bool {
    match level {
        NotificationLevel::Muted => false,
        NotificationLevel::Watching => true,
        NotificationLevel::Normal => reply_to_them,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        use NotificationLevel::*;
        assert!(post_reaches(Watching, false));
        assert!(post_reaches(Normal, true));
        assert!(!post_reaches(Normal, false));
        assert!(!post_reaches(Muted, true));
    }
}
