//! Mutations for group sessions, merged into the schema's `Mutation`.
use super::{
    ids::{self, Kind},
    rc_write,
    types::*,
};
use crate::service::sessions;
use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::{DateTime, Utc};

#[derive(InputObject)]
pub struct ScheduleSessionsInput {
    pub group_id: ID,
    /// The first session's start; weekly ones follow at the same local
    /// time in `timeZone`, across daylight-saving changes.
    pub first_starts_at: DateTime<Utc>,
    /// 15 to 600.
    pub duration_minutes: i32,
    /// An IANA zone, e.g. `Europe/London`.
    pub time_zone: String,
    #[graphql(default = false)]
    pub weekly: bool,
    /// Sessions in the series, 1 to 52 (1 unless `weekly`).
    #[graphql(default = 1)]
    pub count: i32,
    /// An https link, shown to the group's members only.
    pub video_url: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateSessionInput {
    pub session_id: ID,
    /// Only before the session starts.
    pub starts_at: Option<DateTime<Utc>>,
    pub duration_minutes: Option<i32>,
    /// An empty string removes the link.
    pub video_url: Option<String>,
}

#[derive(InputObject)]
pub struct AttendanceInput {
    pub member_id: ID,
    pub status: AttendanceStatus,
}

#[derive(InputObject)]
pub struct SubmitCheckInInput {
    pub session_id: ID,
    /// 0 (worst) to 10 (best).
    pub mood: i32,
    pub note: Option<String>,
    pub visibility: CheckInVisibility,
}

#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Facilitators (and admins) schedule one session or a weekly series.
    /// Each is announced as a SESSION_SCHEDULED group event.
    async fn schedule_sessions(
        &self,
        ctx: &Context<'_>,
        input: ScheduleSessionsInput,
    ) -> Result<Vec<GroupSession>> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let group_id = ids::decode(Kind::Group, &input.group_id)?;
        let list = sessions::schedule(
            r,
            sessions::Schedule {
                group_id,
                first_starts_at: input.first_starts_at,
                duration_minutes: input.duration_minutes,
                time_zone: &input.time_zone,
                weekly: input.weekly,
                count: input.count,
                video_url: input.video_url.as_deref(),
            },
        )
        .await?;
        Ok(list.into_iter().map(GroupSession).collect())
    }

    /// Moves a session not yet started, or changes its length or link.
    async fn update_session(
        &self,
        ctx: &Context<'_>,
        input: UpdateSessionInput,
    ) -> Result<GroupSession> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let session_id = ids::decode(Kind::GroupSession, &input.session_id)?;
        let s = sessions::update(
            r,
            sessions::Update {
                session_id,
                starts_at: input.starts_at,
                duration_minutes: input.duration_minutes,
                video_url: input.video_url.as_deref(),
            },
        )
        .await?;
        r.forget_cached();
        Ok(GroupSession(s))
    }

    async fn cancel_session(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        reason: Option<String>,
    ) -> Result<GroupSession> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::GroupSession, &session_id)?;
        let s = sessions::cancel(r, id, reason.as_deref()).await?;
        r.forget_cached();
        Ok(GroupSession(s))
    }

    /// The viewer's answer to a session not yet over.
    async fn rsvp(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        status: RsvpStatus,
    ) -> Result<GroupSession> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::GroupSession, &session_id)?;
        Ok(GroupSession(sessions::rsvp(r, id, status.into()).await?))
    }

    /// Facilitators record who came, from the start until
    /// `HEARTH_ATTENDANCE_WINDOW_DAYS` after the end; at most 100 entries.
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        entries: Vec<AttendanceInput>,
    ) -> Result<GroupSession> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::GroupSession, &session_id)?;
        if entries.len() > crate::domain::sessions::MAX_ATTENDANCE_ENTRIES {
            return Err(crate::error::AppError::bad_input("too many entries").into());
        }
        let entries = entries
            .iter()
            .map(|e| {
                ids::decode_input(Kind::User, &e.member_id, "memberId")
                    .map(|u| (u, e.status.into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(GroupSession(
            sessions::record_attendance(r, id, entries).await?,
        ))
    }

    /// The viewer's check-in for a session: from `HEARTH_CHECKIN_LEAD_HOURS`
    /// before it starts until it ends; submitting again changes it. Crisis
    /// language in the note raises an URGENT flag for the facilitators, as
    /// in a post, and `supportResources` answers the author.
    async fn submit_check_in(
        &self,
        ctx: &Context<'_>,
        input: SubmitCheckInInput,
    ) -> Result<CheckIn> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let session_id = ids::decode(Kind::GroupSession, &input.session_id)?;
        let c = sessions::submit_check_in(
            r,
            sessions::NewCheckIn {
                session_id,
                mood: input.mood,
                note: input.note.as_deref(),
                visibility: input.visibility.into(),
            },
        )
        .await?;
        Ok(CheckIn(c))
    }

    /// A new secret calendar URL; the old one stops working at once.
    /// `includeVideoUrl` puts sessions' video links in the feed.
    async fn rotate_calendar_url(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] include_video_url: bool,
    ) -> Result<String> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        Ok(sessions::rotate_calendar_url(r, include_video_url).await?)
    }
}
