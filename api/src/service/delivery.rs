//! The check made when an event is delivered to one person, whatever
//! carries it (a live subscription now; push and webhooks later): may they
//! still read the group, and is this event theirs to see. Access is as of
//! delivery, not as of subscribing, and is at most a second old.
use crate::{domain::policy, service::Services};
use entity::{
    enums::{EventKind, GroupRole},
    event, flag, membership, moderation_action,
};
use sea_orm::{EntityTrait, QuerySelect};
use uuid::Uuid;

/// Who an event would go to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: Uuid,
    pub is_admin: bool,
    /// An admin who subscribed to a group they are not in, giving a reason
    /// (the subscription was audited then): they keep the stream while
    /// they stay admin. Every other admin's access follows their
    /// membership, as anyone's does.
    pub break_glass: bool,
    /// When their membership began, as of subscribing: a member who left
    /// and joined again since then gets nothing from the old stream.
    pub joined: Option<chrono::DateTime<chrono::Utc>>,
}

/// What the recipient may do in the group right now.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub moderator: bool,
}

/// None when the recipient may no longer read the group (left, removed, or
/// left and joined again). A failed lookup counts as no access.
pub async fn access(state: &Services, group_id: Uuid, r: &Recipient) -> Option<Access> {
    if r.is_admin && r.break_glass {
        return Some(Access { moderator: true });
    }
    let members = state
        .live_cache
        .members(&state.db.conn, group_id)
        .await
        .ok()?;
    let (role, joined) = match members.get(&r.user_id) {
        Some((role, joined)) => (*role, *joined),
        // Not in the shared list: gone, or joined since it was read. Ask.
        None => {
            let m = membership::Entity::find_by_id((group_id, r.user_id))
                .one(&state.db.conn)
                .await
                .ok()??;
            (m.role, m.joined_at)
        }
    };
    if r.joined.is_some_and(|j| j != joined) {
        return None;
    }
    Some(Access {
        moderator: role == GroupRole::Facilitator || r.is_admin,
    })
}

/// Whether an event is for moderators only: flags and moderation actions.
/// Every kind is named, so a new one must be placed here on purpose.
pub fn moderators_only(kind: EventKind) -> bool {
    use EventKind::*;
    match kind {
        FlagRaised | FlagResolved | FlagDismissed | FlagAcknowledged | FlagEscalated
        | ActionTaken => true,
        ThreadCreated
        | ThreadUpdated
        | PostCreated
        | PostEdited
        | PostDeleted
        | PostHidden
        | PostRestored
        | ReactionsChanged
        | MemberJoined
        | MemberLeft
        | GroupArchived
        | GroupDeletionScheduled
        | SessionScheduled
        | SessionUpdated
        | SessionCancelled
        | SessionStarting
        | SessionReminder => false,
    }
}

/// Whether a recipient with `access` may see `e`: moderation events go to
/// moderators, and never those about the recipient's own post (they go to
/// the other facilitators). When in doubt (a failed lookup), withhold.
pub async fn shows(state: &Services, r: &Recipient, access: Access, e: &event::Model) -> bool {
    if !moderators_only(e.kind) {
        return true;
    }
    access.moderator && !about_own_post(state, r, e).await
}

async fn about_own_post(state: &Services, r: &Recipient, e: &event::Model) -> bool {
    if r.is_admin {
        return false;
    }
    let db = &state.db.conn;
    let author: Result<Option<Option<Uuid>>, _> = if let Some(flag_id) = e.flag_id {
        flag::Entity::find_by_id(flag_id)
            .select_only()
            .column(flag::Column::PostAuthorId)
            .into_tuple()
            .one(db)
            .await
    } else if let Some(action_id) = e.action_id {
        moderation_action::Entity::find_by_id(action_id)
            .select_only()
            .column(moderation_action::Column::PostAuthorId)
            .into_tuple()
            .one(db)
            .await
    } else {
        return false;
    };
    match author {
        Ok(a) => policy::about_own_post(r.user_id, r.is_admin, a.flatten()),
        Err(_) => true,
    }
}
