//! The indexing pipeline as an operator meets it: real `hearth` processes
//! killed with SIGKILL, a lease that moves, `hearth reindex` beside a
//! running server. An in-process instance that never indexes (it only
//! serves) sets up data and searches the shared index.
use crate::backend_tests;
use crate::helpers::{
    free_port, metric_at, postgres_url, spawn_app_with, spawn_on_with, until, Backend, TestApp,
};
use crate::ws::{Protocol, Ws};
use serde_json::json;
use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

const SECRET: &str = "a shared secret that is long enough for HS256";
const SEARCH: &str =
    "query($q: String!) { searchPosts(query: $q, first: 100) { totalCount nodes { post { id } } } }";

struct Proc {
    base: String,
    metrics_base: String,
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hearth_cmd(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hearth"));
    cmd.env("HEARTH_DATA_DIR", &app.state.config.store.data_dir)
        .env("HEARTH_JWT_SECRET", SECRET)
        .env("HEARTH_SEARCH_LEASE", "2")
        .env_remove("REDIS_URL")
        .env_remove("MEILISEARCH_URL");
    match &app.state.config.store.database_url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL"),
    };
    cmd
}

/// A `hearth serve` process on the instance's database and data directory.
async fn serve(app: &TestApp) -> Proc {
    serve_through(app, None).await
}

/// The same, with Redis as its bus.
async fn serve_through(app: &TestApp, redis: Option<&str>) -> Proc {
    start(app, |cmd| {
        if let Some(url) = redis {
            cmd.env("REDIS_URL", url);
        }
    })
    .await
}

/// Starts `hearth serve` on free ports. A port found free can be taken by
/// another test's process before this one binds it; the process then exits
/// at once, and is started again on other ports.
async fn start(app: &TestApp, configure: impl Fn(&mut Command)) -> Proc {
    for _ in 0..3 {
        let port = free_port();
        let metrics_port = free_port();
        let mut cmd = hearth_cmd(app);
        configure(&mut cmd);
        let mut child = cmd
            .env("HEARTH_ADDR", format!("127.0.0.1:{port}"))
            .env("HEARTH_METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("hearth starts");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if reqwest::get(format!("{base}/healthz")).await.is_ok() {
                return Proc {
                    base: base.clone(),
                    metrics_base: format!("http://127.0.0.1:{metrics_port}"),
                    child,
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                eprintln!("hearth exited before serving ({status}); starting it again");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{base} did not come up"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("hearth did not start in three tries");
}

async fn leader(app: &TestApp, p: &Proc) -> bool {
    metric_at(
        &app.client,
        &p.metrics_base,
        r#"hearth_worker_leader{worker="search"}"#,
    )
    .await
        == Some(1.0)
}

async fn serving_only(backend: Backend) -> TestApp {
    spawn_on_with(backend, |c| {
        c.search.search_indexer = false;
        c.auth.jwt_secret = Some(SECRET.into());
        c.store.redis_url = None;
    })
    .await
}

async fn total(app: &TestApp, token: &str, q: &str) -> u64 {
    app.ok(Some(token), SEARCH, json!({"q": q})).await["searchPosts"]["totalCount"]
        .as_u64()
        .unwrap_or(0)
}

async fn a_killed_indexer_loses_nothing(app: TestApp) {
    let p1 = serve(&app).await;
    until(10, "first leader", || leader(&app, &p1)).await;
    let (f, g) = app.group_with_facilitator("kill-f").await;
    let (t, _) = app.thread(&f.token, &g, "Many").await;
    for i in 0..20 {
        app.post(&f.token, &t, &format!("river stone {i}")).await;
    }
    // Killed while it may be half-way through the queue; the next 20 wait
    // with nobody to index them.
    drop(p1);
    for i in 20..40 {
        app.post(&f.token, &t, &format!("river stone {i}")).await;
    }
    assert!(
        app.metric(r#"hearth_worker_queue_depth{worker="search"}"#)
            .await
            >= 20.0
    );
    let p2 = serve(&app).await;
    until(10, "second leader", || leader(&app, &p2)).await;
    app.wait_indexed().await;
    until(5, "all 40 searchable", || async {
        total(&app, &f.token, "river stone").await == 40
    })
    .await;
    let d = app.ok(Some(&f.token), SEARCH, json!({"q": "river"})).await;
    let ids: std::collections::HashSet<&str> = d["searchPosts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["post"]["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 40);
    drop(p2);
}

async fn the_lease_moves_to_a_survivor(app: TestApp) {
    let p1 = serve(&app).await;
    let p2 = serve(&app).await;
    until(10, "a leader", || async {
        leader(&app, &p1).await || leader(&app, &p2).await
    })
    .await;
    // Exactly one drains the queue.
    assert_ne!(leader(&app, &p1).await, leader(&app, &p2).await);
    let (f, g) = app.group_with_facilitator("lease-f").await;
    let (t, _) = app.thread(&f.token, &g, "Lease").await;
    app.post(&f.token, &t, "before the takeover").await;
    app.wait_indexed().await;
    let (dead, survivor) = if leader(&app, &p1).await {
        (p1, p2)
    } else {
        (p2, p1)
    };
    drop(dead);
    app.post(&f.token, &t, "after the takeover").await;
    let took = until(10, "the survivor leads", || leader(&app, &survivor)).await;
    app.wait_indexed().await;
    until(5, "both searchable", || async {
        total(&app, &f.token, "takeover").await == 2
    })
    .await;
    // The lease is 2 s; the survivor retries every third of it.
    assert!(took < Duration::from_secs(5), "takeover took {took:?}");
}

/// SIGTERM: the process closes its WebSockets with 1001 (going away),
/// drains, exits cleanly and hands the lease back, so the survivor leads
/// well before the lease (9 s here) could expire.
async fn a_stopped_server_closes_websockets_and_hands_its_lease_back(app: TestApp) {
    let serve_long = || {
        start(&app, |cmd| {
            cmd.env("HEARTH_SEARCH_LEASE", "9");
        })
    };
    let mut p1 = serve_long().await;
    until(15, "first leader", || leader(&app, &p1)).await;
    let (f, g) = app.group_with_facilitator("sigterm-f").await;
    let (t, _) = app.thread(&f.token, &g, "Live").await;
    let mut ws = Ws::connect(&p1.base, Protocol::TransportWs, Some(&f.token)).await;
    ws.ack().await.expect("connection_ack");
    ws.subscribe("1", crate::cluster::THREAD_EVENTS, json!({"t": t}))
        .await;
    ws.quiet(200).await;
    let mut p2 = serve_long().await;
    let stopped = std::time::Instant::now();
    let pid = p1.child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = until(10, "the stopped instance exits", || {
        let done = matches!(p1.child.try_wait(), Ok(Some(_)));
        async move { done }
    })
    .await;
    let code = p1.child.wait().expect("exit status");
    assert!(
        code.success(),
        "exit after SIGTERM: {code:?} after {exit:?}"
    );
    assert_eq!(ws.closed().await, Some(1001), "WebSocket close code");
    until(8, "the survivor leads before the lease expires", || {
        leader(&app, &p2)
    })
    .await;
    assert!(
        stopped.elapsed() < Duration::from_secs(9),
        "takeover waited for the lease to expire"
    );
    let _ = p2.child.kill();
}

async fn reindex_beside_a_running_server(app: TestApp) {
    let p = serve(&app).await;
    until(10, "leader", || leader(&app, &p)).await;
    let (f, g) = app.group_with_facilitator("reidx-f").await;
    let (t, _) = app.thread(&f.token, &g, "Reindex").await;
    for i in 0..30 {
        app.post(&f.token, &t, &format!("meadow path {i}")).await;
    }
    app.wait_indexed().await;
    let out = hearth_cmd(&app)
        .arg("reindex")
        .output()
        .expect("hearth reindex runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 30 posts and the thread's opening post.
    assert!(stdout.contains("indexed 31 posts"), "{stdout}");
    until(5, "rebuilt index searchable", || async {
        total(&app, &f.token, "meadow").await == 30
    })
    .await;
    // The server takes the lease back and indexes new posts.
    app.post(&f.token, &t, "meadow path after").await;
    until(10, "server leads again", || leader(&app, &p)).await;
    app.wait_indexed().await;
    until(5, "new post searchable", || async {
        total(&app, &f.token, "meadow").await == 31
    })
    .await;
}

/// Redis stops while the indexer holds its lease and while `hearth reindex`
/// runs, and starts again: every post is searchable in the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarts_under_the_indexer_and_a_reindex() {
    let (Some(_), Some(_)) = (postgres_url(), crate::helpers::redis_url()) else {
        return;
    };
    let port = free_port();
    let mut redis = crate::procs::RedisServer::start(port);
    let url = redis.url();
    let app = spawn_app_with(true, |c| {
        c.search.search_indexer = false;
        c.auth.jwt_secret = Some(SECRET.into());
        c.store.redis_url = Some(url);
    })
    .await;
    let p = serve_through(&app, Some(&redis.url())).await;
    until(10, "leader", || leader(&app, &p)).await;
    let (f, g) = app.group_with_facilitator("redis-idx-f").await;
    let (t, _) = app.thread(&f.token, &g, "Harbor").await;
    for i in 0..10 {
        app.post(&f.token, &t, &format!("harbor light {i}")).await;
    }
    app.wait_indexed().await;

    redis.stop();
    for i in 10..20 {
        app.post(&f.token, &t, &format!("harbor light {i}")).await;
    }
    let reindex = hearth_cmd(&app)
        .env("REDIS_URL", redis.url())
        .arg("reindex")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hearth reindex runs");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _redis = crate::procs::RedisServer::start(port);
    for i in 20..30 {
        app.post(&f.token, &t, &format!("harbor light {i}")).await;
    }
    let out = tokio::task::spawn_blocking(move || reindex.wait_with_output())
        .await
        .unwrap()
        .expect("reindex finishes");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    until(15, "the server leads again", || leader(&app, &p)).await;
    app.wait_indexed().await;
    until(10, "all 30 searchable", || async {
        total(&app, &f.token, "harbor light").await == 30
    })
    .await;
}

backend_tests!(
    using crate::search_ops::serving_only;
    [sqlite, postgres];
    a_killed_indexer_loses_nothing,
    the_lease_moves_to_a_survivor,
    a_stopped_server_closes_websockets_and_hands_its_lease_back,
    reindex_beside_a_running_server,
);
