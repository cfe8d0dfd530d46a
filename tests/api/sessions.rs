//! Group sessions: a weekly series across a daylight-saving change, moving
//! and cancelling, RSVPs and attendance as each role sees them, check-ins
//! with each visibility, crisis language and a low-mood trend in check-ins,
//! the automatic threads (once, across two instances), the calendar feed,
//! and outsiders.
use crate::backend_tests;
use crate::helpers::{code_of, spawn_app_with, spawn_on_with, until, Backend, Member, TestApp};
use crate::ws::{Frame, Protocol, Ws};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::str::FromStr;

const SCHEDULE: &str = "mutation($i: ScheduleSessionsInput!) { scheduleSessions(input: $i) { id startsAt endsAt status timeZone videoUrl } }";
const SESSION: &str = "query($s: ID!) { node(id: $s) { ... on GroupSession { id startsAt endsAt status cancelReason videoUrl viewerRsvp checkInThread { id kind } closingThread { id kind } rsvps { member { id } status } attendance { member { id } status } checkIns { id mood note visibility member { id } } } } }";
const CHECK_IN: &str = "mutation($i: SubmitCheckInInput!) { submitCheckIn(input: $i) { id mood note visibility supportResources { title } } }";
const FLAGS: &str = "query($g: ID!) { group(id: $g) { flags(first: 20) { nodes { id priority source reason status note bodySnapshot post { id } checkIn { id mood } } } } }";

/// Check-ins open an hour ahead; sessions' minutes last a second each in
/// the scenarios that watch one end (`spawn_fast`).
pub async fn spawn_sessions(backend: Backend) -> TestApp {
    spawn_on_with(backend, |c| {
        c.sessions.checkin_lead_seconds = Some(3600);
        c.sessions.session_reminders = vec![86_400, 3600];
    })
    .await
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn at(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

async fn schedule(
    app: &TestApp,
    f: &Member,
    gid: &str,
    start: DateTime<Utc>,
    extra: Value,
) -> Vec<Value> {
    let mut input = json!({
        "groupId": gid,
        "firstStartsAt": iso(start),
        "durationMinutes": 90,
        "timeZone": "Europe/London",
        "videoUrl": "https://video.example/room-1",
    });
    if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        i.extend(e.clone());
    }
    app.ok(Some(&f.token), SCHEDULE, json!({ "i": input }))
        .await["scheduleSessions"]
        .as_array()
        .expect("sessions")
        .clone()
}

async fn session(app: &TestApp, who: &Member, sid: &str) -> Value {
    app.ok(Some(&who.token), SESSION, json!({ "s": sid })).await["node"].clone()
}

async fn check_in(
    app: &TestApp,
    who: &Member,
    sid: &str,
    mood: i32,
    note: Option<&str>,
    vis: &str,
) -> Value {
    app.ok(
        Some(&who.token),
        CHECK_IN,
        json!({"i": {"sessionId": sid, "mood": mood, "note": note, "visibility": vis}}),
    )
    .await["submitCheckIn"]
        .clone()
}

async fn weekly_series_keeps_local_time_across_dst(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("dst-f").await;
    let m = app.member_of(&f, &gid, "dst-m").await;
    // 19:00 in London, weekly from a Thursday before the March change
    // (last Sunday of March) until after it.
    let year = Utc::now().format("%Y").to_string().parse::<i32>().unwrap() + 1;
    let first = DateTime::parse_from_rfc3339(&format!("{year}-03-11T19:00:00Z"))
        .unwrap()
        .with_timezone(&Utc);
    let list = schedule(&app, &f, &gid, first, json!({"weekly": true, "count": 6})).await;
    assert_eq!(list.len(), 6);
    let tz: chrono_tz::Tz = "Europe/London".parse().unwrap();
    let mut offsets = std::collections::BTreeSet::new();
    for (k, s) in list.iter().enumerate() {
        let start = at(&s["startsAt"]);
        let local = start.with_timezone(&tz);
        assert_eq!(
            local.format("%H:%M").to_string(),
            "19:00",
            "session {k}: {s}"
        );
        assert_eq!(
            local.date_naive(),
            first.date_naive() + Duration::weeks(k as i64)
        );
        assert_eq!(at(&s["endsAt"]) - start, Duration::minutes(90));
        assert_eq!(s["status"], "SCHEDULED");
        assert_eq!(s["timeZone"], "Europe/London");
        offsets.insert(local.format("%z").to_string());
    }
    assert_eq!(
        offsets.len(),
        2,
        "the series crosses a change of offset: {offsets:?}"
    );

    // Listed soonest first, a page at a time, and the next one is the first.
    let q = "query($g: ID!, $a: String) { group(id: $g) { nextSession { id } sessions(upcoming: true, first: 4, after: $a) { nodes { id } pageInfo { hasNextPage endCursor } } } }";
    let d = app
        .ok(Some(&m.token), q, json!({"g": gid, "a": null}))
        .await;
    assert_eq!(d["group"]["nextSession"]["id"], list[0]["id"]);
    let page = &d["group"]["sessions"];
    assert_eq!(page["nodes"].as_array().unwrap().len(), 4);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let d = app
        .ok(
            Some(&m.token),
            q,
            json!({"g": gid, "a": page["pageInfo"]["endCursor"]}),
        )
        .await;
    let rest: Vec<&Value> = d["group"]["sessions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["id"])
        .collect();
    assert_eq!(rest, vec![&list[4]["id"], &list[5]["id"]]);
    let past = "query($g: ID!) { group(id: $g) { sessions(upcoming: false) { nodes { id } } } }";
    let d = app.ok(Some(&m.token), past, json!({"g": gid})).await;
    assert_eq!(d["group"]["sessions"]["nodes"], json!([]));

    // Bad input is refused with a clear code.
    let bad = [
        json!({"timeZone": "Mars/Olympus"}),
        json!({"durationMinutes": 5}),
        json!({"weekly": true, "count": 53}),
        json!({"videoUrl": "http://plain.example/x"}),
        json!({"firstStartsAt": iso(Utc::now() - Duration::hours(1))}),
    ];
    for extra in bad {
        let mut input = json!({"groupId": gid, "firstStartsAt": iso(first), "durationMinutes": 60, "timeZone": "UTC"});
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        app.fails(
            Some(&f.token),
            SCHEDULE,
            json!({"i": input}),
            "BAD_USER_INPUT",
        )
        .await;
    }
    // Members do not schedule.
    let input = json!({"groupId": gid, "firstStartsAt": iso(first), "durationMinutes": 60, "timeZone": "UTC"});
    app.fails(Some(&m.token), SCHEDULE, json!({"i": input}), "FORBIDDEN")
        .await;
}

async fn update_and_cancel(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("uc-f").await;
    let m = app.member_of(&f, &gid, "uc-m").await;
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe(
        "g",
        "subscription($g: ID!) { groupEvents(groupId: $g) { kind session { id status } } }",
        json!({"g": gid}),
    )
    .await;
    // The subscription is live once the server answers a request after it.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let start = Utc::now() + Duration::days(3);
    let s = &schedule(&app, &f, &gid, start, json!({})).await[0];
    let sid = s["id"].as_str().unwrap();
    let e = ws.data().await;
    assert_eq!(e["groupEvents"]["kind"], "SESSION_SCHEDULED", "{e}");
    assert_eq!(e["groupEvents"]["session"]["id"], sid);

    let upd = "mutation($i: UpdateSessionInput!) { updateSession(input: $i) { startsAt endsAt videoUrl } }";
    let later = at(&json!(iso(start + Duration::hours(2))));
    let d = app
        .ok(
            Some(&f.token),
            upd,
            json!({"i": {"sessionId": sid, "startsAt": iso(later), "durationMinutes": 60, "videoUrl": ""}}),
        )
        .await;
    assert_eq!(at(&d["updateSession"]["startsAt"]), later);
    assert_eq!(
        at(&d["updateSession"]["endsAt"]),
        later + Duration::minutes(60)
    );
    assert_eq!(d["updateSession"]["videoUrl"], Value::Null);
    let e = ws.data().await;
    assert_eq!(e["groupEvents"]["kind"], "SESSION_UPDATED", "{e}");
    app.fails(
        Some(&m.token),
        upd,
        json!({"i": {"sessionId": sid, "durationMinutes": 30}}),
        "FORBIDDEN",
    )
    .await;
    app.fails(
        Some(&f.token),
        upd,
        json!({"i": {"sessionId": sid, "startsAt": iso(Utc::now() - Duration::minutes(5))}}),
        "BAD_USER_INPUT",
    )
    .await;

    let cancel = "mutation($s: ID!, $r: String) { cancelSession(sessionId: $s, reason: $r) { status cancelReason } }";
    app.fails(Some(&m.token), cancel, json!({"s": sid}), "FORBIDDEN")
        .await;
    let d = app
        .ok(
            Some(&f.token),
            cancel,
            json!({"s": sid, "r": "Facilitator unwell"}),
        )
        .await;
    assert_eq!(d["cancelSession"]["status"], "CANCELLED");
    assert_eq!(d["cancelSession"]["cancelReason"], "Facilitator unwell");
    let e = ws.data().await;
    assert_eq!(e["groupEvents"]["kind"], "SESSION_CANCELLED", "{e}");
    assert_eq!(e["groupEvents"]["session"]["status"], "CANCELLED");
    // A cancelled session takes no change, RSVP or check-in, and is not next.
    app.fails(Some(&f.token), cancel, json!({"s": sid}), "BAD_USER_INPUT")
        .await;
    app.fails(
        Some(&f.token),
        upd,
        json!({"i": {"sessionId": sid, "durationMinutes": 30}}),
        "BAD_USER_INPUT",
    )
    .await;
    let rsvp = "mutation($s: ID!) { rsvp(sessionId: $s, status: GOING) { id } }";
    app.fails(Some(&m.token), rsvp, json!({"s": sid}), "BAD_USER_INPUT")
        .await;
    let d = app
        .ok(
            Some(&m.token),
            "query($g: ID!) { group(id: $g) { nextSession { id } } }",
            json!({"g": gid}),
        )
        .await;
    assert_eq!(d["group"]["nextSession"], Value::Null);
}

async fn rsvp_and_attendance_by_role(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("ra-f").await;
    let a = app.member_of(&f, &gid, "ra-a").await;
    let b = app.member_of(&f, &gid, "ra-b").await;
    let soon = Utc::now() + Duration::seconds(2);
    let sid = schedule(&app, &f, &gid, soon, json!({})).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rsvp =
        "mutation($s: ID!, $st: RsvpStatus!) { rsvp(sessionId: $s, status: $st) { viewerRsvp } }";
    let d = app
        .ok(Some(&a.token), rsvp, json!({"s": sid, "st": "GOING"}))
        .await;
    assert_eq!(d["rsvp"]["viewerRsvp"], "GOING");
    app.ok(Some(&b.token), rsvp, json!({"s": sid, "st": "MAYBE"}))
        .await;
    // Changing one's answer keeps one RSVP.
    app.ok(Some(&b.token), rsvp, json!({"s": sid, "st": "NOT_GOING"}))
        .await;
    let seen_by_a = session(&app, &a, &sid).await;
    assert_eq!(
        seen_by_a["rsvps"],
        json!([{"member": {"id": a.id}, "status": "GOING"}])
    );
    assert_eq!(seen_by_a["viewerRsvp"], "GOING");
    assert_eq!(seen_by_a["videoUrl"], "https://video.example/room-1");
    let seen_by_f = session(&app, &f, &sid).await;
    assert_eq!(
        seen_by_f["rsvps"].as_array().unwrap().len(),
        2,
        "{seen_by_f}"
    );
    assert!(seen_by_f["rsvps"]
        .as_array()
        .unwrap()
        .contains(&json!({"member": {"id": b.id}, "status": "NOT_GOING"})));

    let record = "mutation($s: ID!, $e: [AttendanceInput!]!) { recordAttendance(sessionId: $s, entries: $e) { id } }";
    let entries =
        json!([{"memberId": a.id, "status": "PRESENT"}, {"memberId": b.id, "status": "ABSENT"}]);
    // Not before the session starts.
    app.fails(
        Some(&f.token),
        record,
        json!({"s": sid, "e": entries}),
        "BAD_USER_INPUT",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    app.fails(
        Some(&a.token),
        record,
        json!({"s": sid, "e": entries}),
        "FORBIDDEN",
    )
    .await;
    let outsider = app.register("ra-x").await;
    app.fails(
        Some(&f.token),
        record,
        json!({"s": sid, "e": [{"memberId": outsider.id, "status": "PRESENT"}]}),
        "BAD_USER_INPUT",
    )
    .await;
    app.ok(Some(&f.token), record, json!({"s": sid, "e": entries}))
        .await;
    let seen_by_a = session(&app, &a, &sid).await;
    assert_eq!(
        seen_by_a["attendance"],
        json!([{"member": {"id": a.id}, "status": "PRESENT"}])
    );
    let seen_by_f = session(&app, &f, &sid).await;
    assert_eq!(seen_by_f["attendance"].as_array().unwrap().len(), 2);

    // The rate: the member and the facilitators; nobody else.
    let rate = "query($g: ID!) { group(id: $g) { members(first: 10) { nodes { user { id } attendanceRate } } } }";
    let rates = |d: Value| -> Vec<(String, Value)> {
        d["group"]["members"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["user"]["id"].as_str().unwrap().to_owned(),
                    n["attendanceRate"].clone(),
                )
            })
            .collect()
    };
    for (who, id, expect) in [
        (&a, &a.id, json!(1.0)),
        (&a, &b.id, Value::Null),
        (&f, &b.id, json!(0.0)),
        (&f, &a.id, json!(1.0)),
    ] {
        let d = app.ok(Some(&who.token), rate, json!({"g": gid})).await;
        let got = rates(d).into_iter().find(|(u, _)| u == id).unwrap().1;
        assert_eq!(got, expect, "rate of {id} as seen by {}", who.id);
    }
}

async fn check_ins_by_visibility(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("ci-f").await;
    let a = app.member_of(&f, &gid, "ci-a").await;
    let b = app.member_of(&f, &gid, "ci-b").await;
    let sid = schedule(
        &app,
        &f,
        &gid,
        Utc::now() + Duration::minutes(10),
        json!({}),
    )
    .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shared = check_in(&app, &a, &sid, 7, Some("A good week"), "GROUP").await;
    let private = check_in(
        &app,
        &b,
        &sid,
        4,
        Some("Hard to say this in front of everyone"),
        "FACILITATOR",
    )
    .await;
    assert_eq!(shared["supportResources"], json!([]));
    // One per member per session: submitting again changes it.
    let again = check_in(&app, &a, &sid, 8, Some("A good week, really"), "GROUP").await;
    assert_eq!(again["id"], shared["id"]);
    assert_eq!(again["mood"], 8);

    let ids = |s: &Value| -> Vec<String> {
        let mut v: Vec<String> = s["checkIns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let mut both = vec![
        shared["id"].as_str().unwrap().to_owned(),
        private["id"].as_str().unwrap().to_owned(),
    ];
    both.sort();
    assert_eq!(
        ids(&session(&app, &a, &sid).await),
        vec![shared["id"].as_str().unwrap().to_owned()]
    );
    assert_eq!(ids(&session(&app, &b, &sid).await), both);
    assert_eq!(ids(&session(&app, &f, &sid).await), both);
    let node = "query($c: ID!) { node(id: $c) { ... on CheckIn { mood note } } }";
    app.fails(
        Some(&a.token),
        node,
        json!({"c": private["id"]}),
        "NOT_FOUND",
    )
    .await;
    let d = app
        .ok(Some(&b.token), node, json!({"c": shared["id"]}))
        .await;
    assert_eq!(d["node"]["mood"], 8);
    let d = app
        .ok(Some(&f.token), node, json!({"c": private["id"]}))
        .await;
    assert_eq!(d["node"]["note"], "Hard to say this in front of everyone");

    // The facilitator's reads of b's private check-in are in b's access log.
    let log = "{ viewer { accessLog(first: 20) { nodes { kind actorName } } } }";
    let d = app.ok(Some(&b.token), log, json!({})).await;
    let kinds: Vec<&Value> = d["viewer"]["accessLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["kind"])
        .collect();
    assert!(kinds.contains(&&json!("MOOD_DATA")), "{d}");

    // Mood trends: one's own, and the facilitators'; others are refused.
    let trend = "query($g: ID!) { group(id: $g) { members(first: 10) { nodes { user { id } moodTrend { mood session { id } } } } } }";
    let d = app.gql(Some(&a.token), trend, json!({"g": gid})).await;
    assert_eq!(code_of(&d), Some("FORBIDDEN"), "{d}");
    let own = "query($g: ID!) { viewer { groups(first: 5) { nodes { id } } } group(id: $g) { members(first: 10) { nodes { user { id } } } } }";
    app.ok(Some(&a.token), own, json!({"g": gid})).await;
    let d = app.ok(Some(&f.token), trend, json!({"g": gid})).await;
    let b_trend = d["group"]["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["user"]["id"] == b.id.as_str())
        .unwrap()["moodTrend"]
        .clone();
    assert_eq!(b_trend, json!([{"mood": 4, "session": {"id": sid}}]));
}

async fn crisis_in_a_check_in_raises_an_urgent_flag(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("cc-f").await;
    let m = app.member_of(&f, &gid, "cc-m").await;
    let other = app.member_of(&f, &gid, "cc-o").await;
    let sid = schedule(
        &app,
        &f,
        &gid,
        Utc::now() + Duration::minutes(10),
        json!({}),
    )
    .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = check_in(
        &app,
        &m,
        &sid,
        3,
        Some("honestly I want to end my life"),
        "FACILITATOR",
    )
    .await;
    assert!(!c["supportResources"].as_array().unwrap().is_empty(), "{c}");
    let d = app.ok(Some(&f.token), FLAGS, json!({"g": gid})).await;
    let flags = d["group"]["flags"]["nodes"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "{d}");
    let flag = &flags[0];
    assert_eq!(flag["priority"], "URGENT");
    assert_eq!(flag["source"], "SYSTEM");
    assert_eq!(flag["reason"], "RISK_TO_SELF");
    assert_eq!(flag["checkIn"]["id"], c["id"]);
    assert_eq!(flag["bodySnapshot"], "honestly I want to end my life");
    assert!(flag["post"]["id"].is_string());
    // Other members see neither the flag nor the note.
    app.fails(Some(&other.token), FLAGS, json!({"g": gid}), "FORBIDDEN")
        .await;
    // Submitting again does not pile up alerts.
    check_in(
        &app,
        &m,
        &sid,
        3,
        Some("I still want to end my life"),
        "FACILITATOR",
    )
    .await;
    let d = app.ok(Some(&f.token), FLAGS, json!({"g": gid})).await;
    assert_eq!(
        d["group"]["flags"]["nodes"].as_array().unwrap().len(),
        1,
        "{d}"
    );
}

async fn low_mood_at_two_sessions_in_a_row(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("lm-f").await;
    let m = app.member_of(&f, &gid, "lm-m").await;
    let t = Utc::now();
    let first = schedule(
        &app,
        &f,
        &gid,
        t + Duration::minutes(5),
        json!({"durationMinutes": 15}),
    )
    .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = schedule(
        &app,
        &f,
        &gid,
        t + Duration::minutes(30),
        json!({"durationMinutes": 15}),
    )
    .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // One low mood is not a trend.
    check_in(&app, &m, &second, 2, None, "FACILITATOR").await;
    let d = app.ok(Some(&f.token), FLAGS, json!({"g": gid})).await;
    assert_eq!(d["group"]["flags"]["nodes"], json!([]), "{d}");
    // A low mood at the session before as well: a NORMAL flag.
    check_in(&app, &m, &first, 1, None, "GROUP").await;
    check_in(&app, &m, &second, 1, None, "FACILITATOR").await;
    let d = app.ok(Some(&f.token), FLAGS, json!({"g": gid})).await;
    let flags = d["group"]["flags"]["nodes"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "{d}");
    assert_eq!(flags[0]["priority"], "NORMAL");
    assert!(
        flags[0]["note"]
            .as_str()
            .unwrap()
            .contains("Low mood trend"),
        "{d}"
    );
    assert_eq!(flags[0]["checkIn"]["mood"], 1);
    // Once per check-in.
    check_in(&app, &m, &second, 0, None, "FACILITATOR").await;
    let d = app.ok(Some(&f.token), FLAGS, json!({"g": gid})).await;
    assert_eq!(
        d["group"]["flags"]["nodes"].as_array().unwrap().len(),
        1,
        "{d}"
    );
}

async fn calendar_feed_holds_only_the_members_groups(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("cal-f").await;
    let m = app.member_of(&f, &gid, "cal-m").await;
    let (g, other_gid) = app.group_with_facilitator("cal-g").await;
    let start = Utc::now() + Duration::days(1);
    let mine = schedule(&app, &f, &gid, start, json!({"weekly": true, "count": 3})).await;
    schedule(
        &app,
        &g,
        &other_gid,
        start,
        json!({"weekly": true, "count": 2}),
    )
    .await;
    let url_q = "{ viewer { calendarUrl } }";
    let url = app.ok(Some(&m.token), url_q, json!({})).await["viewer"]["calendarUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        url.starts_with("/calendar/") && url.ends_with(".ics"),
        "{url}"
    );
    let get = |u: String| {
        let client = app.client.clone();
        let base = app.base.clone();
        async move { client.get(format!("{base}{u}")).send().await.unwrap() }
    };
    let resp = get(url.clone()).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let text = resp.text().await.unwrap();
    let cal = icalendar::Calendar::from_str(&text).expect("the feed parses");
    use icalendar::Component;
    let events: Vec<&icalendar::Event> = cal.events().collect();
    assert_eq!(events.len(), 3, "{text}");
    let want: Vec<String> = mine
        .iter()
        .map(|s| {
            format!(
                "{}@hearth",
                crate::helpers::uuid_of(s["id"].as_str().unwrap())
            )
        })
        .collect();
    for e in &events {
        assert!(want.contains(&e.get_uid().unwrap().to_owned()), "{text}");
        assert!(e.get_start().is_some() && e.get_end().is_some());
        assert!(
            e.get_url().is_none(),
            "no video link without opting in: {text}"
        );
    }
    assert!(!text.contains("video.example"));

    // Rotating revokes the old URL; opting in adds the links.
    let rotate = "mutation { rotateCalendarUrl(includeVideoUrl: true) }";
    let new_url = app.ok(Some(&m.token), rotate, json!({})).await["rotateCalendarUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_url, url);
    assert_eq!(get(url).await.status(), 404);
    let text = get(new_url.clone()).await.text().await.unwrap();
    let cal = icalendar::Calendar::from_str(&text).expect("the feed parses");
    assert!(
        cal.events()
            .all(|e| e.get_url() == Some("https://video.example/room-1")),
        "{text}"
    );
    // A forged or mangled token is a missing feed.
    let forged = new_url.replace("/calendar/", "/calendar/A");
    assert_eq!(get(forged).await.status(), 404);
    assert_eq!(get("/calendar/nothing.ics".into()).await.status(), 404);
}

async fn outsiders_find_nothing(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("out-f").await;
    let m = app.member_of(&f, &gid, "out-m").await;
    let x = app.register("out-x").await;
    let admin = app.register("out-admin").await;
    app.set_role("out-admin", entity::enums::PlatformRole::Admin)
        .await;
    let sid = schedule(
        &app,
        &f,
        &gid,
        Utc::now() + Duration::minutes(10),
        json!({}),
    )
    .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cid = check_in(&app, &m, &sid, 6, Some("fine"), "GROUP").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let probes = [
        ("query($s: ID!) { node(id: $s) { id } }", json!({"s": sid})),
        ("query($s: ID!) { node(id: $s) { id } }", json!({"s": cid})),
        ("query($g: ID!) { group(id: $g) { sessions { nodes { id } } } }", json!({"g": gid})),
        ("mutation($s: ID!) { rsvp(sessionId: $s, status: GOING) { id } }", json!({"s": sid})),
        ("mutation($s: ID!) { cancelSession(sessionId: $s) { id } }", json!({"s": sid})),
        ("mutation($s: ID!) { updateSession(input: {sessionId: $s, durationMinutes: 30}) { id } }", json!({"s": sid})),
        ("mutation($s: ID!, $u: ID!) { recordAttendance(sessionId: $s, entries: [{memberId: $u, status: PRESENT}]) { id } }", json!({"s": sid, "u": m.id})),
        ("mutation($s: ID!) { submitCheckIn(input: {sessionId: $s, mood: 5, visibility: GROUP}) { id } }", json!({"s": sid})),
        ("mutation($g: ID!) { scheduleSessions(input: {groupId: $g, firstStartsAt: \"2099-01-01T10:00:00Z\", durationMinutes: 60, timeZone: \"UTC\"}) { id } }", json!({"g": gid})),
    ];
    for who in [&x, &admin] {
        for (q, v) in &probes {
            let r = app.gql(Some(&who.token), q, v.clone()).await;
            assert_eq!(code_of(&r), Some("NOT_FOUND"), "{q}: {r}");
        }
    }
    // A made-up session reads the same as a real one elsewhere.
    let ghost = api::ids::encode(api::ids::Kind::GroupSession, uuid::Uuid::now_v7());
    let r = app
        .gql(Some(&x.token), probes[0].0, json!({"s": ghost.0}))
        .await;
    let real = app
        .gql(Some(&x.token), probes[0].0, json!({"s": sid}))
        .await;
    assert_eq!(r["errors"][0]["message"], real["errors"][0]["message"]);
    // An admin who breaks glass reads the session, never its video link.
    let d = app
        .ok_reason(
            &admin.token,
            "safeguarding review",
            "query($s: ID!) { node(id: $s) { ... on GroupSession { status videoUrl } } }",
            json!({"s": sid}),
        )
        .await;
    assert_eq!(d["node"]["status"], "SCHEDULED");
    assert_eq!(d["node"]["videoUrl"], Value::Null);
    // Nor does an outsider's feed hold it.
    let url = app
        .ok(Some(&x.token), "{ viewer { calendarUrl } }", json!({}))
        .await["viewer"]["calendarUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let text = app
        .client
        .get(format!("{}{url}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        icalendar::Calendar::from_str(&text)
            .unwrap()
            .events()
            .next()
            .is_none(),
        "{text}"
    );
}

backend_tests!(
    using crate::sessions::spawn_sessions; [sqlite, postgres];
    weekly_series_keeps_local_time_across_dst,
    update_and_cancel,
    rsvp_and_attendance_by_role,
    check_ins_by_visibility,
    crisis_in_a_check_in_raises_an_urgent_flag,
    low_mood_at_two_sessions_in_a_row,
    calendar_feed_holds_only_the_members_groups,
    outsiders_find_nothing,
);

/// Two instances on one database, sessions' minutes lasting a second (the
/// shortest session, 15 minutes, lasts 15 s), and
/// check-ins opening two seconds ahead.
async fn pair(backend: Backend) -> (TestApp, TestApp) {
    let fast = |c: &mut api::Config| {
        c.sessions.checkin_lead_seconds = Some(2);
        c.sessions.session_minute_seconds = 1;
        c.sessions.session_reminders = vec![1];
    };
    if backend == Backend::Postgres {
        let redis = crate::helpers::redis_url().expect("REDIS_URL with TEST_DATABASE_URL");
        return crate::helpers::spawn_pair_with(&redis, fast).await;
    }
    let secret = "a shared secret that is long enough for HS256".to_owned();
    let s1 = secret.clone();
    let a = spawn_app_with(false, move |c| {
        c.auth.jwt_secret = Some(s1.into());
        fast(c);
    })
    .await;
    let file = a.state.config.store.data_dir.join("hearth.db");
    let b = spawn_app_with(false, move |c| {
        c.store.database_url = Some(format!("sqlite://{}?mode=rwc", file.display()));
        c.auth.jwt_secret = Some(secret.into());
        fast(c);
    })
    .await;
    (a, b)
}

async fn automatic_threads_open_once(backend: Backend) {
    let (a, b) = pair(backend).await;
    let (f, gid) = a.group_with_facilitator("auto-f").await;
    let m = a.member_of(&f, &gid, "auto-m").await;
    let start = Utc::now() + Duration::seconds(5);
    let sid = schedule(&a, &f, &gid, start, json!({"durationMinutes": 15})).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Live group events on the other instance, from now on.
    let mut ws = Ws::connect(&b.base, Protocol::TransportWs, Some(&m.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe(
        "g",
        "subscription($g: ID!) { groupEvents(groupId: $g) { kind thread { kind } } }",
        json!({"g": gid}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Before check-ins open: no thread, and check-ins are refused.
    let s = session(&b, &m, &sid).await;
    assert_eq!(s["checkInThread"], Value::Null, "{s}");
    let r = b
        .gql(
            Some(&m.token),
            CHECK_IN,
            json!({"i": {"sessionId": sid, "mood": 5, "visibility": "GROUP"}}),
        )
        .await;
    assert_eq!(code_of(&r), Some("BAD_USER_INPUT"), "{r}");
    // Check-ins open 2 s before the start, with their thread.
    until(10, "the check-in thread opens", || async {
        !session(&b, &m, &sid).await["checkInThread"].is_null()
    })
    .await;
    assert!(Utc::now() < start, "opened before the session started");
    let s = session(&a, &m, &sid).await;
    assert_eq!(s["checkInThread"]["kind"], "CHECK_IN");
    assert_eq!(s["closingThread"], Value::Null);
    // At the end: DONE, with a closing-reflection thread.
    until(30, "the session ends", || async {
        session(&a, &m, &sid).await["status"] == "DONE"
    })
    .await;
    let s = session(&b, &m, &sid).await;
    assert_eq!(s["closingThread"]["kind"], "REFLECTION", "{s}");
    // Exactly one of each across both instances, and one reminder.
    let threads = "query($g: ID!) { group(id: $g) { threads(first: 20) { nodes { kind } } } }";
    let d = a.ok(Some(&m.token), threads, json!({"g": gid})).await;
    let kinds: Vec<&str> = d["group"]["threads"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "CHECK_IN").count(), 1, "{d}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "REFLECTION").count(),
        1,
        "{d}"
    );
    let inbox = "{ viewer { notifications(first: 50) { nodes { kind session { id } } } } }";
    until(10, "the reminder arrives", || async {
        let d = a.ok(Some(&m.token), inbox, json!({})).await;
        d["viewer"]["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "SESSION_REMINDER")
    })
    .await;
    let d = a.ok(Some(&m.token), inbox, json!({})).await;
    let reminders: Vec<&Value> = d["viewer"]["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "SESSION_REMINDER")
        .collect();
    assert_eq!(reminders.len(), 1, "{d}");
    assert_eq!(reminders[0]["session"]["id"], sid.as_str());
    // Each announced once on the live stream.
    // Without a shared bus (SQLite), one instance hears the other's events
    // from the log within seconds: wait for three, then for any extra.
    let mut kinds = Vec::new();
    let kind_of = |d: &Value| {
        format!(
            "{}{}",
            d["groupEvents"]["kind"].as_str().unwrap(),
            d["groupEvents"]["thread"]["kind"]
                .as_str()
                .map(|k| format!(":{k}"))
                .unwrap_or_default()
        )
    };
    while kinds.len() < 3 {
        kinds.push(kind_of(&ws.data().await));
    }
    while let Ok(f) = tokio::time::timeout(std::time::Duration::from_secs(6), ws.next()).await {
        match f {
            Frame::Data(d) => kinds.push(kind_of(&d)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        kinds,
        vec![
            "THREAD_CREATED:CHECK_IN",
            "SESSION_STARTING",
            "THREAD_CREATED:REFLECTION"
        ],
        "{kinds:?}"
    );
}

mod automatic_threads {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::automatic_threads_open_once(crate::helpers::Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(not(hearth_postgres), ignore = "set TEST_DATABASE_URL to run it")]
    async fn postgres() {
        if crate::helpers::postgres_url().is_some() {
            super::automatic_threads_open_once(crate::helpers::Backend::Postgres).await
        }
    }
}
