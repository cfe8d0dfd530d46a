//! `bench search`: builds the search index from the seeded database (the
//! code path of `hearth reindex`), then times queries of 1-3 words, with
//! and without a typo, with and without filters, against the backend
//! directly and, given a server, through `searchPosts` over HTTP.
use crate::{gql, vocab::VOCAB, Percentiles, PASSWORD};
use api::search::{indexer::SearchIndexer, query_terms, IndexQuery, SharedIndex};
use entity::{group, thread};
use rand::{seq::IndexedRandom, Rng};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use std::time::{Duration, Instant};
use uuid::Uuid;

pub struct Options {
    pub database_url: String,
    pub url: Option<String>,
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
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("hearth-bench-search-{}", Uuid::new_v4()));
    let mut cfg = api::Config::for_tests(dir.clone(), Some(o.database_url.clone()));
    cfg.search.meilisearch_url = std::env::var("MEILISEARCH_URL").ok();
    cfg.search.meilisearch_api_key = std::env::var("MEILISEARCH_API_KEY").ok().map(Into::into);
    let db = api::store::connect(&cfg, prometheus::IntCounter::new("s", "s")?, true).await?;
    let index: SharedIndex = api::search::open(&cfg)?;
    let indexer = SearchIndexer::new(db.clone(), index.clone());
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
            if done > 0 && (done / 5000) % 10 == 0 && done % 5000 == 0 {
                eprintln!("indexed {done}/{total}");
            }
        })
        .await?;
    let secs = started.elapsed().as_secs_f64();
    lease.release().await?;
    println!(
        "build ({}): {n} posts in {secs:.1} s = {:.0} posts/s; index {:.0} MiB on disk",
        index.name(),
        n as f64 / secs,
        dir_size(&dir.join("search")) as f64 / (1 << 20) as f64
    );

    // The first group, as its facilitator sees it; and every group at once,
    // as the worst case of a viewer in many groups.
    let conn = &db.conn;
    let groups: Vec<Uuid> = group::Entity::find()
        .select_only()
        .column(group::Column::Id)
        .order_by_asc(group::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let g0 = *groups
        .first()
        .ok_or_else(|| anyhow::anyhow!("no groups: seed first"))?;
    let threads: Vec<(Uuid, chrono::DateTime<chrono::Utc>)> = thread::Entity::find()
        .select_only()
        .column(thread::Column::Id)
        .column(thread::Column::CreatedAt)
        .filter(thread::Column::GroupId.eq(g0))
        .into_tuple()
        .all(conn)
        .await?;
    let mut rng = rand::rng();
    println!(
        "\nbackend queries, {} per class, 20 hits per page (p50 / p99 / mean total hits)",
        o.queries
    );
    println!("{:<36} {:>22} {:>22}", "class", "one group", "all groups");
    for class in Class::all() {
        let mut cols = Vec::new();
        for scope in [vec![g0], groups.clone()] {
            let mut times = Vec::with_capacity(o.queries);
            let mut hits = 0u64;
            for _ in 0..o.queries {
                let (t, since) = *threads
                    .choose(&mut rng)
                    .unwrap_or(&(Uuid::nil(), chrono::Utc::now()));
                let q = IndexQuery {
                    terms: query_terms(&class.query(&mut rng)),
                    visible_groups: scope.clone(),
                    hidden_groups: scope.clone(),
                    thread_id: class.filtered.then_some(t),
                    since: class.filtered.then_some(since),
                    offset: 0,
                    limit: 20,
                    ..Default::default()
                };
                let start = Instant::now();
                let r = index.search(&q).await?;
                times.push(start.elapsed());
                hits += r.total;
            }
            let p = Percentiles::new(times);
            cols.push(format!(
                "{:>6.2} / {:>5.2} ms / {:>5}",
                p.p50.as_secs_f64() * 1e3,
                p.p99.as_secs_f64() * 1e3,
                hits / o.queries as u64
            ));
        }
        println!("{:<36} {} {}", class.label(), cols[0], cols[1]);
    }

    if let Some(url) = o.url {
        let client = reqwest::Client::new();
        let d = gql(
            &client,
            &url,
            None,
            "mutation($h: String!, $p: String!) { login(input: {handle: $h, password: $p}) { accessToken } }",
            json!({"h": o.handle, "p": PASSWORD}),
        )
        .await?;
        let token = d["login"]["accessToken"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let ids: Vec<String> = threads
            .iter()
            .map(|(t, _)| {
                api::graphql::ids::encode(api::graphql::ids::Kind::Thread, *t).to_string()
            })
            .collect();
        // Warm the connection and the server's caches before timing.
        for _ in 0..30 {
            let q = Class::all()[0].query(&mut rng);
            gql(
                &client,
                &url,
                Some(&token),
                "query($q: String!) { searchPosts(query: $q) { totalCount } }",
                json!({"q": q}),
            )
            .await?;
        }
        println!("\nsearchPosts over HTTP as {} (p50 / p99)", o.handle);
        const Q: &str = "query($q: String!, $f: PostSearchFilter) { searchPosts(query: $q, filter: $f, first: 20) { totalCount nodes { highlight score post { id body createdAt } } } }";
        for class in Class::all() {
            let mut times = Vec::with_capacity(o.queries);
            for _ in 0..o.queries {
                let i = rng.random_range(0..threads.len().max(1));
                let filter = if class.filtered {
                    json!({"threadId": ids.get(i), "since": threads.get(i).map(|t| t.1)})
                } else {
                    json!(null)
                };
                let start = Instant::now();
                gql(
                    &client,
                    &url,
                    Some(&token),
                    Q,
                    json!({"q": class.query(&mut rng), "f": filter}),
                )
                .await?;
                times.push(start.elapsed());
            }
            let p = Percentiles::new(times);
            println!(
                "{:<36} {:>6.2} / {:>5.2} ms",
                class.label(),
                p.p50.as_secs_f64() * 1e3,
                p.p99.as_secs_f64() * 1e3
            );
        }
        index_latency(&client, &url, &token, &ids).await?;
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
