use crate::backend_tests;
use crate::helpers::{code_of, TestApp};
use serde_json::{json, Value};

async fn raw(app: &TestApp, body: Vec<u8>) -> (u16, Value) {
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("response");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON error body"))
}

async fn malformed_requests(app: TestApp) {
    let (status, body) = raw(&app, b"{not json".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(code_of(&body), Some("BAD_USER_INPUT"));

    let (status, body) = raw(&app, Vec::new()).await;
    assert_eq!(status, 400);
    assert_eq!(code_of(&body), Some("BAD_USER_INPUT"));

    let big = format!(
        r#"{{"query":"{{ viewer {{ handle }} }}","variables":{{"pad":"{}"}}}}"#,
        "x".repeat(1 << 20)
    );
    let (status, body) = raw(&app, big.into_bytes()).await;
    assert_eq!(status, 413);
    assert_eq!(code_of(&body), Some("BAD_USER_INPUT"));

    app.fails(None, "{ viewer { handle ", json!({}), "BAD_USER_INPUT")
        .await;
    app.fails(None, "{ noSuchField }", json!({}), "BAD_USER_INPUT")
        .await;

    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({"query": "query A { viewer { handle } } query B { viewer { role } }", "operationName": "C"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(code_of(&resp), Some("BAD_USER_INPUT"), "{resp}");

    app.fails(
        None,
        "query($id: ID!) { thread(id: $id) { title } }",
        json!({"id": 42.5}),
        "BAD_USER_INPUT",
    )
    .await;
    app.fails(
        None,
        "query($id: ID!) { thread(id: $id) { title } }",
        json!({}),
        "BAD_USER_INPUT",
    )
    .await;
}

async fn ids_pages_and_cursors(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fred").await;
    let (tid, _) = app.thread(&f.token, &gid, "t").await;
    for id in [
        "garbage",
        "",
        "VGhyZWFkOm5vdC1hLXV1aWQ",
        &"A".repeat(10_000),
    ] {
        app.fails(
            Some(&f.token),
            "query($id: ID!) { thread(id: $id) { title } }",
            json!({"id": id}),
            "NOT_FOUND",
        )
        .await;
    }
    let posts = "query($t: ID!, $n: Int, $a: String) { thread(id: $t) { posts(first: $n, after: $a) { nodes { id } } } }";
    for n in [-1, 101, 1_000_000] {
        app.fails(
            Some(&f.token),
            posts,
            json!({"t": tid, "n": n}),
            "BAD_USER_INPUT",
        )
        .await;
    }
    app.ok(Some(&f.token), posts, json!({"t": tid, "n": 100}))
        .await;
    app.ok(Some(&f.token), posts, json!({"t": tid, "n": 0}))
        .await;
    app.fails(
        Some(&f.token),
        posts,
        json!({"t": tid, "a": "garbage"}),
        "BAD_USER_INPUT",
    )
    .await;
    // A cursor from another list.
    let data = app
        .ok(
            Some(&f.token),
            "query($g: ID!) { group(id: $g) { members { pageInfo { endCursor } } } }",
            json!({"g": gid}),
        )
        .await;
    let members_cursor = data["group"]["members"]["pageInfo"]["endCursor"].clone();
    app.fails(
        Some(&f.token),
        posts,
        json!({"t": tid, "a": members_cursor}),
        "BAD_USER_INPUT",
    )
    .await;
}

async fn depth_and_complexity_limits(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("faye").await;
    // 30 levels deep.
    let mut q = String::from("id");
    for _ in 0..15 {
        q = format!("group {{ threads {{ nodes {{ {q} }} }} }}");
    }
    let query = format!("query($g: ID!) {{ group(id: $g) {{ threads {{ nodes {{ {q} }} }} }} }}");
    let resp = app
        .fails(Some(&f.token), &query, json!({"g": gid}), "BAD_USER_INPUT")
        .await;
    assert!(resp["data"].is_null() || resp.get("data").is_none());

    // Thousands of aliases: refused, both within and beyond the body limit.
    let aliases: String = (0..3_000)
        .map(|i| format!("a{i}:viewer{{handle}} "))
        .collect();
    app.fails(
        Some(&f.token),
        &format!("{{ {aliases} }}"),
        json!({}),
        "BAD_USER_INPUT",
    )
    .await;
    let aliases: String = (0..10_000).map(|i| format!("a{i}:__typename ")).collect();
    let resp = app
        .gql(Some(&f.token), &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(
        code_of(&resp),
        Some("BAD_USER_INPUT"),
        "{}",
        &resp.to_string()[..200.min(resp.to_string().len())]
    );

    // Wide lists cost their page size.
    let wide = "query($g: ID!) { group(id: $g) { threads(first: 100) { nodes { posts(first: 100) { nodes { id body author { displayName } } } } } } }";
    app.fails(Some(&f.token), wide, json!({"g": gid}), "BAD_USER_INPUT")
        .await;
}

backend_tests!(
    malformed_requests,
    ids_pages_and_cursors,
    depth_and_complexity_limits
);
