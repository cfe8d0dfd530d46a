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
    // The same search backend as the in-process instance.
    let search = &app.state.config.search;
    if let Some(url) = &search.meilisearch_url {
        cmd.env("MEILISEARCH_URL", url)
            .env("HEARTH_MEILISEARCH_INDEX", &search.meilisearch_index);
        if let Some(key) = &search.meilisearch_api_key {
            cmd.env("MEILISEARCH_API_KEY", key.expose());
        }
    }
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

/// The hits for `q`, asserting that none appears twice.
async fn distinct_hits(app: &TestApp, token: &str, q: &str) -> usize {
    let d = app.ok(Some(token), SEARCH, json!({"q": q})).await;
    let ids: Vec<&str> = d["searchPosts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["post"]["id"].as_str().unwrap())
        .collect();
    let distinct: std::collections::HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        ids.len(),
        "[{}] a hit twice: {ids:?}",
        app.backend
    );
    ids.len()
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
    assert_eq!(distinct_hits(&app, &f.token, "river").await, 40);
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
    assert_eq!(total(&app, &f.token, "meadow").await, 30);
    // Searches run throughout the rebuild and never see a partial index.
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    let searching = std::sync::Arc::new(AtomicBool::new(true));
    let reindexing = std::sync::Arc::new(AtomicBool::new(true));
    let watcher = {
        let (base, token, on) = (app.base.clone(), f.token.clone(), searching.clone());
        let during_reindex = reindexing.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut fewest = u64::MAX;
            let mut searches = 0u32;
            while on.load(SeqCst) {
                let started_during = during_reindex.load(SeqCst);
                let d: serde_json::Value = client
                    .post(format!("{base}/graphql"))
                    .bearer_auth(&token)
                    .json(&json!({"query": SEARCH, "variables": {"q": "meadow"}}))
                    .send()
                    .await
                    .expect("search sent")
                    .json()
                    .await
                    .expect("search answered");
                let n = d["data"]["searchPosts"]["totalCount"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("search failed during the rebuild: {d}"));
                fewest = fewest.min(n);
                // Counted only when wholly within the reindex.
                if started_during && during_reindex.load(SeqCst) {
                    searches += 1;
                }
            }
            (fewest, searches)
        })
    };
    let cmd = hearth_cmd(&app);
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = cmd;
        // Several batches, so that a rebuild in place would be seen.
        // Its own lease long enough that a slow batch on a loaded
        // machine does not lapse it (the server's stays 2 s).
        cmd.arg("reindex")
            .env("HEARTH_REINDEX_BATCH", "4")
            .env("HEARTH_SEARCH_LEASE", "10")
            .output()
    })
    .await
    .expect("reindex joined")
    .expect("hearth reindex runs");
    reindexing.store(false, SeqCst);
    // A few searches after the switch too.
    tokio::time::sleep(Duration::from_millis(300)).await;
    searching.store(false, SeqCst);
    let (fewest, searches) = watcher.await.expect("watcher");
    assert!(
        searches >= 3,
        "only {searches} searches ran during the reindex"
    );
    assert_eq!(fewest, 30, "[{}] a search saw a partial index", app.backend);
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
    [sqlite, postgres, meilisearch];
    a_killed_indexer_loses_nothing,
    the_lease_moves_to_a_survivor,
    a_stopped_server_closes_websockets_and_hands_its_lease_back,
    reindex_beside_a_running_server,
);

/// A Meilisearch server of this test's own, from `MEILISEARCH_BIN`, on a
/// fixed port and data directory so that it can be killed and started
/// again where it was.
struct MeiliProc {
    bin: String,
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

const MEILI_KEY: &str = "outage-test-master-key-0123456789";

impl MeiliProc {
    async fn start() -> MeiliProc {
        let bin = match std::env::var("MEILISEARCH_BIN") {
            Ok(b) if !b.is_empty() => b,
            _ => panic!("MEILISEARCH_BIN is unset: the outage test cannot run"),
        };
        let mut m = MeiliProc {
            bin,
            port: free_port(),
            dir: tempfile::tempdir().expect("temp dir"),
            child: None,
        };
        m.up().await;
        m
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn up(&mut self) {
        let child = Command::new(&self.bin)
            .arg("--db-path")
            .arg(self.dir.path().join("ms"))
            .arg("--dump-dir")
            .arg(self.dir.path().join("dumps"))
            .args(["--http-addr", &format!("127.0.0.1:{}", self.port)])
            .args(["--no-analytics", "--master-key", MEILI_KEY])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("meilisearch starts");
        self.child = Some(child);
        let health = format!("{}/health", self.url());
        until(30, "meilisearch healthy", || async {
            reqwest::get(&health)
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for MeiliProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The real Meilisearch is killed while posts are written and edited, then
/// started again on the same data. Every write succeeds meanwhile; the
/// index catches up with nothing lost or duplicated; `/metrics` shows the
/// lag rise and fall.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hearth_meili_bin), ignore = "set MEILISEARCH_BIN to run it")]
async fn a_meilisearch_outage_loses_nothing() {
    let mut meili = MeiliProc::start().await;
    let url = meili.url();
    let app = spawn_app_with(postgres_url().is_some(), move |c| {
        c.search.meilisearch_url = Some(url);
        c.search.meilisearch_api_key = Some(MEILI_KEY.into());
        c.search.meilisearch_index = "outage_posts".into();
    })
    .await;
    let lag = r#"hearth_worker_lag_seconds{worker="search"}"#;
    let (f, g) = app.group_with_facilitator("outage-f").await;
    let (t, _) = app.thread(&f.token, &g, "Outage").await;
    let mut posts = Vec::new();
    for i in 0..10 {
        posts.push(app.post(&f.token, &t, &format!("lantern glow {i}")).await);
    }
    app.wait_indexed().await;
    assert_eq!(total(&app, &f.token, "lantern").await, 10);

    meili.kill();
    for i in 10..30 {
        posts.push(app.post(&f.token, &t, &format!("lantern glow {i}")).await);
    }
    for p in &posts[..5] {
        app.ok(
            Some(&f.token),
            "mutation($p: ID!) { editPost(input: {postId: $p, body: \"beacon light\"}) { id } }",
            json!({"p": p}),
        )
        .await;
    }
    let rose = until(15, "the lag rises", || async {
        app.metric(lag).await >= 2.0
    })
    .await;
    assert!(
        app.metric(r#"hearth_worker_queue_depth{worker="search"}"#)
            .await
            >= 25.0
    );
    // Searching meanwhile is an error the client can act on, not a hang.
    let d = app
        .gql(Some(&f.token), SEARCH, json!({"q": "lantern"}))
        .await;
    assert_eq!(crate::helpers::code_of(&d), Some("UNAVAILABLE"), "{d}");

    meili.up().await;
    app.wait_indexed().await;
    until(20, "the lag falls", || async {
        app.metric(lag).await == 0.0
    })
    .await;
    assert_eq!(total(&app, &f.token, "lantern").await, 25);
    assert_eq!(total(&app, &f.token, "beacon").await, 5);
    assert_eq!(
        distinct_hits(&app, &f.token, "lantern").await,
        25,
        "none lost (lag rose in {rose:?})"
    );
}
