use crate::backend_tests;
use crate::helpers::TestApp;
use crate::ws::{Frame, Protocol, Ws};
use serde_json::{json, Value};

const THREAD_EVENTS: &str = "subscription($t: ID!, $a: String) { threadEvents(threadId: $t, after: $a) { cursor kind post { id body state author { displayName } } thread { title } } }";

async fn both_protocols_receive_posts(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fiz").await;
    let m = app.member_of(&f, &gid, "mira").await;
    let (tid, _) = app.thread(&f.token, &gid, "Live").await;
    for protocol in [Protocol::TransportWs, Protocol::GraphqlWs] {
        let mut ws = Ws::connect(&app.base, protocol, Some(&m.token)).await;
        ws.ack().await.expect("ack");
        ws.subscribe("1", THREAD_EVENTS, json!({"t": tid})).await;
        // Give the subscription a moment to attach before the write.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let body = format!("hello over {protocol:?}");
        app.post(&f.token, &tid, &body).await;
        let d = ws.data().await;
        assert_eq!(d["threadEvents"]["kind"], "POST_CREATED", "{protocol:?}");
        assert_eq!(d["threadEvents"]["post"]["body"], body.as_str());
        assert_eq!(d["threadEvents"]["thread"]["title"], "Live");
    }
}

async fn resume_replays_missed_events_once(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fab").await;
    let m = app.member_of(&f, &gid, "milo").await;
    let (tid, _) = app.thread(&f.token, &gid, "Resume").await;
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", THREAD_EVENTS, json!({"t": tid})).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.post(&f.token, &tid, "before the tunnel").await;
    let last = ws.data().await["threadEvents"]["cursor"].clone();
    drop(ws);

    for i in 0..20 {
        app.post(&f.token, &tid, &format!("missed {i}")).await;
    }
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", THREAD_EVENTS, json!({"t": tid, "a": last}))
        .await;
    for i in 0..20 {
        let d = ws.data().await;
        assert_eq!(d["threadEvents"]["post"]["body"], format!("missed {i}"));
    }
    app.post(&f.token, &tid, "live again").await;
    assert_eq!(
        ws.data().await["threadEvents"]["post"]["body"],
        "live again"
    );
    ws.quiet(300).await;
}

async fn subscriptions_respect_privacy(app: TestApp) {
    let (f, gid) = app.group_with_facilitator("fia").await;
    let m = app.member_of(&f, &gid, "meg").await;
    let (tid, _) = app.thread(&f.token, &gid, "Private").await;
    let outsider = app.register("otto").await;

    // An outsider's subscriptions read like a missing thread or group.
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&outsider.token)).await;
    ws.ack().await.unwrap();
    let group_streams = [
        "subscription($g: ID!) { groupEvents(groupId: $g) { kind } }",
        "subscription($g: ID!) { moderationEvents(groupId: $g) { kind } }",
    ];
    for (i, (q, v)) in [(THREAD_EVENTS, json!({"t": tid}))]
        .into_iter()
        .chain(group_streams.map(|q| (q, json!({"g": gid}))))
        .enumerate()
    {
        ws.subscribe(&format!("out{i}"), q, v).await;
        match ws.next().await {
            Frame::Error(e) => assert_eq!(e["extensions"]["code"], "NOT_FOUND", "{q}: {e}"),
            other => panic!("expected NOT_FOUND for {q}, got {other:?}"),
        }
    }
    // A garbage cursor: BAD_USER_INPUT.
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("bad", THREAD_EVENTS, json!({"t": tid, "a": "garbage"}))
        .await;
    match ws.next().await {
        Frame::Error(e) => assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}"),
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }

    // A member sees a hidden post as HIDDEN with no body.
    ws.subscribe("1", THREAD_EVENTS, json!({"t": tid})).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let post = app.post(&f.token, &tid, "to be hidden").await;
    assert_eq!(ws.data().await["threadEvents"]["kind"], "POST_CREATED");
    app.ok(
        Some(&f.token),
        "mutation($p: ID!) { hidePost(postId: $p, reason: \"test\") { state } }",
        json!({"p": post}),
    )
    .await;
    let d = ws.data().await;
    assert_eq!(d["threadEvents"]["kind"], "POST_HIDDEN");
    assert_eq!(d["threadEvents"]["post"]["state"], "HIDDEN");
    assert_eq!(d["threadEvents"]["post"]["body"], Value::Null);

    // Removed from the group: the open subscription completes.
    app.ok(
        Some(&f.token),
        "mutation($g: ID!, $u: ID!) { removeMember(groupId: $g, userId: $u) }",
        json!({"g": gid, "u": m.id}),
    )
    .await;
    app.post(&f.token, &tid, "after removal").await;
    match ws.next().await {
        Frame::Complete | Frame::Closed => {}
        other => panic!("expected the subscription to end, got {other:?}"),
    }
}

async fn bad_connection_init(app: TestApp) {
    // No token: 4401. A forged one: 4403.
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, None).await;
    assert_eq!(ws.closed().await, Some(4401));
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some("forged.token.here")).await;
    assert_eq!(ws.closed().await, Some(4403));
    // A message before connection_init: 4401. A non-JSON frame: 4400.
    let mut ws = Ws::connect_silent(&app.base, Protocol::TransportWs).await;
    ws.send_raw(json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { __typename }"}}).to_string())
        .await;
    assert_eq!(ws.closed().await, Some(4401));
    let mut ws = Ws::connect_silent(&app.base, Protocol::TransportWs).await;
    ws.send_raw("this is not json".into()).await;
    assert_eq!(ws.closed().await, Some(4400));
    // A 1 MB frame: 1009.
    let mut ws = Ws::connect_silent(&app.base, Protocol::TransportWs).await;
    ws.send_raw("x".repeat(1 << 20)).await;
    assert_eq!(ws.closed().await, Some(1009));

    // A subscription id reused while active: 4409.
    let (f, gid) = app.group_with_facilitator("ws-f").await;
    let (tid, _) = app.thread(&f.token, &gid, "t").await;
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("same", THREAD_EVENTS, json!({"t": tid})).await;
    ws.subscribe("same", THREAD_EVENTS, json!({"t": tid})).await;
    assert_eq!(ws.closed().await, Some(4409));

    // GET /graphql without an upgrade is a clear error.
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

/// No connection_init within the timeout: 4408; too many subscriptions or
/// connections: refused; an expired access token closes with 4401.
async fn connection_limits(postgres: bool) {
    let app = crate::helpers::spawn_app_with(postgres, |c| {
        c.live.ws_init_timeout = 1;
        c.live.ws_max_subscriptions = 2;
        c.live.ws_max_connections = 2;
        c.auth.access_token_ttl = 3;
    })
    .await;
    let mut silent = Ws::connect_silent(&app.base, Protocol::TransportWs).await;
    assert_eq!(silent.closed().await, Some(4408));

    let (f, gid) = app.group_with_facilitator("lim-f").await;
    let (tid, _) = app.thread(&f.token, &gid, "t").await;
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", THREAD_EVENTS, json!({"t": tid})).await;
    ws.subscribe("2", THREAD_EVENTS, json!({"t": tid})).await;
    ws.subscribe("3", THREAD_EVENTS, json!({"t": tid})).await;
    match ws.next().await {
        Frame::Error(e) => assert_eq!(e["extensions"]["code"], "RATE_LIMITED", "{e}"),
        other => panic!("expected RATE_LIMITED, got {other:?}"),
    }
    let mut second = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
    second.ack().await.unwrap();
    let mut third = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
    assert_eq!(third.closed().await, Some(4429));
    // The 3-second token runs out: the connection closes with 4401.
    assert_eq!(ws.closed().await, Some(4401));
}

/// Logging out ends open WebSocket connections of that session.
async fn logout_closes_connections(postgres: bool) {
    let app = crate::helpers::spawn_app_with(postgres, |c| c.live.ws_recheck = 1).await;
    let m = app.register("bye-m").await;
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    ws.ack().await.unwrap();
    app.ok(
        None,
        "mutation($t: String!) { logout(refreshToken: $t) }",
        json!({"t": m.refresh}),
    )
    .await;
    assert_eq!(ws.closed().await, Some(4403));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_closes_connections_sqlite() {
    logout_closes_connections(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hearth_postgres), ignore = "set TEST_DATABASE_URL to run it")]
async fn logout_closes_connections_postgres() {
    if crate::helpers::postgres_url().is_some() {
        logout_closes_connections(true).await;
    }
}

/// A stalled subscriber delays nobody else, and loses nothing.
async fn slow_consumer(postgres: bool) {
    let app = crate::helpers::spawn_app_with(postgres, |c| c.live.subscription_buffer = 16).await;
    let (f, gid) = app.group_with_facilitator("slow-f").await;
    let m = app.member_of(&f, &gid, "slow-m").await;
    let (tid, _) = app.thread(&f.token, &gid, "Busy").await;
    let q = "subscription($t: ID!) { threadEvents(threadId: $t) { cursor post { body } } }";
    let mut stalled = Ws::connect(&app.base, Protocol::TransportWs, Some(&m.token)).await;
    stalled.ack().await.unwrap();
    stalled.subscribe("1", q, json!({"t": tid})).await;
    let mut reader = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
    reader.ack().await.unwrap();
    reader.subscribe("1", q, json!({"t": tid})).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // Big posts fill the stalled client's socket long before the writer is done.
    let body = "x".repeat(20_000);
    for _ in 0..300 {
        app.post(&f.token, &tid, &body).await;
        // The reader keeps up throughout.
        let d = reader.data().await;
        assert_eq!(
            d["threadEvents"]["post"]["body"].as_str().map(str::len),
            Some(20_000)
        );
    }
    // The stalled client fell far behind the instance's 16-event buffer;
    // when it reads again, what it missed comes from the log, all of it,
    // once and in order.
    let mut cursors = std::collections::HashSet::new();
    for _ in 0..300 {
        match stalled.next().await {
            Frame::Data(d) => {
                assert_eq!(
                    d["threadEvents"]["post"]["body"].as_str().map(str::len),
                    Some(20_000)
                );
                let c = d["threadEvents"]["cursor"].as_str().unwrap().to_owned();
                assert!(cursors.insert(c), "a duplicate");
            }
            other => panic!("expected data, got {other:?}"),
        }
    }
    stalled.quiet(300).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_consumer_sqlite() {
    slow_consumer(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hearth_postgres), ignore = "set TEST_DATABASE_URL to run it")]
async fn slow_consumer_postgres() {
    if crate::helpers::postgres_url().is_some() {
        slow_consumer(true).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limits_sqlite() {
    connection_limits(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hearth_postgres), ignore = "set TEST_DATABASE_URL to run it")]
async fn connection_limits_postgres() {
    if crate::helpers::postgres_url().is_some() {
        connection_limits(true).await;
    }
}

async fn expired_and_foreign_cursors(app: TestApp) {
    use sea_orm::{sea_query::Expr, EntityTrait};
    let (f, gid) = app.group_with_facilitator("cur-f").await;
    let (tid, _) = app.thread(&f.token, &gid, "t").await;
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(&f.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", THREAD_EVENTS, json!({"t": tid})).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.post(&f.token, &tid, "one").await;
    let cursor = ws.data().await["threadEvents"]["cursor"].clone();

    // A well-formed cursor for an event that does not exist.
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let unknown = URL_SAFE_NO_PAD.encode("events|999999999");
    ws.subscribe("2", THREAD_EVENTS, json!({"t": tid, "a": unknown}))
        .await;
    match ws.next().await {
        Frame::Error(e) => assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}"),
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
    // Older than the retention: refetch.
    entity::event::Entity::update_many()
        .col_expr(
            entity::event::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(31)),
        )
        .exec(&app.state.db.conn)
        .await
        .unwrap();
    ws.subscribe("3", THREAD_EVENTS, json!({"t": tid, "a": cursor}))
        .await;
    match ws.next().await {
        Frame::Error(e) => {
            assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}");
            assert!(e["message"].as_str().unwrap().contains("refetch"));
        }
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}

/// A client's close is answered with its own status code: a close without
/// one reads as 1005 (abnormal), and graphql-ws then reconnects only after
/// a back-off, missing what happens meanwhile.
async fn client_close_code_is_echoed(app: TestApp) {
    let (f, _) = app.group_with_facilitator("close-f").await;
    for protocol in [Protocol::TransportWs, Protocol::GraphqlWs] {
        let mut ws = Ws::connect(&app.base, protocol, Some(&f.token)).await;
        ws.ack().await.unwrap();
        ws.close_with(1000).await;
        assert_eq!(ws.closed().await, Some(1000), "{protocol:?}");
        // Before connection_init, with an application code.
        let mut ws = Ws::connect_silent(&app.base, protocol).await;
        ws.close_with(4000).await;
        assert_eq!(ws.closed().await, Some(4000), "{protocol:?}");
    }
}

backend_tests!(
    client_close_code_is_echoed,
    expired_and_foreign_cursors,
    both_protocols_receive_posts,
    resume_replays_missed_events_once,
    subscriptions_respect_privacy,
    bad_connection_init,
);
