//! Group sessions, RSVPs, attendance and check-ins. Each field asks the
//! policy for this viewer: who sees the video link, everyone's responses,
//! or a check-in shared with the facilitators only.
use super::*;
use entity::{check_in, group_session, session_attendance, session_rsvp};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::SessionStatus")]
pub enum SessionStatus {
    Scheduled,
    Cancelled,
    /// It took place; its closing-reflection thread is open.
    Done,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::RsvpStatus")]
pub enum RsvpStatus {
    Going,
    NotGoing,
    Maybe,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::AttendanceStatus")]
pub enum AttendanceStatus {
    Present,
    Late,
    Absent,
    /// Left out of the attendance rate.
    Excused,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::CheckInVisibility")]
pub enum CheckInVisibility {
    /// The group's members see it.
    Group,
    /// Only its author and the group's facilitators see it.
    Facilitator,
}

/// One meeting of a group (named so apart from a login session).
pub struct GroupSession(pub group_session::Model);

#[Object]
impl GroupSession {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::GroupSession, self.0.id)
    }
    async fn group(&self, ctx: &Context<'_>) -> Result<Group> {
        let g = rc(ctx)?.group_by_id(self.0.group_id).await?;
        g.map(Group).ok_or_else(|| AppError::NotFound.into())
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// The IANA zone the session's series keeps its local time in.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    async fn status(&self) -> SessionStatus {
        self.0.status.into()
    }
    /// Why it was cancelled, when a facilitator said.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    /// For the group's members only (null for an admin reading from outside).
    async fn video_url(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let standing = rc(ctx)?.standing(self.0.group_id).await?;
        Ok(if policy::see_video_url(&standing) {
            self.0.video_url.as_deref()
        } else {
            None
        })
    }
    /// The CHECK_IN thread, once check-ins are open.
    async fn check_in_thread(&self, ctx: &Context<'_>) -> Result<Option<Thread>> {
        self.thread(ctx, self.0.check_in_thread_id).await
    }
    /// The closing-reflection thread, once the session is over.
    async fn closing_thread(&self, ctx: &Context<'_>) -> Result<Option<Thread>> {
        self.thread(ctx, self.0.closing_thread_id).await
    }
    async fn viewer_rsvp(&self, ctx: &Context<'_>) -> Result<Option<RsvpStatus>> {
        Ok(service::sessions::viewer_rsvp(rc(ctx)?, &self.0)
            .await?
            .map(Into::into))
    }
    /// Everyone's for facilitators; a member sees only their own.
    async fn rsvps(&self, ctx: &Context<'_>) -> Result<Vec<Rsvp>> {
        let list = service::sessions::rsvps(rc(ctx)?, &self.0).await?;
        Ok(list.into_iter().map(Rsvp).collect())
    }
    /// Everyone's for facilitators; a member sees only their own.
    async fn attendance(&self, ctx: &Context<'_>) -> Result<Vec<Attendance>> {
        let list = service::sessions::attendance(rc(ctx)?, &self.0).await?;
        Ok(list.into_iter().map(Attendance).collect())
    }
    /// Those the viewer may see: their own, those shared with the group,
    /// and, for facilitators, all.
    async fn check_ins(&self, ctx: &Context<'_>) -> Result<Vec<CheckIn>> {
        let list = service::sessions::check_ins(rc(ctx)?, &self.0).await?;
        Ok(list.into_iter().map(CheckIn).collect())
    }
}

impl GroupSession {
    async fn thread(&self, ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<Thread>> {
        match id {
            None => Ok(None),
            Some(id) => Ok(rc(ctx)?.load_thread(id).await?.map(Thread)),
        }
    }
}

pub struct Rsvp(pub session_rsvp::Model);

#[Object]
impl Rsvp {
    async fn member(&self, ctx: &Context<'_>) -> Result<User> {
        load_user(ctx, Some(self.0.user_id))
            .await?
            .ok_or_else(|| AppError::NotFound.into())
    }
    async fn status(&self) -> RsvpStatus {
        self.0.status.into()
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

pub struct Attendance(pub session_attendance::Model);

#[Object]
impl Attendance {
    async fn member(&self, ctx: &Context<'_>) -> Result<User> {
        load_user(ctx, Some(self.0.user_id))
            .await?
            .ok_or_else(|| AppError::NotFound.into())
    }
    async fn status(&self) -> AttendanceStatus {
        self.0.status.into()
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
}

/// A member's check-in for a session.
pub struct CheckIn(pub check_in::Model);

#[Object]
impl CheckIn {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::CheckIn, self.0.id)
    }
    async fn session(&self, ctx: &Context<'_>) -> Result<GroupSession> {
        let s = rc(ctx)?
            .loaders()
            .group_sessions()
            .load_one(self.0.session_id)
            .await
            .map_err(AppError::from)?;
        s.map(GroupSession).ok_or_else(|| AppError::NotFound.into())
    }
    async fn member(&self, ctx: &Context<'_>) -> Result<User> {
        load_user(ctx, Some(self.0.user_id))
            .await?
            .ok_or_else(|| AppError::NotFound.into())
    }
    /// 0 (worst) to 10 (best).
    async fn mood(&self) -> i32 {
        i32::from(self.0.mood)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn visibility(&self) -> CheckInVisibility {
        self.0.visibility.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Where to turn for help, when the note's words suggest risk. Shown
    /// to its author only; empty for everyone else.
    async fn support_resources(&self, ctx: &Context<'_>) -> Result<Vec<SupportResource>> {
        let r = rc(ctx)?;
        if !policy::see_support_resources(r.auth.viewer(), Some(self.0.user_id)) {
            return Ok(Vec::new());
        }
        let risk = Risk::from_stored(self.0.risk.as_deref());
        Ok(service::safety::support_for(r, risk)
            .into_iter()
            .map(SupportResource)
            .collect())
    }
}

/// One point of a member's mood trend.
pub struct MoodPoint(pub check_in::Model, pub group_session::Model);

#[Object]
impl MoodPoint {
    async fn session(&self) -> GroupSession {
        GroupSession(self.1.clone())
    }
    async fn mood(&self) -> i32 {
        i32::from(self.0.mood)
    }
    async fn checked_in_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
