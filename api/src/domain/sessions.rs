//! Group sessions' rules: how a weekly series keeps its local time across
//! daylight-saving changes, when check-ins and attendance are open, the
//! low-mood trend, and the attendance rate.
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use entity::enums::{AttendanceStatus, SessionJobKind};

/// Sessions one `scheduleSessions` call may create (a year of weeks).
pub const MAX_SERIES: i32 = 52;
pub const MIN_DURATION_MINUTES: i32 = 15;
pub const MAX_DURATION_MINUTES: i32 = 600;
pub const MOOD_MIN: i32 = 0;
pub const MOOD_MAX: i32 = 10;
/// A mood at or below this, at two sessions in a row, raises a flag.
pub const LOW_MOOD: i32 = 2;
pub const NOTE_MAX: usize = 2000;
pub const REASON_MAX: usize = 500;
pub const VIDEO_URL_MAX: usize = 2048;
/// Entries in one `recordAttendance` call.
pub const MAX_ATTENDANCE_ENTRIES: usize = 100;
/// Points `Membership.moodTrend` returns at most.
pub const MAX_TREND: i32 = 52;
/// What a flag for a low-mood trend says.
pub const LOW_MOOD_NOTE: &str = "Low mood trend: a mood of 2 or less at two sessions in a row.";

pub fn time_zone(name: &str) -> AppResult<Tz> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| AppError::bad_input(format!("`{name}` is not an IANA time zone")))
}

/// A session's length: `minutes` of `minute` each (a minute, but in tests).
pub fn duration(minutes: i32, minute: Duration) -> AppResult<Duration> {
    if !(MIN_DURATION_MINUTES..=MAX_DURATION_MINUTES).contains(&minutes) {
        return Err(AppError::bad_input(format!(
            "durationMinutes must be between {MIN_DURATION_MINUTES} and {MAX_DURATION_MINUTES}"
        )));
    }
    Ok(minute * minutes)
}

/// A video link: https only, so a link in a member's calendar never
/// downgrades them to plain http or another scheme.
pub fn video_url(url: Option<&str>) -> AppResult<Option<String>> {
    let Some(raw) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    if raw.len() > VIDEO_URL_MAX {
        return Err(AppError::bad_input("videoUrl is too long"));
    }
    match url::Url::parse(raw) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some() => Ok(Some(u.to_string())),
        _ => Err(AppError::bad_input("videoUrl must be an https URL")),
    }
}

pub fn mood(m: i32) -> AppResult<i16> {
    if !(MOOD_MIN..=MOOD_MAX).contains(&m) {
        return Err(AppError::bad_input(format!(
            "mood must be between {MOOD_MIN} and {MOOD_MAX}"
        )));
    }
    Ok(m as i16)
}

/// The start times of a series: the first, then (weekly) the same local
/// wall-clock time on the same weekday in `tz`, so 19:00 in Europe/London
/// stays 19:00 there across a change of offset.
pub fn series(
    first: DateTime<Utc>,
    tz: Tz,
    weekly: bool,
    count: i32,
) -> AppResult<Vec<DateTime<Utc>>> {
    let count = if weekly { count } else { 1 };
    if !(1..=MAX_SERIES).contains(&count) {
        return Err(AppError::bad_input(format!(
            "count must be between 1 and {MAX_SERIES}"
        )));
    }
    let local = first.with_timezone(&tz).naive_local();
    Ok((0..count)
        .map(|k| at_local(tz, local + Duration::weeks(k as i64)))
        .collect())
}

/// A local wall-clock time as an instant. In a repeated hour (clocks go
/// back) the first occurrence; in a skipped hour (clocks go forward) the
/// first valid time after the gap, as calendar clients do.
pub fn at_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    for _ in 0..=16 {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(a, _) => return a.with_timezone(&Utc),
            LocalResult::None => probe += Duration::minutes(15),
        }
    }
    // No zone has a gap of four hours; read the time as UTC rather than fail.
    Utc.from_utc_datetime(&local)
}

/// Times a session's work comes due, as of `now`: check-ins open `lead`
/// before it starts (at once if that has passed), reminders `reminders`
/// before it (only those still ahead), SESSION_STARTING at the start, and
/// the end.
pub fn plan(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    lead: Duration,
    reminders: &[Duration],
    now: DateTime<Utc>,
) -> Vec<(SessionJobKind, DateTime<Utc>)> {
    let mut jobs = vec![(SessionJobKind::OpenCheckIn, (starts_at - lead).max(now))];
    for r in reminders {
        let due = starts_at - *r;
        if due > now {
            jobs.push((SessionJobKind::Remind, due));
        }
    }
    jobs.push((SessionJobKind::Start, starts_at.max(now)));
    jobs.push((SessionJobKind::End, ends_at.max(now)));
    jobs
}

/// Check-ins are open from `lead` before the start until the end.
pub fn check_ins_open(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    lead: Duration,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if now < starts_at - lead {
        return Err(AppError::bad_input(format!(
            "check-ins for this session open at {}",
            (starts_at - lead).to_rfc3339()
        )));
    }
    if now >= ends_at {
        return Err(AppError::bad_input(
            "this session has ended: its check-ins are closed",
        ));
    }
    Ok(())
}

/// Attendance is recorded from the start until `window` after the end.
pub fn attendance_open(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    window: Duration,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if now < starts_at {
        return Err(AppError::bad_input(
            "attendance can be recorded once the session has started",
        ));
    }
    if now > ends_at + window {
        return Err(AppError::bad_input(
            "the time to record attendance for this session has passed",
        ));
    }
    Ok(())
}

/// Whether this check-in and the member's check-in at the session before
/// make a low-mood trend.
pub fn low_mood_trend(mood: i16, previous: Option<i16>) -> bool {
    i32::from(mood) <= LOW_MOOD && previous.is_some_and(|p| i32::from(p) <= LOW_MOOD)
}

/// Sessions attended (present or late) out of those recorded, excused ones
/// left out; None before anything counts.
pub fn attendance_rate(records: impl IntoIterator<Item = AttendanceStatus>) -> Option<f64> {
    let (mut attended, mut counted) = (0u32, 0u32);
    for s in records {
        match s {
            AttendanceStatus::Present | AttendanceStatus::Late => {
                attended += 1;
                counted += 1;
            }
            AttendanceStatus::Absent => counted += 1,
            AttendanceStatus::Excused => {}
        }
    }
    (counted > 0).then(|| f64::from(attended) / f64::from(counted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn weekly_series_keeps_local_time_across_dst() {
        // 19:00 in London on 2026-03-19 (GMT), then across 29 March (BST).
        let tz = time_zone("Europe/London").unwrap();
        let s = series(utc("2026-03-19T19:00:00Z"), tz, true, 3).unwrap();
        assert_eq!(s[0], utc("2026-03-19T19:00:00Z"));
        assert_eq!(s[1], utc("2026-03-26T19:00:00Z"));
        assert_eq!(s[2], utc("2026-04-02T18:00:00Z"));
        for t in s {
            assert_eq!(t.with_timezone(&tz).hour(), 19);
        }
    }

    #[test]
    fn skipped_and_repeated_hours() {
        let tz = time_zone("America/New_York").unwrap();
        // 02:30 on 8 March 2026 does not exist there: 03:00 EDT.
        let gap = NaiveDateTime::parse_from_str("2026-03-08 02:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(at_local(tz, gap), utc("2026-03-08T07:00:00Z"));
        // 01:30 on 1 November 2026 happens twice: the first (EDT).
        let twice = NaiveDateTime::parse_from_str("2026-11-01 01:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(at_local(tz, twice), utc("2026-11-01T05:30:00Z"));
    }

    #[test]
    fn bounds() {
        let tz = time_zone("UTC").unwrap();
        assert!(series(Utc::now(), tz, true, 0).is_err());
        assert!(series(Utc::now(), tz, true, 53).is_err());
        assert_eq!(series(Utc::now(), tz, false, 10).unwrap().len(), 1);
        assert!(time_zone("Mars/Olympus").is_err());
        assert!(duration(5, Duration::minutes(1)).is_err());
        assert_eq!(
            duration(90, Duration::minutes(1)).unwrap(),
            Duration::minutes(90)
        );
        assert!(video_url(Some("http://x.example/a")).is_err());
        assert!(video_url(Some("javascript:alert(1)")).is_err());
        assert!(video_url(Some("https://meet.example/abc"))
            .unwrap()
            .is_some());
        assert!(mood(11).is_err() && mood(-1).is_err() && mood(0).is_ok());
    }

    #[test]
    fn trend_and_rate() {
        assert!(low_mood_trend(2, Some(1)));
        assert!(!low_mood_trend(3, Some(1)));
        assert!(!low_mood_trend(1, None));
        use AttendanceStatus::*;
        assert_eq!(attendance_rate([]), None);
        assert_eq!(attendance_rate([Excused]), None);
        assert_eq!(
            attendance_rate([Present, Late, Absent, Excused]),
            Some(2.0 / 3.0)
        );
    }

    #[test]
    fn plan_skips_past_reminders() {
        let now = utc("2026-01-01T00:00:00Z");
        let start = now + Duration::minutes(30);
        let jobs = plan(
            start,
            start + Duration::hours(1),
            Duration::hours(24),
            &[Duration::hours(1), Duration::hours(24)],
            now,
        );
        assert_eq!(jobs[0], (SessionJobKind::OpenCheckIn, now));
        assert!(!jobs.iter().any(|(k, _)| *k == SessionJobKind::Remind));
        assert_eq!(jobs.len(), 3);
    }
}
