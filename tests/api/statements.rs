//! The thread page and search run the same number of SQL statements
//! whatever their page size.
use crate::backend_tests;
use crate::helpers::TestApp;
use serde_json::json;

const PAGE: &str = "query($t: ID!, $n: Int) { thread(id: $t) { title postCount author { displayName } group { name viewerRole } posts(first: $n) { edges { cursor node { id body state createdAt author { displayName } replyTo { id author { displayName } } reactions { kind count viewerHasReacted } } } pageInfo { hasNextPage endCursor } } } }";

async fn thread_page_statement_count_is_constant(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fiona").await;
    let mut members = Vec::new();
    for i in 0..5 {
        members.push(app.member_of(&f, &gid, &format!("member{i}")).await);
    }
    let (tid, mut last) = app.thread(&f.token, &gid, "Big thread").await;
    for i in 0..59 {
        let m = &members[i % members.len()];
        let data = app
            .ok(
                Some(&m.token),
                "mutation($t: ID!, $b: String!, $r: ID) { createPost(input: {threadId: $t, body: $b, replyToId: $r}) { id } }",
                json!({"t": tid, "b": format!("post {i}"), "r": last}),
            )
            .await;
        last = data["createPost"]["id"].as_str().unwrap().to_owned();
        if i % 3 == 0 {
            app.ok(
                Some(&members[(i + 1) % members.len()].token),
                "mutation($p: ID!) { react(postId: $p, kind: HUG) { id } }",
                json!({"p": last}),
            )
            .await;
        }
    }

    // Each page size three times; the same count every time.
    let mut counts = Vec::new();
    for n in [5usize, 20, 50] {
        let mut runs = Vec::new();
        for _ in 0..3 {
            let before = app.statements().await;
            let data = app
                .ok(Some(&members[0].token), PAGE, json!({"t": tid, "n": n}))
                .await;
            let after = app.statements().await;
            assert_eq!(
                data["thread"]["posts"]["edges"].as_array().unwrap().len(),
                n
            );
            runs.push(after - before);
        }
        counts.push((n, runs));
    }
    // At most four, the same for every page size: the session (with its
    // account); the thread with the viewer's membership, its author and
    // its group; the posts with their authors, replied-to posts, their
    // authors and the reaction counts (three today).
    const BUDGET: u64 = 4;
    let first = counts[0].1[0];
    for (n, runs) in &counts {
        for c in runs {
            assert!(
                *c <= BUDGET && *c == first,
                "[{}] page of {n}: {c} statements (all: {counts:?})",
                app.backend
            );
        }
    }

    // A facilitator reading hidden posts leaves a trace for each author:
    // one more statement, however many hidden posts the page shows.
    let (app_, token, thread) = (&app, f.token.as_str(), tid.as_str());
    let page = |n: usize| async move {
        let before = app_.statements().await;
        app_.ok(Some(token), PAGE, json!({"t": thread, "n": n}))
            .await;
        app_.statements().await - before
    };
    let plain = page(50).await;
    let posts = app
        .ok(Some(&f.token), PAGE, json!({"t": tid, "n": 50}))
        .await;
    let ids: Vec<String> = posts["thread"]["posts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect();
    for id in ids.iter().take(10) {
        app.hide_post(&f.token, id).await;
    }
    let with_hidden = page(50).await;
    assert_eq!(
        with_hidden,
        plain + 1,
        "[{}] auditing ten hidden posts costs one statement",
        app.backend
    );
    let log = app
        .ok(
            Some(&members[1].token),
            "{ viewer { accessLog(first: 50) { nodes { kind } } } }",
            json!({}),
        )
        .await;
    assert!(
        !log["viewer"]["accessLog"]["nodes"]
            .as_array()
            .unwrap()
            .is_empty(),
        "[{}] the reads were recorded",
        app.backend
    );
}

/// Without the session cache, so that every request checks its session.
pub async fn uncached_sessions(backend: crate::helpers::Backend) -> TestApp {
    crate::helpers::spawn_on_with(backend, |c| c.auth.session_cache_ms = 0).await
}

backend_tests!(using crate::statements::uncached_sessions; [sqlite, postgres]; thread_page_statement_count_is_constant);

/// A repeated request within the session cache's time checks no session;
/// a logout ends the cached session at once.
async fn a_cached_session_ends_at_logout(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("faye").await;
    let (tid, _) = app.thread(&f.token, &gid, "Cached").await;
    let q = "query($t: ID!) { thread(id: $t) { title } }";
    app.ok(Some(&f.token), q, json!({"t": tid})).await;
    let before = app.statements().await;
    app.ok(Some(&f.token), q, json!({"t": tid})).await;
    let after = app.statements().await;
    assert_eq!(
        after - before,
        1,
        "[{}] only the thread is read",
        app.backend
    );
    app.ok(
        None,
        "mutation($r: String!) { logout(refreshToken: $r) }",
        json!({"r": f.refresh}),
    )
    .await;
    let resp = app.gql(Some(&f.token), q, json!({"t": tid})).await;
    assert_eq!(
        resp["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "[{}] {resp}",
        app.backend
    );
}

backend_tests!(a_cached_session_ends_at_logout);

const SEARCH: &str = "query($n: Int) { searchPosts(query: \"garden\", first: $n) { totalCount nodes { highlight score post { id body author { displayName } thread { title } reactions { kind count viewerHasReacted } } } } }";

async fn search_statement_count_is_constant(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("sofia").await;
    let m = app.member_of(&f, &gid, "sam").await;
    let (tid, _) = app.thread(&f.token, &gid, "Gardens").await;
    for i in 0..30 {
        let who = if i % 2 == 0 { &f } else { &m };
        app.post(&who.token, &tid, &format!("garden note {i}"))
            .await;
    }
    app.wait_indexed().await;
    let mut counts = Vec::new();
    for n in [5usize, 15, 30] {
        let before = app.statements().await;
        let d = app.ok(Some(&m.token), SEARCH, json!({"n": n})).await;
        let after = app.statements().await;
        assert_eq!(d["searchPosts"]["nodes"].as_array().unwrap().len(), n);
        counts.push(after - before);
    }
    // auth (user, session), memberships, posts; then authors, threads,
    // reactions and the viewer's reactions through the loaders.
    let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
    assert!(hi - lo <= 1 && *hi <= 10, "[{}] {counts:?}", app.backend);
}

backend_tests!(search_statement_count_is_constant);
