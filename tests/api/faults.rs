//! Faults under write load, with real processes: Redis stopped, Postgres
//! restarted, an instance killed. What clients see is asserted.
use crate::cluster::{setup, THREAD_EVENTS};
use crate::helpers::{
    code_of, free_port, fresh_postgres_database, postgres_url, redis_url, spawn_app_with,
    spawn_pair, TestApp,
};
use crate::procs::{Hearth, PgCluster, RedisServer};
use crate::ws::{Frame, Protocol, Ws};
use serde_json::{json, Value};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

/// Collects `n` thread events' bodies, with when each arrived.
fn collect(mut ws: Ws, n: usize) -> tokio::task::JoinHandle<Vec<(String, Instant)>> {
    tokio::spawn(async move {
        let mut got = Vec::new();
        while got.len() < n {
            let d = ws.data().await;
            let body = d["threadEvents"]["post"]["body"]
                .as_str()
                .expect("a post event")
                .to_owned();
            got.push((body, Instant::now()));
        }
        ws.quiet(300).await;
        got
    })
}

async fn subscribed(app: &TestApp, token: &str, tid: &str) -> Ws {
    let mut ws = Ws::connect(&app.base, Protocol::TransportWs, Some(token)).await;
    ws.ack().await.expect("ack");
    ws.subscribe("1", THREAD_EVENTS, json!({"t": tid})).await;
    ws
}

/// Redis stops for a few seconds under steady writes on both instances.
/// Connected subscribers on both instances get every event once, in order,
/// and get the other instance's events while Redis is still down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connected_subscribers_miss_nothing_while_redis_is_down() {
    let (Some(_), Some(_)) = (postgres_url(), redis_url()) else {
        return;
    };
    let port = free_port();
    let mut redis = RedisServer::start(port);
    let (a, b) = spawn_pair(&redis.url()).await;
    let (a, b) = (Arc::new(a), Arc::new(b));
    let (f, tid) = setup(&a).await;
    let on_a = collect(subscribed(&a, &f.token, &tid).await, 60);
    let on_b = collect(subscribed(&b, &f.token, &tid).await, 60);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // 60 posts, alternately on A and B, about ten a second.
    let writer = {
        let (a, b, token, tid) = (a.clone(), b.clone(), f.token.clone(), tid.clone());
        tokio::spawn(async move {
            let mut written = Vec::new();
            for i in 0..60 {
                let app = if i % 2 == 0 { &a } else { &b };
                app.post(&token, &tid, &format!("p{i}")).await;
                written.push(Instant::now());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            written
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    redis.stop();
    let down = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _redis = RedisServer::start(port);
    let up = Instant::now();

    let written = writer.await.unwrap();
    let expected: Vec<String> = (0..60).map(|i| format!("p{i}")).collect();
    for (name, got) in [("A", on_a.await.unwrap()), ("B", on_b.await.unwrap())] {
        let bodies: Vec<&str> = got.iter().map(|(b, _)| b.as_str()).collect();
        assert_eq!(
            bodies, expected,
            "instance {name}: every event once, in order"
        );
        // The other instance's posts written while Redis was down arrived
        // while it was still down: from the log, not after the reconnection.
        let theirs = if name == "A" { 1 } else { 0 };
        let during: Vec<usize> = (0..60)
            .filter(|i| {
                i % 2 == theirs
                    && written[*i] > down
                    && written[*i] + Duration::from_millis(1500) < up
            })
            .collect();
        assert!(!during.is_empty());
        for i in &during {
            assert!(got[*i].1 < up, "instance {name}: p{i} waited for Redis");
        }
        let worst = (0..60)
            .map(|i| got[i].1.saturating_duration_since(written[i]))
            .max()
            .unwrap();
        eprintln!("instance {name}: worst delay from write to delivery {worst:?}");
    }
}

/// Postgres stops and starts again under a server that stays up: writes in
/// between fail with UNAVAILABLE and a retryAfter, never INTERNAL; /readyz
/// says not ready and then ready; writes succeed again without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_is_retryable_and_recovers() {
    let (Some(_), Some(_)) = (postgres_url(), redis_url()) else {
        return;
    };
    let pg = PgCluster::start();
    let redis = RedisServer::start(free_port());
    let (url, redis_url) = (pg.url(), redis.url());
    let app = spawn_app_with(false, move |c| {
        c.store.database_url = Some(url);
        c.store.redis_url = Some(redis_url);
    })
    .await;
    let app = Arc::new(app);
    let (f, gid) = app.group_with_facilitator("pg-f").await;
    let (tid, _) = app.thread(&f.token, &gid, "Through a restart").await;
    app.post(&f.token, &tid, "before").await;
    // Steady writes throughout: each is answered, or refused as retryable.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (app, token, tid, stop) = (app.clone(), f.token.clone(), tid.clone(), stop.clone());
        tokio::spawn(async move {
            let mut codes = std::collections::BTreeMap::<String, usize>::new();
            let create = "mutation($t: ID!, $b: String!) { createPost(input: {threadId: $t, body: $b}) { id } }";
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let r = app
                    .gql(Some(&token), create, json!({"t": tid, "b": "load"}))
                    .await;
                *codes
                    .entry(code_of(&r).unwrap_or("ok").to_owned())
                    .or_default() += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            codes
        })
    };
    let ready = |app: &TestApp| {
        let (client, url) = (app.client.clone(), format!("{}/readyz", app.base));
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(ready(&app).await, 200);

    pg.stop();
    assert_eq!(ready(&app).await, 503);
    let create =
        "mutation($t: ID!, $b: String!) { createPost(input: {threadId: $t, body: $b}) { id } }";
    let r = app
        .gql(Some(&f.token), create, json!({"t": tid, "b": "during"}))
        .await;
    assert_eq!(code_of(&r), Some("UNAVAILABLE"), "{r}");
    assert!(r["errors"][0]["extensions"]["retryAfter"].is_u64(), "{r}");
    let q = "query($t: ID!) { node(id: $t) { id } }";
    let r = app.gql(Some(&f.token), q, json!({"t": tid})).await;
    assert_eq!(code_of(&r), Some("UNAVAILABLE"), "{r}");

    pg.start_again();
    crate::helpers::until(10, "ready again", || async { ready(&app).await == 200 }).await;
    // Writes succeed again, each answered as the client expects.
    let mut tries = 0;
    loop {
        let r = app
            .gql(Some(&f.token), create, json!({"t": tid, "b": "after"}))
            .await;
        match code_of(&r) {
            None => break,
            Some("UNAVAILABLE") if tries < 10 => tries += 1,
            other => panic!("after the restart: {other:?} {r}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let codes = load.await.unwrap();
    eprintln!("writes through a Postgres restart: {codes:?}");
    assert!(
        codes.keys().all(|c| c == "ok" || c == "UNAVAILABLE"),
        "{codes:?}"
    );
    assert!(
        codes.contains_key("UNAVAILABLE") && codes.contains_key("ok"),
        "{codes:?}"
    );
    let page = app
        .ok(
            Some(&f.token),
            "query($t: ID!) { thread(id: $t) { posts(last: 100) { nodes { body } } } }",
            json!({"t": tid}),
        )
        .await;
    let bodies: Vec<&str> = page["thread"]["posts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["body"].as_str())
        .collect();
    assert!(bodies.contains(&"after"), "{page}");
}

/// Subscribes on `base` after `cursor`, reading thread events into `seen`
/// until the connection drops or `want` bodies have arrived.
async fn follow(base: &str, token: &str, tid: &str, seen: &mut Vec<(String, String)>, want: usize) {
    let mut ws = Ws::connect(base, Protocol::TransportWs, Some(token)).await;
    ws.ack().await.expect("ack");
    let after = seen.last().map(|(_, c)| Value::from(c.clone()));
    ws.subscribe("1", THREAD_EVENTS, json!({"t": tid, "a": after}))
        .await;
    while seen.len() < want {
        match ws.next().await {
            Frame::Data(d) => {
                let e = &d["threadEvents"];
                seen.push((
                    e["post"]["body"].as_str().unwrap().to_owned(),
                    e["cursor"].as_str().unwrap().to_owned(),
                ));
            }
            // The instance died under the client.
            Frame::Closed => return,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// One of two `hearth serve` processes is killed with SIGKILL while its
/// client follows a busy thread. The client reconnects to the other and
/// resumes from its last cursor: no gap, no duplicate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_clients_resume_on_the_other() {
    let (Some(_), Some(_)) = (postgres_url(), redis_url()) else {
        return;
    };
    let redis = RedisServer::start(free_port());
    let url = fresh_postgres_database().await;
    let secret = "a shared secret that is long enough for HS256";
    // An in-process instance migrates the database and writes.
    let writer = {
        let (url, redis, secret) = (url.clone(), redis.url(), secret.to_owned());
        Arc::new(
            spawn_app_with(true, move |c| {
                c.store.database_url = Some(url);
                c.store.redis_url = Some(redis);
                c.auth.jwt_secret = Some(secret.into());
            })
            .await,
        )
    };
    let mut doomed = Hearth::serve(&url, &redis.url(), secret).await;
    let survivor = Hearth::serve(&url, &redis.url(), secret).await;
    let (f, tid) = setup(&writer).await;

    let posting = {
        let (w, token, tid) = (writer.clone(), f.token.clone(), tid.clone());
        tokio::spawn(async move {
            // After the client has subscribed.
            tokio::time::sleep(Duration::from_millis(500)).await;
            for i in 0..40 {
                w.post(&token, &tid, &format!("k{i}")).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let mut seen = Vec::new();
    let base = doomed.base.clone();
    let token = f.token.clone();
    let t = tid.clone();
    let kill_after = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        doomed.kill();
    });
    follow(&base, &token, &t, &mut seen, 40).await;
    kill_after.await.unwrap();
    assert!(
        !seen.is_empty() && seen.len() < 40,
        "killed mid-stream: {}",
        seen.len()
    );
    follow(&survivor.base, &f.token, &tid, &mut seen, 40).await;
    posting.await.unwrap();
    let bodies: Vec<&str> = seen.iter().map(|(b, _)| b.as_str()).collect();
    let expected: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
    assert_eq!(bodies, expected);
}
