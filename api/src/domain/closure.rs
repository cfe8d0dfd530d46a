//! Closing an account: the modes and what each keeps.
//!
//! ANONYMIZE keeps the member's posts, attributed to "Former member", and
//! deletes what identifies them (handle, display name, credentials,
//! sessions, push subscriptions, exports). ERASE does that and also turns
//! every post into a tombstone and removes their reactions.

pub const ANONYMIZE: &str = "anonymize";
pub const ERASE: &str = "erase";

/// What a closed account shows as.
pub const FORMER_MEMBER: &str = "Former member";

/// The handle a closed account keeps: unique, and no longer theirs.
pub fn closed_handle(user_id: uuid::Uuid) -> String {
    format!("closed-{}", user_id.simple())
}

/// What a thread started by an erased member is titled.
pub const ERASED_TITLE: &str = "[removed]";
