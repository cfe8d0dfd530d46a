//! `bench search`: the embedded index and Meilisearch side by side on the
//! same seeded database. Builds both (the code path of `hearth reindex`),
//! starts a Hearth server on each, then times the same queries of 1-3
//! words, with and without a typo, with and without filters, against each
//! backend directly and through `searchPosts` over HTTP.
use crate::{gql, vocab::VOCAB, Percentiles, PASSWORD};
use api::search::{indexer::SearchIndexer, query_terms, IndexQuery, SharedIndex};
use entity::thread;
use rand::Rng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use std::time::{Duration, Instant};
use uuid::Uuid;

pub struct Options {
    pub database_url: String,
    /// Only the embedded index (to compare builds of Hearth with each
    /// other rather than the backends).
    pub embedded_only: bool,
    pub queries: usize,
    pub handle: String,
}

/// Query words are content words: the 40 most common ("the", "and", …) are
/// not what a facilitator types.
fn query_word(rng: &mut impl Rng, min_len: usize) -> &'static str {
    loop {
        let w = VOCAB.rank(rng.random_range(40..VOCAB.len()));
        if w.len() >= min_len {
            return w;
        }
    }
}

/// One substitution in the middle of the word: a typo within the budget.
fn typo(w: &str) -> String {
    let mut c: Vec<char> = w.chars().collect();
    let i = c.len() / 2;
    c[i] = if c[i] == 'x' { 'q' } else { 'x' };
    c.into_iter().collect()
}

#[derive(Clone, Copy)]
struct Class {
    words: usize,
    typo: bool,
    filtered: bool,
}

impl Class {
    fn all() -> Vec<Class> {
        let mut v = Vec::new();
        for filtered in [false, true] {
            for typo in [false, true] {
                for words in 1..=3 {
                    v.push(Class {
                        words,
                        typo,
                        filtered,
                    });
                }
            }
        }
        v
    }

    fn label(&self) -> String {
        format!(
            "{} word{}{}{}",
            self.words,
            if self.words > 1 { "s" } else { " " },
            if self.typo { ", typo" } else { "      " },
            if self.filtered { ", thread+since" } else { "" }
        )
    }

    fn query(&self, rng: &mut impl Rng) -> String {
        let mut words: Vec<String> = (0..self.words)
            .map(|_| query_word(rng, if self.typo { 6 } else { 3 }).to_owned())
            .collect();
        if self.typo {
            let i = rng.random_range(0..words.len());
            words[i] = typo(&words[i]);
        }
        words.join(" ")
    }
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// One backend under test: its index, and a Hearth server searching it.
struct Side {
    index: SharedIndex,
    url: String,
    token: String,
    _server: Server,
}

const Q: &str = "query($q: String!, $f: PostSearchFilter) { searchPosts(query: $q, filter: $f, first: 20) { totalCount nodes { highlight score post { id body createdAt } } } }";

/// Builds the index from the database the way `hearth reindex` does, and
/// prints the rate.
async fn build(
    db: &api::store::Db,
    index: &SharedIndex,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let indexer = SearchIndexer::new(db.clone(), index.clone(), 5000);
    let lease = api::store::lease::Lease::new(
        db.clone(),
        api::search::indexer::WORKER,
        Duration::from_secs(60),
    );
    lease.take_over().await?;
    index.prepare().await?;
    let started = Instant::now();
    let n = indexer
        .rebuild(&lease, &|done, total| {
            if done > 0 && done % 50_000 == 0 {
                eprintln!("{}: indexed {done}/{total}", index.name());
            }
        })
        .await?;
    let secs = started.elapsed().as_secs_f64();
    lease.release().await?;
    let disk = if index.name() == "tantivy" {
        format!(
            "; {:.0} MiB on disk",
            dir_size(&dir.join("search")) as f64 / (1 << 20) as f64
        )
    } else {
        String::new()
    };
    println!(
        "build {:<12} {n} posts in {secs:.1} s = {:.0} posts/s{disk}",
        index.name(),
        n as f64 / secs
    );
    Ok(())
}

/// A `hearth serve` process (the binary beside this one) on the seeded
/// database and `cfg`'s backend, and a token for `handle` on it. Only the
/// embedded side indexes new posts: the two would share one outbox.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve(
    cfg: &api::Config,
    handle: &str,
    indexer: bool,
) -> anyhow::Result<(Server, String, String)> {
    let bin = std::env::current_exe()?.with_file_name("hearth");
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut cmd = std::process::Command::new(&bin);
    cmd.arg("serve")
        .env(
            "DATABASE_URL",
            cfg.store.database_url.as_deref().unwrap_or_default(),
        )
        .env("HEARTH_DATA_DIR", &cfg.store.data_dir)
        .env(
            "HEARTH_JWT_SECRET",
            "bench-search-secret-long-enough-for-hs256",
        )
        .env("HEARTH_ADDR", format!("127.0.0.1:{port}"))
        .env("HEARTH_METRICS_ADDR", "off")
        .env("HEARTH_SEARCH_INDEXER", indexer.to_string())
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .env_remove("MEILISEARCH_URL")
        .stdout(std::process::Stdio::null());
    if let Some(url) = &cfg.search.meilisearch_url {
        cmd.env("MEILISEARCH_URL", url)
            .env("HEARTH_MEILISEARCH_INDEX", &cfg.search.meilisearch_index);
        if let Some(k) = &cfg.search.meilisearch_api_key {
            cmd.env("MEILISEARCH_API_KEY", k.expose());
        }
    }
    let server = Server(
        cmd.spawn()
            .map_err(|e| anyhow::anyhow!("starting {}: {e}", bin.display()))?,
    );
    let url = format!("http://127.0.0.1:{port}");
    let client = crate::http_client();
    let started = Instant::now();
    while client.get(format!("{url}/healthz")).send().await.is_err() {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "{url} did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let d = gql(
        &client,
        &url,
        None,
        "mutation($h: String!, $p: String!) { login(input: {handle: $h, password: $p}) { accessToken } }",
        json!({"h": handle, "p": PASSWORD}),
    )
    .await?;
    let token = d["login"]["accessToken"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("cannot log in as {handle}: {d}"))?
        .to_owned();
    Ok((server, url, token))
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    let meili_url = match std::env::var("MEILISEARCH_URL") {
        Ok(u) if !o.embedded_only => u,
        _ if o.embedded_only => String::new(),
        _ => anyhow::bail!(
            "set MEILISEARCH_URL (and MEILISEARCH_API_KEY): both backends run side by side \
             (or pass --embedded-only)"
        ),
    };
    let dir = std::env::temp_dir().join(format!("hearth-bench-search-{}", Uuid::new_v4()));
    let embedded = api::Config::for_tests(dir.join("embedded"), Some(o.database_url.clone()));
    let db = api::store::connect(&embedded, prometheus::IntCounter::new("s", "s")?, true).await?;
    let mut configs = vec![embedded];
    if !o.embedded_only {
        let mut meili = api::Config::for_tests(dir.join("meili"), Some(o.database_url.clone()));
        meili.search.meilisearch_url = Some(meili_url);
        meili.search.meilisearch_api_key =
            std::env::var("MEILISEARCH_API_KEY").ok().map(Into::into);
        meili.search.meilisearch_index = format!("hearth_bench_{}", Uuid::new_v4().simple());
        configs.push(meili);
    }

    let mut sides = Vec::new();
    for (i, cfg) in configs.into_iter().enumerate() {
        let index: SharedIndex = api::search::open(&cfg)?;
        build(&db, &index, &cfg.store.data_dir).await?;
        let (server, url, token) = serve(&cfg, &o.handle, i == 0).await?;
        sides.push(Side {
            index,
            url,
            token,
            _server: server,
        });
    }

    // What the server searches for this viewer: the groups they belong to.
    let conn = &db.conn;
    let viewer: Uuid = entity::user::Entity::find()
        .select_only()
        .column(entity::user::Column::Id)
        .filter(entity::user::Column::Handle.eq(o.handle.as_str()))
        .into_tuple()
        .one(conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user {}: seed first", o.handle))?;
    let groups: Vec<Uuid> = entity::membership::Entity::find()
        .select_only()
        .column(entity::membership::Column::GroupId)
        .filter(entity::membership::Column::UserId.eq(viewer))
        .into_tuple()
        .all(conn)
        .await?;
    let threads: Vec<(Uuid, chrono::DateTime<chrono::Utc>)> = thread::Entity::find()
        .select_only()
        .column(thread::Column::Id)
        .column(thread::Column::CreatedAt)
        .filter(thread::Column::GroupId.is_in(groups.clone()))
        .order_by_asc(thread::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    anyhow::ensure!(
        !threads.is_empty(),
        "{} has no threads: seed first",
        o.handle
    );
    let thread_ids: Vec<String> = threads
        .iter()
        .map(|(t, _)| api::graphql::ids::encode(api::graphql::ids::Kind::Thread, *t).to_string())
        .collect();

    let client = crate::http_client();
    let mut rng = rand::rng();
    // Warm connections and caches before timing.
    for side in &sides {
        for _ in 0..30 {
            let q = Class::all()[0].query(&mut rng);
            gql(
                &client,
                &side.url,
                Some(&side.token),
                Q,
                json!({"q": q, "f": null}),
            )
            .await?;
        }
    }
    println!(
        "\n{} queries per class as {} ({} groups), the same queries on both, 20 hits per page.\n\
         backend: the index alone; http: searchPosts end to end; overhead: http minus backend, per query.\n",
        o.queries,
        o.handle,
        groups.len()
    );
    println!(
        "{:<30} | {:>21} {:>21} {:>16} | {:>21} {:>21} {:>16}",
        "class p50 / p99 ms",
        "embedded backend",
        "embedded http",
        "overhead p99",
        "meili backend",
        "meili http",
        "overhead p99"
    );
    let mut worst_ratio = 0.0f64;
    let mut worst_overhead = Duration::ZERO;
    for class in Class::all() {
        // Per side: backend times, http times, paired overheads.
        let mut t: Vec<[Vec<Duration>; 3]> = sides.iter().map(|_| Default::default()).collect();
        for _ in 0..o.queries {
            let i = rng.random_range(0..threads.len());
            let (thread, since) = threads[i];
            let text = class.query(&mut rng);
            let q = IndexQuery {
                terms: query_terms(&text),
                visible_groups: groups.clone(),
                thread_id: class.filtered.then_some(thread),
                since: class.filtered.then_some(since),
                offset: 0,
                limit: 20,
                ..Default::default()
            };
            let filter = if class.filtered {
                json!({"threadId": thread_ids[i], "since": since})
            } else {
                json!(null)
            };
            for (side, times) in sides.iter().zip(t.iter_mut()) {
                let start = Instant::now();
                side.index.search(&q).await?;
                let backend = start.elapsed();
                let start = Instant::now();
                gql(
                    &client,
                    &side.url,
                    Some(&side.token),
                    Q,
                    json!({"q": text, "f": filter}),
                )
                .await?;
                let http = start.elapsed();
                times[0].push(backend);
                times[1].push(http);
                times[2].push(http.saturating_sub(backend));
            }
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let mut cols = Vec::new();
        let mut p99s = Vec::new();
        for times in t {
            let [backend, http, overhead] = times.map(Percentiles::new);
            p99s.push(backend.p99);
            worst_overhead = worst_overhead.max(overhead.p99);
            cols.push(format!(
                "{:>9.2} / {:>8.2} {:>11.2} / {:>8.2} {:>16.2}",
                ms(backend.p50),
                ms(backend.p99),
                ms(http.p50),
                ms(http.p99),
                ms(overhead.p99)
            ));
        }
        if let [embedded, meili] = p99s[..] {
            worst_ratio = worst_ratio.max(embedded.as_secs_f64() / meili.as_secs_f64().max(1e-9));
        }
        println!("{:<30} | {}", class.label(), cols.join(" | "));
    }
    println!(
        "\nworst class: embedded backend p99 / Meilisearch backend p99 = {worst_ratio:.2}; \
         worst overhead p99 = {:.2} ms",
        worst_overhead.as_secs_f64() * 1e3
    );
    if let Some(side) = sides.first() {
        println!("\nthrough the embedded server's pipeline (outbox, worker, index):");
        index_latency(&client, &side.url, &side.token, &thread_ids).await?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Commit-to-searchable and delete-to-gone through the whole pipeline
/// (outbox, indexer, backend), as `totalCount` (which comes from the index)
/// sees it, 20 times.
async fn index_latency(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    threads: &[String],
) -> anyhow::Result<()> {
    const COUNT: &str = "query($q: String!) { searchPosts(query: $q) { totalCount } }";
    let count = |q: String| async move {
        let d = gql(client, url, Some(token), COUNT, json!({"q": q})).await?;
        anyhow::Ok(d["searchPosts"]["totalCount"].as_u64().unwrap_or(0))
    };
    let tag = Uuid::new_v4().simple().to_string();
    let (mut added, mut deleted) = (Vec::new(), Vec::new());
    for i in 0..20 {
        let word = format!("probe{}x{i}", &tag[..8]);
        let d = gql(
            client,
            url,
            Some(token),
            "mutation($t: ID!, $b: String!) { createPost(input: {threadId: $t, body: $b}) { id } }",
            json!({"t": threads.first(), "b": format!("latency {word}")}),
        )
        .await?;
        let id = d["createPost"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let start = Instant::now();
        while count(word.clone()).await? != 1 {
            anyhow::ensure!(start.elapsed() < Duration::from_secs(10), "never indexed");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        added.push(start.elapsed());
        gql(
            client,
            url,
            Some(token),
            "mutation($p: ID!) { deletePost(postId: $p) { id } }",
            json!({"p": id}),
        )
        .await?;
        let start = Instant::now();
        while count(word.clone()).await? != 0 {
            anyhow::ensure!(start.elapsed() < Duration::from_secs(10), "never removed");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        deleted.push(start.elapsed());
    }
    for (what, v) in [
        ("post -> searchable", added),
        ("delete -> gone from the index", deleted),
    ] {
        let p = Percentiles::new(v);
        println!(
            "{what:<36} p50 {:>6.1} ms, max {:>6.1} ms ({} trials)",
            p.p50.as_secs_f64() * 1e3,
            p.max.as_secs_f64() * 1e3,
            p.n
        );
    }
    Ok(())
}
