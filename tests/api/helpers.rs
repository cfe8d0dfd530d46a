//! Starts the real server on a random port against a fresh database and
//! talks to it as a client does.
use api::{
    startup::{AppState, Application},
    Config,
};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

pub struct TestApp {
    pub base: String,
    /// The separate metrics listener.
    pub metrics_base: String,
    pub client: reqwest::Client,
    pub state: Arc<AppState>,
    pub backend: &'static str,
    _dir: tempfile::TempDir,
}

/// The one backend matrix. `backend_tests!(a, b)` runs each scenario on a
/// fresh instance on SQLite and on Postgres + Redis;
/// `backend_tests!(using SPAWN; sqlite, postgres, meilisearch; a, b)` picks
/// the backends and how an instance is started (`SPAWN(Backend) -> T`, the
/// scenario taking `T`). A backend whose service is not configured is
/// reported as ignored, never as passed; in CI it is a failure.
#[macro_export]
macro_rules! backend_tests {
    (using $spawn:path; $backends:tt; $($name:ident),* $(,)?) => {
        $( $crate::backend_tests!(@scenario $spawn; $backends; $name); )*
    };
    ($($name:ident),* $(,)?) => {
        $crate::backend_tests!(using $crate::helpers::spawn_on; [sqlite, postgres]; $($name),*);
    };
    (@scenario $spawn:path; [$($backend:ident),+]; $name:ident) => {
        mod $name {
            $( $crate::backend_tests!(@variant $spawn; $name; $backend); )+
        }
    };
    (@variant $spawn:path; $name:ident; sqlite) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sqlite() {
            super::$name($spawn($crate::helpers::Backend::Sqlite).await).await
        }
    };
    (@variant $spawn:path; $name:ident; postgres) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        #[cfg_attr(not(hearth_postgres), ignore = "set TEST_DATABASE_URL to run it")]
        async fn postgres() {
            if $crate::helpers::postgres_url().is_some() {
                super::$name($spawn($crate::helpers::Backend::Postgres).await).await
            }
        }
    };
    (@variant $spawn:path; $name:ident; meilisearch) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        #[cfg_attr(not(hearth_meili), ignore = "set MEILISEARCH_URL to run it")]
        async fn meilisearch() {
            if $crate::helpers::meili_url().is_some() {
                super::$name($spawn($crate::helpers::Backend::Meilisearch).await).await
            }
        }
    };
}

/// Where a scenario runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite, in-process bus, embedded index.
    Sqlite,
    /// Postgres and Redis, embedded index.
    Postgres,
    /// The real Meilisearch of `MEILISEARCH_URL` (on Postgres + Redis when
    /// those are set).
    Meilisearch,
}

impl Backend {
    /// Whether the instance's database is Postgres.
    pub fn postgres(self) -> bool {
        match self {
            Backend::Sqlite => false,
            Backend::Postgres => true,
            Backend::Meilisearch => postgres_url().is_some(),
        }
    }
}

/// A fresh instance on `backend`.
pub async fn spawn_on(backend: Backend) -> TestApp {
    spawn_on_with(backend, |_| {}).await
}

/// A fresh instance on `backend`, its settings changed by `tweak`.
pub async fn spawn_on_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    if backend != Backend::Meilisearch {
        return spawn_app_with(backend.postgres(), tweak).await;
    }
    let url = meili_url().expect("MEILISEARCH_URL");
    let mut app = spawn_app_with(backend.postgres(), move |c| {
        c.search.meilisearch_url = Some(url);
        c.search.meilisearch_api_key = std::env::var("MEILISEARCH_API_KEY").ok().map(Into::into);
        c.search.meilisearch_index = format!("hearth_t_{}", uuid::Uuid::new_v4().simple());
        tweak(c);
    })
    .await;
    app.backend = "meilisearch";
    app
}

/// For scenarios that start their own instances: only whether to use
/// Postgres.
pub async fn on_postgres(backend: Backend) -> bool {
    backend.postgres()
}

/// `TEST_DATABASE_URL`; in CI its absence is a failure, not a skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but TEST_DATABASE_URL is unset: the Postgres run would be skipped")
        }
        _ => None,
    }
}

/// A new, empty database on the Postgres server of `TEST_DATABASE_URL`.
pub async fn fresh_postgres_database() -> String {
    let admin = postgres_url().expect("TEST_DATABASE_URL");
    let name = format!("hearth_t_{}", uuid::Uuid::new_v4().simple());
    let conn = Database::connect(admin.as_str())
        .await
        .expect("connecting to TEST_DATABASE_URL");
    conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("creating a test database");
    conn.close().await.ok();
    let base = admin.split('?').next().unwrap_or(&admin);
    let (server, _) = base.rsplit_once('/').expect("database URL has a path");
    format!("{server}/{name}")
}

pub async fn spawn_app(postgres: bool) -> TestApp {
    spawn_app_with(postgres, |_| {}).await
}

pub async fn spawn_app_with(postgres: bool, tweak: impl FnOnce(&mut Config)) -> TestApp {
    // TEST_LOG=1 shows the server's logs.
    if std::env::var("TEST_LOG").is_ok() {
        api::telemetry::init(api::config::LogFormat::Text);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = if postgres {
        Some(fresh_postgres_database().await)
    } else {
        None
    };
    // (A tweak may point the instance at another, shared database.)
    let mut config = Config::for_tests(dir.path().to_path_buf(), database_url);
    // The Postgres run goes through Redis, as a deployment would.
    if postgres {
        config.store.redis_url = redis_url();
    }
    tweak(&mut config);
    let app = Application::build(config).await.expect("server starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let metrics_base = format!(
        "http://127.0.0.1:{}",
        app.metrics_port()
            .expect("tests run with a metrics listener")
    );
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        metrics_base,
        client: reqwest::Client::new(),
        state,

        backend: if postgres { "postgres" } else { "sqlite" },
        _dir: dir,
    }
}

pub struct Member {
    pub token: String,
    pub refresh: String,
    pub id: String,
}

impl TestApp {
    /// POSTs a GraphQL request and returns the whole JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request sent");
        resp.json().await.expect("a JSON response")
    }

    /// [`gql`] with an admin's break-glass reason (`X-Hearth-Access-Reason`).
    pub async fn gql_reason(
        &self,
        token: &str,
        reason: &str,
        query: &str,
        variables: Value,
    ) -> Value {
        let resp = self
            .client
            .post(format!("{}/graphql", self.base))
            .bearer_auth(token)
            .header("X-Hearth-Access-Reason", reason)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        resp.json().await.expect("a JSON response")
    }

    /// [`ok`] for an admin reading a group they are not in, with a reason.
    pub async fn ok_reason(
        &self,
        token: &str,
        reason: &str,
        query: &str,
        variables: Value,
    ) -> Value {
        let resp = self.gql_reason(token, reason, query, variables).await;
        assert!(
            resp.get("errors").is_none(),
            "[{}] unexpected errors: {resp}",
            self.backend
        );
        resp["data"].clone()
    }

    /// Like [`gql`], asserting there are no errors; returns `data`.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let resp = self.gql(token, query, variables).await;
        assert!(
            resp.get("errors").is_none(),
            "[{}] unexpected errors: {resp}",
            self.backend
        );
        resp["data"].clone()
    }

    /// Asserts the request fails with `code` and returns the response.
    pub async fn fails(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
        code: &str,
    ) -> Value {
        let resp = self.gql(token, query, variables).await;
        assert_eq!(
            code_of(&resp),
            Some(code),
            "[{}] expected {code}: {resp}",
            self.backend
        );
        resp
    }

    pub async fn register(&self, handle: &str) -> Member {
        let data = self
            .ok(
                None,
                "mutation($h: String!) { register(input: {handle: $h, displayName: $h, password: \"correct horse battery\"}) { accessToken refreshToken viewer { user { id } } } }",
                json!({ "h": handle }),
            )
            .await;
        Member {
            token: data["register"]["accessToken"].as_str().unwrap().to_owned(),
            refresh: data["register"]["refreshToken"]
                .as_str()
                .unwrap()
                .to_owned(),
            id: data["register"]["viewer"]["user"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }

    /// What `hearth user set-role` does, without a process per test.
    pub async fn set_role(&self, handle: &str, role: entity::enums::PlatformRole) {
        api::service::accounts::set_role(&self.state.db, handle, role)
            .await
            .expect("set role");
    }

    /// A facilitator with a new group; returns (facilitator, group id).
    pub async fn group_with_facilitator(&self, handle: &str) -> (Member, String) {
        let f = self.register(handle).await;
        self.set_role(handle, entity::enums::PlatformRole::Facilitator)
            .await;
        let data = self
            .ok(
                Some(&f.token),
                "mutation($n: String!) { createGroup(input: {name: $n}) { id } }",
                json!({ "n": format!("{handle}'s group") }),
            )
            .await;
        (f, data["createGroup"]["id"].as_str().unwrap().to_owned())
    }

    pub async fn invite(&self, token: &str, group: &str) -> String {
        let data = self
            .ok(
                Some(token),
                "mutation($g: ID!) { createInvite(input: {groupId: $g, maxUses: 50}) { code } }",
                json!({ "g": group }),
            )
            .await;
        data["createInvite"]["code"].as_str().unwrap().to_owned()
    }

    /// Registers `handle` and joins it to `group` as a second facilitator.
    pub async fn co_facilitator(&self, facilitator: &Member, group: &str, handle: &str) -> Member {
        let f = self.register(handle).await;
        let code = self
            .ok(
                Some(&facilitator.token),
                "mutation($g: ID!) { createInvite(input: {groupId: $g, role: FACILITATOR}) { code } }",
                json!({ "g": group }),
            )
            .await["createInvite"]["code"]
            .as_str()
            .unwrap()
            .to_owned();
        self.ok(
            Some(&f.token),
            "mutation($c: String!) { joinGroup(code: $c) { role } }",
            json!({ "c": code }),
        )
        .await;
        f
    }

    /// Registers `handle` and joins it to `group` through an invite.
    pub async fn member_of(&self, facilitator: &Member, group: &str, handle: &str) -> Member {
        let m = self.register(handle).await;
        let code = self.invite(&facilitator.token, group).await;
        self.ok(
            Some(&m.token),
            "mutation($c: String!) { joinGroup(code: $c) { role } }",
            json!({ "c": code }),
        )
        .await;
        m
    }

    /// Returns (thread id, opening post id).
    pub async fn thread(&self, token: &str, group: &str, title: &str) -> (String, String) {
        let data = self
            .ok(
                Some(token),
                "mutation($g: ID!, $t: String!) { createThread(input: {groupId: $g, title: $t, body: \"Opening words\"}) { id posts(first: 1) { nodes { id } } } }",
                json!({ "g": group, "t": title }),
            )
            .await;
        (
            data["createThread"]["id"].as_str().unwrap().to_owned(),
            data["createThread"]["posts"]["nodes"][0]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    }

    pub async fn post(&self, token: &str, thread: &str, body: &str) -> String {
        let data = self
            .ok(
                Some(token),
                "mutation($t: ID!, $b: String!) { createPost(input: {threadId: $t, body: $b}) { id } }",
                json!({ "t": thread, "b": body }),
            )
            .await;
        data["createPost"]["id"].as_str().unwrap().to_owned()
    }

    /// Hides a post as a facilitator; returns its new state.
    pub async fn hide_post(&self, token: &str, post: &str) -> String {
        self.ok(
            Some(token),
            "mutation($p: ID!) { hidePost(postId: $p, reason: \"r1\") { state } }",
            json!({ "p": post }),
        )
        .await["hidePost"]["state"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Restores a hidden post; returns its new state.
    pub async fn restore_post(&self, token: &str, post: &str) -> String {
        self.ok(
            Some(token),
            "mutation($p: ID!) { restorePost(postId: $p) { state } }",
            json!({ "p": post }),
        )
        .await["restorePost"]["state"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Locks or unlocks a thread; returns whether it is locked.
    pub async fn set_thread_locked(&self, token: &str, thread: &str, on: bool) -> bool {
        self.ok(
            Some(token),
            "mutation($t: ID!, $on: Boolean!) { setThreadLocked(threadId: $t, locked: $on) { locked } }",
            json!({ "t": thread, "on": on }),
        )
        .await["setThreadLocked"]["locked"]
            .as_bool()
            .unwrap()
    }

    /// Pins or unpins a thread; returns whether it is pinned.
    pub async fn set_thread_pinned(&self, token: &str, thread: &str, on: bool) -> bool {
        self.ok(
            Some(token),
            "mutation($t: ID!, $on: Boolean!) { setThreadPinned(threadId: $t, pinned: $on) { pinned } }",
            json!({ "t": thread, "on": on }),
        )
        .await["setThreadPinned"]["pinned"]
            .as_bool()
            .unwrap()
    }

    /// Flags a post; returns the flag's id.
    pub async fn flag_post(&self, token: &str, post: &str, reason: &str) -> String {
        self.ok(
            Some(token),
            "mutation($p: ID!, $r: FlagReason!) { flagPost(input: {postId: $p, reason: $r}) { id } }",
            json!({ "p": post, "r": reason }),
        )
        .await["flagPost"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// SQL statements the server has run so far (from /metrics).
    pub async fn statements(&self) -> u64 {
        self.metric("hearth_sql_statements_total").await as u64
    }

    /// One value from /metrics.
    pub async fn metric(&self, name: &str) -> f64 {
        metric_at(&self.client, &self.metrics_base, name)
            .await
            .unwrap_or_else(|| panic!("{name} in /metrics"))
    }

    /// Waits until every committed post change has reached the search
    /// index, as an operator would watch the queue drain.
    pub async fn wait_indexed(&self) {
        // Drain now rather than at the worker's next idle poll.
        self.state.indexer.wake();
        let what = format!("[{}] the search queue drains", self.backend);
        until(10, &what, || async {
            self.metric(r#"hearth_worker_queue_depth{worker="search"}"#)
                .await
                == 0.0
        })
        .await;
    }

    /// Waits until every committed event has been turned into
    /// notifications, watching the worker's queue drain.
    pub async fn wait_notified(&self) {
        self.state.notifier.wake();
        let what = format!("[{}] the notifications queue drains", self.backend);
        until(10, &what, || async {
            self.metric(r#"hearth_worker_queue_depth{worker="notifications"}"#)
                .await
                == 0.0
        })
        .await;
    }
}

/// One value from the /metrics of the server at `base`; None when the
/// server does not answer or lacks the metric.
pub async fn metric_at(client: &reqwest::Client, base: &str, name: &str) -> Option<f64> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let prefix = format!("{name} ");
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .and_then(|v| v.trim().parse().ok())
}

/// `MEILISEARCH_URL`: when set, the search conformance suite also runs
/// against that server; in CI its absence is a failure, not a skip.
pub fn meili_url() -> Option<String> {
    match std::env::var("MEILISEARCH_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but MEILISEARCH_URL is unset: the Meilisearch run would be skipped")
        }
        _ => None,
    }
}

/// The first error's `extensions.code`.
pub fn code_of(resp: &Value) -> Option<&str> {
    resp["errors"][0]["extensions"]["code"].as_str()
}

/// `REDIS_URL`; in CI its absence is a failure, not a skip.
pub fn redis_url() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but REDIS_URL is unset: the Redis tests would be skipped")
        }
        _ => None,
    }
}

/// Two instances on one fresh Postgres database and one Redis, as in a
/// deployment behind a load balancer.
pub async fn spawn_pair(redis: &str) -> (TestApp, TestApp) {
    spawn_pair_with(redis, |_| {}).await
}

/// [`spawn_pair`], both instances' settings changed by `tweak`.
pub async fn spawn_pair_with(redis: &str, tweak: impl Fn(&mut Config)) -> (TestApp, TestApp) {
    let url = fresh_postgres_database().await;
    let secret = "a shared secret that is long enough for HS256".to_owned();
    let mut apps = Vec::new();
    for migrate in [true, false] {
        let (url, redis, secret) = (url.clone(), redis.to_owned(), secret.clone());
        apps.push(
            spawn_app_with(true, |c| {
                c.store.database_url = Some(url);
                c.store.redis_url = Some(redis);
                c.auth.jwt_secret = Some(secret.into());
                c.store.migrate = migrate;
                tweak(c);
            })
            .await,
        );
    }
    let b = apps.pop().unwrap();
    let a = apps.pop().unwrap();
    (a, b)
}

/// Waits for a server process at `base` to answer `/healthz`.
pub async fn wait_healthy(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "{base} did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A port nobody listens on at the moment.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The UUID inside a global ID.
pub fn uuid_of(global: &str) -> uuid::Uuid {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(global).unwrap()).unwrap();
    uuid::Uuid::parse_str(raw.split_once(':').unwrap().1).unwrap()
}

/// Waits for `cond`, failing after `secs`; returns how long it took.
pub async fn until<F, Fut>(secs: u64, what: &str, mut cond: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !cond().await {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    start.elapsed()
}
