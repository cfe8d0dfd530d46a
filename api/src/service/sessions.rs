//! Group sessions: scheduling a weekly series, RSVPs, attendance, check-ins
//! with mood, and the member's calendar feed. Rules are in
//! `domain::sessions` and `domain::policy`; the work a session needs at its
//! times runs from `session_jobs` (see `session_jobs`).
use super::RequestCtx;
use crate::{
    config::SessionsConfig,
    domain::{
        audit::AccessKind,
        content,
        crisis::{Detection, Risk, Target},
        policy::{self, Standing},
        sessions as rules,
    },
    error::{AppError, AppResult},
    store::{events::Subject, keyset_after, now, Page, WriteTxn},
};
use chrono::{DateTime, Utc};
use entity::{
    check_in,
    enums::{
        AttendanceStatus, CheckInVisibility, EventKind, FlagReason, FlagSource, FlagStatus,
        RsvpStatus, SessionJobKind, SessionStatus, ThreadKind,
    },
    flag, group_session, membership, post, session_attendance, session_job, session_rsvp, thread,
};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// A session the viewer may read, with their standing in its group. One
/// answer for a session elsewhere and no session at all.
pub async fn readable(ctx: &RequestCtx, id: Uuid) -> AppResult<(group_session::Model, Standing)> {
    ctx.viewer()?;
    let found = ctx
        .loaders()
        .group_sessions()
        .load_one(id)
        .await
        .map_err(AppError::from)?;
    let standing = ctx
        .standing(found.as_ref().map_or(Uuid::nil(), |s| s.group_id))
        .await?;
    let found = found.ok_or(AppError::NotFound)?;
    policy::read_group(&standing)?;
    Ok((found, standing))
}

pub struct Schedule<'a> {
    pub group_id: Uuid,
    pub first_starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub time_zone: &'a str,
    pub weekly: bool,
    pub count: i32,
    pub video_url: Option<&'a str>,
}

/// How far ahead a series may start.
const MAX_LEAD: chrono::Duration = chrono::Duration::days(730);

pub async fn schedule(
    ctx: &RequestCtx,
    input: Schedule<'_>,
) -> AppResult<Vec<group_session::Model>> {
    let standing = ctx.standing(input.group_id).await?;
    policy::schedule_sessions(&standing)?;
    let tz = rules::time_zone(input.time_zone)?;
    let length = rules::duration(input.duration_minutes, ctx.state.config.sessions.minute())?;
    let video = rules::video_url(input.video_url)?;
    let t = now();
    if input.first_starts_at <= t {
        return Err(AppError::bad_input("firstStartsAt must be in the future"));
    }
    if input.first_starts_at > t + MAX_LEAD {
        return Err(AppError::bad_input(
            "firstStartsAt may be at most two years ahead",
        ));
    }
    let starts = rules::series(input.first_starts_at, tz, input.weekly, input.count)?;
    let db = &ctx.state.db;
    let mut w = db.write_in(input.group_id).await?;
    let standing = ctx.standing_in(&w, input.group_id).await?;
    policy::schedule_sessions(&standing)?;
    let sessions: Vec<group_session::Model> = starts
        .into_iter()
        .map(|start| group_session::Model {
            id: Uuid::now_v7(),
            group_id: input.group_id,
            starts_at: start,
            ends_at: start + length,
            time_zone: tz.name().to_owned(),
            status: SessionStatus::Scheduled,
            video_url: video.clone(),
            cancel_reason: None,
            created_by: Some(standing.viewer.id),
            created_at: t,
            check_in_thread_id: None,
            closing_thread_id: None,
        })
        .collect();
    group_session::Entity::insert_many(
        sessions
            .iter()
            .cloned()
            .map(|m| m.into_active_model().reset_all()),
    )
    .exec_without_returning(&w.txn)
    .await?;
    let cfg = &ctx.state.config.sessions;
    let jobs: Vec<session_job::ActiveModel> = sessions
        .iter()
        .flat_map(|s| jobs_for(s, cfg, t, |_| true))
        .collect();
    session_job::Entity::insert_many(jobs)
        .exec_without_returning(&w.txn)
        .await?;
    for s in &sessions {
        w.append_event(
            s.group_id,
            EventKind::SessionScheduled,
            Some(standing.viewer.id),
            Subject::session(s.id),
        )
        .await?;
    }
    db.commit(w).await?;
    ctx.state.sessions_wake.notify_one();
    Ok(sessions)
}

fn jobs_for(
    s: &group_session::Model,
    cfg: &SessionsConfig,
    t: DateTime<Utc>,
    keep: impl Fn(SessionJobKind) -> bool,
) -> Vec<session_job::ActiveModel> {
    rules::plan(
        s.starts_at,
        s.ends_at,
        cfg.checkin_lead(),
        &cfg.reminders(),
        t,
    )
    .into_iter()
    .filter(|(kind, _)| keep(*kind))
    .map(|(kind, due)| session_job::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(s.id),
        group_id: Set(s.group_id),
        kind: Set(kind),
        due_at: Set(due),
        done_at: Set(None),
    })
    .collect()
}

/// The session read again under the group's lock, with the viewer's
/// standing, for a facilitator's change.
async fn lock_for_change(
    ctx: &RequestCtx,
    w: &WriteTxn,
    id: Uuid,
    group_id: Uuid,
) -> AppResult<group_session::Model> {
    let standing = ctx.standing_in(w, group_id).await?;
    policy::schedule_sessions(&standing)?;
    let s = group_session::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if s.status != SessionStatus::Scheduled {
        return Err(AppError::bad_input(match s.status {
            SessionStatus::Cancelled => "this session was cancelled",
            _ => "this session is over",
        }));
    }
    if s.ends_at <= now() {
        return Err(AppError::bad_input("this session is over"));
    }
    Ok(s)
}

pub struct Update<'a> {
    pub session_id: Uuid,
    pub starts_at: Option<DateTime<Utc>>,
    pub duration_minutes: Option<i32>,
    /// Some("") clears the link.
    pub video_url: Option<&'a str>,
}

pub async fn update(ctx: &RequestCtx, input: Update<'_>) -> AppResult<group_session::Model> {
    let (s, standing) = readable(ctx, input.session_id).await?;
    policy::schedule_sessions(&standing)?;
    let minute = ctx.state.config.sessions.minute();
    let length = input
        .duration_minutes
        .map(|m| rules::duration(m, minute))
        .transpose()?;
    let video = input
        .video_url
        .map(|v| rules::video_url(Some(v)))
        .transpose()?;
    let db = &ctx.state.db;
    let mut w = db.write_in(s.group_id).await?;
    let s = lock_for_change(ctx, &w, s.id, s.group_id).await?;
    let t = now();
    let started = s.starts_at <= t;
    let starts_at = match input.starts_at {
        Some(_) if started => {
            return Err(AppError::bad_input(
                "a session that has started cannot be moved",
            ))
        }
        Some(at) if at <= t => return Err(AppError::bad_input("startsAt must be in the future")),
        Some(at) if at > t + MAX_LEAD => {
            return Err(AppError::bad_input(
                "startsAt may be at most two years ahead",
            ))
        }
        Some(at) => at,
        None => s.starts_at,
    };
    let ends_at = starts_at + length.unwrap_or(s.ends_at - s.starts_at);
    if ends_at <= t {
        return Err(AppError::bad_input("the session would be over already"));
    }
    let opened = s.check_in_thread_id.is_some();
    let mut active: group_session::ActiveModel = s.into();
    active.starts_at = Set(starts_at);
    active.ends_at = Set(ends_at);
    if let Some(v) = video {
        active.video_url = Set(v);
    }
    let s = active.update(&w.txn).await?;
    // What is not done yet is planned again for the new times; once
    // started, the start stays as it was (announced, or about to be).
    let mut stale = session_job::Entity::delete_many()
        .filter(session_job::Column::SessionId.eq(s.id))
        .filter(session_job::Column::DoneAt.is_null());
    if started {
        stale = stale.filter(session_job::Column::Kind.ne(SessionJobKind::Start));
    }
    stale.exec(&w.txn).await?;
    let jobs = jobs_for(&s, &ctx.state.config.sessions, t, |kind| match kind {
        SessionJobKind::OpenCheckIn => !opened,
        SessionJobKind::Start | SessionJobKind::Remind => !started,
        SessionJobKind::End => true,
    });
    if !jobs.is_empty() {
        session_job::Entity::insert_many(jobs)
            .exec_without_returning(&w.txn)
            .await?;
    }
    w.append_event(
        s.group_id,
        EventKind::SessionUpdated,
        Some(standing.viewer.id),
        Subject::session(s.id),
    )
    .await?;
    db.commit(w).await?;
    ctx.state.sessions_wake.notify_one();
    Ok(s)
}

pub async fn cancel(
    ctx: &RequestCtx,
    session_id: Uuid,
    reason: Option<&str>,
) -> AppResult<group_session::Model> {
    let (s, standing) = readable(ctx, session_id).await?;
    policy::schedule_sessions(&standing)?;
    let reason = content::optional_text("reason", reason, rules::REASON_MAX)?;
    let db = &ctx.state.db;
    let mut w = db.write_in(s.group_id).await?;
    let s = lock_for_change(ctx, &w, s.id, s.group_id).await?;
    let mut active: group_session::ActiveModel = s.into();
    active.status = Set(SessionStatus::Cancelled);
    active.cancel_reason = Set(reason);
    let s = active.update(&w.txn).await?;
    session_job::Entity::delete_many()
        .filter(session_job::Column::SessionId.eq(s.id))
        .filter(session_job::Column::DoneAt.is_null())
        .exec(&w.txn)
        .await?;
    w.append_event(
        s.group_id,
        EventKind::SessionCancelled,
        Some(standing.viewer.id),
        Subject::session(s.id),
    )
    .await?;
    db.commit(w).await?;
    Ok(s)
}

/// Which of a group's sessions `Group.sessions` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Not yet over, soonest first.
    Upcoming,
    /// Over, latest first.
    Past,
    /// All, earliest first.
    All,
}

/// `Group.sessions`; the caller has checked the viewer may read the group.
pub async fn sessions(
    ctx: &RequestCtx,
    group_id: Uuid,
    window: Window,
    limit: u64,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> AppResult<Page<group_session::Model>> {
    let t = now();
    let mut q = group_session::Entity::find().filter(group_session::Column::GroupId.eq(group_id));
    q = match window {
        Window::Upcoming => q.filter(group_session::Column::EndsAt.gt(t)),
        Window::Past => q.filter(group_session::Column::EndsAt.lte(t)),
        Window::All => q,
    };
    let descending = window == Window::Past;
    if let Some((at, id)) = after {
        q = q.filter(keyset_after(
            group_session::Column::StartsAt,
            group_session::Column::Id,
            at,
            id,
            descending,
        ));
    }
    q = if descending {
        q.order_by_desc(group_session::Column::StartsAt)
            .order_by_desc(group_session::Column::Id)
    } else {
        q.order_by_asc(group_session::Column::StartsAt)
            .order_by_asc(group_session::Column::Id)
    };
    let rows = q.limit(limit + 1).all(&ctx.state.db.conn).await?;
    Ok(Page::from_overfetch(rows, limit, after.is_some()))
}

/// The group's next session that is not cancelled nor over (it may be
/// under way).
pub async fn next_session(
    ctx: &RequestCtx,
    group_id: Uuid,
) -> AppResult<Option<group_session::Model>> {
    Ok(group_session::Entity::find()
        .filter(group_session::Column::GroupId.eq(group_id))
        .filter(group_session::Column::Status.eq(SessionStatus::Scheduled))
        .filter(group_session::Column::EndsAt.gt(now()))
        .order_by_asc(group_session::Column::StartsAt)
        .one(&ctx.state.db.conn)
        .await?)
}

/// The RSVPs, attendance and check-ins of a session, filtered for the
/// viewer: everyone's for facilitators, the viewer's own (and check-ins
/// shared with the group) for members.
pub async fn details(
    ctx: &RequestCtx,
    s: &group_session::Model,
) -> AppResult<(Standing, std::sync::Arc<super::loaders::SessionDetails>)> {
    let standing = ctx.standing(s.group_id).await?;
    policy::read_group(&standing)?;
    let d = ctx
        .loaders()
        .session_details()
        .load_one(s.id)
        .await
        .map_err(AppError::from)?
        .unwrap_or_default();
    Ok((standing, d))
}

/// Everyone's answers for facilitators; the viewer's own for a member.
fn responses<T: Clone>(standing: &Standing, rows: &[T], member: impl Fn(&T) -> Uuid) -> Vec<T> {
    let all = policy::see_everyones_responses(standing);
    rows.iter()
        .filter(|r| all || member(r) == standing.viewer.id)
        .cloned()
        .collect()
}

pub async fn rsvps(
    ctx: &RequestCtx,
    s: &group_session::Model,
) -> AppResult<Vec<session_rsvp::Model>> {
    let (standing, d) = details(ctx, s).await?;
    Ok(responses(&standing, &d.rsvps, |r| r.user_id))
}

pub async fn attendance(
    ctx: &RequestCtx,
    s: &group_session::Model,
) -> AppResult<Vec<session_attendance::Model>> {
    let (standing, d) = details(ctx, s).await?;
    Ok(responses(&standing, &d.attendance, |r| r.user_id))
}

pub async fn viewer_rsvp(
    ctx: &RequestCtx,
    s: &group_session::Model,
) -> AppResult<Option<RsvpStatus>> {
    let (standing, d) = details(ctx, s).await?;
    Ok(d.rsvps
        .iter()
        .find(|r| r.user_id == standing.viewer.id)
        .map(|r| r.status))
}

/// The check-ins the viewer may see. A facilitator reading one shared
/// with the facilitators only is recorded in its author's access log.
pub async fn check_ins(
    ctx: &RequestCtx,
    s: &group_session::Model,
) -> AppResult<Vec<check_in::Model>> {
    let (standing, d) = details(ctx, s).await?;
    let seen: Vec<check_in::Model> = d
        .check_ins
        .iter()
        .filter(|c| policy::see_check_in(&standing, c))
        .cloned()
        .collect();
    for c in &seen {
        if audited(&standing, c) {
            ctx.note_access(
                AccessKind::MoodData,
                Some(c.user_id),
                c.group_id,
                None,
                None,
            );
        }
    }
    Ok(seen)
}

/// Whether reading someone's check-in goes in their access log: one they
/// shared with the facilitators only, or any read by a facilitator or an
/// admin (what members share with the group is the group's to read).
fn audited(standing: &Standing, c: &check_in::Model) -> bool {
    c.visibility == CheckInVisibility::Facilitator || standing.is_moderator()
}

/// A check-in by id (`node`), for those who may see it.
pub async fn check_in(ctx: &RequestCtx, id: Uuid) -> AppResult<check_in::Model> {
    ctx.viewer()?;
    let found = ctx
        .loaders()
        .check_ins()
        .load_one(id)
        .await
        .map_err(AppError::from)?;
    let standing = ctx
        .standing(found.as_ref().map_or(Uuid::nil(), |c| c.group_id))
        .await?;
    let found = found.ok_or(AppError::NotFound)?;
    policy::read_group(&standing)?;
    if !policy::see_check_in(&standing, &found) {
        return Err(AppError::NotFound);
    }
    if audited(&standing, &found) {
        ctx.note_access(
            AccessKind::MoodData,
            Some(found.user_id),
            found.group_id,
            None,
            None,
        );
    }
    Ok(found)
}

pub async fn rsvp(
    ctx: &RequestCtx,
    session_id: Uuid,
    status: RsvpStatus,
) -> AppResult<group_session::Model> {
    let (s, standing) = readable(ctx, session_id).await?;
    policy::rsvp(&standing)?;
    let db = &ctx.state.db;
    let w = db.write_in(s.group_id).await?;
    let standing = ctx.standing_in(&w, s.group_id).await?;
    policy::rsvp(&standing)?;
    let s = group_session::Entity::find_by_id(s.id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if s.status != SessionStatus::Scheduled || s.ends_at <= now() {
        return Err(AppError::bad_input("this session was cancelled or is over"));
    }
    session_rsvp::Entity::insert(session_rsvp::ActiveModel {
        session_id: Set(s.id),
        user_id: Set(standing.viewer.id),
        group_id: Set(s.group_id),
        status: Set(status),
        updated_at: Set(now()),
    })
    .on_conflict(
        OnConflict::columns([
            session_rsvp::Column::SessionId,
            session_rsvp::Column::UserId,
        ])
        .update_columns([
            session_rsvp::Column::Status,
            session_rsvp::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&w.txn)
    .await?;
    db.commit(w).await?;
    ctx.forget_cached();
    Ok(s)
}

pub async fn record_attendance(
    ctx: &RequestCtx,
    session_id: Uuid,
    entries: Vec<(Uuid, AttendanceStatus)>,
) -> AppResult<group_session::Model> {
    let (s, standing) = readable(ctx, session_id).await?;
    policy::moderate(&standing)?;
    if entries.is_empty() || entries.len() > rules::MAX_ATTENDANCE_ENTRIES {
        return Err(AppError::bad_input(format!(
            "entries must hold 1 to {} members",
            rules::MAX_ATTENDANCE_ENTRIES
        )));
    }
    let mut ids: Vec<Uuid> = entries.iter().map(|(u, _)| *u).collect();
    ids.sort();
    ids.dedup();
    if ids.len() != entries.len() {
        return Err(AppError::bad_input(
            "each member may appear once in entries",
        ));
    }
    let db = &ctx.state.db;
    let w = db.write_in(s.group_id).await?;
    let standing = ctx.standing_in(&w, s.group_id).await?;
    policy::moderate(&standing)?;
    if standing.archived {
        return Err(AppError::forbidden(
            "this group is archived: it is read-only",
        ));
    }
    let s = group_session::Entity::find_by_id(s.id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if s.status == SessionStatus::Cancelled {
        return Err(AppError::bad_input("this session was cancelled"));
    }
    let t = now();
    rules::attendance_open(
        s.starts_at,
        s.ends_at,
        ctx.state.config.sessions.attendance_window(),
        t,
    )?;
    let members = membership::Entity::find()
        .filter(membership::Column::GroupId.eq(s.group_id))
        .filter(membership::Column::UserId.is_in(ids.iter().copied()))
        .count(&w.txn)
        .await?;
    if members != ids.len() as u64 {
        return Err(AppError::bad_input(
            "every entry must name a member of the group",
        ));
    }
    let rows = entries
        .into_iter()
        .map(|(user_id, status)| session_attendance::ActiveModel {
            session_id: Set(s.id),
            user_id: Set(user_id),
            group_id: Set(s.group_id),
            status: Set(status),
            recorded_by: Set(Some(standing.viewer.id)),
            recorded_at: Set(t),
        });
    session_attendance::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                session_attendance::Column::SessionId,
                session_attendance::Column::UserId,
            ])
            .update_columns([
                session_attendance::Column::Status,
                session_attendance::Column::RecordedBy,
                session_attendance::Column::RecordedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(&w.txn)
        .await?;
    db.commit(w).await?;
    ctx.forget_cached();
    Ok(s)
}

pub struct NewCheckIn<'a> {
    pub session_id: Uuid,
    pub mood: i32,
    pub note: Option<&'a str>,
    pub visibility: CheckInVisibility,
}

/// Submits (or, while the session lasts, changes) the viewer's check-in.
/// The note goes through crisis detection as a post does; a low mood at
/// this session and the one before raises a flag for the facilitators.
pub async fn submit_check_in(
    ctx: &RequestCtx,
    input: NewCheckIn<'_>,
) -> AppResult<check_in::Model> {
    let (s, standing) = readable(ctx, input.session_id).await?;
    let t = now();
    policy::check_in(&standing, input.visibility, t)?;
    let lead = ctx.state.config.sessions.checkin_lead();
    open_for_check_ins(&s, lead, t)?;
    let mood = rules::mood(input.mood)?;
    let note = content::optional_text("note", input.note, rules::NOTE_MAX)?;
    let detection = match &note {
        Some(n) => super::safety::assess(ctx, n.clone()).await?,
        None => Detection {
            risk: Risk::None,
            target: None,
            category: None,
        },
    };
    let db = &ctx.state.db;
    let mut w = db.write_in(s.group_id).await?;
    let standing = ctx.standing_in(&w, s.group_id).await?;
    policy::check_in(&standing, input.visibility, t)?;
    let s = group_session::Entity::find_by_id(s.id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    open_for_check_ins(&s, lead, t)?;
    let anchor = ensure_check_in_thread(&mut w, &s, t).await?;
    let viewer_id = standing.viewer.id;
    let existing = check_in::Entity::find()
        .filter(check_in::Column::SessionId.eq(s.id))
        .filter(check_in::Column::UserId.eq(viewer_id))
        .one(&w.txn)
        .await?;
    let c = match existing {
        Some(e) => {
            let mut a: check_in::ActiveModel = e.into();
            a.mood = Set(mood);
            a.note = Set(note);
            a.visibility = Set(input.visibility);
            a.risk = Set(detection.risk.stored());
            a.updated_at = Set(t);
            a.update(&w.txn).await?
        }
        None => {
            check_in::ActiveModel {
                id: Set(Uuid::now_v7()),
                session_id: Set(s.id),
                group_id: Set(s.group_id),
                user_id: Set(viewer_id),
                mood: Set(mood),
                note: Set(note),
                visibility: Set(input.visibility),
                risk: Set(detection.risk.stored()),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(&w.txn)
            .await?
        }
    };
    let escalate_after = ctx.state.config.safety.escalation_after();
    if detection.risk == Risk::Urgent {
        let reason = match detection.target {
            Some(Target::Others) => FlagReason::RiskToOthers,
            _ => FlagReason::RiskToSelf,
        };
        let note = detection
            .category
            .map(|c| format!("Crisis language in a check-in note: {}.", c.describe()))
            .or_else(|| Some("Crisis language in a check-in note.".to_owned()));
        flag_check_in(
            &mut w,
            &anchor,
            &c,
            reason,
            true,
            note,
            t,
            escalate_after,
            true,
        )
        .await?;
    }
    if i32::from(c.mood) <= rules::LOW_MOOD {
        let previous = previous_mood(&w.txn, &s, viewer_id).await?;
        if rules::low_mood_trend(c.mood, previous) {
            let note = Some(rules::LOW_MOOD_NOTE.to_owned());
            flag_check_in(
                &mut w,
                &anchor,
                &c,
                FlagReason::Other,
                false,
                note,
                t,
                escalate_after,
                false,
            )
            .await?;
        }
    }
    db.commit(w).await?;
    Ok(c)
}

fn open_for_check_ins(
    s: &group_session::Model,
    lead: chrono::Duration,
    t: DateTime<Utc>,
) -> AppResult<()> {
    if s.status == SessionStatus::Cancelled {
        return Err(AppError::bad_input("this session was cancelled"));
    }
    rules::check_ins_open(s.starts_at, s.ends_at, lead, t)
}

/// The member's mood at the group's session before `s` (cancelled ones
/// skipped), if they checked in there.
async fn previous_mood(
    txn: &impl ConnectionTrait,
    s: &group_session::Model,
    user_id: Uuid,
) -> AppResult<Option<i16>> {
    let before = group_session::Entity::find()
        .filter(group_session::Column::GroupId.eq(s.group_id))
        .filter(group_session::Column::Status.ne(SessionStatus::Cancelled))
        .filter(keyset_after(
            group_session::Column::StartsAt,
            group_session::Column::Id,
            s.starts_at,
            s.id,
            true,
        ))
        .order_by_desc(group_session::Column::StartsAt)
        .order_by_desc(group_session::Column::Id)
        .one(txn)
        .await?;
    let Some(before) = before else {
        return Ok(None);
    };
    Ok(check_in::Entity::find()
        .filter(check_in::Column::SessionId.eq(before.id))
        .filter(check_in::Column::UserId.eq(user_id))
        .one(txn)
        .await?
        .map(|c| c.mood))
}

/// Raises a SYSTEM flag about a check-in, anchored on the check-in
/// thread's opening post: one open flag per check-in and reason (`open_only`),
/// or one ever (a trend flag is raised once per check-in).
#[allow(clippy::too_many_arguments)]
async fn flag_check_in(
    w: &mut WriteTxn,
    anchor: &post::Model,
    c: &check_in::Model,
    reason: FlagReason,
    urgent: bool,
    note: Option<String>,
    t: DateTime<Utc>,
    escalate_after: chrono::Duration,
    open_only: bool,
) -> AppResult<()> {
    let mut q = flag::Entity::find()
        .filter(flag::Column::CheckInId.eq(c.id))
        .filter(flag::Column::Reason.eq(reason));
    if open_only {
        q = q.filter(flag::Column::Status.eq(FlagStatus::Open));
    }
    if q.one(&w.txn).await?.is_some() {
        return Ok(());
    }
    let about = super::moderation::FlagAbout {
        post: anchor,
        author: Some(c.user_id),
        snapshot: c.note.clone(),
        check_in_id: Some(c.id),
    };
    super::moderation::insert_flag(
        w,
        about,
        None,
        reason,
        FlagSource::System,
        urgent,
        note,
        t,
        escalate_after,
    )
    .await?;
    Ok(())
}

/// The session's CHECK_IN thread, opened now if it is not yet: by the
/// sessions worker when check-ins open, or by the first check-in if that
/// comes first. Under the group's lock, so it opens once.
pub(crate) async fn ensure_check_in_thread(
    w: &mut WriteTxn,
    s: &group_session::Model,
    t: DateTime<Utc>,
) -> AppResult<post::Model> {
    if let Some(id) = s.check_in_thread_id {
        let opening = thread::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .and_then(|th| th.opening_post_id);
        if let Some(p) = opening {
            if let Some(p) = post::Entity::find_by_id(p).one(&w.txn).await? {
                return Ok(p);
            }
        }
    }
    let when = local_time(s);
    let (th, p) = super::forum::open_system_thread(
        w,
        s.group_id,
        ThreadKind::CheckIn,
        format!("Check-in · {when}"),
        format!("Check-ins are open for the session on {when}. How are you arriving this week?"),
        t,
    )
    .await?;
    group_session::Entity::update_many()
        .col_expr(group_session::Column::CheckInThreadId, Expr::value(th.id))
        .filter(group_session::Column::Id.eq(s.id))
        .exec(&w.txn)
        .await?;
    Ok(p)
}

/// The closing-reflection thread, when the session ends.
pub(crate) async fn open_closing_thread(
    w: &mut WriteTxn,
    s: &group_session::Model,
    t: DateTime<Utc>,
) -> AppResult<()> {
    if s.closing_thread_id.is_some() {
        return Ok(());
    }
    let when = local_time(s);
    let (th, _) = super::forum::open_system_thread(
        w,
        s.group_id,
        ThreadKind::Reflection,
        format!("Closing reflections · {when}"),
        format!("The session on {when} has ended. What are you taking with you?"),
        t,
    )
    .await?;
    group_session::Entity::update_many()
        .col_expr(group_session::Column::ClosingThreadId, Expr::value(th.id))
        .filter(group_session::Column::Id.eq(s.id))
        .exec(&w.txn)
        .await?;
    Ok(())
}

/// "Thursday 19 March, 19:00 (Europe/London)".
fn local_time(s: &group_session::Model) -> String {
    match s.time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => format!(
            "{} ({})",
            s.starts_at.with_timezone(&tz).format("%A %-d %B, %H:%M"),
            tz.name()
        ),
        Err(_) => format!("{} (UTC)", s.starts_at.format("%A %-d %B, %H:%M")),
    }
}

/// A member's mood at their latest `last` check-ins in the group, oldest
/// first: for the member and the group's facilitators, and audited when
/// someone else reads it.
pub async fn mood_trend(
    ctx: &RequestCtx,
    group_id: Uuid,
    member_id: Uuid,
    last: i32,
) -> AppResult<Vec<(check_in::Model, group_session::Model)>> {
    if !(1..=rules::MAX_TREND).contains(&last) {
        return Err(AppError::bad_input(format!(
            "last must be between 1 and {}",
            rules::MAX_TREND
        )));
    }
    let standing = ctx.standing(group_id).await?;
    policy::read_group(&standing)?;
    if !policy::see_member_record(&standing, member_id) {
        return Err(AppError::forbidden(
            "only the member and the group's facilitators see a mood trend",
        ));
    }
    ctx.note_access(AccessKind::MoodData, Some(member_id), group_id, None, None);
    let mut rows = check_in::Entity::find()
        .find_also_related(group_session::Entity)
        .filter(check_in::Column::GroupId.eq(group_id))
        .filter(check_in::Column::UserId.eq(member_id))
        .order_by_desc(group_session::Column::StartsAt)
        .limit(last as u64)
        .all(&ctx.state.db.conn)
        .await?;
    rows.reverse();
    Ok(rows
        .into_iter()
        .filter_map(|(c, s)| s.map(|s| (c, s)))
        .collect())
}

/// Sessions attended out of those recorded: for the member and the
/// group's facilitators (None for anyone else, and before any record).
pub async fn attendance_rate(
    ctx: &RequestCtx,
    group_id: Uuid,
    member_id: Uuid,
) -> AppResult<Option<f64>> {
    let standing = ctx.standing(group_id).await?;
    if policy::read_group(&standing).is_err() || !policy::see_member_record(&standing, member_id) {
        return Ok(None);
    }
    let statuses = ctx
        .loaders()
        .attendance()
        .load_one((group_id, member_id))
        .await
        .map_err(AppError::from)?
        .unwrap_or_default();
    Ok(rules::attendance_rate(statuses))
}

/// The viewer's calendar feed URL.
pub async fn calendar_url(ctx: &RequestCtx) -> AppResult<String> {
    let viewer = ctx.viewer()?;
    let version = entity::calendar_feed::Entity::find_by_id(viewer.id)
        .one(&ctx.state.db.conn)
        .await?
        .map_or(0, |f| f.version);
    feed_url(ctx, viewer.id, version)
}

fn feed_url(ctx: &RequestCtx, user: Uuid, version: i32) -> AppResult<String> {
    let token =
        ctx.state.jwt.calendar.token(user, version).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("the calendar key could not be used"))
        })?;
    let base = ctx
        .state
        .config
        .server
        .public_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    Ok(format!("{base}/calendar/{token}.ics"))
}

/// A new calendar URL: every earlier one stops working.
pub async fn rotate_calendar_url(ctx: &RequestCtx, include_video: bool) -> AppResult<String> {
    let viewer = ctx.viewer()?.id;
    let db = &ctx.state.db;
    let w = db.write().await?;
    let version = entity::calendar_feed::Entity::find_by_id(viewer)
        .one(&w.txn)
        .await?
        .map_or(0, |f| f.version)
        .checked_add(1)
        .ok_or_else(|| AppError::bad_input("this calendar URL cannot be rotated again"))?;
    entity::calendar_feed::Entity::insert(entity::calendar_feed::ActiveModel {
        user_id: Set(viewer),
        version: Set(version),
        include_video: Set(include_video),
        updated_at: Set(now()),
    })
    .on_conflict(
        OnConflict::column(entity::calendar_feed::Column::UserId)
            .update_columns([
                entity::calendar_feed::Column::Version,
                entity::calendar_feed::Column::IncludeVideo,
                entity::calendar_feed::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&w.txn)
    .await?;
    db.commit(w).await?;
    feed_url(ctx, viewer, version)
}

/// Sessions in a feed at most.
const FEED_MAX: u64 = 500;

/// The iCalendar feed behind a calendar URL: the member's groups' sessions
/// not yet over (cancelled ones marked so), or None for a token that is
/// not, or no longer, valid.
pub async fn feed(state: &super::Services, token: &str) -> AppResult<Option<String>> {
    use icalendar::{Calendar, Component, EventLike, EventStatus};
    let Some((user_id, version)) = state.jwt.calendar.open(token) else {
        return Ok(None);
    };
    let db = &state.db.conn;
    let feed = entity::calendar_feed::Entity::find_by_id(user_id)
        .one(db)
        .await?;
    if feed.as_ref().map_or(0, |f| f.version) != version {
        return Ok(None);
    }
    // A closed or closing account has no feed.
    if crate::store::closures::pending(db, user_id)
        .await?
        .is_some()
        || crate::store::closures::completed(db, user_id, None).await?
    {
        return Ok(None);
    }
    let include_video = feed.is_some_and(|f| f.include_video);
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .limit(FEED_MAX)
        .all(db)
        .await?;
    let groups: std::collections::HashMap<Uuid, String> = entity::group::Entity::find()
        .filter(entity::group::Column::Id.is_in(memberships.iter().map(|m| m.group_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let sessions = group_session::Entity::find()
        .filter(group_session::Column::GroupId.is_in(groups.keys().copied()))
        .filter(group_session::Column::EndsAt.gt(now()))
        .filter(
            Condition::any()
                .add(group_session::Column::Status.eq(SessionStatus::Scheduled))
                .add(group_session::Column::Status.eq(SessionStatus::Cancelled)),
        )
        .order_by_asc(group_session::Column::StartsAt)
        .limit(FEED_MAX)
        .all(db)
        .await?;
    let mut cal = Calendar::new();
    cal.name("Hearth group sessions");
    for s in sessions {
        let name = groups.get(&s.group_id).map_or("Group", String::as_str);
        let mut ev = icalendar::Event::new();
        ev.uid(&format!("{}@hearth", s.id))
            .summary(&format!("{name}: group session"))
            .starts(s.starts_at)
            .ends(s.ends_at)
            .status(if s.status == SessionStatus::Cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            });
        if include_video {
            if let Some(url) = &s.video_url {
                ev.url(url).location(url);
            }
        }
        cal.push(ev.done());
    }
    Ok(Some(cal.done().to_string()))
}
