//! Closed-loop load: N clients, each sending its next request when the last
//! one is answered.
//!
//! `bench thread-page`: the thread page over HTTP.
//! `bench sql-floor`: the same page as one SQL statement (JSON built in
//! Postgres) at the same concurrency, and, given a server, the thread page
//! in the same run, rounds alternating, with the ratio of medians.
//! `bench write`: createPost across many groups by concurrent writers.
use crate::{gql, statements, Percentiles, PASSWORD};
use anyhow::{bail, Context};
use api::graphql::ids::{self, Kind};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{json, Value};
use std::{
    future::Future,
    time::{Duration, Instant},
};
use uuid::Uuid;

pub const PAGE: &str = "query($t: ID!, $n: Int) { thread(id: $t) { title postCount author { displayName } posts(first: $n) { edges { cursor node { id body state createdAt author { displayName } replyTo { id } reactions { kind count viewerHasReacted } } } pageInfo { hasNextPage endCursor } } } }";

/// What a closed-loop run measured.
pub struct Run {
    pub ok: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub latency: Percentiles,
    /// The first error seen, to say why.
    pub first_error: Option<String>,
}

impl Run {
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    /// A benchmark that saw errors measured something else: fail.
    pub fn check(&self, what: &str) -> anyhow::Result<()> {
        if self.errors > 0 || self.ok == 0 {
            bail!(
                "{what}: {} of {} requests failed (first: {})",
                self.errors,
                self.ok + self.errors,
                self.first_error.as_deref().unwrap_or("none succeeded")
            );
        }
        Ok(())
    }

    pub fn line(&self) -> String {
        format!(
            "{:.0}/s, p50 {:.2?}, p99 {:.2?}, max {:.1?}, {} ok, {} failed{}",
            self.rate(),
            self.latency.p50,
            self.latency.p99,
            self.latency.max,
            self.ok,
            self.errors,
            self.first_error
                .as_deref()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default()
        )
    }
}

/// Runs `clients` loops of `op(client index, iteration)` for `secs`.
pub async fn closed_loop<F, Fut>(clients: usize, secs: f64, op: F) -> Run
where
    F: Fn(usize, u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let (mut errors, mut first) = (0u64, None);
            let mut i = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                match op(c, i).await {
                    Ok(()) => lat.push(t.elapsed()),
                    Err(e) => {
                        errors += 1;
                        first.get_or_insert_with(|| format!("{e:#}"));
                    }
                }
                i += 1;
            }
            (lat, errors, first)
        }));
    }
    let (mut all, mut errors, mut first_error) = (Vec::new(), 0, None);
    for t in tasks {
        if let Ok((lat, e, f)) = t.await {
            all.extend(lat);
            errors += e;
            if first_error.is_none() {
                first_error = f;
            }
        }
    }
    Run {
        ok: all.len() as u64,
        errors,
        elapsed: started.elapsed(),
        latency: Percentiles::new(all),
        first_error,
    }
}

pub async fn login(client: &reqwest::Client, url: &str, handle: &str) -> anyhow::Result<String> {
    let d = gql(
        client,
        url,
        None,
        "mutation($h: String!, $p: String!) { login(input: {handle: $h, password: $p}) { accessToken } }",
        json!({"h": handle, "p": PASSWORD}),
    )
    .await
    .with_context(|| format!("logging in as {handle} (run `bench seed` first)"))?;
    Ok(d["login"]["accessToken"]
        .as_str()
        .context("token")?
        .to_owned())
}

/// The most recently active thread of the member's first group.
pub async fn first_thread(
    client: &reqwest::Client,
    url: &str,
    token: &str,
) -> anyhow::Result<String> {
    let data = gql(
        client,
        url,
        Some(token),
        "{ viewer { groups(first: 1) { nodes { threads(first: 1) { nodes { id } } } } } }",
        json!({}),
    )
    .await?;
    Ok(
        data["viewer"]["groups"]["nodes"][0]["threads"]["nodes"][0]["id"]
            .as_str()
            .context("the member's group has no thread")?
            .to_owned(),
    )
}

/// A signed-in member and the thread their page shows.
pub struct PageTarget {
    pub token: String,
    pub thread: String,
    pub page: usize,
}

impl PageTarget {
    pub async fn new(
        client: &reqwest::Client,
        url: &str,
        handle: &str,
        page: usize,
    ) -> anyhow::Result<Self> {
        let token = login(client, url, handle).await?;
        let thread = first_thread(client, url, &token).await?;
        Ok(PageTarget {
            token,
            thread,
            page,
        })
    }

    /// Fetches the page once; the number of posts on it.
    pub async fn fetch(&self, client: &reqwest::Client, url: &str) -> anyhow::Result<usize> {
        let d: Value = gql(
            client,
            url,
            Some(&self.token),
            PAGE,
            json!({"t": self.thread, "n": self.page}),
        )
        .await?;
        let n = d["thread"]["posts"]["edges"].as_array().map_or(0, Vec::len);
        if n == 0 {
            bail!("an empty page: {d}");
        }
        Ok(n)
    }
}

/// Fetches the page `clients` at a time for `secs`. Each answer is checked
/// as a load generator checks one (status, a thread, no errors) rather than
/// parsed: the client shares the machine with the server and the database.
pub(crate) async fn page_run(
    client: &reqwest::Client,
    url: &str,
    target: &std::sync::Arc<PageTarget>,
    clients: usize,
    secs: f64,
) -> Run {
    let body = bytes::Bytes::from(
        json!({"query": PAGE, "variables": {"t": target.thread, "n": target.page}}).to_string(),
    );
    let endpoint = format!("{url}/graphql");
    let auth = format!("Bearer {}", target.token);
    let client = client.clone();
    closed_loop(clients, secs, move |_, _| {
        let req = client
            .post(&endpoint)
            .header("content-type", "application/json")
            .header("authorization", &auth)
            .body(body.clone());
        async move {
            let resp = req.send().await?;
            let status = resp.status();
            let bytes = resp.bytes().await?;
            let ok = status.is_success()
                && bytes.starts_with(br#"{"data":{"thread":{"#)
                && !bytes.windows(8).any(|w| w == br#""errors""#);
            anyhow::ensure!(
                ok,
                "{status}: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            );
            Ok(())
        }
    })
    .await
}

pub async fn thread_page(
    url: &str,
    metrics_url: &str,
    clients: usize,
    secs: u64,
    page: usize,
    handle: &str,
) -> anyhow::Result<()> {
    let client = crate::http_client();
    let target = std::sync::Arc::new(PageTarget::new(&client, url, handle, page).await?);
    let got = target.fetch(&client, url).await?;
    let before = statements(&client, metrics_url).await?;
    let run = page_run(&client, url, &target, clients, secs as f64).await;
    let after = statements(&client, metrics_url).await?;
    println!("thread page: {got} posts per page, {clients} clients, {secs} s");
    println!("  {}", run.line());
    println!(
        "  SQL statements per request: {:.2}",
        (after - before) as f64 / (run.ok + run.errors).max(1) as f64
    );
    run.check("thread page")
}

/// The thread page as one statement: the thread, its author, the page of
/// posts with their authors, reply targets and reaction counts with the
/// viewer's own, and whether a next page exists, as JSON built by Postgres.
/// Only a member of the group gets a row.
const FLOOR_SQL: &str = r#"
SELECT json_build_object(
  'title', t.title,
  'postCount', t.visible_posts,
  'author', (SELECT display_name FROM users WHERE id = t.author_id),
  'hasNextPage', (SELECT count(*) FROM (SELECT 1 FROM posts WHERE thread_id = t.id LIMIT $3 + 1) x) > $3,
  'posts', (SELECT coalesce(json_agg(json_build_object(
      'id', p.id, 'body', p.body, 'state', p.state, 'createdAt', p.created_at,
      'author', u.display_name, 'replyTo', p.reply_to_id,
      'reactions', (SELECT coalesce(json_agg(json_build_object(
              'kind', r.kind, 'count', r.n, 'viewerHasReacted', r.mine) ORDER BY r.kind), '[]'::json)
          FROM (SELECT kind, count(*) AS n, bool_or(user_id = $2) AS mine
                FROM reactions WHERE post_id = p.id GROUP BY kind) r)
    ) ORDER BY p.id), '[]'::json)
    FROM (SELECT * FROM posts WHERE thread_id = t.id ORDER BY id LIMIT $3) p
    LEFT JOIN users u ON u.id = p.author_id)
)::text
FROM threads t
JOIN memberships m ON m.group_id = t.group_id AND m.user_id = $2
WHERE t.id = $1
"#;

pub struct FloorOptions {
    pub database_url: String,
    pub url: Option<String>,
    pub metrics_url: Option<String>,
    pub clients: usize,
    pub duration: u64,
    pub rounds: usize,
    pub page: usize,
    pub handle: String,
}

pub async fn sql_floor(o: FloorOptions) -> anyhow::Result<()> {
    if !o.database_url.starts_with("postgres") {
        bail!("the SQL floor is measured on Postgres");
    }
    let mut opts = ConnectOptions::new(o.database_url.as_str());
    opts.max_connections(o.clients as u32)
        .min_connections(o.clients as u32)
        // The floor: no ping before each statement.
        .test_before_acquire(false)
        .sqlx_logging(false);
    let db = Database::connect(opts).await?;
    let client = crate::http_client();
    let viewer: Uuid = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM users WHERE handle = $1",
            [o.handle.clone().into()],
        ))
        .await?
        .context("no such handle: run `bench seed` first")?
        .try_get_by_index(0)?;
    // The same thread the server's page shows, when there is a server.
    let (target, thread) = match &o.url {
        Some(url) => {
            let t = PageTarget::new(&client, url, &o.handle, o.page).await?;
            let id = ids::decode(Kind::Thread, &t.thread.clone().into())
                .map_err(|e| anyhow::anyhow!("thread id: {e:?}"))?;
            (Some(std::sync::Arc::new(t)), id)
        }
        None => {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT t.id FROM threads t JOIN memberships m ON m.group_id = t.group_id \
                     WHERE m.user_id = $1 ORDER BY t.group_id, t.pinned DESC, \
                     t.last_activity_at DESC, t.id DESC LIMIT 1",
                    [viewer.into()],
                ))
                .await?
                .context("the member has no thread")?;
            (None, row.try_get_by_index::<Uuid>(0)?)
        }
    };
    let floor_once = {
        let db = db.clone();
        let page = o.page as i64;
        move || {
            let db = db.clone();
            async move {
                let row = db
                    .query_one_raw(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        FLOOR_SQL,
                        [thread.into(), viewer.into(), page.into()],
                    ))
                    .await?
                    .context("no row: not a member?")?;
                let json: String = row.try_get_by_index(0)?;
                anyhow::ensure!(json.len() > 2, "empty page");
                anyhow::Ok(json.len())
            }
        }
    };
    let bytes = floor_once().await?;
    println!(
        "SQL floor: one statement per page ({bytes} bytes of JSON), {} clients, {} rounds of {} s",
        o.clients, o.rounds, o.duration
    );
    let (mut floor, mut hearth) = (Vec::new(), Vec::new());
    let mut hearth_statements = None;
    for round in 1..=o.rounds.max(1) {
        let f = floor_once.clone();
        let run = closed_loop(o.clients, o.duration as f64, move |_, _| {
            let f = f.clone();
            async move { f().await.map(|_| ()) }
        })
        .await;
        println!("  round {round} SQL floor: {}", run.line());
        floor.push(run);
        if let (Some(url), Some(target)) = (&o.url, &target) {
            target.fetch(&client, url).await?;
            let before = match &o.metrics_url {
                Some(m) => Some(statements(&client, m).await?),
                None => None,
            };
            let run = page_run(&client, url, target, o.clients, o.duration as f64).await;
            if let (Some(m), Some(b)) = (&o.metrics_url, before) {
                let after = statements(&client, m).await?;
                hearth_statements = Some((after - b) as f64 / (run.ok + run.errors).max(1) as f64);
            }
            println!("  round {round} Hearth:    {}", run.line());
            hearth.push(run);
        }
    }
    let median = |runs: &[Run]| {
        let mut r: Vec<f64> = runs.iter().map(Run::rate).collect();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    };
    let f = median(&floor);
    println!("  SQL floor: median {f:.0} pages/s");
    if !hearth.is_empty() {
        let h = median(&hearth);
        println!("  Hearth thread page: median {h:.0} req/s");
        if let Some(s) = hearth_statements {
            println!("  Hearth SQL statements per page: {s:.2}");
        }
        println!("  ratio Hearth / SQL floor: {:.2}", h / f);
    }
    for run in floor.iter().chain(&hearth) {
        run.check("sql-floor")?;
    }
    Ok(())
}

pub struct WriteOptions {
    pub url: String,
    pub groups: usize,
    pub writers: usize,
    pub duration: u64,
}

/// createPost by `writers` concurrent clients, each post in the next of
/// `groups` groups (seeded member 1 of each writes in their group's most
/// recently active thread).
pub async fn write(o: WriteOptions) -> anyhow::Result<()> {
    let client = crate::http_client();
    let mut targets = Vec::new();
    for g in 0..o.groups {
        let token = login(&client, &o.url, &format!("g{g}-m1")).await?;
        let thread = first_thread(&client, &o.url, &token).await?;
        targets.push((token, thread));
    }
    let targets = std::sync::Arc::new(targets);
    let (n, writers) = (targets.len(), o.writers);
    let url = o.url.clone();
    let run = closed_loop(writers, o.duration as f64, move |w, i| {
        let (client, url, targets) = (client.clone(), url.clone(), targets.clone());
        async move {
            let (token, thread) = &targets[(w + i as usize * writers) % n];
            gql(
                &client,
                &url,
                Some(token),
                "mutation($t: ID!, $b: String!) { createPost(input: {threadId: $t, body: $b}) { id } }",
                json!({"t": thread, "b": format!("A note from writer {w}, number {i}: the garden was quiet this morning and that helped.")}),
            )
            .await
            .map(|_| ())
        }
    })
    .await;
    println!(
        "createPost: {} groups, {} writers, {} s",
        o.groups, o.writers, o.duration
    );
    println!("  {}", run.line());
    run.check("createPost")
}
