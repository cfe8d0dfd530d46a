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
//! - SESSION_REMINDER: a session is coming, for its group's members who
//!   have not said they are not going.
//!
//! Never the one who acted, never a MUTED thread's member (except for
//! moderation of their own post), and never about a flag on one's own
//! post.
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use entity::enums::{EventKind, ModerationActionKind, NotificationKind, NotificationLevel};

/// The events the notifications worker handles: its outbox subscription.
pub fn caused_by(kind: EventKind) -> bool {
    use EventKind::*;
    match kind {
        PostCreated | ThreadCreated | ReactionsChanged | PostHidden | PostRestored
        | ActionTaken | FlagRaised | FlagEscalated | SessionReminder => true,
        ThreadUpdated
        | PostEdited
        | PostDeleted
        | MemberJoined
        | MemberLeft
        | FlagResolved
        | FlagDismissed
        | FlagAcknowledged
        | GroupArchived
        | GroupDeletionScheduled
        | SessionScheduled
        | SessionUpdated
        | SessionCancelled
        | SessionStarting => false,
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

/// Whether quiet hours hold back a push of this kind: all but the
/// urgent ones, which only facilitators and admins get.
pub fn held_in_quiet_hours(kind: NotificationKind) -> bool {
    !matches!(
        kind,
        NotificationKind::UrgentFlag | NotificationKind::FlagEscalated
    )
}

/// Quiet hours: from `start` to `end`, local times in `zone`; across
/// midnight when `end` is earlier than `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub zone: Tz,
}

impl QuietHours {
    /// Reads "HH:MM" times and an IANA zone name; the message names what
    /// is wrong.
    pub fn parse(start: &str, end: &str, zone: &str) -> Result<Self, &'static str> {
        let time = |s: &str| NaiveTime::parse_from_str(s, "%H:%M");
        let start = time(start).map_err(|_| "start must be a local time such as 22:00")?;
        let end = time(end).map_err(|_| "end must be a local time such as 07:00")?;
        let zone = zone
            .parse::<Tz>()
            .map_err(|_| "timeZone must be an IANA time zone such as Europe/London")?;
        if start == end {
            return Err("start and end must differ");
        }
        Ok(QuietHours { start, end, zone })
    }

    /// When the quiet hours that hold `now` end; None outside them.
    pub fn until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.zone);
        let t = local.time();
        let inside = if self.start < self.end {
            t >= self.start && t < self.end
        } else {
            t >= self.start || t < self.end
        };
        if !inside {
            return None;
        }
        let day = if t < self.end {
            local.date_naive()
        } else {
            local.date_naive().succ_opt()?
        };
        // A local end time that a clock change skips ends at the first
        // instant after the gap.
        let end = day.and_time(self.end);
        let end = self.zone.from_local_datetime(&end).earliest().or_else(|| {
            self.zone
                .from_local_datetime(&(end + chrono::Duration::hours(1)))
                .earliest()
        })?;
        Some(end.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours() {
        let q = QuietHours::parse("22:00", "07:00", "Europe/London").unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // 23:30 in London in winter (UTC), and in summer (BST, UTC+1).
        assert_eq!(
            q.until(at("2026-01-10T23:30:00Z")),
            Some(at("2026-01-11T07:00:00Z"))
        );
        assert_eq!(
            q.until(at("2026-07-10T22:30:00Z")),
            Some(at("2026-07-11T06:00:00Z"))
        );
        assert_eq!(
            q.until(at("2026-01-10T06:59:00Z")),
            Some(at("2026-01-10T07:00:00Z"))
        );
        assert_eq!(q.until(at("2026-01-10T12:00:00Z")), None);
        assert_eq!(q.until(at("2026-01-10T07:00:00Z")), None);
        let day = QuietHours::parse("09:00", "17:00", "UTC").unwrap();
        assert_eq!(
            day.until(at("2026-01-10T10:00:00Z")),
            Some(at("2026-01-10T17:00:00Z"))
        );
        assert!(QuietHours::parse("25:00", "07:00", "UTC").is_err());
        assert!(QuietHours::parse("22:00", "07:00", "Mars/Olympus").is_err());
        assert!(QuietHours::parse("22:00", "22:00", "UTC").is_err());
        assert!(held_in_quiet_hours(NotificationKind::Reply));
        assert!(!held_in_quiet_hours(NotificationKind::UrgentFlag));
    }

    #[test]
    fn levels() {
        use NotificationLevel::*;
        assert!(post_reaches(Watching, false));
        assert!(post_reaches(Normal, true));
        assert!(!post_reaches(Normal, false));
        assert!(!post_reaches(Muted, true));
    }
}
