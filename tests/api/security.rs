//! Holes an independent review found, each closed and kept closed.
use crate::backend_tests;
use crate::helpers::{fresh_postgres_database, postgres_url, TestApp};
use serde_json::{json, Value};
use std::process::Command;

const REFRESH: &str =
    "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }";
const LOGOUT: &str = "mutation($t: String!) { logout(refreshToken: $t) }";
const VIEWER: &str = "{ viewer { handle } }";

/// A facilitator cannot restore their own post that another facilitator
/// hid; another facilitator, or an admin, can.
async fn own_hidden_post_stays_hidden(app: TestApp) {
    let (f1, gid) = app.group_with_facilitator("own-f1").await;
    let f2 = app.co_facilitator(&f1, &gid, "own-f2").await;
    let (tid, _) = app.thread(&f1.token, &gid, "Week").await;
    let p = app.post(&f1.token, &tid, "something I regret").await;
    let hide = "mutation($p: ID!) { hidePost(postId: $p) { state } }";
    let restore = "mutation($p: ID!) { restorePost(postId: $p) { state } }";
    app.ok(Some(&f2.token), hide, json!({"p": p})).await;
    app.fails(Some(&f1.token), restore, json!({"p": p}), "FORBIDDEN")
        .await;
    let state = "query($p: ID!) { post(id: $p) { state } }";
    let d = app.ok(Some(&f2.token), state, json!({"p": p})).await;
    assert_eq!(d["post"]["state"], "HIDDEN");
    let d = app.ok(Some(&f2.token), restore, json!({"p": p})).await;
    assert_eq!(d["restorePost"]["state"], "VISIBLE");
}

/// Members cannot edit their posts in a locked thread; facilitators can.
async fn locked_threads_refuse_edits(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("lock-f").await;
    let m = app.member_of(&f, &gid, "lock-m").await;
    let (tid, _) = app.thread(&m.token, &gid, "Week").await;
    let p = app.post(&m.token, &tid, "first words").await;
    let fp = app.post(&f.token, &tid, "facilitator words").await;
    app.ok(
        Some(&f.token),
        "mutation($t: ID!) { setThreadLocked(threadId: $t, locked: true) { locked } }",
        json!({"t": tid}),
    )
    .await;
    let edit =
        "mutation($p: ID!, $b: String!) { editPost(input: {postId: $p, body: $b}) { body } }";
    let r = app
        .fails(
            Some(&m.token),
            edit,
            json!({"p": p, "b": "changed"}),
            "FORBIDDEN",
        )
        .await;
    assert!(r["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("locked"));
    let d = app
        .ok(
            Some(&m.token),
            "query($p: ID!) { post(id: $p) { body } }",
            json!({"p": p}),
        )
        .await;
    assert_eq!(d["post"]["body"], "first words", "nothing changed");
    app.ok(Some(&f.token), edit, json!({"p": fp, "b": "still mine"}))
        .await;
}

/// Logging out with a refresh token that was already rotated ends the
/// whole session, as reuse on refresh does.
async fn logout_with_a_rotated_token_ends_the_session(app: TestApp) {
    let m = app.register("rot-m").await;
    let d = app.ok(None, REFRESH, json!({"t": m.refresh})).await;
    let newest = d["refreshSession"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let access = d["refreshSession"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = app.ok(None, LOGOUT, json!({"t": m.refresh})).await;
    assert_eq!(d["logout"], true, "the old token names a live session");
    app.fails(None, REFRESH, json!({"t": newest}), "UNAUTHENTICATED")
        .await;
    let d = app.ok(Some(&access), VIEWER, json!({})).await;
    assert_eq!(
        d["viewer"],
        Value::Null,
        "the session's access token is dead"
    );
    let d = app.ok(None, LOGOUT, json!({"t": newest})).await;
    assert_eq!(d["logout"], false, "nothing left to end");
}

backend_tests!(
    own_hidden_post_stays_hidden,
    locked_threads_refuse_edits,
    logout_with_a_rotated_token_ends_the_session,
);

/// Runs `hearth serve` on `database_url`, which must refuse to start;
/// returns what it said.
async fn refused_start(database_url: String) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || serve(&database_url, &dir)
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "serve must not start: {stderr}");
    stderr
}

fn serve(database_url: &str, data_dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hearth"))
        .arg("serve")
        .env_remove("MEILISEARCH_URL")
        .env("DATABASE_URL", database_url)
        .env("HEARTH_DATA_DIR", data_dir)
        .env("HEARTH_ADDR", "127.0.0.1:0")
        .env("HEARTH_METRICS_ADDR", "off")
        .env(
            "HEARTH_JWT_SECRET",
            "a test secret that is long enough to use",
        )
        .env_remove("HEARTH_MIGRATE")
        .env_remove("REDIS_URL")
        .output()
        .expect("hearth runs")
}

/// `hearth serve` on an unmigrated Postgres database exits at once and
/// names `hearth migrate`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_an_unmigrated_database() {
    if postgres_url().is_none() {
        return;
    }
    let stderr = refused_start(fresh_postgres_database().await).await;
    assert!(stderr.contains("hearth migrate"), "{stderr}");
}

/// A database migrated by a newer Hearth is refused clearly, on SQLite and
/// Postgres.
async fn serve_refuses_a_newer_database(postgres: bool) {
    let app = crate::helpers::spawn_app(postgres).await;
    let future =
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_future', 0)";
    use sea_orm::ConnectionTrait;
    app.state.db.conn.execute_unprepared(future).await.unwrap();
    let url = app
        .state
        .config
        .store
        .database_url
        .clone()
        .unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                app.state.config.store.data_dir.join("hearth.db").display()
            )
        });
    let stderr = refused_start(url).await;
    assert!(stderr.contains("newer version of Hearth"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_a_newer_database_sqlite() {
    serve_refuses_a_newer_database(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hearth_postgres), ignore = "set TEST_DATABASE_URL to run it")]
async fn serve_refuses_a_newer_database_postgres() {
    if postgres_url().is_some() {
        serve_refuses_a_newer_database(true).await;
    }
}

/// Hiding a thread's opening post hides its title from members, wherever
/// the thread shows; facilitators and the author still see it.
async fn hidden_opening_post_hides_the_title(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("title-f").await;
    let author = app.member_of(&f, &gid, "title-a").await;
    let reader = app.member_of(&f, &gid, "title-r").await;
    let (tid, opening) = app.thread(&author.token, &gid, "My secret title").await;
    app.ok(
        Some(&f.token),
        "mutation($p: ID!) { hidePost(postId: $p) { state } }",
        json!({"p": opening}),
    )
    .await;
    let direct = "query($t: ID!) { thread(id: $t) { title } }";
    let listed = "query($g: ID!) { group(id: $g) { threads(first: 10) { nodes { title } } } }";
    let seen = |d: &Value| d.to_string().contains("My secret title");
    for (who, token, sees) in [
        ("reader", &reader.token, false),
        ("author", &author.token, true),
        ("facilitator", &f.token, true),
    ] {
        let d = app.ok(Some(token), direct, json!({"t": tid})).await;
        assert_eq!(seen(&d), sees, "{who}: {d}");
        let d = app.ok(Some(token), listed, json!({"g": gid})).await;
        assert_eq!(seen(&d), sees, "{who}: {d}");
    }
    let d = app.ok(Some(&reader.token), direct, json!({"t": tid})).await;
    assert_eq!(d["thread"]["title"], "[hidden]");
    // Restored, the title is back for everyone.
    app.ok(
        Some(&f.token),
        "mutation($p: ID!) { restorePost(postId: $p) { state } }",
        json!({"p": opening}),
    )
    .await;
    let d = app.ok(Some(&reader.token), direct, json!({"t": tid})).await;
    assert_eq!(d["thread"]["title"], "My secret title");
}

backend_tests!(hidden_opening_post_hides_the_title);

/// Removal is a ban: no invite of the group admits the person until a
/// facilitator lifts it, which is logged. Revoked invites admit nobody, and
/// only facilitators list or revoke invites.
async fn removal_is_a_ban_until_lifted(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("ban-f").await;
    let m = app.register("ban-m").await;
    let other = app.member_of(&f, &gid, "ban-o").await;
    let outsider = app.register("ban-x").await;
    let code = app.invite(&f.token, &gid).await;
    let join = "mutation($c: String!) { joinGroup(code: $c) { role } }";
    app.ok(Some(&m.token), join, json!({"c": code})).await;
    app.ok(
        Some(&f.token),
        "mutation($g: ID!, $u: ID!) { removeMember(groupId: $g, userId: $u) }",
        json!({"g": gid, "u": m.id}),
    )
    .await;
    // The same invite, and a fresh one, refuse them.
    for c in [code.clone(), app.invite(&f.token, &gid).await] {
        let r = app
            .fails(Some(&m.token), join, json!({"c": c}), "FORBIDDEN")
            .await;
        assert!(
            r["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("removed"),
            "{r}"
        );
    }
    let read = "query($g: ID!) { group(id: $g) { name } }";
    app.fails(Some(&m.token), read, json!({"g": gid}), "NOT_FOUND")
        .await;
    let unban = "mutation($g: ID!, $u: ID!) { unbanMember(groupId: $g, userId: $u) }";
    app.fails(
        Some(&other.token),
        unban,
        json!({"g": gid, "u": m.id}),
        "FORBIDDEN",
    )
    .await;
    let d = app
        .ok(Some(&f.token), unban, json!({"g": gid, "u": m.id}))
        .await;
    assert_eq!(d["unbanMember"], true);
    let d = app
        .ok(Some(&f.token), unban, json!({"g": gid, "u": m.id}))
        .await;
    assert_eq!(d["unbanMember"], false, "nothing left to lift");
    app.ok(Some(&m.token), join, json!({"c": code})).await;
    let log = app
        .ok(
            Some(&f.token),
            "query($g: ID!) { group(id: $g) { moderationLog(first: 10) { nodes { action } } } }",
            json!({"g": gid}),
        )
        .await;
    let actions: Vec<&str> = log["group"]["moderationLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"UNBAN_MEMBER"), "{actions:?}");
    assert!(actions.contains(&"REMOVE_MEMBER"), "{actions:?}");

    // Revoking: only the group's facilitators; then the code admits nobody.
    let fresh = app.invite(&f.token, &gid).await;
    let revoke = "mutation($c: String!) { revokeInvite(code: $c) { code revokedAt } }";
    app.fails(
        Some(&outsider.token),
        revoke,
        json!({"c": fresh}),
        "NOT_FOUND",
    )
    .await;
    app.fails(Some(&other.token), revoke, json!({"c": fresh}), "NOT_FOUND")
        .await;
    let d = app.ok(Some(&f.token), revoke, json!({"c": fresh})).await;
    assert!(d["revokeInvite"]["revokedAt"].is_string());
    app.fails(
        Some(&outsider.token),
        join,
        json!({"c": fresh}),
        "NOT_FOUND",
    )
    .await;
    let list = "query($g: ID!) { group(id: $g) { invites(first: 50) { code revokedAt uses } } }";
    let d = app.ok(Some(&f.token), list, json!({"g": gid})).await;
    let invites = d["group"]["invites"].as_array().unwrap();
    assert!(invites
        .iter()
        .any(|i| i["code"] == fresh.as_str() && i["revokedAt"].is_string()));
    app.fails(Some(&other.token), list, json!({"g": gid}), "FORBIDDEN")
        .await;

    // Leaving first does not dodge a removal.
    let leaver = app.member_of(&f, &gid, "ban-l").await;
    app.ok(
        Some(&leaver.token),
        "mutation($g: ID!) { leaveGroup(groupId: $g) }",
        json!({"g": gid}),
    )
    .await;
    app.ok(
        Some(&f.token),
        "mutation($g: ID!, $u: ID!) { removeMember(groupId: $g, userId: $u) }",
        json!({"g": gid, "u": leaver.id}),
    )
    .await;
    let again = app.invite(&f.token, &gid).await;
    app.fails(Some(&leaver.token), join, json!({"c": again}), "FORBIDDEN")
        .await;
}

backend_tests!(removal_is_a_ban_until_lifted);

/// A new member cannot replay the group's history from before they joined
/// by resuming from an early cursor.
async fn replay_stops_at_the_join(app: TestApp) {
    use crate::ws::{Frame, Protocol, Ws};
    let (f, gid) = app.group_with_facilitator("rp-f").await;
    let early = app.member_of(&f, &gid, "rp-early").await;
    let sub = "subscription($g: ID!, $a: String) { groupEvents(groupId: $g, after: $a) { cursor kind member { id } } }";
    // An early cursor, seen by a member who was there.
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&early.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", sub, json!({"g": gid, "a": null})).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let left = app.member_of(&f, &gid, "rp-left").await;
    let joined = ws.data().await;
    let cursor = joined["groupEvents"]["cursor"].as_str().unwrap().to_owned();
    app.ok(
        Some(&left.token),
        "mutation($g: ID!) { leaveGroup(groupId: $g) }",
        json!({"g": gid}),
    )
    .await;
    // Someone who joins later tries to resume from that cursor.
    let late = app.member_of(&f, &gid, "rp-late").await;
    let mut ws2 = Ws::connect(&app.base, Protocol::TransportWs, Some(&late.token)).await;
    ws2.ack().await.unwrap();
    ws2.subscribe("1", sub, json!({"g": gid, "a": cursor}))
        .await;
    match ws2.next().await {
        Frame::Error(e) => {
            assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}");
            assert!(e["message"].as_str().unwrap().contains("refetch"), "{e}");
        }
        other => panic!("expected a refetch error, got {other:?}"),
    }
    // The member who was there still resumes from it.
    let mut ws3 = Ws::connect(&app.base, Protocol::TransportWs, Some(&early.token)).await;
    ws3.ack().await.unwrap();
    ws3.subscribe("1", sub, json!({"g": gid, "a": cursor}))
        .await;
    let d = ws3.data().await;
    assert_eq!(d["groupEvents"]["kind"], "MEMBER_LEFT");
}

backend_tests!(replay_stops_at_the_join);

/// Posts racing a removal, a mute or a lock: none that commits after the
/// moderation action gets through (UUIDv7 ids are taken under the group's
/// write lock, so their order is the commit order).
async fn moderation_races_let_no_post_through(app: TestApp) {
    use crate::helpers::uuid_of;
    let (f, gid) = app.group_with_facilitator("race-f").await;
    let until = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let actions = [
        ("REMOVE_MEMBER", "mutation($g: ID!, $u: ID!) { removeMember(groupId: $g, userId: $u) }"),
        ("MUTE_MEMBER", "mutation($g: ID!, $u: ID!, $until: DateTime!) { muteMember(groupId: $g, userId: $u, until: $until) { mutedUntil } }"),
        ("LOCK_THREAD", "mutation($t: ID!) { setThreadLocked(threadId: $t, locked: true) { locked } }"),
    ];
    for (i, (kind, action)) in actions.iter().enumerate() {
        let m = app.member_of(&f, &gid, &format!("race-m{i}")).await;
        let (tid, _) = app.thread(&f.token, &gid, &format!("Race {i}")).await;
        let create =
            "mutation($t: ID!, $b: String!) { createPost(input: {threadId: $t, body: $b}) { id } }";
        let writers = (0..12).map(|n| {
            let (app, token, tid) = (&app, m.token.clone(), tid.clone());
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(n * 4)).await;
                app.gql(
                    Some(&token),
                    create,
                    json!({"t": tid, "b": format!("post {n}")}),
                )
                .await
            }
        });
        let moderator = async {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            app.ok(
                Some(&f.token),
                action,
                json!({"g": gid, "u": m.id, "t": tid, "until": until}),
            )
            .await
        };
        let (results, _) = tokio::join!(futures_util::future::join_all(writers), moderator);
        let log = app
            .ok(
                Some(&f.token),
                "query($g: ID!) { group(id: $g) { moderationLog(first: 50) { nodes { id action } } } }",
                json!({"g": gid}),
            )
            .await;
        let action_id = log["group"]["moderationLog"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["action"] == *kind)
            .map(|n| uuid_of(n["id"].as_str().unwrap()))
            .expect("the action is logged");
        for r in &results {
            if let Some(id) = r["data"]["createPost"]["id"].as_str() {
                assert!(
                    uuid_of(id) < action_id,
                    "[{}] {kind}: a post committed after the action: {r}",
                    app.backend
                );
            } else {
                assert!(
                    matches!(crate::helpers::code_of(r), Some("FORBIDDEN" | "NOT_FOUND")),
                    "{r}"
                );
            }
        }
    }
}

/// Concurrent toggles change the thread once and log once.
async fn concurrent_toggles_log_once(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("tog-f").await;
    let (tid, _) = app.thread(&f.token, &gid, "Toggle").await;
    let lock = "mutation($t: ID!) { setThreadLocked(threadId: $t, locked: true) { locked } }";
    let all = (0..8).map(|_| app.ok(Some(&f.token), lock, json!({"t": tid})));
    futures_util::future::join_all(all).await;
    let log = app
        .ok(
            Some(&f.token),
            "query($g: ID!) { group(id: $g) { moderationLog(first: 50) { nodes { action } } } }",
            json!({"g": gid}),
        )
        .await;
    let locks = log["group"]["moderationLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["action"] == "LOCK_THREAD")
        .count();
    assert_eq!(locks, 1, "[{}] {log}", app.backend);
}

backend_tests!(
    moderation_races_let_no_post_through,
    concurrent_toggles_log_once
);

/// Logging out closes the session's open WebSockets within a second, and a
/// demoted admin's connection closes as soon as the role changes.
async fn logout_and_role_changes_close_websockets(app: TestApp) {
    use crate::ws::{Protocol, Ws};
    use std::time::{Duration, Instant};
    let (f, gid) = app.group_with_facilitator("wsl-f").await;
    let m = app.member_of(&f, &gid, "wsl-m").await;
    let sub = "subscription($g: ID!) { groupEvents(groupId: $g) { kind } }";
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", sub, json!({"g": gid})).await;
    ws.quiet(200).await;
    let t = Instant::now();
    app.ok(None, LOGOUT, json!({"t": m.refresh})).await;
    let code = ws.closed().await;
    assert!(matches!(code, Some(4401 | 4403)), "{code:?}");
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "[{}] closed after {:?}",
        app.backend,
        t.elapsed()
    );

    let admin = app.register("wsl-admin").await;
    app.set_role("wsl-admin", entity::enums::PlatformRole::Admin)
        .await;
    let mut ws =
        Ws::connect_with_reason(&app.base, Protocol::TransportWs, &admin.token, "incident 7").await;
    ws.ack().await.unwrap();
    ws.subscribe("1", sub, json!({"g": gid})).await;
    ws.quiet(200).await;
    let t = Instant::now();
    app.set_role("wsl-admin", entity::enums::PlatformRole::Member)
        .await;
    let code = ws.closed().await;
    assert!(matches!(code, Some(4401 | 4403)), "{code:?}");
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "closed after {:?}",
        t.elapsed()
    );
}

backend_tests!(logout_and_role_changes_close_websockets);

/// Across instances: a logout on one closes the session's WebSocket on the
/// other within a second, through Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_closes_websockets_on_every_instance() {
    use crate::ws::{Protocol, Ws};
    use std::time::{Duration, Instant};
    let (Some(_), Some(redis)) = (postgres_url(), crate::helpers::redis_url()) else {
        return;
    };
    let (a, b) = crate::helpers::spawn_pair(&redis).await;
    let (f, gid) = a.group_with_facilitator("wsx-f").await;
    let m = a.member_of(&f, &gid, "wsx-m").await;
    let mut ws = Ws::connect(&b.base, Protocol::TransportWs, Some(&m.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe(
        "1",
        "subscription($g: ID!) { groupEvents(groupId: $g) { kind } }",
        json!({"g": gid}),
    )
    .await;
    ws.quiet(300).await;
    let t = Instant::now();
    a.ok(None, LOGOUT, json!({"t": m.refresh})).await;
    let code = ws.closed().await;
    assert!(matches!(code, Some(4401 | 4403)), "{code:?}");
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "closed after {:?}",
        t.elapsed()
    );
}

/// Fields that reach the database or the search backend have a base cost
/// that aliases add up, whatever page size they ask for.
async fn aliases_pay_for_every_lookup(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("cost-f").await;
    let searches: String = (0..300)
        .map(|i| format!("s{i}: searchPosts(query: \"garden\", first: 0) {{ totalCount }} "))
        .collect();
    let r = app
        .fails(
            Some(&f.token),
            &format!("{{ {searches} }}"),
            json!({}),
            "BAD_USER_INPUT",
        )
        .await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("complex"),
        "{r}"
    );
    let lookups: String = (0..1000)
        .map(|i| format!("g{i}: group(id: $g) {{ name }} "))
        .collect();
    app.fails(
        Some(&f.token),
        &format!("query($g: ID!) {{ {lookups} }}"),
        json!({"g": gid}),
        "BAD_USER_INPUT",
    )
    .await;
    // An ordinary page still fits.
    app.ok(
        Some(&f.token),
        "query($g: ID!) { group(id: $g) { name threads(first: 20) { nodes { title postCount author { displayName } posts(first: 3) { nodes { body author { displayName } reactions { kind count } } } } } } }",
        json!({"g": gid}),
    )
    .await;
}

backend_tests!(aliases_pay_for_every_lookup);

/// Resume cursors reveal nothing of the platform's activity, and one
/// group's cursor does not open another group's stream.
async fn cursors_are_opaque_and_bound_to_their_group(app: TestApp) {
    use crate::ws::{Frame, Protocol, Ws};
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let (f, ga) = app.group_with_facilitator("cur-f").await;
    let gb = app
        .ok(
            Some(&f.token),
            "mutation { createGroup(input: {name: \"cur-f's other group\"}) { id } }",
            json!({}),
        )
        .await["createGroup"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sub =
        "subscription($g: ID!, $a: String) { groupEvents(groupId: $g, after: $a) { cursor kind } }";
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", sub, json!({"g": ga, "a": null})).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.member_of(&f, &ga, "cur-m1").await;
    let first = ws.data().await["groupEvents"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    app.member_of(&f, &ga, "cur-m2").await;
    let second = ws.data().await["groupEvents"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    for c in [&first, &second] {
        let raw = URL_SAFE_NO_PAD.decode(c).expect("base64url");
        assert!(
            !String::from_utf8_lossy(&raw).contains("events"),
            "a readable cursor: {c}"
        );
    }
    let mut ws2 = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
    ws2.ack().await.unwrap();
    ws2.subscribe("1", sub, json!({"g": gb, "a": first})).await;
    match ws2.next().await {
        Frame::Error(e) => assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}"),
        other => panic!("another group's cursor was accepted: {other:?}"),
    }
    // In its own group it resumes exactly after the event it names.
    let mut ws3 = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
    ws3.ack().await.unwrap();
    ws3.subscribe("1", sub, json!({"g": ga, "a": first})).await;
    let resumed = ws3.data().await;
    assert_eq!(resumed["groupEvents"]["cursor"], second.as_str());
}

backend_tests!(cursors_are_opaque_and_bound_to_their_group);
