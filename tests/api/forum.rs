use crate::backend_tests;
use crate::helpers::{uuid_of, TestApp};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

const THREAD: &str = "query($t: ID!) { thread(id: $t) { title kind postCount locked pinned author { displayName } group { id } posts { nodes { id body state author { displayName } replyTo { id } editedAt } } } }";

async fn threads_posts_edit_delete(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fenn").await;
    let a = app.member_of(&f, &gid, "ash").await;
    let b = app.member_of(&f, &gid, "bob").await;
    let (tid, opening) = app.thread(&a.token, &gid, "How was your week?").await;

    let data = app
        .ok(
            Some(&b.token),
            "mutation($t: ID!, $r: ID!) { createPost(input: {threadId: $t, body: \"  Hard, but I got through it.  \", contentWarning: \"   \", replyToId: $r}) { id body contentWarning replyTo { id } author { displayName } state } }",
            json!({"t": tid, "r": opening}),
        )
        .await;
    let reply = data["createPost"]["id"].as_str().unwrap().to_owned();
    assert_eq!(data["createPost"]["body"], "Hard, but I got through it.");
    assert_eq!(data["createPost"]["contentWarning"], Value::Null);
    assert_eq!(data["createPost"]["replyTo"]["id"], opening.as_str());

    let data = app.ok(Some(&f.token), THREAD, json!({"t": tid})).await;
    assert_eq!(data["thread"]["postCount"], 2);
    assert_eq!(data["thread"]["kind"], "DISCUSSION");
    assert_eq!(data["thread"]["author"]["displayName"], "ash");
    assert_eq!(data["thread"]["posts"]["nodes"][0]["id"], opening.as_str());

    // Only the author edits or deletes.
    let edit = "mutation($p: ID!, $b: String!) { editPost(input: {postId: $p, body: $b}) { body editedAt } }";
    app.fails(
        Some(&a.token),
        edit,
        json!({"p": reply, "b": "not mine"}),
        "FORBIDDEN",
    )
    .await;
    let data = app
        .ok(
            Some(&b.token),
            edit,
            json!({"p": reply, "b": "Better now."}),
        )
        .await;
    assert_eq!(data["editPost"]["body"], "Better now.");
    assert!(data["editPost"]["editedAt"].is_string());

    let del = "mutation($p: ID!) { deletePost(postId: $p) { state body contentWarning } }";
    app.fails(Some(&f.token), del, json!({"p": reply}), "FORBIDDEN")
        .await;
    let data = app.ok(Some(&b.token), del, json!({"p": reply})).await;
    assert_eq!(data["deletePost"]["state"], "DELETED");
    assert_eq!(data["deletePost"]["body"], Value::Null);
    // Deleting again is harmless; editing a tombstone is refused.
    app.ok(Some(&b.token), del, json!({"p": reply})).await;
    app.fails(
        Some(&b.token),
        edit,
        json!({"p": reply, "b": "again"}),
        "BAD_USER_INPUT",
    )
    .await;

    let data = app.ok(Some(&a.token), THREAD, json!({"t": tid})).await;
    assert_eq!(data["thread"]["postCount"], 1);
    let nodes = data["thread"]["posts"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2, "the tombstone keeps its place");
    assert_eq!(nodes[1]["state"], "DELETED");
    assert_eq!(nodes[1]["body"], Value::Null);

    // A reply must point into the same thread.
    let (other, other_post) = app.thread(&a.token, &gid, "Another").await;
    app.fails(
        Some(&b.token),
        "mutation($t: ID!, $r: ID!) { createPost(input: {threadId: $t, body: \"x\", replyToId: $r}) { id } }",
        json!({"t": other, "r": opening}),
        "BAD_USER_INPUT",
    )
    .await;
    let _ = other_post;

    // Announcements are for facilitators.
    app.fails(
        Some(&a.token),
        "mutation($g: ID!) { createThread(input: {groupId: $g, title: \"Hi\", body: \"x\", kind: ANNOUNCEMENT}) { id } }",
        json!({"g": gid}),
        "FORBIDDEN",
    )
    .await;
}

async fn posts_paginate_both_ways(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fern").await;
    let (tid, _) = app.thread(&f.token, &gid, "Counting").await;
    for i in 1..=9 {
        app.post(&f.token, &tid, &format!("post {i}")).await;
    }
    let fwd = "query($t: ID!, $a: String) { thread(id: $t) { posts(first: 4, after: $a) { nodes { body } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } } }";
    let mut bodies = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .ok(Some(&f.token), fwd, json!({"t": tid, "a": after}))
            .await;
        let p = &data["thread"]["posts"];
        bodies.extend(
            p["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["body"].as_str().unwrap().to_owned()),
        );
        if !p["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = p["pageInfo"]["endCursor"].clone();
    }
    let mut expected = vec!["Opening words".to_owned()];
    expected.extend((1..=9).map(|i| format!("post {i}")));
    assert_eq!(bodies, expected);

    // The newest three, then the three before them, oldest first within a page.
    let back = "query($t: ID!, $b: String) { thread(id: $t) { posts(last: 3, before: $b) { nodes { body } pageInfo { hasPreviousPage startCursor } } } }";
    let data = app
        .ok(Some(&f.token), back, json!({"t": tid, "b": null}))
        .await;
    let p = &data["thread"]["posts"];
    assert_eq!(
        p["nodes"],
        json!([{"body": "post 7"}, {"body": "post 8"}, {"body": "post 9"}])
    );
    assert_eq!(p["pageInfo"]["hasPreviousPage"], true);
    let data = app
        .ok(
            Some(&f.token),
            back,
            json!({"t": tid, "b": p["pageInfo"]["startCursor"]}),
        )
        .await;
    assert_eq!(
        data["thread"]["posts"]["nodes"],
        json!([{"body": "post 4"}, {"body": "post 5"}, {"body": "post 6"}])
    );
    app.fails(
        Some(&f.token),
        "query($t: ID!) { thread(id: $t) { posts(first: 2, last: 2) { nodes { id } } } }",
        json!({"t": tid}),
        "BAD_USER_INPUT",
    )
    .await;
}

async fn reactions_are_idempotent(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("flo").await;
    let a = app.member_of(&f, &gid, "ari").await;
    let (_, post) = app.thread(&f.token, &gid, "Wins this week").await;
    let react = "mutation($p: ID!, $k: ReactionKind!) { react(postId: $p, kind: $k) { reactions { kind count viewerHasReacted } } }";
    let unreact = "mutation($p: ID!, $k: ReactionKind!) { unreact(postId: $p, kind: $k) { reactions { kind count viewerHasReacted } } }";
    app.ok(Some(&a.token), react, json!({"p": post, "k": "THANKS"}))
        .await;
    app.ok(Some(&a.token), react, json!({"p": post, "k": "THANKS"}))
        .await;
    app.ok(Some(&a.token), react, json!({"p": post, "k": "HUG"}))
        .await;
    let data = app
        .ok(Some(&f.token), react, json!({"p": post, "k": "THANKS"}))
        .await;
    assert_eq!(
        data["react"]["reactions"],
        json!([
            {"kind": "HUG", "count": 1, "viewerHasReacted": false},
            {"kind": "THANKS", "count": 2, "viewerHasReacted": true},
        ])
    );
    app.ok(Some(&a.token), unreact, json!({"p": post, "k": "HUG"}))
        .await;
    let data = app
        .ok(Some(&a.token), unreact, json!({"p": post, "k": "HUG"}))
        .await;
    assert_eq!(
        data["unreact"]["reactions"],
        json!([{"kind": "THANKS", "count": 2, "viewerHasReacted": true}])
    );
}

async fn locked_threads_and_muted_members(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fitz").await;
    let m = app.member_of(&f, &gid, "max").await;
    let (tid, post) = app.thread(&m.token, &gid, "Sleep").await;
    let db = &app.state.db.conn;
    let thread_uuid = uuid_of(&tid);
    entity::thread::Entity::update_many()
        .col_expr(entity::thread::Column::Locked, Expr::value(true))
        .filter(entity::thread::Column::Id.eq(thread_uuid))
        .exec(db)
        .await
        .unwrap();
    let create = "mutation($t: ID!) { createPost(input: {threadId: $t, body: \"hello\"}) { id } }";
    let resp = app
        .fails(Some(&m.token), create, json!({"t": tid}), "FORBIDDEN")
        .await;
    assert!(resp["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("locked"));
    // Facilitators may still post in a locked thread.
    app.ok(Some(&f.token), create, json!({"t": tid})).await;

    let (open, _) = app.thread(&f.token, &gid, "Open thread").await;
    let until = chrono::Utc::now() + chrono::Duration::hours(1);
    entity::membership::Entity::update_many()
        .col_expr(entity::membership::Column::MutedUntil, Expr::value(until))
        .filter(entity::membership::Column::UserId.eq(uuid_of(&m.id)))
        .exec(db)
        .await
        .unwrap();
    let resp = app
        .fails(Some(&m.token), create, json!({"t": open}), "FORBIDDEN")
        .await;
    assert!(resp["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("muted"));
    app.fails(
        Some(&m.token),
        "mutation($p: ID!) { react(postId: $p, kind: HEART) { id } }",
        json!({"p": post}),
        "FORBIDDEN",
    )
    .await;
    // Reading still works, and the member sees their own mute.
    let data = app
        .ok(Some(&m.token), "query($g: ID!) { group(id: $g) { members { nodes { user { displayName } mutedUntil } } } }", json!({"g": gid}))
        .await;
    let nodes = data["group"]["members"]["nodes"].as_array().unwrap();
    assert!(nodes
        .iter()
        .any(|n| n["user"]["displayName"] == "max" && n["mutedUntil"].is_string()));
    // Once the mute has passed, writing works again.
    entity::membership::Entity::update_many()
        .col_expr(
            entity::membership::Column::MutedUntil,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(entity::membership::Column::UserId.eq(uuid_of(&m.id)))
        .exec(db)
        .await
        .unwrap();
    app.ok(Some(&m.token), create, json!({"t": open})).await;
}

async fn threads_order_pinned_then_activity(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fox").await;
    let (t1, _) = app.thread(&f.token, &gid, "one").await;
    let (t2, _) = app.thread(&f.token, &gid, "two").await;
    let (_t3, _) = app.thread(&f.token, &gid, "three").await;
    let titles = |d: &Value| -> Vec<String> {
        d["group"]["threads"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = "query($g: ID!) { group(id: $g) { threads { nodes { title } } } }";
    assert_eq!(
        titles(&app.ok(Some(&f.token), q, json!({"g": gid})).await),
        ["three", "two", "one"]
    );
    app.post(&f.token, &t1, "bump").await;
    assert_eq!(
        titles(&app.ok(Some(&f.token), q, json!({"g": gid})).await),
        ["one", "three", "two"]
    );
    entity::thread::Entity::update_many()
        .col_expr(entity::thread::Column::Pinned, Expr::value(true))
        .filter(entity::thread::Column::Id.eq(uuid_of(&t2)))
        .exec(&app.state.db.conn)
        .await
        .unwrap();
    assert_eq!(
        titles(&app.ok(Some(&f.token), q, json!({"g": gid})).await),
        ["two", "one", "three"]
    );
    // And page by page.
    let paged = "query($g: ID!, $a: String) { group(id: $g) { threads(first: 1, after: $a) { nodes { title } pageInfo { endCursor hasNextPage } } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = app
            .ok(Some(&f.token), paged, json!({"g": gid, "a": after}))
            .await;
        seen.extend(titles(&d));
        if !d["group"]["threads"]["pageInfo"]["hasNextPage"]
            .as_bool()
            .unwrap()
        {
            break;
        }
        after = d["group"]["threads"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ["two", "one", "three"]);
}

async fn failed_create_thread_writes_nothing(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fig").await;
    for body in ["", "   \n ", &"x".repeat(20_001), "nul\u{0}inside"] {
        app.fails(
            Some(&f.token),
            "mutation($g: ID!, $b: String!) { createThread(input: {groupId: $g, title: \"T\", body: $b}) { id } }",
            json!({"g": gid, "b": body}),
            "BAD_USER_INPUT",
        )
        .await;
    }
    app.fails(
        Some(&f.token),
        "mutation($g: ID!, $t: String!) { createThread(input: {groupId: $g, title: $t, body: \"ok\"}) { id } }",
        json!({"g": gid, "t": "t".repeat(201)}),
        "BAD_USER_INPUT",
    )
    .await;
    let n = entity::thread::Entity::find()
        .all(&app.state.db.conn)
        .await
        .unwrap()
        .len();
    assert_eq!(n, 0);
    let posts = entity::post::Entity::find()
        .all(&app.state.db.conn)
        .await
        .unwrap()
        .len();
    assert_eq!(posts, 0);

    // Limits are inclusive and count characters; hostile text comes back verbatim.
    let hostile = format!(
        "<script>alert(1)</script> '; DROP TABLE posts; -- {}",
        "é".repeat(100)
    );
    let data = app
        .ok(
            Some(&f.token),
            "mutation($g: ID!, $t: String!, $b: String!) { createThread(input: {groupId: $g, title: $t, body: $b}) { title posts { nodes { body } } } }",
            json!({"g": gid, "t": "é".repeat(200), "b": hostile}),
        )
        .await;
    assert_eq!(
        data["createThread"]["posts"]["nodes"][0]["body"],
        hostile.as_str()
    );
    let (tid, _) = app.thread(&f.token, &gid, "limits").await;
    app.post(&f.token, &tid, &"y".repeat(20_000)).await;
}

/// Concurrent writers in one group, with crisis flags raised on the way,
/// all succeed (no lock cycle between them).
async fn concurrent_writes_in_one_group(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("busy-f").await;
    let m = app.member_of(&f, &gid, "busy-m").await;
    let (tid, _) = app.thread(&f.token, &gid, "busy").await;
    let q = "mutation($t: ID!, $b: String!) { createPost(input: {threadId: $t, body: $b}) { id } }";
    let t = "mutation($g: ID!, $n: String!) { createThread(input: {groupId: $g, title: $n, body: \"I want to kill myself\"}) { id } }";
    let posts = (0..16).map(|i| {
        let body = if i % 2 == 0 {
            "I want to kill myself".to_owned()
        } else {
            format!("post {i}")
        };
        let token = if i % 3 == 0 { &f.token } else { &m.token };
        app.gql(Some(token), q, json!({"t": tid, "b": body}))
    });
    let threads =
        (0..4).map(|i| app.gql(Some(&m.token), t, json!({"g": gid, "n": format!("t{i}")})));
    let (a, b) = futures_util::future::join(
        futures_util::future::join_all(posts),
        futures_util::future::join_all(threads),
    )
    .await;
    for r in a.iter().chain(b.iter()) {
        assert!(r.get("errors").is_none(), "[{}] {r}", app.backend);
    }
    let d = app
        .ok(
            Some(&f.token),
            "query($t: ID!) { thread(id: $t) { postCount } }",
            json!({"t": tid}),
        )
        .await;
    assert_eq!(d["thread"]["postCount"], 17);
}

/// Mutations in one request run one after another, each seeing the last.
async fn several_mutations_in_one_request(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("multi-f").await;
    let m = app.member_of(&f, &gid, "multi-m").await;
    let (tid, _) = app.thread(&f.token, &gid, "t").await;
    let post = app.post(&m.token, &tid, "twice").await;
    let d = app
        .ok(Some(&m.token), "mutation($p: ID!) { a: deletePost(postId: $p) { state } b: deletePost(postId: $p) { state } }", json!({"p": post}))
        .await;
    assert_eq!(d["b"]["state"], "DELETED");
    let d = app
        .ok(
            Some(&f.token),
            "query($t: ID!) { thread(id: $t) { postCount } }",
            json!({"t": tid}),
        )
        .await;
    assert_eq!(d["thread"]["postCount"], 1, "one delete, counted once");
    let resp = app
        .gql(
            Some(&m.token),
            "mutation($g: ID!, $t: ID!) { leaveGroup(groupId: $g) b: createPost(input: {threadId: $t, body: \"after leaving\"}) { id } }",
            json!({"g": gid, "t": tid}),
        )
        .await;
    assert_eq!(resp["data"]["leaveGroup"], true);
    assert_eq!(
        resp["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{resp}"
    );
}

backend_tests!(
    concurrent_writes_in_one_group,
    several_mutations_in_one_request,
    threads_posts_edit_delete,
    posts_paginate_both_ways,
    reactions_are_idempotent,
    locked_threads_and_muted_members,
    threads_order_pinned_then_activity,
    failed_create_thread_writes_nothing,
);
