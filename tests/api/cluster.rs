//! Several instances behind one Postgres and one Redis.
use crate::helpers::{free_port, redis_url, spawn_pair, TestApp};
use crate::procs::RedisServer;
use crate::ws::{Protocol, Ws};
use serde_json::json;
use std::time::Duration;

pub const THREAD_EVENTS: &str = "subscription($t: ID!, $a: String) { threadEvents(threadId: $t, after: $a) { cursor kind post { body } } }";

pub async fn setup(a: &TestApp) -> (crate::helpers::Member, String) {
    let (f, gid) = a.group_with_facilitator("cluster-f").await;
    let (tid, _) = a.thread(&f.token, &gid, "Across instances").await;
    (f, tid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_on_one_instance_reaches_a_subscriber_on_another() {
    let (Some(_), Some(redis)) = (crate::helpers::postgres_url(), redis_url()) else {
        return;
    };
    let (a, b) = spawn_pair(&redis).await;
    let (f, tid) = setup(&a).await;
    let mut ws = Ws::connect(&b.base, Protocol::TransportWs, Some(&f.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", THREAD_EVENTS, json!({"t": tid})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    for i in 0..3 {
        a.post(&f.token, &tid, &format!("from A {i}")).await;
    }
    for i in 0..3 {
        assert_eq!(
            ws.data().await["threadEvents"]["post"]["body"],
            format!("from A {i}")
        );
    }
    // And B's own writes reach B's subscribers without a round trip.
    b.post(&f.token, &tid, "from B").await;
    assert_eq!(ws.data().await["threadEvents"]["post"]["body"], "from B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_loses_nothing_for_a_resuming_client() {
    let (Some(_), Some(_)) = (crate::helpers::postgres_url(), redis_url()) else {
        return;
    };
    let port = free_port();
    let mut redis = RedisServer::start(port);
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let (a, b) = spawn_pair(&url).await;
    let (f, tid) = setup(&a).await;

    let mut ws = Ws::connect(&b.base, Protocol::TransportWs, Some(&f.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", THREAD_EVENTS, json!({"t": tid})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.post(&f.token, &tid, "before the outage").await;
    let last = ws.data().await["threadEvents"]["cursor"].clone();
    drop(ws);

    // Redis goes away: writes keep succeeding.
    redis.stop();
    for i in 0..10 {
        a.post(&f.token, &tid, &format!("during {i}")).await;
    }
    // It comes back; the instances reconnect on their own.
    let _redis = RedisServer::start(port);
    tokio::time::sleep(Duration::from_secs(6)).await;
    for i in 0..3 {
        a.post(&f.token, &tid, &format!("after {i}")).await;
    }

    // A client resuming on B gets every event exactly once, in order.
    let mut ws = Ws::connect(&b.base, Protocol::TransportWs, Some(&f.token)).await;
    ws.ack().await.unwrap();
    ws.subscribe("1", THREAD_EVENTS, json!({"t": tid, "a": last}))
        .await;
    let mut bodies = Vec::new();
    for _ in 0..13 {
        bodies.push(
            ws.data().await["threadEvents"]["post"]["body"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut expected: Vec<String> = (0..10).map(|i| format!("during {i}")).collect();
    expected.extend((0..3).map(|i| format!("after {i}")));
    assert_eq!(bodies, expected);
    // Live delivery across instances works again.
    a.post(&f.token, &tid, "live again").await;
    assert_eq!(
        ws.data().await["threadEvents"]["post"]["body"],
        "live again"
    );
    ws.quiet(300).await;
}
