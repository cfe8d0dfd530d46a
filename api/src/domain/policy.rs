//! Who may see or do what. Every service asks here before it reads or
//! writes group content; no resolver decides on its own.
//!
//! The rule that matters most: a group, thread or post that the viewer may
//! not see is NOT_FOUND, never FORBIDDEN, so nobody learns that a group they
//! are not in exists. FORBIDDEN is reserved for things the viewer can see
//! but may not do.
use crate::{
    auth::{Auth, Viewer},
    error::{AppError, AppResult},
};
use chrono::{DateTime, Utc};
use entity::{
    enums::{GroupRole, PlatformRole, PostState, ThreadKind},
    membership, post, thread,
};
use sea_orm::Condition;
use uuid::Uuid;

/// The viewer's standing in one group.
#[derive(Debug, Clone)]
pub struct Standing {
    pub viewer: Viewer,
    pub membership: Option<membership::Model>,
    /// The group is archived. Known where a write reads the group in its
    /// transaction (`RequestCtx::standing_in`); reads need not know.
    pub archived: bool,
}

impl Standing {
    pub fn new(viewer: Viewer, membership: Option<membership::Model>) -> Self {
        Standing {
            viewer,
            membership,
            archived: false,
        }
    }

    pub fn is_member(&self) -> bool {
        self.membership.is_some()
    }

    /// Group facilitators and platform admins.
    pub fn is_moderator(&self) -> bool {
        self.viewer.is_admin()
            || self
                .membership
                .as_ref()
                .is_some_and(|m| m.role == GroupRole::Facilitator)
    }

    pub fn muted_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.membership
            .as_ref()
            .and_then(|m| m.muted_until)
            .filter(|until| *until > now)
    }
}

/// A viewer, or UNAUTHENTICATED with the reason a token was refused. An
/// account with a closure pending is locked (ACCOUNT_LOCKED) for all but
/// [`require_account_holder`]'s few uses.
pub fn require_viewer(auth: &Auth) -> AppResult<&Viewer> {
    let v = require_account_holder(auth)?;
    if v.closing {
        return Err(AppError::AccountLocked(
            "this account is closing: cancel the closure (cancelAccountClosure) to use it".into(),
        ));
    }
    Ok(v)
}

/// A viewer, locked or not: for looking at and cancelling a pending
/// closure, and for reading one's own audit trail.
pub fn require_account_holder(auth: &Auth) -> AppResult<&Viewer> {
    match auth {
        Auth::Viewer(v) => Ok(v),
        Auth::Anonymous => Err(AppError::unauthenticated("sign in required")),
        Auth::Rejected(reason) => Err(AppError::unauthenticated(reason.clone())),
    }
}

/// Members read their group. An admin who is not a member reads it only
/// with a stated reason (break-glass), and the read is audited; without
/// one the group does not exist for them, as for anyone else.
pub fn read_group(s: &Standing) -> AppResult<()> {
    if s.is_member() || breaks_glass(s) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// An admin reading a group they are not in, with a reason.
pub fn breaks_glass(s: &Standing) -> bool {
    !s.is_member() && s.viewer.is_admin() && s.viewer.access_reason.is_some()
}

pub fn create_group(viewer: &Viewer) -> AppResult<()> {
    match viewer.role {
        PlatformRole::Admin | PlatformRole::Facilitator => Ok(()),
        PlatformRole::Member => Err(AppError::forbidden(
            "only admins and facilitators may create groups",
        )),
    }
}

/// Group facilitators (and admins) invite, while the group is not archived.
pub fn create_invite(s: &Standing) -> AppResult<()> {
    read_group(s)?;
    if s.archived {
        return Err(AppError::forbidden(
            "this group is archived: it takes no invites",
        ));
    }
    if s.is_moderator() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only the group's facilitators may invite",
        ))
    }
}

/// Facilitator-only views and actions of a group the viewer can see.
pub fn moderate(s: &Standing) -> AppResult<()> {
    read_group(s)?;
    if s.is_moderator() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only the group's facilitators may do this",
        ))
    }
}

/// Writing in a group: a member, not muted, in a group not archived.
pub fn write_in_group(s: &Standing, now: DateTime<Utc>) -> AppResult<()> {
    read_group(s)?;
    if s.archived {
        return Err(AppError::forbidden(
            "this group is archived: it is read-only",
        ));
    }
    if !s.is_member() {
        return Err(AppError::forbidden(
            "only members of the group may write here",
        ));
    }
    if let Some(until) = s.muted_until(now) {
        return Err(AppError::forbidden(format!(
            "you are muted in this group until {}",
            until.to_rfc3339()
        )));
    }
    Ok(())
}

/// Starting a thread: writing in its group; announcements are for
/// facilitators.
pub fn start_thread(s: &Standing, kind: ThreadKind, now: DateTime<Utc>) -> AppResult<()> {
    write_in_group(s, now)?;
    if kind == ThreadKind::Announcement && !s.is_moderator() {
        return Err(AppError::forbidden(
            "only facilitators may post announcements",
        ));
    }
    Ok(())
}

/// Posting in a thread: writing in its group, and the thread not locked
/// (facilitators may still post in a locked thread).
pub fn post_in_thread(s: &Standing, thread: &thread::Model, now: DateTime<Utc>) -> AppResult<()> {
    write_in_group(s, now)?;
    if thread.locked && !s.is_moderator() {
        return Err(AppError::forbidden("this thread is locked"));
    }
    Ok(())
}

/// Restoring a hidden post: another facilitator of the group, or an admin.
/// A facilitator never reverses a decision about their own words.
pub fn restore_post(s: &Standing, post: &post::Model) -> AppResult<()> {
    moderate(s)?;
    if post.author_id == Some(s.viewer.id) && !s.viewer.is_admin() {
        return Err(AppError::forbidden(
            "another facilitator of the group, or an admin, must restore your post",
        ));
    }
    Ok(())
}

/// Editing: the author, on a visible post in a thread that is not locked
/// (facilitators may still edit there), while allowed to write.
pub fn edit_post(
    s: &Standing,
    post: &post::Model,
    thread: &thread::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    read_group(s)?;
    if post.author_id != Some(s.viewer.id) {
        return Err(AppError::forbidden("only the author may edit a post"));
    }
    if thread.locked && !s.is_moderator() {
        return Err(AppError::forbidden("this thread is locked"));
    }
    match post.state {
        PostState::Visible => write_in_group(s, now),
        PostState::Hidden => Err(AppError::forbidden("this post was hidden by a facilitator")),
        PostState::Deleted => Err(AppError::bad_input("this post was deleted")),
    }
}

/// Deleting: the author. Allowed while muted: people can always take back
/// what they wrote.
pub fn delete_post(s: &Standing, post: &post::Model) -> AppResult<()> {
    read_group(s)?;
    if post.author_id != Some(s.viewer.id) {
        return Err(AppError::forbidden("only the author may delete a post"));
    }
    Ok(())
}

pub fn react(s: &Standing, post: &post::Model, now: DateTime<Utc>) -> AppResult<()> {
    write_in_group(s, now)?;
    if post.state != PostState::Visible {
        return Err(AppError::bad_input("this post cannot take reactions"));
    }
    Ok(())
}

/// Whether the body of `post` is shown: visible posts to all who can read
/// the group; hidden ones to facilitators and the author; deleted to nobody.
pub fn see_post_body(s: &Standing, post: &post::Model) -> bool {
    match post.state {
        PostState::Visible => true,
        PostState::Hidden => s.is_moderator() || post.author_id == Some(s.viewer.id),
        PostState::Deleted => false,
    }
}

/// Whether a thread's title shows as written: always, unless its opening
/// post is hidden; then to facilitators and the thread's author.
pub fn see_thread_title(s: &Standing, thread: &thread::Model) -> bool {
    !thread.title_hidden || s.is_moderator() || thread.author_id == Some(s.viewer.id)
}

/// What members see for a title whose opening post is hidden.
pub const HIDDEN_TITLE: &str = "[hidden]";

/// Whether hidden posts count and show for this viewer.
pub fn see_hidden(s: &Standing) -> bool {
    s.is_moderator()
}

/// A member's mute is shown to facilitators and to the member themself.
pub fn see_mute(s: &Standing, member_id: Uuid) -> bool {
    s.is_moderator() || s.viewer.id == member_id
}

/// Flagging: any member, on someone else's visible post. Allowed while
/// muted: a muted member can still ask for help.
pub fn flag_post(s: &Standing, post: &post::Model) -> AppResult<()> {
    read_group(s)?;
    if !s.is_member() {
        return Err(AppError::forbidden(
            "only members of the group may flag posts",
        ));
    }
    if post.author_id == Some(s.viewer.id) {
        return Err(AppError::bad_input("you cannot flag your own post"));
    }
    if post.state != PostState::Visible {
        return Err(AppError::bad_input("this post is no longer visible"));
    }
    Ok(())
}

/// Whether a moderator sees a flag: flags on a facilitator's own post go to
/// the group's other facilitators and to admins, never to that facilitator.
/// The same holds for moderation actions on such flags.
pub fn see_flag(s: &Standing, post_author_id: Option<Uuid>) -> bool {
    s.is_moderator() && !about_own_post(s.viewer.id, s.viewer.is_admin(), post_author_id)
}

/// Who flagged a post is the moderators' business, never members'.
pub fn see_flag_reporter(s: &Standing) -> bool {
    s.is_moderator()
}

/// A post's support resources go to its author alone (others would learn
/// what the detector made of someone else's words).
pub fn see_support_resources(viewer: Option<&Viewer>, post_author_id: Option<Uuid>) -> bool {
    viewer.is_some_and(|v| Some(v.id) == post_author_id)
}

/// A flag (or an action on one) about the viewer's own post, which a
/// non-admin viewer never sees; see `see_flag`.
pub fn about_own_post(viewer_id: Uuid, is_admin: bool, post_author_id: Option<Uuid>) -> bool {
    !is_admin && post_author_id == Some(viewer_id)
}

/// `see_flag`'s rule as SQL, for lists of flags or actions: `author` is the
/// row's post-author column. Moderation standing is checked separately.
pub fn flag_rows_visible_to<C: sea_orm::ColumnTrait>(viewer: &Viewer, author: C) -> Condition {
    if viewer.is_admin() {
        Condition::all()
    } else {
        Condition::any()
            .add(author.is_null())
            .add(author.ne(viewer.id))
    }
}

/// Muting or removing a member: a facilitator cannot act on another
/// facilitator (admins can), and nobody on themself.
pub fn moderate_member(s: &Standing, target: &membership::Model) -> AppResult<()> {
    moderate(s)?;
    if target.user_id == s.viewer.id {
        return Err(AppError::bad_input("you cannot do this to yourself"));
    }
    if target.role == GroupRole::Facilitator && !s.viewer.is_admin() {
        return Err(AppError::forbidden(
            "facilitators cannot mute or remove another facilitator",
        ));
    }
    Ok(())
}

/// Scheduling, moving and cancelling a group's sessions: its facilitators
/// (and admins), while the group is not archived.
pub fn schedule_sessions(s: &Standing) -> AppResult<()> {
    moderate(s)?;
    if s.archived {
        return Err(AppError::forbidden(
            "this group is archived: it has no new sessions",
        ));
    }
    Ok(())
}

/// A session's video link is for the group's members only (not for an
/// admin reading the group from outside).
pub fn see_video_url(s: &Standing) -> bool {
    s.is_member()
}

/// Everyone's RSVPs and attendance are the facilitators'; a member sees
/// their own.
pub fn see_everyones_responses(s: &Standing) -> bool {
    s.is_moderator()
}

/// A check-in: its author, the facilitators, and, when shared with the
/// group, the group's members.
pub fn see_check_in(s: &Standing, c: &entity::check_in::Model) -> bool {
    c.user_id == s.viewer.id
        || s.is_moderator()
        || (s.is_member() && c.visibility == entity::enums::CheckInVisibility::Group)
}

/// A member's mood trend and attendance rate: the member and the group's
/// facilitators.
pub fn see_member_record(s: &Standing, member_id: Uuid) -> bool {
    s.viewer.id == member_id || s.is_moderator()
}

/// Checking in: a member of a group that is not archived. A muted member
/// may still check in with the facilitators, not with the group.
pub fn check_in(
    s: &Standing,
    visibility: entity::enums::CheckInVisibility,
    now: DateTime<Utc>,
) -> AppResult<()> {
    read_group(s)?;
    if !s.is_member() {
        return Err(AppError::forbidden(
            "only members of the group may check in",
        ));
    }
    if s.archived {
        return Err(AppError::forbidden(
            "this group is archived: it is read-only",
        ));
    }
    if visibility == entity::enums::CheckInVisibility::Group && s.muted_until(now).is_some() {
        return Err(AppError::forbidden(
            "you are muted in this group: check in with visibility FACILITATOR",
        ));
    }
    Ok(())
}

/// Answering a session's invitation: a member of a group not archived.
pub fn rsvp(s: &Standing) -> AppResult<()> {
    read_group(s)?;
    if !s.is_member() {
        return Err(AppError::forbidden("only members of the group may RSVP"));
    }
    if s.archived {
        return Err(AppError::forbidden(
            "this group is archived: it is read-only",
        ));
    }
    Ok(())
}
