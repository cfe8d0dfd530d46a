//! The thread page runs the same number of SQL statements whatever its size.
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
    // the posts' authors) may share a batch, or one wave may split in two:
    // a run may differ by a statement either way. An N+1 would add dozens.
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
                (WAVES - 2..=WAVES + 1).contains(c),
                "[{}] page of {n}: {c} statements (all: {counts:?})",
                app.backend
            );
        }
    }
}

backend_tests!(thread_page_statement_count_is_constant);
