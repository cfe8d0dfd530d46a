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

    // Each page size three times. The loaders batch what is queued within
    // 1 ms, so under load two independent lookups (the thread's author and
    // the posts' authors) may share a batch, or a wave may split in two
    // (twice, on a loaded machine): a run may differ by a statement or two
    // either way. An N+1 would add dozens.
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
    // auth (user, session), thread, viewer's membership, posts, authors,
    // reactions, replied-to posts, their authors, group.
    const WAVES: u64 = 10;
    for (n, runs) in &counts {
        for c in runs {
            assert!(
                (WAVES - 2..=WAVES + 2).contains(c),
                "[{}] page of {n}: {c} statements (all: {counts:?})",
                app.backend
            );
        }
    }
}

backend_tests!(thread_page_statement_count_is_constant);

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
