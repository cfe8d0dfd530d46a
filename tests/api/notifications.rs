//! The inbox: each kind of notification, who gets it, folding, read
//! marks, and what a member who lost access still sees (nothing).
use crate::backend_tests;
use crate::helpers::{code_of, Member, TestApp};
use crate::ws::{Protocol, Ws};
use entity::enums::PlatformRole;
use serde_json::{json, Value};

const INBOX: &str = "query($u: Boolean) { viewer { unreadNotificationCount notifications(first: 50, unreadOnly: $u) { nodes { id kind readAt actor { displayName } group { id } thread { id } post { id state body } flag { id priority } } pageInfo { hasNextPage } } } }";
const REPLY: &str = "mutation($t: ID!, $b: String!, $r: ID) { createPost(input: {threadId: $t, body: $b, replyToId: $r}) { id } }";
const REACT: &str = "mutation($p: ID!, $k: ReactionKind!) { react(postId: $p, kind: $k) { id } }";
const MARK: &str = "mutation($n: ID) { markNotificationsRead(upTo: $n) }";

async fn inbox(app: &TestApp, who: &Member) -> (i64, Vec<Value>) {
    let d = app.ok(Some(&who.token), INBOX, json!({})).await;
    (
        d["viewer"]["unreadNotificationCount"].as_i64().unwrap(),
        d["viewer"]["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .clone(),
    )
}

fn kinds(nodes: &[Value]) -> Vec<&str> {
    nodes.iter().map(|n| n["kind"].as_str().unwrap()).collect()
}

async fn reply(app: &TestApp, who: &Member, thread: &str, body: &str, to: Option<&str>) -> String {
    app.ok(
        Some(&who.token),
        REPLY,
        json!({"t": thread, "b": body, "r": to}),
    )
    .await["createPost"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn each_kind_reaches_the_right_people(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("nt-f").await;
    let a = app.member_of(&f, &gid, "nt-a").await;
    let b = app.member_of(&f, &gid, "nt-b").await;
    let admin = app.register("nt-admin").await;
    app.set_role("nt-admin", PlatformRole::Admin).await;

    // NEW_THREAD for everyone else in the group.
    let (t, opening) = app.thread(&a.token, &gid, "Sleep").await;
    app.wait_notified().await;
    for who in [&f, &b] {
        let (unread, nodes) = inbox(&app, who).await;
        assert_eq!((unread, kinds(&nodes)), (1, vec!["NEW_THREAD"]));
        assert_eq!(nodes[0]["thread"]["id"], t.as_str());
        assert_eq!(nodes[0]["actor"]["displayName"], "nt-a");
    }
    assert_eq!(inbox(&app, &a).await.0, 0, "never the one who acted");
    assert_eq!(inbox(&app, &admin).await.0, 0);

    // A reply to a's post: a (watching, and answered); not f (NORMAL).
    let r1 = reply(&app, &b, &t, "same here", Some(&opening)).await;
    app.wait_notified().await;
    let (_, nodes) = inbox(&app, &a).await;
    assert_eq!(kinds(&nodes), vec!["REPLY"]);
    assert_eq!(nodes[0]["post"]["id"], r1.as_str());
    assert_eq!(inbox(&app, &f).await.0, 1, "f does not watch yet");

    // f writes, so f watches: b's next post reaches a and f, not b.
    reply(&app, &f, &t, "thank you both", None).await;
    let r2 = reply(&app, &b, &t, "and another", None).await;
    app.wait_notified().await;
    let (_, fs) = inbox(&app, &f).await;
    assert_eq!(kinds(&fs), vec!["REPLY", "NEW_THREAD"]);
    assert_eq!(fs[0]["post"]["id"], r2.as_str());
    let (_, bs) = inbox(&app, &b).await;
    assert_eq!(
        kinds(&bs),
        vec!["REPLY", "NEW_THREAD"],
        "f's post, to the watching b"
    );

    // Reactions fold into one unread notification per post; one taken
    // back before it was handled is not told.
    for (who, kind) in [(&b, "HUG"), (&b, "STRENGTH"), (&f, "HUG")] {
        app.ok(Some(&who.token), REACT, json!({"p": opening, "k": kind}))
            .await;
    }
    app.wait_notified().await;
    let (_, nodes) = inbox(&app, &a).await;
    let reactions: Vec<&Value> = nodes.iter().filter(|n| n["kind"] == "REACTION").collect();
    assert_eq!(reactions.len(), 1, "{nodes:?}");
    assert_eq!(reactions[0]["post"]["id"], opening.as_str());
    assert!(
        reactions[0]["actor"].is_null(),
        "reactions are anonymous: {}",
        reactions[0]
    );

    // MODERATION: b's post hidden, b muted; b sees the post as HIDDEN.
    app.hide_post(&f.token, &r2).await;
    let until = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    app.ok(
        Some(&f.token),
        "mutation($g: ID!, $u: ID!, $until: DateTime!) { muteMember(groupId: $g, userId: $u, until: $until) { mutedUntil } }",
        json!({"g": gid, "u": b.id, "until": until}),
    )
    .await;
    app.wait_notified().await;
    let (_, bs) = inbox(&app, &b).await;
    assert_eq!(kinds(&bs)[..2], ["MODERATION", "MODERATION"], "{bs:?}");
    assert!(bs[0]["actor"].is_null() && bs[1]["actor"].is_null());
    assert_eq!(bs[1]["post"]["id"], r2.as_str());
    // The author still reads their own hidden post; a's REPLY for it shows
    // it HIDDEN, without its body.
    let (_, a_nodes) = inbox(&app, &a).await;
    let hidden = a_nodes
        .iter()
        .find(|n| n["post"]["id"] == r2.as_str())
        .unwrap_or_else(|| panic!("a was told of r2: {a_nodes:?}"));
    assert_eq!(hidden["post"]["state"], "HIDDEN");
    assert!(hidden["post"]["body"].is_null());

    // A muted thread tells its member nothing more.
    app.ok(
        Some(&a.token),
        "mutation($t: ID!) { setThreadNotificationLevel(threadId: $t, level: MUTED) { id } }",
        json!({"t": t}),
    )
    .await;
    let before = inbox(&app, &a).await.1.len();
    reply(&app, &f, &t, "checking in", Some(&opening)).await;
    app.wait_notified().await;
    assert_eq!(inbox(&app, &a).await.1.len(), before);

    // URGENT_FLAG for the facilitator, with the flag; not to its author.
    let crisis = reply(&app, &a, &t, "I want to kill myself tonight.", None).await;
    app.wait_notified().await;
    let (_, fs) = inbox(&app, &f).await;
    let urgent: Vec<&Value> = fs.iter().filter(|n| n["kind"] == "URGENT_FLAG").collect();
    assert_eq!(urgent.len(), 1, "{fs:?}");
    assert_eq!(urgent[0]["post"]["id"], crisis.as_str());
    assert_eq!(urgent[0]["flag"]["priority"], "URGENT");
    assert!(urgent[0]["actor"].is_null());
    assert!(inbox(&app, &a)
        .await
        .1
        .iter()
        .all(|n| n["kind"] != "URGENT_FLAG"));
    assert!(
        inbox(&app, &admin).await.1.is_empty(),
        "admins hear of escalations only"
    );
}

async fn read_marks_and_lost_access(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("nr-f").await;
    let m = app.member_of(&f, &gid, "nr-m").await;
    for i in 0..3 {
        app.thread(&f.token, &gid, &format!("t{i}")).await;
    }
    app.wait_notified().await;
    let (unread, nodes) = inbox(&app, &m).await;
    assert_eq!(unread, 3);
    let (newest, middle) = (nodes[0]["id"].clone(), nodes[1]["id"].clone());

    // Up to one: it and the older ones.
    let d = app.ok(Some(&m.token), MARK, json!({"n": middle})).await;
    assert_eq!(d["markNotificationsRead"], 2);
    let d = app.ok(Some(&m.token), INBOX, json!({"u": true})).await;
    let unread_nodes = d["viewer"]["notifications"]["nodes"].as_array().unwrap();
    assert_eq!(unread_nodes.len(), 1);
    assert_eq!(unread_nodes[0]["id"], newest);
    assert_eq!(d["viewer"]["unreadNotificationCount"], 1);
    let d = app.ok(Some(&m.token), MARK, json!({})).await;
    assert_eq!(d["markNotificationsRead"], 1);
    assert_eq!(inbox(&app, &m).await.0, 0);

    // Someone else's notification is not there, by any path.
    let other = app.register("nr-x").await;
    let node = "query($n: ID!) { node(id: $n) { id ... on Notification { kind } } }";
    let resp = app
        .gql(Some(&other.token), node, json!({"n": newest}))
        .await;
    assert_eq!(code_of(&resp), Some("NOT_FOUND"), "{resp}");
    let resp = app
        .gql(Some(&other.token), MARK, json!({"n": newest}))
        .await;
    assert_eq!(code_of(&resp), Some("NOT_FOUND"), "{resp}");
    let d = app.ok(Some(&m.token), node, json!({"n": newest})).await;
    assert_eq!(d["node"]["kind"], "NEW_THREAD");

    // Removed from the group: the group's notifications are gone from the
    // inbox, its count and `node`.
    app.thread(&f.token, &gid, "unread when removed").await;
    app.wait_notified().await;
    assert_eq!(inbox(&app, &m).await.0, 1);
    app.ok(
        Some(&f.token),
        "mutation($g: ID!, $u: ID!) { removeMember(groupId: $g, userId: $u) }",
        json!({"g": gid, "u": m.id}),
    )
    .await;
    let (unread, nodes) = inbox(&app, &m).await;
    assert_eq!((unread, nodes.len()), (0, 0));
    let resp = app.gql(Some(&m.token), node, json!({"n": newest})).await;
    assert_eq!(code_of(&resp), Some("NOT_FOUND"), "{resp}");

    let resp = app.gql(None, INBOX, json!({})).await;
    assert!(resp["data"]["viewer"].is_null(), "{resp}");
}

const LIVE: &str = "subscription($a: String) { notificationEvents(after: $a) { cursor notification { id kind thread { title } } } }";

/// Live notifications resume from a cursor with no gap and no duplicate,
/// and reach no one else.
async fn notification_events_resume(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("nl-f").await;
    let m = app.member_of(&f, &gid, "nl-m").await;
    let other = app.register("nl-x").await;
    let mut theirs = Ws::connect(&app.base, Protocol::TransportWs, Some(&other.token)).await;
    theirs.ack().await.unwrap();
    theirs.subscribe("1", LIVE, json!({})).await;

    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", LIVE, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.thread(&f.token, &gid, "one").await;
    let d = ws.data().await;
    let e = &d["notificationEvents"];
    assert_eq!(e["notification"]["kind"], "NEW_THREAD");
    assert_eq!(e["notification"]["thread"]["title"], "one");
    let cursor = e["cursor"].as_str().unwrap().to_owned();
    drop(ws);

    // Missed while away, then live.
    app.thread(&f.token, &gid, "two").await;
    app.thread(&f.token, &gid, "three").await;
    app.wait_notified().await;
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", LIVE, json!({"a": cursor})).await;
    let mut titles = Vec::new();
    for _ in 0..2 {
        titles
            .push(ws.data().await["notificationEvents"]["notification"]["thread"]["title"].clone());
    }
    app.thread(&f.token, &gid, "four").await;
    titles.push(ws.data().await["notificationEvents"]["notification"]["thread"]["title"].clone());
    assert_eq!(
        titles,
        vec![json!("two"), json!("three"), json!("four")],
        "[{}]",
        app.backend
    );
    ws.quiet(500).await;
    theirs.quiet(100).await;

    // A cursor that is not one.
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", LIVE, json!({"a": "garbage"})).await;
    match ws.next().await {
        crate::ws::Frame::Error(e) => assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}"),
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}

/// The inbox with its objects costs the same number of statements for 2
/// notifications as for 12.
async fn inbox_statements_are_constant(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("ns-f").await;
    let m = app.member_of(&f, &gid, "ns-m").await;
    for i in 0..12 {
        app.thread(&f.token, &gid, &format!("t{i}")).await;
    }
    app.wait_notified().await;
    let q = "query($n: Int) { viewer { notifications(first: $n) { nodes { kind group { name } thread { title } post { body } actor { displayName } } } } }";
    let mut counts = Vec::new();
    for n in [2, 12, 2, 12] {
        let before = app.statements().await;
        let d = app.ok(Some(&m.token), q, json!({"n": n})).await;
        counts.push(app.statements().await - before);
        let nodes = d["viewer"]["notifications"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n as usize);
        assert!(
            nodes
                .iter()
                .all(|x| x["thread"]["title"].is_string() && x["post"]["body"].is_string()),
            "{d}"
        );
    }
    // A batched load may now and then split in two (the loaders' batching
    // window); one statement per notification would add ten.
    let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
    assert!(max - min <= 1, "[{}] {counts:?}", app.backend);
}

backend_tests!(using crate::statements::uncached_sessions; [sqlite, postgres]; inbox_statements_are_constant);

backend_tests!(
    each_kind_reaches_the_right_people,
    read_marks_and_lost_access,
    notification_events_resume
);
