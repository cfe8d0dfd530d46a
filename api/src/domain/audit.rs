//! The access audit's rules: which reads of a member's data leave a trace,
//! and who may read the traces.
use crate::auth::Viewer;
use uuid::Uuid;

/// What kind of access a trace records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// Someone other than the author read a hidden post's text.
    HiddenPostBody,
    /// Someone other than the author read a flag's snapshot of a post, or
    /// the edits made since it was flagged.
    FlagSnapshot,
    /// Someone other than the member read their mood trend, or a check-in
    /// they shared with the facilitators only.
    MoodData,
    /// Another member's export carried an excerpt of the member's post.
    DataExport,
    /// An admin who is not a member read the group (break-glass).
    BreakGlass,
    /// An admin closed the member's account.
    AccountClosure,
}

impl AccessKind {
    pub const ALL: [AccessKind; 6] = [
        AccessKind::HiddenPostBody,
        AccessKind::FlagSnapshot,
        AccessKind::MoodData,
        AccessKind::DataExport,
        AccessKind::BreakGlass,
        AccessKind::AccountClosure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::HiddenPostBody => "hidden_post_body",
            AccessKind::FlagSnapshot => "flag_snapshot",
            AccessKind::MoodData => "mood_data",
            AccessKind::DataExport => "data_export",
            AccessKind::BreakGlass => "break_glass",
            AccessKind::AccountClosure => "account_closure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One access to record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Access {
    pub kind: AccessKind,
    pub actor_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    pub flag_id: Option<Uuid>,
    pub reason: Option<String>,
}

/// Whether `viewer` reading `author`'s data is someone else's access:
/// a member reading their own words leaves no trace.
pub fn is_others(viewer: &Viewer, author: Option<Uuid>) -> bool {
    author.is_some_and(|a| a != viewer.id)
}

/// The most a break-glass reason may hold, in characters.
pub const REASON_MAX: usize = 500;

/// A break-glass reason as given in `X-Hearth-Access-Reason`: trimmed,
/// control characters dropped; None when nothing is left.
pub fn access_reason(raw: &str) -> Option<String> {
    let clean: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .take(REASON_MAX)
        .collect();
    let clean = clean.trim();
    (!clean.is_empty()).then(|| clean.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in AccessKind::ALL {
            assert_eq!(AccessKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(AccessKind::parse("nope"), None);
    }

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(access_reason("  \t "), None);
        assert_eq!(access_reason(" ticket 42\n").as_deref(), Some("ticket 42"));
        assert_eq!(
            access_reason(&"x".repeat(900)).map(|r| r.len()),
            Some(REASON_MAX)
        );
    }
}
