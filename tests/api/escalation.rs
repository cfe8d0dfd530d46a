//! URGENT flags escalate when nobody takes them in hand: acknowledgement,
//! the escalation itself, who hears of it, and a deadline that outlives
//! the instance that set it.
use crate::backend_tests;
use crate::helpers::{
    code_of, fresh_postgres_database, postgres_url, redis_url, spawn_app_with, spawn_on_with,
    until, Backend, TestApp,
};
use crate::procs::Hearth;
use crate::ws::{Frame, Protocol, Ws};
use entity::enums::PlatformRole;
use serde_json::{json, Value};
use std::time::Duration;

const CRISIS: &str = "I can't do this anymore. I want to kill myself tonight.";
const FLAG: &str = "query($f: ID!) { node(id: $f) { ... on Flag { status priority acknowledgedAt acknowledgedBy { displayName } escalatedAt } } }";
const ACK: &str = "mutation($f: ID!) { acknowledgeFlag(flagId: $f) { status acknowledgedAt acknowledgedBy { displayName } escalatedAt } }";
const LOG: &str = "query($g: ID!) { group(id: $g) { moderationLog(first: 50) { nodes { action actor { displayName } reason post { id } } } } }";
const EVENTS: &str =
    "subscription($g: ID!) { moderationEvents(groupId: $g) { kind flag { id escalatedAt } action { action } } }";

pub async fn spawn_escalating(backend: Backend) -> TestApp {
    spawn_on_with(backend, |c| c.safety.escalation_seconds = Some(2)).await
}

/// The URGENT flag raised on `post`, as its group's queue lists it.
async fn urgent_flag_on(app: &TestApp, token: &str, group: &str, post: &str) -> String {
    let q = "query($g: ID!) { group(id: $g) { flags(status: OPEN, first: 50) { nodes { id priority post { id } } } } }";
    let d = app.ok(Some(token), q, json!({"g": group})).await;
    d["group"]["flags"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["post"]["id"] == post && n["priority"] == "URGENT")
        .unwrap_or_else(|| panic!("an URGENT flag on {post}: {d}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn flag_state(app: &TestApp, token: &str, flag: &str) -> Value {
    app.ok(Some(token), FLAG, json!({"f": flag})).await["node"].clone()
}

async fn urgent_flags_escalate_unless_acknowledged(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("esc-f").await;
    let f2 = app.co_facilitator(&f, &gid, "esc-f2").await;
    let m = app.member_of(&f, &gid, "esc-m").await;
    let admin = app.register("esc-admin").await;
    app.set_role("esc-admin", PlatformRole::Admin).await;
    let outsider = app.register("esc-x").await;
    let (tid, _) = app.thread(&m.token, &gid, "Tonight").await;

    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&f2.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", EVENTS, json!({"g": gid})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Three crisis posts: one left alone, one acknowledged, one resolved.
    let left = app.post(&m.token, &tid, CRISIS).await;
    let acked = app.post(&m.token, &tid, CRISIS).await;
    let resolved = app.post(&m.token, &tid, CRISIS).await;
    let left = urgent_flag_on(&app, &f.token, &gid, &left).await;
    let acked = urgent_flag_on(&app, &f.token, &gid, &acked).await;
    let resolved = urgent_flag_on(&app, &f.token, &gid, &resolved).await;

    // Only the group's facilitators and admins may acknowledge; anyone
    // else learns nothing of the flag.
    for who in [&m, &outsider] {
        let resp = app.gql(Some(&who.token), ACK, json!({"f": acked})).await;
        assert_eq!(code_of(&resp), Some("NOT_FOUND"), "{resp}");
    }
    let d = app.ok(Some(&f.token), ACK, json!({"f": acked})).await;
    assert_eq!(d["acknowledgeFlag"]["status"], "OPEN");
    assert_eq!(
        d["acknowledgeFlag"]["acknowledgedBy"]["displayName"],
        "esc-f"
    );
    let first_ack = d["acknowledgeFlag"]["acknowledgedAt"].clone();
    assert!(first_ack.is_string(), "{d}");
    // Again, by someone else: nothing changes.
    let d = app.ok(Some(&f2.token), ACK, json!({"f": acked})).await;
    assert_eq!(d["acknowledgeFlag"]["acknowledgedAt"], first_ack);
    assert_eq!(
        d["acknowledgeFlag"]["acknowledgedBy"]["displayName"],
        "esc-f"
    );

    let d = app
        .ok(
            Some(&f.token),
            "mutation($f: ID!) { resolveFlag(flagId: $f, note: \"called her\") { acknowledgedAt acknowledgedBy { displayName } } }",
            json!({"f": resolved}),
        )
        .await;
    assert!(d["resolveFlag"]["acknowledgedAt"].is_string(), "{d}");
    assert_eq!(d["resolveFlag"]["acknowledgedBy"]["displayName"], "esc-f");

    // The one left alone escalates after the interval (2 s here).
    let waited = until(20, "the unacknowledged flag escalates", || async {
        flag_state(&app, &f.token, &left).await["escalatedAt"].is_string()
    })
    .await;
    eprintln!("[{}] escalated after a further {waited:?}", app.backend);
    // Past the interval again: the others never escalate.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for other in [&acked, &resolved] {
        let s = flag_state(&app, &f.token, other).await;
        assert!(s["escalatedAt"].is_null(), "{other}: {s}");
    }

    // The co-facilitator heard of it live, once, for that flag only.
    let mut escalated = Vec::new();
    let mut acknowledged = 0;
    loop {
        match tokio::time::timeout(Duration::from_millis(800), ws.next()).await {
            Err(_) => break,
            Ok(Frame::Data(d)) => {
                let e = &d["moderationEvents"];
                match e["kind"].as_str().unwrap() {
                    "FLAG_ESCALATED" => {
                        escalated.push(e["flag"]["id"].as_str().unwrap().to_owned())
                    }
                    "FLAG_ACKNOWLEDGED" => acknowledged += 1,
                    _ => {}
                }
            }
            Ok(other) => panic!("unexpected frame {other:?}"),
        }
    }
    assert_eq!(escalated, vec![left.clone()], "[{}]", app.backend);
    assert_eq!(acknowledged, 1, "one acknowledgement, not two");

    // The log keeps it, with no actor: Hearth escalated, not a person.
    for token in [&f.token, &admin.token] {
        let log = app
            .ok_reason(token, "escalated flag", LOG, json!({"g": gid}))
            .await;
        let nodes = log["group"]["moderationLog"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        let esc: Vec<&Value> = nodes
            .iter()
            .filter(|n| n["action"] == "ESCALATE_FLAG")
            .collect();
        assert_eq!(esc.len(), 1, "{log}");
        assert!(esc[0]["actor"].is_null());
        assert!(
            esc[0]["reason"]
                .as_str()
                .unwrap()
                .contains("not acknowledged within 2 seconds"),
            "{}",
            esc[0]
        );
        assert_eq!(
            nodes
                .iter()
                .filter(|n| n["action"] == "ACKNOWLEDGE_FLAG")
                .count(),
            1,
            "the one acknowledgement (a resolution logs as itself): {log}"
        );
    }

    // Every facilitator and every admin has it in their inbox; the member
    // whose post it is does not.
    app.wait_notified().await;
    let inbox = "{ viewer { notifications(first: 50) { nodes { kind flag { id } } } } }";
    // An admin outside the group sees the flag itself only by breaking
    // glass: without a reason the notification is there, its flag null.
    let d = app.ok(Some(&admin.token), inbox, json!({})).await;
    let n = &d["viewer"]["notifications"]["nodes"][0];
    assert_eq!(n["kind"], "FLAG_ESCALATED", "{d}");
    assert!(n["flag"].is_null(), "{d}");
    for (who, expected) in [(&f, 1), (&f2, 1), (&admin, 1), (&m, 0)] {
        let d = app
            .ok_reason(&who.token, "urgent flag", inbox, json!({}))
            .await;
        let escalations: Vec<&Value> = d["viewer"]["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "FLAG_ESCALATED")
            .collect();
        assert_eq!(escalations.len(), expected, "{d}");
        if expected == 1 {
            assert_eq!(escalations[0]["flag"]["id"], left.as_str());
        }
    }

    // An admin outside the group takes it in hand; it stays escalated.
    app.fails(Some(&admin.token), ACK, json!({"f": left}), "NOT_FOUND")
        .await;
    let d = app
        .ok_reason(&admin.token, "escalated flag", ACK, json!({"f": left}))
        .await;
    assert_eq!(
        d["acknowledgeFlag"]["acknowledgedBy"]["displayName"],
        "esc-admin"
    );
    assert!(d["acknowledgeFlag"]["escalatedAt"].is_string());
}

backend_tests!(using crate::escalation::spawn_escalating; [sqlite, postgres]; urgent_flags_escalate_unless_acknowledged);

/// The deadline is a row, not a timer in the instance that raised the flag:
/// raised on a process that is then killed, the flag still escalates on
/// the deadline that process set, on the instance that remains.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_deadline_outlives_the_instance_that_set_it() {
    let (Some(_), Some(redis)) = (postgres_url(), redis_url()) else {
        return;
    };
    let url = fresh_postgres_database().await;
    let secret = "a shared secret that is long enough for HS256";
    // The surviving instance would give a flag of its own an hour.
    let survivor = {
        let (url, redis, secret) = (url.clone(), redis.clone(), secret.to_owned());
        spawn_app_with(true, move |c| {
            c.store.database_url = Some(url);
            c.store.redis_url = Some(redis);
            c.auth.jwt_secret = Some(secret.into());
            c.safety.escalation_seconds = Some(3600);
        })
        .await
    };
    let (f, gid) = survivor.group_with_facilitator("dl-f").await;
    let m = survivor.member_of(&f, &gid, "dl-m").await;
    let (tid, _) = survivor.thread(&m.token, &gid, "Tonight").await;

    let mut doomed =
        Hearth::serve_with(&url, &redis, secret, &[("HEARTH_ESCALATION_SECONDS", "3")]).await;
    let d = survivor
        .client
        .post(format!("{}/graphql", doomed.base))
        .bearer_auth(&m.token)
        .json(&json!({
            "query": "mutation($t: ID!, $b: String!) { createPost(input: {threadId: $t, body: $b}) { id } }",
            "variables": {"t": tid, "b": CRISIS},
        }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let post = d["data"]["createPost"]["id"]
        .as_str()
        .expect("posted")
        .to_owned();
    doomed.kill();

    let flag = urgent_flag_on(&survivor, &f.token, &gid, &post).await;
    let waited = until(30, "the flag escalates after its raiser died", || async {
        flag_state(&survivor, &f.token, &flag).await["escalatedAt"].is_string()
    })
    .await;
    assert!(
        waited < Duration::from_secs(60),
        "on the killed instance's 3 s deadline, not the survivor's hour"
    );
}
