//! The worked example of the README, with the real binary for the first admin.
use crate::helpers::spawn_app;
use serde_json::json;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worked_example_with_cli_set_role() {
    let app = spawn_app(false).await;
    let admin = app.register("first-admin").await;
    app.fails(
        Some(&admin.token),
        "mutation { createGroup(input: {name: \"Tuesday evening\"}) { id } }",
        json!({}),
        "FORBIDDEN",
    )
    .await;

    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "user",
            "set-role",
            "--handle",
            "first-admin",
            "--role",
            "admin",
        ])
        .env("HEARTH_DATA_DIR", &app.state.config.store.data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("hearth runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "user",
            "set-role",
            "--handle",
            "nobody-here",
            "--role",
            "admin",
        ])
        .env("HEARTH_DATA_DIR", &app.state.config.store.data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("hearth runs");
    assert!(!out.status.success());

    // The same token now creates a group: the role is read from the
    // database, remembered by a running server for at most a second
    // (`HEARTH_SESSION_CACHE_MS`).
    let create = "mutation { createGroup(input: {name: \"Tuesday evening\", description: \"Weekly group\"}) { id slug } }";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    let data = loop {
        let resp = app.gql(Some(&admin.token), create, json!({})).await;
        if resp["errors"].is_null() {
            break resp["data"].clone();
        }
        assert_eq!(
            resp["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{resp}"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the new role did not take effect within the cache's second: {resp}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let gid = data["createGroup"]["id"].as_str().unwrap().to_owned();
    let member = app.member_of(&admin, &gid, "sam").await;
    let (tid, _) = app.thread(&member.token, &gid, "Check-in").await;
    let post = app.post(&admin.token, &tid, "Thank you for sharing").await;
    app.ok(
        Some(&member.token),
        "mutation($p: ID!) { react(postId: $p, kind: THANKS) { id } }",
        json!({"p": post}),
    )
    .await;
    let data = app
        .ok(
            Some(&member.token),
            "query($t: ID!) { thread(id: $t) { title posts(first: 50) { nodes { body author { displayName } reactions { kind count viewerHasReacted } } } } }",
            json!({"t": tid}),
        )
        .await;
    assert_eq!(
        data["thread"]["posts"]["nodes"][1]["reactions"][0]["viewerHasReacted"],
        true
    );

    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("type Query"));
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app(false).await;
    for path in ["/healthz", "/readyz", "/"] {
        let r = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
    }
    // Metrics are on their own listener, never on the API port.
    let r = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = app
        .client
        .get(format!("{}/metrics", app.metrics_base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("hearth_sql_statements_total"));
}
