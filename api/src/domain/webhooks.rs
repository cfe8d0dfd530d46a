//! Webhooks' rules: which events go out and as what, what a payload may
//! hold (ids and kinds, never members' words), and how retries back off.
use chrono::{DateTime, Duration, Utc};
use entity::enums::{EventKind, ModerationActionKind};

/// What an endpoint can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookKind {
    UrgentFlagRaised,
    FlagEscalated,
    FlagResolved,
    MemberJoined,
    MemberRemoved,
    PostHidden,
    SessionScheduled,
}

impl WebhookKind {
    pub const ALL: [WebhookKind; 7] = [
        WebhookKind::UrgentFlagRaised,
        WebhookKind::FlagEscalated,
        WebhookKind::FlagResolved,
        WebhookKind::MemberJoined,
        WebhookKind::MemberRemoved,
        WebhookKind::PostHidden,
        WebhookKind::SessionScheduled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::UrgentFlagRaised => "URGENT_FLAG_RAISED",
            WebhookKind::FlagEscalated => "FLAG_ESCALATED",
            WebhookKind::FlagResolved => "FLAG_RESOLVED",
            WebhookKind::MemberJoined => "MEMBER_JOINED",
            WebhookKind::MemberRemoved => "MEMBER_REMOVED",
            WebhookKind::PostHidden => "POST_HIDDEN",
            WebhookKind::SessionScheduled => "SESSION_SCHEDULED",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The kind of a ping, sent on request to test an endpoint.
pub const PING: &str = "PING";

/// The event-log kinds the webhooks worker reads (its outbox
/// subscription); which webhook, if any, each becomes is decided with the
/// facts (`kind_of`).
pub fn wanted(kind: EventKind) -> bool {
    use EventKind::*;
    matches!(
        kind,
        FlagRaised
            | FlagEscalated
            | FlagResolved
            | FlagDismissed
            | MemberJoined
            | ActionTaken
            | PostHidden
            | SessionScheduled
    )
}

/// The webhook an event becomes: a raised flag only when URGENT, an
/// action only when it removed a member.
pub fn kind_of(
    kind: EventKind,
    urgent_flag: bool,
    action: Option<ModerationActionKind>,
) -> Option<WebhookKind> {
    use EventKind::*;
    match kind {
        FlagRaised if urgent_flag => Some(WebhookKind::UrgentFlagRaised),
        FlagEscalated => Some(WebhookKind::FlagEscalated),
        FlagResolved | FlagDismissed => Some(WebhookKind::FlagResolved),
        MemberJoined => Some(WebhookKind::MemberJoined),
        ActionTaken if action == Some(ModerationActionKind::RemoveMember) => {
            Some(WebhookKind::MemberRemoved)
        }
        PostHidden => Some(WebhookKind::PostHidden),
        SessionScheduled => Some(WebhookKind::SessionScheduled),
        _ => None,
    }
}

/// When attempt `attempts + 1` is due after `attempts` failures, by
/// `schedule` (seconds after each failure); None once it is used up.
pub fn next_attempt(attempts: i32, schedule: &[u64], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let i = usize::try_from(attempts).ok()?.checked_sub(1)?;
    schedule
        .get(i)
        .map(|s| now + Duration::seconds(i64::try_from(*s).unwrap_or(i64::MAX / 1000)))
}

/// Whether an endpoint failing since `since` is to be disabled.
pub fn failing_too_long(since: Option<DateTime<Utc>>, limit: Duration, now: DateTime<Utc>) -> bool {
    since.is_some_and(|s| now - s >= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping() {
        assert_eq!(kind_of(EventKind::FlagRaised, false, None), None);
        assert_eq!(
            kind_of(EventKind::FlagRaised, true, None),
            Some(WebhookKind::UrgentFlagRaised)
        );
        assert_eq!(
            kind_of(
                EventKind::ActionTaken,
                false,
                Some(ModerationActionKind::MuteMember)
            ),
            None
        );
        for k in WebhookKind::ALL {
            assert_eq!(WebhookKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn backoff() {
        let now = Utc::now();
        let s = [10, 60];
        assert_eq!(next_attempt(1, &s, now), Some(now + Duration::seconds(10)));
        assert_eq!(next_attempt(2, &s, now), Some(now + Duration::seconds(60)));
        assert_eq!(next_attempt(3, &s, now), None);
        assert!(failing_too_long(
            Some(now - Duration::hours(25)),
            Duration::hours(24),
            now
        ));
        assert!(!failing_too_long(None, Duration::hours(24), now));
    }
}
