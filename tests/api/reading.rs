//! Read state and notification levels, as two members see them.
use crate::backend_tests;
use crate::helpers::{code_of, TestApp};
use serde_json::{json, Value};

const THREAD: &str = "query($t: ID!) { thread(id: $t) { unreadCount firstUnreadPost { id } viewerNotificationLevel } }";
const GROUP: &str = "query($g: ID!) { group(id: $g) { unreadThreadCount } }";
const MARK: &str = "mutation($t: ID!, $p: ID) { markThreadRead(threadId: $t, upToPostId: $p) { unreadCount firstUnreadPost { id } } }";
const LEVEL: &str = "mutation($t: ID!, $l: NotificationLevel!) { setThreadNotificationLevel(threadId: $t, level: $l) { viewerNotificationLevel unreadCount } }";

async fn thread_state(app: &TestApp, token: &str, thread: &str) -> Value {
    app.ok(Some(token), THREAD, json!({"t": thread})).await["thread"].clone()
}

async fn unread_threads(app: &TestApp, token: &str, group: &str) -> i64 {
    app.ok(Some(token), GROUP, json!({"g": group})).await["group"]["unreadThreadCount"]
        .as_i64()
        .unwrap()
}

async fn unread_counts_and_levels(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("rd-f").await;
    let a = app.member_of(&f, &gid, "rd-a").await;
    let b = app.member_of(&f, &gid, "rd-b").await;
    let (t1, opening) = app.thread(&a.token, &gid, "First").await;

    // The author has nothing unread and watches; the other member has the
    // opening post unread and the default level.
    let s = thread_state(&app, &a.token, &t1).await;
    assert_eq!(s["unreadCount"], 0);
    assert!(s["firstUnreadPost"].is_null());
    assert_eq!(s["viewerNotificationLevel"], "WATCHING");
    let s = thread_state(&app, &b.token, &t1).await;
    assert_eq!(s["unreadCount"], 1);
    assert_eq!(s["firstUnreadPost"]["id"], opening.as_str());
    assert_eq!(s["viewerNotificationLevel"], "NORMAL");
    assert_eq!(unread_threads(&app, &a.token, &gid).await, 0);
    assert_eq!(unread_threads(&app, &b.token, &gid).await, 1);

    // Two replies by b: unread to a, not to b, and b now watches.
    let r1 = app.post(&b.token, &t1, "reply one").await;
    let r2 = app.post(&b.token, &t1, "reply two").await;
    let s = thread_state(&app, &a.token, &t1).await;
    assert_eq!(s["unreadCount"], 2);
    assert_eq!(s["firstUnreadPost"]["id"], r1.as_str());
    let s = thread_state(&app, &b.token, &t1).await;
    assert_eq!(s["unreadCount"], 1, "b's own posts are never unread to b");
    assert_eq!(s["viewerNotificationLevel"], "WATCHING");

    // A hidden post is not counted.
    app.hide_post(&f.token, &r1).await;
    let s = thread_state(&app, &a.token, &t1).await;
    assert_eq!(s["unreadCount"], 1);
    assert_eq!(s["firstUnreadPost"]["id"], r2.as_str());

    // Read up to a post, then everything; a mark never moves back.
    let d = app
        .ok(Some(&b.token), MARK, json!({"t": t1, "p": opening}))
        .await;
    assert_eq!(d["markThreadRead"]["unreadCount"], 0);
    let d = app.ok(Some(&a.token), MARK, json!({"t": t1})).await;
    assert_eq!(d["markThreadRead"]["unreadCount"], 0);
    assert!(d["markThreadRead"]["firstUnreadPost"].is_null());
    let r3 = app.post(&f.token, &t1, "from the facilitator").await;
    app.ok(Some(&a.token), MARK, json!({"t": t1, "p": r3}))
        .await;
    let d = app
        .ok(Some(&a.token), MARK, json!({"t": t1, "p": opening}))
        .await;
    assert_eq!(d["markThreadRead"]["unreadCount"], 0, "{d}");
    assert_eq!(thread_state(&app, &b.token, &t1).await["unreadCount"], 1);

    // A member who joins later starts with nothing unread.
    let c = app.member_of(&f, &gid, "rd-c").await;
    assert_eq!(thread_state(&app, &c.token, &t1).await["unreadCount"], 0);
    assert_eq!(unread_threads(&app, &c.token, &gid).await, 0);
    app.post(&a.token, &t1, "after c joined").await;
    assert_eq!(thread_state(&app, &c.token, &t1).await["unreadCount"], 1);

    // Muting leaves a thread out of the group's count, not its own.
    app.ok(Some(&b.token), MARK, json!({"t": t1})).await;
    let (t2, _) = app.thread(&f.token, &gid, "Second").await;
    assert_eq!(unread_threads(&app, &b.token, &gid).await, 1);
    let d = app
        .ok(Some(&b.token), LEVEL, json!({"t": t2, "l": "MUTED"}))
        .await;
    assert_eq!(
        d["setThreadNotificationLevel"]["viewerNotificationLevel"],
        "MUTED"
    );
    assert_eq!(d["setThreadNotificationLevel"]["unreadCount"], 1);
    assert_eq!(unread_threads(&app, &b.token, &gid).await, 0);
    // A choice outlives writing in the thread, and only the chooser's.
    app.post(&b.token, &t2, "still muted").await;
    assert_eq!(
        thread_state(&app, &b.token, &t2).await["viewerNotificationLevel"],
        "MUTED"
    );
    assert_eq!(
        thread_state(&app, &a.token, &t2).await["viewerNotificationLevel"],
        "NORMAL"
    );
    let d = app
        .ok(Some(&b.token), LEVEL, json!({"t": t2, "l": "WATCHING"}))
        .await;
    assert_eq!(
        d["setThreadNotificationLevel"]["viewerNotificationLevel"],
        "WATCHING"
    );
    // Marking read does not undo a level, nor a level a read mark.
    app.ok(Some(&b.token), MARK, json!({"t": t2})).await;
    let s = thread_state(&app, &b.token, &t2).await;
    assert_eq!(
        (
            s["unreadCount"].clone(),
            s["viewerNotificationLevel"].clone()
        ),
        (json!(0), json!("WATCHING"))
    );

    // A post of another thread, and threads the caller cannot read.
    let resp = app
        .gql(Some(&a.token), MARK, json!({"t": t2, "p": r3}))
        .await;
    assert_eq!(code_of(&resp), Some("BAD_USER_INPUT"), "{resp}");
    let outsider = app.register("rd-x").await;
    for (q, v) in [
        (MARK, json!({"t": t1})),
        (LEVEL, json!({"t": t1, "l": "MUTED"})),
        (MARK, json!({"t": t1, "p": r3})),
    ] {
        let resp = app.gql(Some(&outsider.token), q, v).await;
        assert_eq!(code_of(&resp), Some("NOT_FOUND"), "{q}: {resp}");
    }
    let resp = app.gql(None, MARK, json!({"t": t1})).await;
    assert_eq!(code_of(&resp), Some("UNAUTHENTICATED"), "{resp}");
}

/// The group's thread list with read state costs the same number of
/// statements for 2 threads as for 12.
async fn read_state_statements_are_constant(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("rs-f").await;
    let m = app.member_of(&f, &gid, "rs-m").await;
    for i in 0..12 {
        let (t, _) = app.thread(&f.token, &gid, &format!("t{i}")).await;
        app.post(&m.token, &t, "hello").await;
    }
    let q = "query($g: ID!, $n: Int) { group(id: $g) { unreadThreadCount threads(first: $n) { nodes { unreadCount firstUnreadPost { id body } viewerNotificationLevel } } } }";
    let mut counts = Vec::new();
    for n in [2, 12, 2, 12] {
        let before = app.statements().await;
        let d = app.ok(Some(&m.token), q, json!({"g": gid, "n": n})).await;
        counts.push(app.statements().await - before);
        let nodes = d["group"]["threads"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n as usize);
        assert!(
            nodes
                .iter()
                .all(|t| t["unreadCount"] == 1 && t["viewerNotificationLevel"] == "WATCHING"),
            "{d}"
        );
        assert_eq!(d["group"]["unreadThreadCount"], 12);
    }
    assert!(
        counts.iter().all(|c| *c == counts[0]),
        "[{}] {counts:?}",
        app.backend
    );
}

backend_tests!(unread_counts_and_levels);
backend_tests!(using crate::statements::uncached_sessions; [sqlite, postgres]; read_state_statements_are_constant);
