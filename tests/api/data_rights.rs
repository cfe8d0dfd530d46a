//! Members' data rights and the access audit: break-glass reads, audited
//! reads of hidden words, exports, account closure in both modes, and a
//! group's archive, retention and deletion.
use crate::backend_tests;
use crate::helpers::{code_of, spawn_on_with, until, Backend, Member, TestApp};
use entity::enums::PlatformRole;
use serde_json::{json, Value};

const REASON_HEADER: &str = "X-Hearth-Access-Reason";
const LOG: &str = "{ viewer { accessLog(first: 50) { edges { cursor } nodes { id kind actorName reason groupId postId subjectId } pageInfo { hasNextPage } } } }";
const AUDIT: &str = "query($f: AccessAuditFilter) { accessAudit(filter: $f, first: 50) { nodes { kind actorId subjectId groupId reason } } }";

pub async fn spawn_data(backend: Backend) -> TestApp {
    spawn_on_with(backend, |c| {
        c.data.closure_grace_seconds = Some(3);
        c.data.group_deletion_seconds = Some(2);
        c.data.retention_sweep_seconds = 1;
    })
    .await
}

/// A request with extra headers.
async fn gql_h(app: &TestApp, token: &str, headers: &[(&str, &str)], q: &str, v: Value) -> Value {
    let mut req = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(token)
        .json(&json!({ "query": q, "variables": v }));
    for (k, val) in headers {
        req = req.header(*k, *val);
    }
    req.send().await.unwrap().json().await.unwrap()
}

async fn log_of(app: &TestApp, m: &Member) -> Vec<Value> {
    app.ok(Some(&m.token), LOG, json!({})).await["viewer"]["accessLog"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

async fn admin(app: &TestApp, handle: &str) -> Member {
    let a = app.register(handle).await;
    app.set_role(handle, PlatformRole::Admin).await;
    a
}

async fn break_glass_needs_a_reason_and_leaves_a_trace(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("bg-f").await;
    let m = app.member_of(&f, &gid, "bg-m").await;
    let (tid, _) = app.thread(&m.token, &gid, "Hard week").await;
    let outsider = app.register("bg-x").await;
    let a = admin(&app, "bg-admin").await;
    let q = "query($g: ID!) { group(id: $g) { name threads(first: 5) { nodes { id } } } }";

    // Without a reason an admin is an outsider: NOT_FOUND, as for anyone.
    let r = app.gql(Some(&a.token), q, json!({"g": gid})).await;
    assert_eq!(code_of(&r), Some("NOT_FOUND"), "{r}");
    let r2 = app.gql(Some(&outsider.token), q, json!({"g": gid})).await;
    assert_eq!(r["errors"][0]["message"], r2["errors"][0]["message"]);
    let blank = gql_h(
        &app,
        &a.token,
        &[(REASON_HEADER, "   ")],
        q,
        json!({"g": gid}),
    )
    .await;
    assert_eq!(code_of(&blank), Some("NOT_FOUND"), "{blank}");
    let t = "query($t: ID!) { node(id: $t) { id } }";
    let r = app.gql(Some(&a.token), t, json!({"t": tid})).await;
    assert_eq!(code_of(&r), Some("NOT_FOUND"), "{r}");
    // A member's reason header means nothing.
    let r = gql_h(
        &app,
        &outsider.token,
        &[(REASON_HEADER, "curious")],
        q,
        json!({"g": gid}),
    )
    .await;
    assert_eq!(code_of(&r), Some("NOT_FOUND"), "{r}");
    assert!(log_of(&app, &m).await.is_empty());

    // With one, the admin reads, and the group's members see who and why.
    let r = gql_h(
        &app,
        &a.token,
        &[(REASON_HEADER, "ticket 4411: safeguarding review")],
        q,
        json!({"g": gid}),
    )
    .await;
    assert!(r.get("errors").is_none(), "{r}");
    assert_eq!(r["data"]["group"]["threads"]["nodes"][0]["id"], tid);
    for who in [&m, &f] {
        let log = log_of(&app, who).await;
        assert_eq!(log.len(), 1, "one entry per request: {log:?}");
        assert_eq!(log[0]["kind"], "BREAK_GLASS");
        assert_eq!(log[0]["actorName"], "bg-admin");
        assert_eq!(log[0]["reason"], "ticket 4411: safeguarding review");
        assert_eq!(log[0]["groupId"], gid);
    }
    assert!(log_of(&app, &outsider).await.is_empty());
    // Someone who joins later does not see reads from before they joined.
    let late = app.member_of(&f, &gid, "bg-late").await;
    assert!(log_of(&app, &late).await.is_empty());
    // The entry is a node for the member, and nobody else's.
    let entry = log_of(&app, &m).await[0]["id"].as_str().unwrap().to_owned();
    let node = "query($i: ID!) { node(id: $i) { ... on AccessEvent { kind reason } } }";
    let d = app.ok(Some(&m.token), node, json!({"i": entry})).await;
    assert_eq!(d["node"]["kind"], "BREAK_GLASS");
    app.fails(
        Some(&outsider.token),
        node,
        json!({"i": entry}),
        "NOT_FOUND",
    )
    .await;

    // The whole audit is for admins, filterable.
    app.fails(Some(&m.token), AUDIT, json!({}), "FORBIDDEN")
        .await;
    let d = app
        .ok(
            Some(&a.token),
            AUDIT,
            json!({"f": {"groupId": gid, "kind": "BREAK_GLASS"}}),
        )
        .await;
    let nodes = d["accessAudit"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{d}");
    assert_eq!(nodes[0]["actorId"], a.id);
    let d = app
        .ok(
            Some(&a.token),
            AUDIT,
            json!({"f": {"actorId": outsider.id}}),
        )
        .await;
    assert!(d["accessAudit"]["nodes"].as_array().unwrap().is_empty());
}

async fn reading_hidden_words_is_audited_for_their_author(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("hw-f").await;
    let m = app.member_of(&f, &gid, "hw-m").await;
    let other = app.member_of(&f, &gid, "hw-o").await;
    let (tid, _) = app.thread(&f.token, &gid, "Check-in").await;
    let p = app.post(&m.token, &tid, "something I regret saying").await;
    app.hide_post(&f.token, &p).await;
    let q = "query($p: ID!) { node(id: $p) { ... on Post { state body } } }";

    // The author reading their own hidden post leaves no trace.
    let d = app.ok(Some(&m.token), q, json!({"p": p})).await;
    assert_eq!(d["node"]["body"], "something I regret saying");
    // A member who cannot see it leaves none either.
    let d = app.ok(Some(&other.token), q, json!({"p": p})).await;
    assert!(d["node"]["body"].is_null());
    assert!(log_of(&app, &m).await.is_empty());

    // The facilitator's read is the member's to see: once per request.
    let twice = "query($p: ID!) { a: node(id: $p) { ... on Post { body } } b: node(id: $p) { ... on Post { body } } }";
    app.ok(Some(&f.token), twice, json!({"p": p})).await;
    let log = log_of(&app, &m).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["kind"], "HIDDEN_POST_BODY");
    assert_eq!(log[0]["actorName"], "hw-f");
    assert_eq!(log[0]["postId"], p);
    assert_eq!(log[0]["subjectId"], m.id);
    assert!(log_of(&app, &other).await.is_empty());
    // Re-reading it soon after is the same access: no second entry.
    app.ok(Some(&f.token), twice, json!({"p": p})).await;
    assert_eq!(log_of(&app, &m).await.len(), 1);
    // Asking only whether it is hidden reads no words.
    app.ok(
        Some(&f.token),
        "query($p: ID!) { node(id: $p) { ... on Post { state } } }",
        json!({"p": p}),
    )
    .await;
    assert_eq!(log_of(&app, &m).await.len(), 1);

    // A flag's copy of a post is audited too.
    let p2 = app.post(&m.token, &tid, "words someone flagged").await;
    // The reporter gets no copy back: their name would otherwise reach the
    // author's access log.
    let d = app
        .ok(
            Some(&other.token),
            "mutation($p: ID!) { flagPost(input: {postId: $p, reason: HARASSMENT}) { id bodySnapshot } }",
            json!({"p": p2}),
        )
        .await;
    assert!(d["flagPost"]["bodySnapshot"].is_null(), "{d}");
    let flag = d["flagPost"]["id"].as_str().unwrap().to_owned();
    assert_eq!(log_of(&app, &m).await.len(), 1);
    let fq = "query($f: ID!) { node(id: $f) { ... on Flag { bodySnapshot } } }";
    let d = app.ok(Some(&f.token), fq, json!({"f": flag})).await;
    assert_eq!(d["node"]["bodySnapshot"], "words someone flagged");
    let log = log_of(&app, &m).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["kind"], "FLAG_SNAPSHOT");
}

pub async fn wait_export_ready(app: &TestApp, m: &Member) -> Value {
    let q = "{ viewer { dataExports { id status downloadUrl expiresAt } } }";
    until(15, "the export is built", || async {
        app.ok(Some(&m.token), q, json!({})).await["viewer"]["dataExports"][0]["status"] == "READY"
    })
    .await;
    app.ok(Some(&m.token), q, json!({})).await["viewer"]["dataExports"][0].clone()
}

async fn an_export_holds_the_members_data_and_no_one_elses_identity(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("ex-facilitator").await;
    let m = app.member_of(&f, &gid, "ex-member").await;
    let other = app.member_of(&f, &gid, "ex-someone-else").await;
    let (tid, _) = app.thread(&other.token, &gid, "Sleep").await;
    let theirs = app
        .post(
            &other.token,
            &tid,
            "I have not slept well since March, anyone else?",
        )
        .await;
    let reply = app
        .ok(
            Some(&m.token),
            "mutation($t: ID!, $r: ID!) { createPost(input: {threadId: $t, body: \"Me too, the mornings are the worst\", replyToId: $r}) { id } }",
            json!({"t": tid, "r": theirs}),
        )
        .await["createPost"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mine = app.post(&m.token, &tid, "first draft of my words").await;
    app.ok(
        Some(&m.token),
        "mutation($p: ID!) { editPost(input: {postId: $p, body: \"second draft of my words\"}) { id } }",
        json!({"p": mine}),
    )
    .await;
    app.ok(
        Some(&m.token),
        "mutation($p: ID!) { react(postId: $p, kind: HEART) { id } }",
        json!({"p": theirs}),
    )
    .await;

    let d = app
        .ok(
            Some(&m.token),
            "mutation { requestDataExport { id status downloadUrl } }",
            json!({}),
        )
        .await;
    assert_eq!(d["requestDataExport"]["status"], "PENDING");
    assert!(d["requestDataExport"]["downloadUrl"].is_null());
    // One per day.
    let again = app
        .gql(
            Some(&m.token),
            "mutation { requestDataExport { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code_of(&again), Some("RATE_LIMITED"), "{again}");

    let export = wait_export_ready(&app, &m).await;
    let url = format!("{}{}", app.base, export["downloadUrl"].as_str().unwrap());
    // Only with the member's own token.
    let anon = app.client.get(&url).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    // The export is a node for its member alone.
    let node = "query($i: ID!) { node(id: $i) { ... on DataExport { status } } }";
    let d = app
        .ok(Some(&m.token), node, json!({"i": export["id"]}))
        .await;
    assert_eq!(d["node"]["status"], "READY");
    app.fails(
        Some(&other.token),
        node,
        json!({"i": export["id"]}),
        "NOT_FOUND",
    )
    .await;
    let stranger = app
        .client
        .get(&url)
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 404);
    let bogus = app
        .client
        .get(format!("{}/exports/not-an-id", app.base))
        .bearer_auth(&m.token)
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), 404);
    let resp = app
        .client
        .get(&url)
        .bearer_auth(&m.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let archive: Value = serde_json::from_str(&text).expect("a JSON archive");
    assert_eq!(archive["profile"]["handle"], "ex-member");
    assert!(text.contains("second draft of my words"));
    // Only the text as it stands: Hearth keeps edit history only while a
    // post is flagged.
    assert!(!text.contains("first draft of my words"));
    assert!(text.contains("Me too, the mornings are the worst"));
    assert_eq!(archive["reactionsGiven"].as_array().unwrap().len(), 1);
    // Nobody else's identity: not their handle, name or id.
    // (The test's group is named after its facilitator; a group's name is
    // the member's own context.)
    let without_group = text.replace("ex-facilitator's group", "");
    for leak in [
        "ex-someone-else".to_owned(),
        "ex-facilitator".to_owned(),
        crate::helpers::uuid_of(&other.id).to_string(),
        crate::helpers::uuid_of(&f.id).to_string(),
    ] {
        assert!(!without_group.contains(&leak), "the archive names {leak}");
    }
    let posts = archive["posts"].as_array().unwrap();
    let r = posts
        .iter()
        .find(|p| p["body"] == "Me too, the mornings are the worst")
        .unwrap();
    assert_eq!(r["replyTo"]["author"], "another member");
    assert!(r["replyTo"]["excerpt"]
        .as_str()
        .unwrap()
        .starts_with("I have not slept"));
    assert!(!reply.is_empty());
    // The quoted member sees that an export carried their words.
    let log = log_of(&app, &other).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["kind"], "DATA_EXPORT");
    assert_eq!(log[0]["postId"], theirs);
}

const LOGIN: &str = "mutation($h: String!) { login(input: {handle: $h, password: \"correct horse battery\"}) { accessToken viewer { pendingClosure { mode scheduledFor } } } }";
const GROUPS: &str = "{ viewer { groups(first: 5) { nodes { id } } } }";

async fn closing_an_account_locks_it_until_it_is_anonymized(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("cl-f").await;
    let m = app.member_of(&f, &gid, "cl-m").await;
    let (tid, _) = app.thread(&f.token, &gid, "Welcome").await;
    let p = app.post(&m.token, &tid, "glad to be here").await;
    let close = "mutation($p: String) { closeAccount(input: {mode: ANONYMIZE, password: $p}) { mode scheduledFor } }";
    app.fails(
        Some(&m.token),
        close,
        json!({"p": "wrong password!"}),
        "FORBIDDEN",
    )
    .await;
    app.fails(Some(&m.token), close, json!({}), "BAD_USER_INPUT")
        .await;
    let d = app
        .ok(Some(&m.token), close, json!({"p": "correct horse battery"}))
        .await;
    assert_eq!(d["closeAccount"]["mode"], "ANONYMIZE");
    // Sessions end at once.
    let r = app.gql(Some(&m.token), GROUPS, json!({})).await;
    assert!(r["data"]["viewer"].is_null(), "{r}");
    let r = app
        .gql(
            Some(&m.token),
            "query($g: ID!) { group(id: $g) { id } }",
            json!({"g": gid}),
        )
        .await;
    assert_eq!(code_of(&r), Some("UNAUTHENTICATED"), "{r}");
    // Signing in shows the pending closure; the account is locked.
    let d = app.ok(None, LOGIN, json!({"h": "cl-m"})).await;
    assert_eq!(d["login"]["viewer"]["pendingClosure"]["mode"], "ANONYMIZE");
    let t = d["login"]["accessToken"].as_str().unwrap().to_owned();
    app.fails(Some(&t), GROUPS, json!({}), "ACCOUNT_LOCKED")
        .await;
    app.fails(
        Some(&t),
        "mutation($t: ID!) { createPost(input: {threadId: $t, body: \"x\"}) { id } }",
        json!({"t": tid}),
        "ACCOUNT_LOCKED",
    )
    .await;
    // Cancelling unlocks it.
    let d = app
        .ok(Some(&t), "mutation { cancelAccountClosure }", json!({}))
        .await;
    assert_eq!(d["cancelAccountClosure"], true);
    app.ok(Some(&t), GROUPS, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    app.ok(Some(&t), GROUPS, json!({})).await;

    // Closed for good this time.
    app.ok(Some(&t), close, json!({"p": "correct horse battery"}))
        .await;
    let q = "query($p: ID!) { node(id: $p) { ... on Post { body author { displayName } } } }";
    until(15, "the closure is carried out", || async {
        app.ok(Some(&f.token), q, json!({"p": p})).await["node"]["author"]["displayName"]
            == "Former member"
    })
    .await;
    let d = app.ok(Some(&f.token), q, json!({"p": p})).await;
    assert_eq!(
        d["node"]["body"], "glad to be here",
        "ANONYMIZE keeps posts"
    );
    let r = app.gql(None, LOGIN, json!({"h": "cl-m"})).await;
    assert_eq!(code_of(&r), Some("UNAUTHENTICATED"), "{r}");
    let members = "query($g: ID!) { group(id: $g) { members(first: 20) { nodes { user { displayName } } } } }";
    let d = app.ok(Some(&f.token), members, json!({"g": gid})).await;
    assert_eq!(
        d["group"]["members"]["nodes"].as_array().unwrap().len(),
        1,
        "{d}"
    );
}

/// A closure an admin decided is not the member's to call off. (An admin's
/// closure is due at once; one due later is written here directly, so the
/// member has the time to try.)
async fn a_member_cannot_cancel_an_admins_closure(app: TestApp) {
    use sea_orm::{ActiveModelTrait, Set};
    let m = app.register("ac-m").await;
    let a = admin(&app, "ac-admin").await;
    let now = chrono::Utc::now();
    entity::account_closure::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        user_id: Set(crate::helpers::uuid_of(&m.id)),
        mode: Set("anonymize".into()),
        reason: Set(Some("by phone".into())),
        requested_by: Set(crate::helpers::uuid_of(&a.id)),
        requested_at: Set(now),
        due_at: Set(now + chrono::Duration::hours(1)),
        completed_at: Set(None),
        cancelled_at: Set(None),
    }
    .insert(&app.state.db.conn)
    .await
    .unwrap();
    let d = app.ok(None, LOGIN, json!({"h": "ac-m"})).await;
    assert_eq!(d["login"]["viewer"]["pendingClosure"]["mode"], "ANONYMIZE");
    let t = d["login"]["accessToken"].as_str().unwrap().to_owned();
    app.fails(Some(&t), GROUPS, json!({}), "ACCOUNT_LOCKED")
        .await;
    let d = app
        .ok(Some(&t), "mutation { cancelAccountClosure }", json!({}))
        .await;
    assert_eq!(d["cancelAccountClosure"], false);
    let d = app
        .ok(
            Some(&t),
            "{ viewer { pendingClosure { mode } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["viewer"]["pendingClosure"]["mode"], "ANONYMIZE");
}

async fn erasing_an_account_leaves_tombstones_and_no_searchable_words(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("er-f").await;
    let m = app.member_of(&f, &gid, "er-m").await;
    let other = app.member_of(&f, &gid, "er-o").await;
    let (tid, _) = app.thread(&m.token, &gid, "Marmalade thoughts").await;
    let p = app
        .post(&m.token, &tid, "the zanzibar marmalade helped me")
        .await;
    let reply = app
        .ok(
            Some(&other.token),
            "mutation($t: ID!, $r: ID!) { createPost(input: {threadId: $t, body: \"glad it helped\", replyToId: $r}) { id } }",
            json!({"t": tid, "r": p}),
        )
        .await["createPost"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        Some(&m.token),
        "mutation($p: ID!) { react(postId: $p, kind: HEART) { id } }",
        json!({"p": reply}),
    )
    .await;
    app.wait_indexed().await;
    let search = "query($q: String!) { searchPosts(query: $q) { totalCount } }";
    let d = app
        .ok(Some(&f.token), search, json!({"q": "zanzibar"}))
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 1);

    let a = admin(&app, "er-admin").await;
    let close = "mutation($u: ID!, $r: String!) { closeAccountAsAdmin(input: {userId: $u, mode: ERASE, reason: $r}) { mode scheduledFor } }";
    app.fails(
        Some(&f.token),
        close,
        json!({"u": m.id, "r": "x"}),
        "FORBIDDEN",
    )
    .await;
    app.fails(
        Some(&a.token),
        close,
        json!({"u": m.id, "r": "  "}),
        "BAD_USER_INPUT",
    )
    .await;
    let other_admin = admin(&app, "er-admin2").await;
    app.fails(
        Some(&a.token),
        close,
        json!({"u": other_admin.id, "r": "x"}),
        "FORBIDDEN",
    )
    .await;
    app.ok(
        Some(&a.token),
        close,
        json!({"u": m.id, "r": "member asked by phone"}),
    )
    .await;

    let q = "query($p: ID!) { node(id: $p) { ... on Post { state body author { displayName } } } }";
    until(15, "the erasure is carried out", || async {
        app.ok(Some(&f.token), q, json!({"p": p})).await["node"]["state"] == "DELETED"
    })
    .await;
    let d = app.ok(Some(&f.token), q, json!({"p": p})).await;
    assert!(d["node"]["body"].is_null());
    // The reply keeps its place and its words.
    let d = app
        .ok(Some(&other.token), "query($p: ID!) { node(id: $p) { ... on Post { body replyTo { id state } reactions { count } } } }", json!({"p": reply}))
        .await;
    assert_eq!(d["node"]["body"], "glad it helped");
    assert_eq!(d["node"]["replyTo"]["id"], p);
    assert!(
        d["node"]["reactions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["count"] == 0),
        "reactions removed: {d}"
    );
    let d = app
        .ok(
            Some(&other.token),
            "query($t: ID!) { thread(id: $t) { title } }",
            json!({"t": tid}),
        )
        .await;
    assert_ne!(d["thread"]["title"], "Marmalade thoughts");
    app.wait_indexed().await;
    let d = app
        .ok(Some(&f.token), search, json!({"q": "zanzibar"}))
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 0);
    // The closure and its reason are in the audit, for the admin.
    let d = app
        .ok(
            Some(&a.token),
            AUDIT,
            json!({"f": {"kind": "ACCOUNT_CLOSURE"}}),
        )
        .await;
    assert_eq!(
        d["accessAudit"]["nodes"][0]["reason"],
        "member asked by phone"
    );
    assert_eq!(d["accessAudit"]["nodes"][0]["subjectId"], m.id);
}

async fn an_archived_group_is_read_only(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("ar-f").await;
    let m = app.member_of(&f, &gid, "ar-m").await;
    let (tid, p) = app.thread(&m.token, &gid, "Before").await;
    app.fails(
        Some(&m.token),
        "mutation($g: ID!) { archiveGroup(groupId: $g) { id } }",
        json!({"g": gid}),
        "FORBIDDEN",
    )
    .await;
    // Someone outside the group, an admin without a reason included, is
    // told nothing of it.
    let outsider = app.register("ar-x").await;
    let a = admin(&app, "ar-admin").await;
    for who in [&outsider, &a] {
        app.fails(
            Some(&who.token),
            "mutation($g: ID!) { archiveGroup(groupId: $g) { id } }",
            json!({"g": gid}),
            "NOT_FOUND",
        )
        .await;
        app.fails(
            Some(&who.token),
            "mutation($g: ID!) { setGroupRetention(groupId: $g, days: 30) { id } }",
            json!({"g": gid}),
            "NOT_FOUND",
        )
        .await;
    }
    let d = app
        .ok(
            Some(&f.token),
            "mutation($g: ID!) { archiveGroup(groupId: $g) { archivedAt } }",
            json!({"g": gid}),
        )
        .await;
    assert!(d["archiveGroup"]["archivedAt"].is_string());
    let post = "mutation($t: ID!) { createPost(input: {threadId: $t, body: \"after\"}) { id } }";
    app.fails(Some(&m.token), post, json!({"t": tid}), "FORBIDDEN")
        .await;
    app.fails(Some(&f.token), post, json!({"t": tid}), "FORBIDDEN")
        .await;
    app.fails(
        Some(&m.token),
        "mutation($g: ID!) { createThread(input: {groupId: $g, title: \"t\", body: \"b\"}) { id } }",
        json!({"g": gid}),
        "FORBIDDEN",
    )
    .await;
    app.fails(
        Some(&m.token),
        "mutation($p: ID!) { react(postId: $p, kind: HEART) { id } }",
        json!({"p": p}),
        "FORBIDDEN",
    )
    .await;
    app.fails(
        Some(&f.token),
        "mutation($g: ID!) { createInvite(input: {groupId: $g}) { code } }",
        json!({"g": gid}),
        "FORBIDDEN",
    )
    .await;
    // Reading goes on.
    let d = app
        .ok(
            Some(&m.token),
            "query($t: ID!) { thread(id: $t) { posts(first: 5) { nodes { body } } } }",
            json!({"t": tid}),
        )
        .await;
    assert_eq!(d["thread"]["posts"]["nodes"][0]["body"], "Opening words");
}

async fn retention_turns_old_posts_into_tombstones(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("rt-f").await;
    let m = app.member_of(&f, &gid, "rt-m").await;
    let (tid, _) = app.thread(&m.token, &gid, "Old and new").await;
    let old = app
        .post(&m.token, &tid, "quixotic words from long ago")
        .await;
    let new = app.post(&m.token, &tid, "quixotic words from today").await;
    // Age one post, as time would.
    {
        use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
        entity::post::Entity::update_many()
            .col_expr(
                entity::post::Column::CreatedAt,
                Expr::value(chrono::Utc::now() - chrono::Duration::days(40)),
            )
            .filter(entity::post::Column::Id.eq(crate::helpers::uuid_of(&old)))
            .exec(&app.state.db.conn)
            .await
            .unwrap();
    }
    // A closed flag on the old post keeps a copy of its words until then.
    let other = app.member_of(&f, &gid, "rt-o").await;
    let flag = app.flag_post(&other.token, &old, "OTHER").await;
    app.ok(
        Some(&f.token),
        "mutation($f: ID!) { dismissFlag(flagId: $f) { status } }",
        json!({"f": flag}),
    )
    .await;
    let snapshot = "query($f: ID!) { node(id: $f) { ... on Flag { bodySnapshot } } }";
    let d = app.ok(Some(&f.token), snapshot, json!({"f": flag})).await;
    assert_eq!(d["node"]["bodySnapshot"], "quixotic words from long ago");
    let set =
        "mutation($g: ID!, $d: Int) { setGroupRetention(groupId: $g, days: $d) { retentionDays } }";
    app.fails(Some(&m.token), set, json!({"g": gid, "d": 30}), "FORBIDDEN")
        .await;
    app.fails(
        Some(&f.token),
        set,
        json!({"g": gid, "d": 0}),
        "BAD_USER_INPUT",
    )
    .await;
    let d = app
        .ok(Some(&f.token), set, json!({"g": gid, "d": 30}))
        .await;
    assert_eq!(d["setGroupRetention"]["retentionDays"], 30);
    let q = "query($p: ID!) { node(id: $p) { ... on Post { state body } } }";
    until(15, "the retention sweep", || async {
        app.ok(Some(&m.token), q, json!({"p": old})).await["node"]["state"] == "DELETED"
    })
    .await;
    let d = app.ok(Some(&m.token), q, json!({"p": new})).await;
    assert_eq!(d["node"]["body"], "quixotic words from today");
    let d = app.ok(Some(&f.token), snapshot, json!({"f": flag})).await;
    assert!(d["node"]["bodySnapshot"].is_null(), "{d}");
    app.wait_indexed().await;
    let d = app
        .ok(
            Some(&f.token),
            "{ searchPosts(query: \"quixotic\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 1);
}

async fn a_deleted_group_gives_an_export_window_then_is_purged(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("dg-f").await;
    let m = app.member_of(&f, &gid, "dg-m").await;
    let (tid, _) = app.thread(&m.token, &gid, "Goodbye").await;
    app.post(&m.token, &tid, "the last words here").await;
    let a = admin(&app, "dg-admin").await;
    let del = "mutation($g: ID!, $c: String!) { deleteGroup(groupId: $g, confirm: $c) { deletionScheduledFor archivedAt } }";
    let slug = app
        .ok(
            Some(&m.token),
            "query($g: ID!) { group(id: $g) { slug } }",
            json!({"g": gid}),
        )
        .await["group"]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    app.fails(
        Some(&f.token),
        del,
        json!({"g": gid, "c": slug}),
        "FORBIDDEN",
    )
    .await;
    // An admin outside the group breaks glass to delete it, like any read.
    app.fails(
        Some(&a.token),
        del,
        json!({"g": gid, "c": slug}),
        "NOT_FOUND",
    )
    .await;
    let r = app
        .gql_reason(
            &a.token,
            "group closing",
            del,
            json!({"g": gid, "c": "not-it"}),
        )
        .await;
    assert_eq!(code_of(&r), Some("BAD_USER_INPUT"), "{r}");
    let d = app
        .ok_reason(&a.token, "group closing", del, json!({"g": gid, "c": slug}))
        .await;
    assert!(d["deleteGroup"]["deletionScheduledFor"].is_string());
    assert!(d["deleteGroup"]["archivedAt"].is_string());
    until(20, "the group is purged", || async {
        let r = app
            .gql(
                Some(&m.token),
                "query($g: ID!) { group(id: $g) { id } }",
                json!({"g": gid}),
            )
            .await;
        code_of(&r) == Some("NOT_FOUND")
    })
    .await;
    let d = app.ok(Some(&m.token), GROUPS, json!({})).await;
    assert!(d["viewer"]["groups"]["nodes"]
        .as_array()
        .unwrap()
        .is_empty());
    app.wait_indexed().await;
    let d = app
        .ok(
            Some(&a.token),
            "{ searchPosts(query: \"last words\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(d["searchPosts"]["totalCount"], 0);
}

/// An admin's live stream follows their membership like anyone's: one who
/// subscribed as a member and then left stops hearing the group.
async fn an_admin_who_leaves_stops_hearing_the_group(app: TestApp) {
    use crate::ws::{Frame, Protocol, Ws};
    let a = admin(&app, "lv-admin").await;
    let gid = app
        .ok(
            Some(&a.token),
            "mutation { createGroup(input: {name: \"Admin's own\"}) { id } }",
            json!({}),
        )
        .await["createGroup"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let f = app.co_facilitator(&a, &gid, "lv-f").await;
    let (tid, _) = app.thread(&f.token, &gid, "Ongoing").await;
    let sub = "subscription($t: ID!) { threadEvents(threadId: $t) { kind post { body } } }";
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&a.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", sub, json!({"t": tid})).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.post(&f.token, &tid, "while they are in").await;
    assert_eq!(ws.data().await["threadEvents"]["kind"], "POST_CREATED");
    app.ok(
        Some(&a.token),
        "mutation($g: ID!) { leaveGroup(groupId: $g) }",
        json!({"g": gid}),
    )
    .await;
    app.post(&f.token, &tid, "after they left").await;
    match ws.next().await {
        Frame::Complete | Frame::Closed => {}
        other => panic!("expected the stream to end, got {other:?}"),
    }
}

backend_tests!(
    using crate::data_rights::spawn_data; [sqlite, postgres];
    an_admin_who_leaves_stops_hearing_the_group,
    break_glass_needs_a_reason_and_leaves_a_trace,
    reading_hidden_words_is_audited_for_their_author,
    an_export_holds_the_members_data_and_no_one_elses_identity,
    closing_an_account_locks_it_until_it_is_anonymized,
    a_member_cannot_cancel_an_admins_closure,
    erasing_an_account_leaves_tombstones_and_no_searchable_words,
    an_archived_group_is_read_only,
    retention_turns_old_posts_into_tombstones,
    a_deleted_group_gives_an_export_window_then_is_purged,
);

/// A closure is one transaction: an instance killed while erasing leaves
/// the account either untouched or wholly erased, never half, and the
/// closure, a due row, is carried out after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_erasure_leaves_nothing_half_erased() {
    use crate::procs::Hearth;
    use sea_orm::{ConnectionTrait, Database, Statement};
    let (Some(_), Some(redis)) = (crate::helpers::postgres_url(), crate::helpers::redis_url())
    else {
        return;
    };
    let url = crate::helpers::fresh_postgres_database().await;
    let secret = "a shared secret that is long enough for HS256";
    let env = [("HEARTH_MIGRATE", "true")];
    let mut doomed = Hearth::serve_with(&url, &redis, secret, &env).await;
    let client = reqwest::Client::new();
    let gql = |base: String, token: Option<String>, q: &'static str, v: Value| {
        let client = client.clone();
        async move {
            let mut req = client
                .post(format!("{base}/graphql"))
                .json(&json!({"query": q, "variables": v}));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    let register = "mutation($h: String!) { register(input: {handle: $h, displayName: $h, password: \"correct horse battery\"}) { accessToken viewer { user { id } } } }";
    let mut tokens = Vec::new();
    for h in ["crash-admin", "crash-m"] {
        let d = gql(doomed.base.clone(), None, register, json!({"h": h})).await;
        tokens.push((
            d["data"]["register"]["accessToken"]
                .as_str()
                .unwrap()
                .to_owned(),
            d["data"]["register"]["viewer"]["user"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        ));
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "user",
            "set-role",
            "--handle",
            "crash-admin",
            "--role",
            "admin",
        ])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (admin, (member, member_id)) = (tokens[0].0.clone(), tokens[1].clone());
    let d = gql(
        doomed.base.clone(),
        Some(admin.clone()),
        "mutation { createGroup(input: {name: \"Crash group\"}) { id } }",
        json!({}),
    )
    .await;
    let gid = d["data"]["createGroup"]["id"].as_str().unwrap().to_owned();
    let code = gql(
        doomed.base.clone(),
        Some(admin.clone()),
        "mutation($g: ID!) { createInvite(input: {groupId: $g}) { code } }",
        json!({"g": gid}),
    )
    .await["data"]["createInvite"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    gql(
        doomed.base.clone(),
        Some(member.clone()),
        "mutation($c: String!) { joinGroup(code: $c) { role } }",
        json!({"c": code}),
    )
    .await;
    let d = gql(doomed.base.clone(), Some(member.clone()), "mutation($g: ID!) { createThread(input: {groupId: $g, title: \"Mine\", body: \"opening\"}) { id } }", json!({"g": gid})).await;
    let tid = d["data"]["createThread"]["id"].as_str().unwrap().to_owned();
    // Enough posts that erasing them takes a while.
    for i in 0..400 {
        let d = gql(
            doomed.base.clone(),
            Some(member.clone()),
            "mutation($t: ID!, $b: String!) { createPost(input: {threadId: $t, body: $b}) { id } }",
            json!({"t": tid, "b": format!("words number {i}")}),
        )
        .await;
        assert!(d.get("errors").is_none(), "{d}");
    }
    let close = "mutation($u: ID!) { closeAccountAsAdmin(input: {userId: $u, mode: ERASE, reason: \"crash drill\"}) { scheduledFor } }";
    let d = gql(
        doomed.base.clone(),
        Some(admin.clone()),
        close,
        json!({"u": member_id}),
    )
    .await;
    assert!(d.get("errors").is_none(), "{d}");
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    doomed.kill();

    let conn = Database::connect(&url).await.unwrap();
    let state = || async {
        let q = |sql: &str| Statement::from_string(sea_orm::DbBackend::Postgres, sql.to_owned());
        let row = conn
            .query_one_raw(q("SELECT \
                (SELECT COUNT(*) FROM posts WHERE body IS NOT NULL AND author_id IN (SELECT user_id FROM account_closures)) AS with_text, \
                (SELECT COUNT(*) FROM users WHERE display_name = 'Former member') AS anonymized, \
                (SELECT COUNT(*) FROM account_closures WHERE completed_at IS NOT NULL) AS done"))
            .await
            .unwrap()
            .unwrap();
        (
            row.try_get::<i64>("", "with_text").unwrap(),
            row.try_get::<i64>("", "anonymized").unwrap(),
            row.try_get::<i64>("", "done").unwrap(),
        )
    };
    let after_kill = state().await;
    eprintln!("after the kill: {after_kill:?}");
    assert!(
        after_kill == (401, 0, 0) || after_kill == (0, 1, 1),
        "all or nothing after the kill: {after_kill:?}"
    );
    // Restarted, the closure is still due and is carried out.
    let restarted = Hearth::serve_with(&url, &redis, secret, &env).await;
    until(40, "the closure is carried out after a restart", || async {
        state().await == (0, 1, 1)
    })
    .await;
    drop(restarted);
}
