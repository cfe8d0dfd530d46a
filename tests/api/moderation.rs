use crate::backend_tests;
use crate::helpers::{code_of, spawn_app_with, Member, TestApp};
use crate::ws::{Frame, Protocol, Ws};
use entity::enums::PlatformRole;
use serde_json::{json, Value};

const FLAG: &str = "mutation($p: ID!, $r: FlagReason!, $n: String) { flagPost(input: {postId: $p, reason: $r, note: $n}) { id status reason source priority reporter { displayName } bodySnapshot } }";
const QUEUE: &str = "query($g: ID!, $s: FlagStatus) { group(id: $g) { flags(status: $s) { nodes { id status reason reporter { displayName } bodySnapshot post { body } resolutionNote resolvedBy { displayName } } } } }";
const LOG: &str = "query($g: ID!) { group(id: $g) { moderationLog(first: 50) { nodes { action actor { displayName } reason member { displayName } post { id } thread { id } } } } }";

async fn flags_and_the_review_queue(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fable").await;
    let a = app.member_of(&f, &gid, "author").await;
    let r = app.member_of(&f, &gid, "reporter").await;
    let other = app.member_of(&f, &gid, "bystander").await;
    let (tid, _) = app.thread(&a.token, &gid, "Rough day").await;
    let post = app.post(&a.token, &tid, "original words").await;

    let data = app
        .ok(
            Some(&r.token),
            FLAG,
            json!({"p": post, "r": "HARASSMENT", "n": "unkind"}),
        )
        .await;
    let flag = data["flagPost"]["id"].as_str().unwrap().to_owned();
    assert_eq!(data["flagPost"]["source"], "MEMBER");
    assert_eq!(data["flagPost"]["priority"], "NORMAL");
    // The reporter does not see who flagged either: reporter is for moderators.
    assert_eq!(data["flagPost"]["reporter"], Value::Null);

    // Repeats, own posts, long notes.
    app.fails(
        Some(&r.token),
        FLAG,
        json!({"p": post, "r": "HARASSMENT"}),
        "CONFLICT",
    )
    .await;
    app.ok(Some(&r.token), FLAG, json!({"p": post, "r": "SPAM"}))
        .await;
    app.fails(
        Some(&a.token),
        FLAG,
        json!({"p": post, "r": "SPAM"}),
        "BAD_USER_INPUT",
    )
    .await;
    app.fails(
        Some(&other.token),
        FLAG,
        json!({"p": post, "r": "OTHER", "n": "n".repeat(5000)}),
        "BAD_USER_INPUT",
    )
    .await;

    // The evidence survives an edit.
    app.ok(
        Some(&a.token),
        "mutation($p: ID!) { editPost(input: {postId: $p, body: \"edited words\"}) { id } }",
        json!({"p": post}),
    )
    .await;
    let data = app
        .ok(Some(&f.token), QUEUE, json!({"g": gid, "s": "OPEN"}))
        .await;
    let nodes = data["group"]["flags"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0]["id"], flag.as_str(), "oldest first");
    assert_eq!(nodes[0]["reporter"]["displayName"], "reporter");
    assert_eq!(nodes[0]["bodySnapshot"], "original words");
    assert_eq!(nodes[0]["post"]["body"], "edited words");

    // Members, the author included, see neither the queue nor the flag.
    for m in [&a, &other] {
        app.fails(Some(&m.token), QUEUE, json!({"g": gid}), "FORBIDDEN")
            .await;
        app.fails(
            Some(&m.token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": flag}),
            "NOT_FOUND",
        )
        .await;
    }

    // Resolve once; again is a conflict.
    let resolve = "mutation($f: ID!) { resolveFlag(flagId: $f, note: \"talked to them\") { status resolutionNote resolvedBy { displayName } } }";
    let data = app.ok(Some(&f.token), resolve, json!({"f": flag})).await;
    assert_eq!(data["resolveFlag"]["status"], "RESOLVED");
    assert_eq!(data["resolveFlag"]["resolvedBy"]["displayName"], "fable");
    app.fails(Some(&f.token), resolve, json!({"f": flag}), "CONFLICT")
        .await;
    app.fails(Some(&a.token), resolve, json!({"f": flag}), "NOT_FOUND")
        .await;

    // Hiding resolves the remaining open flag; flags on hidden posts are refused.
    app.ok(
        Some(&f.token),
        "mutation($p: ID!) { hidePost(postId: $p) { state } }",
        json!({"p": post}),
    )
    .await;
    let data = app
        .ok(Some(&f.token), QUEUE, json!({"g": gid, "s": "OPEN"}))
        .await;
    assert_eq!(data["group"]["flags"]["nodes"], json!([]));
    app.fails(
        Some(&other.token),
        FLAG,
        json!({"p": post, "r": "OTHER"}),
        "BAD_USER_INPUT",
    )
    .await;
    // A hidden post: facilitators and the author read it, others see null.
    let q = "query($p: ID!) { post(id: $p) { state body } }";
    assert_eq!(
        app.ok(Some(&other.token), q, json!({"p": post})).await["post"]["body"],
        Value::Null
    );
    assert_eq!(
        app.ok(Some(&a.token), q, json!({"p": post})).await["post"]["body"],
        "edited words"
    );
    assert_eq!(
        app.ok(Some(&f.token), q, json!({"p": post})).await["post"]["body"],
        "edited words"
    );

    // Deleted posts cannot be flagged.
    let gone = app.post(&a.token, &tid, "soon gone").await;
    app.ok(
        Some(&a.token),
        "mutation($p: ID!) { deletePost(postId: $p) { id } }",
        json!({"p": gone}),
    )
    .await;
    app.fails(
        Some(&other.token),
        FLAG,
        json!({"p": gone, "r": "SPAM"}),
        "BAD_USER_INPUT",
    )
    .await;
}

async fn flags_on_a_facilitators_post(app: TestApp) {
    let (f1, gid) = app.group_with_facilitator("lead").await;
    let f2 = app.co_facilitator(&f1, &gid, "colead").await;
    let m = app.member_of(&f1, &gid, "member").await;
    let (_, post) = app.thread(&f1.token, &gid, "Welcome").await;
    app.ok(Some(&m.token), FLAG, json!({"p": post, "r": "OTHER"}))
        .await;
    let n = |d: Value| d["group"]["flags"]["nodes"].as_array().unwrap().len();
    assert_eq!(
        n(app.ok(Some(&f1.token), QUEUE, json!({"g": gid})).await),
        0,
        "not to the flagged facilitator"
    );
    assert_eq!(
        n(app.ok(Some(&f2.token), QUEUE, json!({"g": gid})).await),
        1,
        "to the other facilitator"
    );
    let admin = app.register("admin").await;
    app.set_role("admin", PlatformRole::Admin).await;
    assert_eq!(
        n(app
            .ok_reason(&admin.token, "flag review", QUEUE, json!({"g": gid}))
            .await),
        1,
        "to admins"
    );
    // Resolving it is logged for the others, not for the flagged facilitator.
    let flag = app.ok(Some(&f2.token), QUEUE, json!({"g": gid})).await["group"]["flags"]["nodes"]
        [0]["id"]
        .clone();
    app.ok(
        Some(&f2.token),
        "mutation($f: ID!) { resolveFlag(flagId: $f, note: \"spoke with them\") { status } }",
        json!({"f": flag}),
    )
    .await;
    let log = |d: Value| {
        d["group"]["moderationLog"]["nodes"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        log(app.ok(Some(&f2.token), LOG, json!({"g": gid})).await),
        1
    );
    assert_eq!(
        log(app.ok(Some(&f1.token), LOG, json!({"g": gid})).await),
        0
    );
    // Hiding their own post does not let the flagged facilitator close flags.
    app.ok(Some(&m.token), FLAG, json!({"p": post, "r": "SPAM"}))
        .await;
    app.ok(
        Some(&f1.token),
        "mutation($p: ID!) { hidePost(postId: $p) { state } }",
        json!({"p": post}),
    )
    .await;
    let open = app.ok(Some(&f2.token), QUEUE, json!({"g": gid})).await;
    assert!(open["group"]["flags"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["status"] == "OPEN"));
}

/// A facilitator and a member with a thread, both watching it live: the
/// member the thread, the facilitator the group's moderation events.
struct Scene {
    f: Member,
    m: Member,
    gid: String,
    tid: String,
    post: String,
    mod_ws: Ws,
    member_ws: Ws,
}

async fn scene(app: &TestApp) -> Scene {
    let (f, gid) = app.group_with_facilitator("facil").await;
    let m = app.member_of(&f, &gid, "mem").await;
    let (tid, post) = app.thread(&m.token, &gid, "Topic").await;
    let mut mod_ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
    mod_ws.ack().await.unwrap();
    mod_ws
        .subscribe(
            "1",
            "subscription($g: ID!) { moderationEvents(groupId: $g) { kind action { action } } }",
            json!({"g": gid}),
        )
        .await;
    let mut member_ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    member_ws.ack().await.unwrap();
    member_ws
        .subscribe(
            "1",
            "subscription($t: ID!) { threadEvents(threadId: $t) { kind } }",
            json!({"t": tid}),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    Scene {
        f,
        m,
        gid,
        tid,
        post,
        mod_ws,
        member_ws,
    }
}

impl Scene {
    /// The member saw `kinds` on the thread, the facilitators got one
    /// ACTION_TAKEN per action, and the log holds the actions, newest first.
    async fn saw(&mut self, app: &TestApp, kinds: &[&str], actions: &[&str]) {
        let mut seen = Vec::new();
        for _ in kinds {
            seen.push(
                self.member_ws.data().await["threadEvents"]["kind"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        assert_eq!(seen, kinds, "[{}] thread events", app.backend);
        // Nothing else reaches the member: no moderation event among them.
        self.member_ws.quiet(300).await;
        let mut taken = Vec::new();
        for _ in actions {
            let d = self.mod_ws.data().await;
            assert_eq!(d["moderationEvents"]["kind"], "ACTION_TAKEN");
            taken.push(
                d["moderationEvents"]["action"]["action"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        assert_eq!(taken, actions, "[{}] moderation events", app.backend);
        self.mod_ws.quiet(300).await;
        let logged = self.log(app).await;
        let newest_first: Vec<&str> = actions.iter().rev().copied().collect();
        assert_eq!(
            logged
                .iter()
                .map(|n| n["action"].as_str().unwrap())
                .collect::<Vec<_>>(),
            newest_first,
            "[{}] moderation log",
            app.backend
        );
    }

    async fn log(&self, app: &TestApp) -> Vec<Value> {
        app.ok(Some(&self.f.token), LOG, json!({"g": self.gid}))
            .await["group"]["moderationLog"]["nodes"]
            .as_array()
            .unwrap()
            .clone()
    }
}

const CREATE: &str = "mutation($t: ID!) { createPost(input: {threadId: $t, body: \"hi\"}) { id } }";

async fn hiding_and_restoring_a_post_is_logged(app: TestApp) {
    let mut s = scene(&app).await;
    assert_eq!(app.hide_post(&s.f.token, &s.post).await, "HIDDEN");
    assert_eq!(app.restore_post(&s.f.token, &s.post).await, "VISIBLE");
    s.saw(
        &app,
        &["POST_HIDDEN", "POST_RESTORED"],
        &["HIDE_POST", "RESTORE_POST"],
    )
    .await;
}

async fn a_locked_thread_refuses_posts_until_unlocked(app: TestApp) {
    let mut s = scene(&app).await;
    assert!(app.set_thread_locked(&s.f.token, &s.tid, true).await);
    app.fails(Some(&s.m.token), CREATE, json!({"t": s.tid}), "FORBIDDEN")
        .await;
    assert!(!app.set_thread_locked(&s.f.token, &s.tid, false).await);
    app.ok(Some(&s.m.token), CREATE, json!({"t": s.tid})).await;
    s.saw(
        &app,
        &["THREAD_UPDATED", "THREAD_UPDATED", "POST_CREATED"],
        &["LOCK_THREAD", "UNLOCK_THREAD"],
    )
    .await;
}

async fn pinning_a_thread_is_logged(app: TestApp) {
    let mut s = scene(&app).await;
    assert!(app.set_thread_pinned(&s.f.token, &s.tid, true).await);
    assert!(!app.set_thread_pinned(&s.f.token, &s.tid, false).await);
    s.saw(
        &app,
        &["THREAD_UPDATED", "THREAD_UPDATED"],
        &["PIN_THREAD", "UNPIN_THREAD"],
    )
    .await;
}

async fn a_muted_member_cannot_post_until_unmuted(app: TestApp) {
    let mut s = scene(&app).await;
    app.fails(
        Some(&s.f.token),
        MUTE,
        json!({"g": s.gid, "u": s.m.id, "until": "2001-01-01T00:00:00Z"}),
        "BAD_USER_INPUT",
    )
    .await;
    let until = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let data = app
        .ok(
            Some(&s.f.token),
            MUTE,
            json!({"g": s.gid, "u": s.m.id, "until": until}),
        )
        .await;
    assert!(data["muteMember"]["mutedUntil"].is_string());
    let resp = app
        .fails(Some(&s.m.token), CREATE, json!({"t": s.tid}), "FORBIDDEN")
        .await;
    assert!(resp["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("muted"));
    app.ok(
        Some(&s.f.token),
        "mutation($g: ID!, $u: ID!) { unmuteMember(groupId: $g, userId: $u) { mutedUntil } }",
        json!({"g": s.gid, "u": s.m.id}),
    )
    .await;
    app.ok(Some(&s.m.token), CREATE, json!({"t": s.tid})).await;
    s.saw(&app, &["POST_CREATED"], &["MUTE_MEMBER", "UNMUTE_MEMBER"])
        .await;
}

async fn a_removal_is_logged_and_outlives_the_membership(app: TestApp) {
    let mut s = scene(&app).await;
    app.ok(
        Some(&s.f.token),
        "mutation($g: ID!, $u: ID!) { removeMember(groupId: $g, userId: $u, reason: \"left the program\") }",
        json!({"g": s.gid, "u": s.m.id}),
    )
    .await;
    // The removed member's stream ends, with nothing delivered before.
    assert!(
        matches!(s.member_ws.next().await, Frame::Complete),
        "[{}] the removed member's stream ends",
        app.backend
    );
    s.saw(&app, &[], &["REMOVE_MEMBER"]).await;
    app.fails(
        Some(&s.m.token),
        "query($t: ID!) { thread(id: $t) { title } }",
        json!({"t": s.tid}),
        "NOT_FOUND",
    )
    .await;
    let first = &s.log(&app).await[0];
    assert_eq!(
        first["member"]["displayName"], "mem",
        "the entry outlives the membership"
    );
    assert_eq!(first["reason"], "left the program");
}

async fn members_cannot_moderate(app: TestApp) {
    let mut s = scene(&app).await;
    let until = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    for (q, v) in [
        (
            "mutation($p: ID!) { hidePost(postId: $p) { id } }",
            json!({"p": s.post}),
        ),
        (
            "mutation($t: ID!) { setThreadLocked(threadId: $t, locked: true) { locked } }",
            json!({"t": s.tid}),
        ),
        (MUTE, json!({"g": s.gid, "u": s.f.id, "until": until})),
        (
            "mutation($g: ID!, $u: ID!) { removeMember(groupId: $g, userId: $u) }",
            json!({"g": s.gid, "u": s.f.id}),
        ),
    ] {
        app.fails(Some(&s.m.token), q, v, "FORBIDDEN").await;
    }
    s.saw(&app, &[], &[]).await;
}

const MUTE: &str = "mutation($g: ID!, $u: ID!, $until: DateTime!) { muteMember(groupId: $g, userId: $u, until: $until, reason: \"cool off\") { mutedUntil } }";

async fn facilitators_act_only_on_their_groups(app: TestApp) {
    let (fa, ga) = app.group_with_facilitator("fac-a").await;
    let ma = app.member_of(&fa, &ga, "mem-a").await;
    let (ta, pa) = app.thread(&ma.token, &ga, "A's").await;
    let (fb, gb) = app.group_with_facilitator("fac-b").await;
    let mb = app.member_of(&fb, &gb, "mem-b").await;
    let until = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    for (q, v) in [
        ("mutation($p: ID!) { hidePost(postId: $p) { id } }", json!({"p": pa})),
        ("mutation($p: ID!) { restorePost(postId: $p) { id } }", json!({"p": pa})),
        ("mutation($t: ID!) { setThreadLocked(threadId: $t, locked: true) { id } }", json!({"t": ta})),
        ("mutation($t: ID!) { setThreadPinned(threadId: $t, pinned: true) { id } }", json!({"t": ta})),
        ("mutation($g: ID!, $u: ID!, $x: DateTime!) { muteMember(groupId: $g, userId: $u, until: $x) { role } }", json!({"g": ga, "u": ma.id, "x": until})),
        ("mutation($g: ID!, $u: ID!) { unmuteMember(groupId: $g, userId: $u) { role } }", json!({"g": ga, "u": ma.id})),
        ("mutation($g: ID!, $u: ID!) { removeMember(groupId: $g, userId: $u) }", json!({"g": ga, "u": ma.id})),
        ("mutation($p: ID!) { flagPost(input: {postId: $p, reason: SPAM}) { id } }", json!({"p": pa})),
        ("query($g: ID!) { group(id: $g) { flags { nodes { id } } } }", json!({"g": ga})),
    ] {
        for outsider in [&fb, &mb] {
            let resp = app.gql(Some(&outsider.token), q, v.clone()).await;
            assert_eq!(code_of(&resp), Some("NOT_FOUND"), "{q}: {resp}");
        }
    }
    // A's flags and log entries, by ID, are as invisible as anything else.
    let flag = app
        .ok(Some(&fa.token), FLAG, json!({"p": pa, "r": "OTHER"}))
        .await["flagPost"]["id"]
        .clone();
    app.ok(
        Some(&fa.token),
        "mutation($p: ID!) { hidePost(postId: $p) { id } }",
        json!({"p": pa}),
    )
    .await;

    let action = app
        .ok(
            Some(&fa.token),
            "query($g: ID!) { group(id: $g) { moderationLog { nodes { id } } } }",
            json!({"g": ga}),
        )
        .await["group"]["moderationLog"]["nodes"][0]["id"]
        .clone();
    for (q, v) in [
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": flag}),
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": action}),
        ),
        (
            "mutation($f: ID!) { resolveFlag(flagId: $f) { id } }",
            json!({"f": flag}),
        ),
        (
            "mutation($f: ID!) { dismissFlag(flagId: $f) { id } }",
            json!({"f": flag}),
        ),
    ] {
        for outsider in [&fb, &mb] {
            let resp = app.gql(Some(&outsider.token), q, v.clone()).await;
            assert_eq!(code_of(&resp), Some("NOT_FOUND"), "{q}: {resp}");
        }
    }
}

async fn flag_rate_limit(postgres: bool) {
    let app = spawn_app_with(postgres, |c| c.limits.flag_rate_limit = 2).await;
    let (f, gid) = app.group_with_facilitator("rate-f").await;
    let m = app.member_of(&f, &gid, "rate-m").await;
    let (tid, _) = app.thread(&f.token, &gid, "t").await;
    let mut posts = Vec::new();
    for i in 0..3 {
        posts.push(app.post(&f.token, &tid, &format!("p{i}")).await);
    }
    app.ok(Some(&m.token), FLAG, json!({"p": posts[0], "r": "SPAM"}))
        .await;
    app.ok(Some(&m.token), FLAG, json!({"p": posts[1], "r": "SPAM"}))
        .await;
    let resp = app
        .fails(
            Some(&m.token),
            FLAG,
            json!({"p": posts[2], "r": "SPAM"}),
            "RATE_LIMITED",
        )
        .await;
    let retry = resp["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap();
    assert!(retry > 80_000 && retry <= 86_400, "{retry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_rate_limit_sqlite() {
    flag_rate_limit(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hearth_postgres), ignore = "set TEST_DATABASE_URL to run it")]
async fn flag_rate_limit_postgres() {
    if crate::helpers::postgres_url().is_some() {
        flag_rate_limit(true).await;
    }
}

async fn moderation_events_reach_facilitators(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("watcher").await;
    let m = app.member_of(&f, &gid, "poster").await;
    let r = app.member_of(&f, &gid, "flagger").await;
    let (_, post) = app.thread(&m.token, &gid, "t").await;
    let sub = "subscription($g: ID!) { moderationEvents(groupId: $g) { kind flag { reason reporter { displayName } } action { action } } }";
    let mut member_ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    member_ws.ack().await.unwrap();
    member_ws.subscribe("1", sub, json!({"g": gid})).await;
    match member_ws.next().await {
        Frame::Error(e) => assert_eq!(e["extensions"]["code"], "FORBIDDEN"),
        other => panic!("expected FORBIDDEN, got {other:?}"),
    }
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", sub, json!({"g": gid})).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.ok(Some(&r.token), FLAG, json!({"p": post, "r": "PRIVACY"}))
        .await;
    let d = ws.data().await;
    assert_eq!(d["moderationEvents"]["kind"], "FLAG_RAISED");
    assert_eq!(d["moderationEvents"]["flag"]["reason"], "PRIVACY");
    assert_eq!(
        d["moderationEvents"]["flag"]["reporter"]["displayName"],
        "flagger"
    );
    app.ok(
        Some(&f.token),
        "mutation($p: ID!) { hidePost(postId: $p) { id } }",
        json!({"p": post}),
    )
    .await;
    let mut kinds = Vec::new();
    for _ in 0..2 {
        kinds.push(
            ws.data().await["moderationEvents"]["kind"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    kinds.sort();
    assert_eq!(kinds, ["ACTION_TAKEN", "FLAG_RESOLVED"]);
}

backend_tests!(
    flags_and_the_review_queue,
    flags_on_a_facilitators_post,
    hiding_and_restoring_a_post_is_logged,
    a_locked_thread_refuses_posts_until_unlocked,
    pinning_a_thread_is_logged,
    a_muted_member_cannot_post_until_unmuted,
    a_removal_is_logged_and_outlives_the_membership,
    members_cannot_moderate,
    facilitators_act_only_on_their_groups,
    moderation_events_reach_facilitators,
);

mod crisis {
    use super::*;

    async fn crisis_posts_alert_facilitators(app: TestApp) {
        let (f, gid) = app.group_with_facilitator("crisis-f").await;
        let m = app.member_of(&f, &gid, "crisis-m").await;
        let other = app.member_of(&f, &gid, "crisis-o").await;
        let (tid, first) = app.thread(&m.token, &gid, "Tonight").await;
        // An earlier, ordinary flag: the urgent one must still come first.
        app.ok(Some(&other.token), FLAG, json!({"p": first, "r": "OTHER"}))
            .await;

        let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
        ws.ack().await.unwrap();
        ws.subscribe(
            "1",
            "subscription($g: ID!) { moderationEvents(groupId: $g) { kind flag { reason source priority post { id state } } } }",
            json!({"g": gid}),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;

        // A draft alerts nobody.
        let draft = "query($g: ID!, $b: String!) { checkDraft(groupId: $g, body: $b) { risk supportResources { title phone url } } }";
        let d = app
            .ok(
                Some(&m.token),
                draft,
                json!({"g": gid, "b": "I want to kill myself"}),
            )
            .await;
        assert_eq!(d["checkDraft"]["risk"], "URGENT");
        assert!(!d["checkDraft"]["supportResources"]
            .as_array()
            .unwrap()
            .is_empty());
        let d = app
            .ok(
                Some(&m.token),
                draft,
                json!({"g": gid, "b": "this commute is killing me"}),
            )
            .await;
        assert_eq!(d["checkDraft"]["risk"], "NONE");
        assert_eq!(d["checkDraft"]["supportResources"], json!([]));
        ws.quiet(300).await;

        let post = app
            .post(
                &m.token,
                &tid,
                "I can't do this anymore. I want to kill myself tonight.",
            )
            .await;
        let e = ws.data().await;
        assert_eq!(e["moderationEvents"]["kind"], "FLAG_RAISED");
        let flag = &e["moderationEvents"]["flag"];
        assert_eq!(flag["reason"], "RISK_TO_SELF");
        assert_eq!(flag["source"], "SYSTEM");
        assert_eq!(flag["priority"], "URGENT");
        assert_eq!(flag["post"]["id"], post.as_str());
        assert_eq!(
            flag["post"]["state"], "VISIBLE",
            "detection never hides a post"
        );

        // Resources for the author only.
        let q = "query($p: ID!) { post(id: $p) { state body supportResources { title } } }";
        let mine = app.ok(Some(&m.token), q, json!({"p": post})).await;
        assert!(!mine["post"]["supportResources"]
            .as_array()
            .unwrap()
            .is_empty());
        let theirs = app.ok(Some(&other.token), q, json!({"p": post})).await;
        assert_eq!(theirs["post"]["supportResources"], json!([]));
        assert_eq!(theirs["post"]["state"], "VISIBLE");

        // The queue: URGENT before the older NORMAL flag.
        let queue = app
            .ok(Some(&f.token), "query($g: ID!) { group(id: $g) { flags(status: OPEN) { nodes { priority source } } } }", json!({"g": gid}))
            .await;
        let nodes = queue["group"]["flags"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0]["priority"], "URGENT");
        assert_eq!(nodes[1]["priority"], "NORMAL");

        // Risk to others, and an edit that does not pile up alerts.
        let p2 = app
            .post(
                &m.token,
                &tid,
                "I'm going to hurt my stepdad when he gets home",
            )
            .await;
        let e = ws.data().await;
        assert_eq!(e["moderationEvents"]["flag"]["reason"], "RISK_TO_OTHERS");
        app.ok(
            Some(&m.token),
            "mutation($p: ID!) { editPost(input: {postId: $p, body: \"I'm going to hurt my stepdad, I mean it\"}) { id } }",
            json!({"p": p2}),
        )
        .await;
        ws.quiet(300).await;

        // checkDraft is as private as the group.
        let outsider = app.register("crisis-x").await;
        app.fails(
            Some(&outsider.token),
            draft,
            json!({"g": gid, "b": "hello"}),
            "NOT_FOUND",
        )
        .await;
    }

    const DRAFT: &str =
        "query($g: ID!, $b: String!) { checkDraft(groupId: $g, body: $b) { risk } }";

    /// One sentence per category, as a client sends it: what checkDraft
    /// answers, and whether createPost puts an URGENT flag in the queue.
    async fn every_category_through_the_api(app: TestApp) {
        let (f, gid) = app.group_with_facilitator("cat-f").await;
        let m = app.member_of(&f, &gid, "cat-m").await;
        let (tid, _) = app.thread(&m.token, &gid, "Week").await;
        let cases = [
            ("i want to end my life", "URGENT"),
            (
                "tonight's the night, i've made up my mind and the note is written",
                "URGENT",
            ),
            ("been saving up my pills for weeks", "URGENT"),
            ("i just took all my tablets", "URGENT"),
            ("cutting again tonight, can't stop", "URGENT"),
            ("i can't keep myself safe tonight", "URGENT"),
            (
                "goodbye forever everyone, thank you for everything",
                "URGENT",
            ),
            ("im going to stab him when he gets home", "URGENT"),
            ("kms fr", "URGENT"),
            ("i wnat to kil myslef", "URGENT"),
            // Two warning signs of different kinds.
            (
                "gave my cat to my neighbour and finished the letters. the date is set",
                "URGENT",
            ),
            ("wish i could sleep forever", "ELEVATED"),
            ("everyone would be better off without me", "ELEVATED"),
            ("i tried to overdose two years ago", "ELEVATED"),
            ("killing it at work today", "NONE"),
            ("my character dies in the last chapter", "NONE"),
            ("cut my finger chopping onions", "NONE"),
            ("I'm ready to go to the session", "NONE"),
            ("I volunteer for a suicide prevention line", "NONE"),
            ("my brother died by suicide and I miss him", "NONE"),
            ("I would never hurt myself", "NONE"),
        ];
        for (body, want) in cases {
            let d = app
                .ok(Some(&m.token), DRAFT, json!({"g": gid, "b": body}))
                .await;
            assert_eq!(d["checkDraft"]["risk"], want, "checkDraft: {body}");
            app.post(&m.token, &tid, body).await;
        }
        // One warning sign alone raises no flag.
        let single = "my neighbour will look after my cat while I'm at my sister's";
        let d = app
            .ok(Some(&m.token), DRAFT, json!({"g": gid, "b": single}))
            .await;
        assert_ne!(d["checkDraft"]["risk"], "URGENT", "{single}");
        app.post(&m.token, &tid, single).await;
        let urgent = cases.iter().filter(|c| c.1 == "URGENT").count();
        let queue = app
            .ok(Some(&f.token), "query($g: ID!) { group(id: $g) { flags(status: OPEN, first: 50) { nodes { priority source note } } } }", json!({"g": gid}))
            .await;
        let nodes = queue["group"]["flags"]["nodes"].as_array().unwrap();
        assert_eq!(
            nodes.len(),
            urgent,
            "one URGENT system flag per URGENT post"
        );
        for n in nodes {
            assert_eq!(n["priority"], "URGENT");
            assert_eq!(n["source"], "SYSTEM");
            assert!(n["note"].as_str().unwrap().starts_with("Crisis language: "));
        }
    }

    /// A 20,000-character hostile body costs about what ordinary text does,
    /// and a writer in another group does not wait on it.
    async fn hostile_bodies_stay_cheap(app: TestApp) {
        let (f, gid) = app.group_with_facilitator("hb-f").await;
        let m = app.member_of(&f, &gid, "hb-m").await;
        let (f2, gid2) = app.group_with_facilitator("hb-f2").await;
        let m2 = app.member_of(&f2, &gid2, "hb-m2").await;
        let (tid, _) = app.thread(&m.token, &gid, "Long").await;
        let (tid2, _) = app.thread(&m2.token, &gid2, "Other").await;
        let hostile: String = "od kill myself i want to "
            .chars()
            .cycle()
            .take(20_000)
            .collect();
        let ordinary: String = "the group helped a lot this week. "
            .chars()
            .cycle()
            .take(20_000)
            .collect();
        let time = |body: String| {
            let app = &app;
            let token = m.token.clone();
            let gid = gid.clone();
            async move {
                let t = std::time::Instant::now();
                let d = app
                    .ok(Some(&token), DRAFT, json!({"g": gid, "b": body}))
                    .await;
                (t.elapsed(), d)
            }
        };
        let (base, _) = time(ordinary).await;
        let (worst, d) = time(hostile.clone()).await;
        assert_eq!(d["checkDraft"]["risk"], "URGENT");
        // Generous: the bench measures the ratio; this catches quadratic cost.
        assert!(
            worst < base * 20 + std::time::Duration::from_secs(1),
            "hostile {worst:?} against ordinary {base:?}"
        );
        let long = {
            let app = &app;
            let (token, tid, hostile) = (m.token.clone(), tid.clone(), hostile.clone());
            async move { app.post(&token, &tid, &hostile).await }
        };
        let short = {
            let app = &app;
            let (token, tid2) = (m2.token.clone(), tid2.clone());
            async move {
                let t = std::time::Instant::now();
                app.post(&token, &tid2, "an ordinary post").await;
                t.elapsed()
            }
        };
        let (_, other_group) = tokio::join!(long, short);
        assert!(
            other_group < std::time::Duration::from_secs(2),
            "a writer in another group waited {other_group:?}"
        );
    }

    /// Aliases cannot multiply the check: its cost grows with the body.
    async fn check_draft_costs_by_length(app: TestApp) {
        let (f, gid) = app.group_with_facilitator("cost-f").await;
        let m = app.member_of(&f, &gid, "cost-m").await;
        let body: String = "a".repeat(19_000);
        let aliases: String = (0..60)
            .map(|i| format!("a{i}: checkDraft(groupId: $g, body: $b) {{ risk }} "))
            .collect();
        let q = format!("query($g: ID!, $b: String!) {{ {aliases} }}");
        app.fails(
            Some(&m.token),
            &q,
            json!({"g": gid, "b": body}),
            "BAD_USER_INPUT",
        )
        .await;
    }

    /// An edit never withdraws an URGENT flag, and the facilitator sees
    /// every edit since it was raised; members see none.
    async fn edits_keep_the_flag_and_its_history(app: TestApp) {
        let (f, gid) = app.group_with_facilitator("ed-f").await;
        let m = app.member_of(&f, &gid, "ed-m").await;
        let other = app.member_of(&f, &gid, "ed-o").await;
        let (tid, _) = app.thread(&m.token, &gid, "Edits").await;
        let p = app
            .post(&m.token, &tid, "i am going to kill myself tonight")
            .await;
        let edit = "mutation($p: ID!, $b: String!) { editPost(input: {postId: $p, body: $b}) { id body } }";
        for body in ["never mind, all good", "really, ignore that"] {
            app.ok(Some(&m.token), edit, json!({"p": p, "b": body}))
                .await;
        }
        let q = "query($g: ID!) { group(id: $g) { flags(status: OPEN) { nodes { id status priority bodySnapshot edits { body editedAt } } } } }";
        let d = app.ok(Some(&f.token), q, json!({"g": gid})).await;
        let nodes = d["group"]["flags"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 1, "the URGENT flag stays open: {d}");
        assert_eq!(nodes[0]["priority"], "URGENT");
        assert_eq!(
            nodes[0]["bodySnapshot"],
            "i am going to kill myself tonight"
        );
        let edits: Vec<&str> = nodes[0]["edits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["body"].as_str().unwrap())
            .collect();
        assert_eq!(edits, ["never mind, all good", "really, ignore that"]);

        // Another member reaching the flag through its post sees no edits.
        let fid = nodes[0]["id"].as_str().unwrap().to_owned();
        let node = "query($id: ID!) { node(id: $id) { ... on Flag { edits { body } } } }";
        let theirs = app.gql(Some(&other.token), node, json!({"id": fid})).await;
        let edits = &theirs["data"]["node"]["edits"];
        assert!(
            edits.is_null() || edits == &json!([]),
            "a member sees no edits: {theirs}"
        );
        app.fails(
            Some(&f.token),
            "query($id: ID!) { node(id: $id) { ... on Flag { edits(first: 0) { body } } } }",
            json!({"id": fid}),
            "BAD_USER_INPUT",
        )
        .await;
    }

    backend_tests!(
        edits_keep_the_flag_and_its_history,
        crisis_posts_alert_facilitators,
        every_category_through_the_api,
        hostile_bodies_stay_cheap,
        check_draft_costs_by_length,
    );
}

/// checkDraft is limited per member per minute, alias by alias, and says
/// when to retry; other members are not affected.
async fn check_draft_is_rate_limited(postgres: bool) {
    let app = crate::helpers::spawn_app_with(postgres, |c| c.limits.draft_check_rate = 3).await;
    let (f, gid) = app.group_with_facilitator("rl-f").await;
    let m = app.member_of(&f, &gid, "rl-m").await;
    let q = "query($g: ID!) { a: checkDraft(groupId: $g, body: \"hello\") { risk } b: checkDraft(groupId: $g, body: \"hi\") { risk } }";
    app.ok(Some(&m.token), q, json!({"g": gid})).await;
    let limited = app.gql(Some(&m.token), q, json!({"g": gid})).await;
    let errors = limited["errors"].as_array().expect("one alias is refused");
    assert_eq!(errors.len(), 1, "{limited}");
    assert_eq!(errors[0]["extensions"]["code"], "RATE_LIMITED");
    assert!(errors[0]["extensions"]["retryAfter"].as_u64().unwrap() >= 1);
    let one = "query($g: ID!) { checkDraft(groupId: $g, body: \"hello\") { risk } }";
    app.ok(Some(&f.token), one, json!({"g": gid})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_draft_is_rate_limited_sqlite() {
    check_draft_is_rate_limited(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hearth_postgres), ignore = "set TEST_DATABASE_URL to run it")]
async fn check_draft_is_rate_limited_postgres() {
    if crate::helpers::postgres_url().is_some() {
        check_draft_is_rate_limited(true).await;
    }
}
