//! Hearth benchmarks.
//!
//! `bench seed`: a realistic data set (groups × members × threads × posts,
//! reactions on about a third of the posts) written straight into a database.
//! `bench thread-page`: N concurrent clients fetch the thread page (a thread,
//! 50 posts, their authors, reaction counts and the viewer's own reactions)
//! over HTTP for a while; prints requests/s, p50, p99 and SQL statements per
//! request (read from the server's /metrics).
mod alert;
mod audit;
mod detector;
mod fanout;
mod load;
mod notify;
mod search;
mod soak;
mod vocab;
mod ws;

use anyhow::{bail, Context};
use argon2::{password_hash::phc::PasswordHash, Argon2, PasswordHasher};
use chrono::{Duration as ChronoDuration, SubsecRound, Utc};
use clap::{Parser, Subcommand};
use entity::{
    enums::{GroupRole, PlatformRole, PostState, ReactionKind, ThreadKind},
    group, membership, post, reaction, thread, user,
};
use migration::{Migrator, MigratorTrait};
use rand::{seq::IndexedRandom, Rng};
use sea_orm::{ActiveValue::Set, Database, EntityTrait, TransactionTrait};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The password of every seeded account.
pub(crate) const PASSWORD: &str = "bench password";

/// Latency percentiles of a sample.
pub(crate) struct Percentiles {
    pub n: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Percentiles {
    pub fn new(mut v: Vec<Duration>) -> Self {
        v.sort();
        let at = |p: f64| {
            v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        Percentiles {
            n: v.len(),
            p50: at(0.50),
            p99: at(0.99),
            max: v.last().copied().unwrap_or_default(),
        }
    }
}

#[derive(Parser)]
#[command(name = "bench", about = "Hearth benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The crisis detector: held-out accuracy per category, throughput and
    /// hostile-body cost.
    Detector {
        /// Passes over the corpora for the throughput figure.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Score the crisis detector on a labelled file (`level<TAB>category<TAB>text`).
    DetectorScore {
        file: String,
        /// Also list each sentence scored wrong.
        #[arg(long)]
        errors: bool,
    },
    /// Five-fold cross-validation of the statistical layer on tests/crisis/dev.tsv.
    DetectorCv,
    /// The crisis detector's resident memory over many varied posts, run as
    /// the server runs it (the blocking pool, one detection per core).
    DetectorMemory {
        /// Posts to check.
        #[arg(long, default_value_t = 200_000)]
        posts: usize,
    },
    /// Train the crisis detector's statistical layer on tests/crisis/dev.tsv.
    DetectorTrain {
        #[arg(long, default_value = "api/resources/crisis_model.tsv")]
        out: String,
    },
    /// Seed a data set into a database (migrations are applied first).
    Seed {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[arg(long, default_value_t = 200)]
        groups: usize,
        #[arg(long, default_value_t = 10)]
        members: usize,
        #[arg(long, default_value_t = 50)]
        threads: usize,
        #[arg(long, default_value_t = 40)]
        posts: usize,
    },
    /// Time notifications from commit to a member following
    /// `notificationEvents`, across many groups.
    Notify {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The server's database, to make the facilitators.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[arg(long, default_value_t = 100)]
        groups: usize,
        /// Members per group besides its facilitator.
        #[arg(long, default_value_t = 9)]
        members: usize,
        /// New threads, spread over the groups.
        #[arg(long, default_value_t = 200)]
        threads: usize,
    },
    /// Time crisis alerts to facilitators under write load.
    Alert {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The server's database, to make the facilitators.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[arg(long, default_value_t = 50)]
        groups: usize,
        #[arg(long, default_value_t = 200)]
        alerts: usize,
        /// Concurrent writers of ordinary posts.
        #[arg(long, default_value_t = 4)]
        writers: usize,
    },
    /// Build both search backends from a seeded database (Meilisearch at
    /// `MEILISEARCH_URL`) and time the same queries on each, directly and
    /// through a Hearth server over HTTP.
    Search {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// Only the embedded index, without Meilisearch.
        #[arg(long)]
        embedded_only: bool,
        /// Queries per class.
        #[arg(long, default_value_t = 300)]
        queries: usize,
        /// A seeded facilitator, for the end-to-end queries.
        #[arg(long, default_value = "g0-m0")]
        handle: String,
    },
    /// Compare login time for a wrong password and for an unknown handle.
    LoginTiming {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Logins of each kind, alternated.
        #[arg(long, default_value_t = 40)]
        rounds: usize,
    },
    /// Time live delivery to many subscribers of one thread.
    Fanout {
        /// Instances (repeat the flag); the writer uses the first.
        #[arg(long = "url", default_value = "http://127.0.0.1:8080")]
        urls: Vec<String>,
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        /// Posts per second.
        #[arg(long, default_value_t = 5.0)]
        rate: f64,
        /// Seconds of writing.
        #[arg(long, default_value_t = 20)]
        duration: u64,
        /// Server process ids (repeat), for memory per subscription.
        #[arg(long = "pid")]
        pids: Vec<u32>,
        /// Chaos: take over the Redis server on this port (the instances'
        /// bus) and stop it for `--chaos-down` seconds in every 30.
        #[arg(long)]
        chaos_redis_port: Option<u16>,
        #[arg(long, default_value_t = 10)]
        chaos_down: u64,
    },
    /// The thread page as one SQL statement at the same concurrency (the
    /// floor); with `--url`, the server's thread page in the same run,
    /// rounds alternating, and the ratio of the medians.
    SqlFloor {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        metrics_url: Option<String>,
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds per round.
        #[arg(long, default_value_t = 15)]
        duration: u64,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        #[arg(long, default_value_t = 50)]
        page: usize,
        #[arg(long, default_value = "g0-m1")]
        handle: String,
    },
    /// A long mixed load (thread pages, posts, reactions, searches, open
    /// subscriptions) at a share of the capacity measured first.
    Soak {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Seeded groups to spread the load over (members 1-9 of each
        /// hold subscriptions: at least subscribers / 9 groups).
        #[arg(long, default_value_t = 60)]
        groups: usize,
        #[arg(long, default_value_t = 500)]
        subscribers: usize,
        /// Seconds of load.
        #[arg(long, default_value_t = 600)]
        duration: u64,
        /// Seconds of closed-loop load to measure capacity first (the first
        /// half warms up).
        #[arg(long, default_value_t = 60)]
        calibrate: u64,
        /// Seconds of the same open-loop load before the measured part.
        #[arg(long, default_value_t = 120)]
        warmup: u64,
        /// Share of the measured capacity to offer.
        #[arg(long, default_value_t = 0.8)]
        load: f64,
        /// Server process ids (repeat), for resident memory.
        #[arg(long = "pid")]
        pids: Vec<u32>,
        /// The server's metrics listener: capacity then includes the time
        /// its search queue takes to drain after the calibration.
        #[arg(long)]
        metrics_url: Option<String>,
    },
    /// createPost by concurrent writers across many groups (seeded member 1
    /// of each group writes in their group).
    Write {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value_t = 50)]
        groups: usize,
        #[arg(long, default_value_t = 16)]
        writers: usize,
        #[arg(long, default_value_t = 20)]
        duration: u64,
    },
    /// The thread page with and without audited reads: the same
    /// facilitator's page of the same thread with `--hidden` of its posts
    /// hidden and visible, rounds alternating (the posts are hidden and
    /// restored between phases).
    Audit {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value = "http://127.0.0.1:9464")]
        metrics_url: String,
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds per round.
        #[arg(long, default_value_t = 15)]
        duration: u64,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        #[arg(long, default_value_t = 50)]
        page: usize,
        /// Hidden posts on the audited page.
        #[arg(long, default_value_t = 10)]
        hidden: usize,
        /// A seeded facilitator.
        #[arg(long, default_value = "g0-m0")]
        handle: String,
    },
    /// Drive the thread page query against a running server.
    ThreadPage {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The server's metrics listener (`HEARTH_METRICS_ADDR`).
        #[arg(long, default_value = "http://127.0.0.1:9464")]
        metrics_url: String,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds to run.
        #[arg(long, default_value_t = 20)]
        duration: u64,
        /// Posts per page.
        #[arg(long, default_value_t = 50)]
        page: usize,
        /// A seeded account (`bench seed` makes g0-m0 … gN-mM).
        #[arg(long, default_value = "g0-m1")]
        handle: String,
    },
}

/// A client that drops idle connections before the server's keep-alive
/// (5 s) closes them: a request sent on a connection as the server closes
/// it is lost, which would count as the server's error.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(3))
        .pool_max_idle_per_host(512)
        .build()
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Detector { rounds } => detector::run(rounds),
        Command::DetectorTrain { out } => detector::train(&out),
        Command::DetectorCv => detector::cross_validate(),
        Command::DetectorMemory { posts } => detector::memory(posts).await,
        Command::DetectorScore { file, errors } => detector::score(&file, errors),
        Command::Seed {
            database_url,
            groups,
            members,
            threads,
            posts,
        } => seed(&database_url, groups, members, threads, posts).await,
        Command::ThreadPage {
            url,
            metrics_url,
            clients,
            duration,
            page,
            handle,
        } => load::thread_page(&url, &metrics_url, clients, duration, page, &handle).await,
        Command::Audit {
            url,
            metrics_url,
            clients,
            duration,
            rounds,
            page,
            hidden,
            handle,
        } => {
            audit::run(audit::Options {
                url,
                metrics_url,
                clients,
                duration,
                rounds,
                page,
                hidden,
                handle,
            })
            .await
        }
        Command::SqlFloor {
            database_url,
            url,
            metrics_url,
            clients,
            duration,
            rounds,
            page,
            handle,
        } => {
            load::sql_floor(load::FloorOptions {
                database_url,
                url,
                metrics_url,
                clients,
                duration,
                rounds,
                page,
                handle,
            })
            .await
        }
        Command::Soak {
            url,
            groups,
            subscribers,
            duration,
            calibrate,
            warmup,
            load,
            pids,
            metrics_url,
        } => {
            soak::run(soak::Options {
                url,
                groups,
                subscribers,
                duration,
                calibrate,
                warmup,
                load,
                pids,
                metrics_url,
            })
            .await
        }
        Command::Write {
            url,
            groups,
            writers,
            duration,
        } => {
            load::write(load::WriteOptions {
                url,
                groups,
                writers,
                duration,
            })
            .await
        }
        Command::LoginTiming { url, rounds } => login_timing(&url, rounds).await,
        Command::Search {
            database_url,
            embedded_only,
            queries,
            handle,
        } => {
            search::run(search::Options {
                database_url,
                embedded_only,
                queries,
                handle,
            })
            .await
        }
        Command::Fanout {
            urls,
            database_url,
            clients,
            rate,
            duration,
            pids,
            chaos_redis_port,
            chaos_down,
        } => {
            fanout::run(fanout::Options {
                urls,
                database_url,
                clients,
                rate,
                duration,
                pids,
                chaos_redis_port,
                chaos_down,
            })
            .await
        }
        Command::Notify {
            url,
            database_url,
            groups,
            members,
            threads,
        } => {
            notify::run(notify::Options {
                url,
                database_url,
                groups,
                members,
                threads,
            })
            .await
        }
        Command::Alert {
            url,
            database_url,
            groups,
            alerts,
            writers,
        } => {
            alert::run(alert::Options {
                url,
                database_url,
                groups,
                alerts,
                writers,
            })
            .await
        }
    }
}

use vocab::sentence;

async fn seed(
    url: &str,
    groups: usize,
    members: usize,
    threads: usize,
    posts: usize,
) -> anyhow::Result<()> {
    let db = Database::connect(url).await.context("connecting")?;
    Migrator::up(&db, None).await?;
    let started = Instant::now();
    let hash: PasswordHash = Argon2::default()
        .hash_password(PASSWORD.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let hash = hash.to_string();
    let mut rng = rand::rng();
    let base = Utc::now().trunc_subsecs(6) - ChronoDuration::days(60);
    let (mut n_posts, mut n_reactions) = (0usize, 0usize);
    for g in 0..groups {
        let txn = db.begin().await?;
        let gid = Uuid::now_v7();
        group::Entity::insert(group::ActiveModel {
            id: Set(gid),
            slug: Set(format!("bench-group-{g}")),
            name: Set(format!("Bench group {g}")),
            description: Set("A seeded group".into()),
            created_at: Set(base),
            event_seq: Set(0),
            archived_at: Set(None),
            retention_days: Set(None),
            delete_after: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        let mut users = Vec::with_capacity(members);
        for m in 0..members {
            users.push(user::ActiveModel {
                id: Set(Uuid::now_v7()),
                handle: Set(format!("g{g}-m{m}")),
                display_name: Set(format!("Member {m} of {g}")),
                password_hash: Set(Some(hash.clone())),
                external_subject: Set(None),
                role: Set(if m == 0 {
                    PlatformRole::Facilitator
                } else {
                    PlatformRole::Member
                }),
                created_at: Set(base),
            });
        }
        let user_ids: Vec<Uuid> = users.iter().map(|u| *u.id.as_ref()).collect();
        user::Entity::insert_many(users)
            .exec_without_returning(&txn)
            .await?;
        membership::Entity::insert_many(user_ids.iter().enumerate().map(|(i, u)| {
            membership::ActiveModel {
                group_id: Set(gid),
                user_id: Set(*u),
                role: Set(if i == 0 {
                    GroupRole::Facilitator
                } else {
                    GroupRole::Member
                }),
                joined_at: Set(base),
                muted_until: Set(None),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
        for t in 0..threads {
            // The most recently active thread of each group is a long one,
            // so that a 50-post page is a full page.
            let posts = if t + 1 == threads {
                posts.max(100)
            } else {
                posts
            };
            let tid = Uuid::now_v7();
            let first_pid = Uuid::now_v7();
            let t0 = base + ChronoDuration::minutes((t * 60) as i64);
            let last = t0 + ChronoDuration::seconds(posts as i64 * 30);
            thread::Entity::insert(thread::ActiveModel {
                id: Set(tid),
                group_id: Set(gid),
                author_id: Set(user_ids.choose(&mut rng).copied()),
                title: Set(sentence(&mut rng, 5)),
                kind: Set(ThreadKind::Discussion),
                pinned: Set(false),
                locked: Set(false),
                visible_posts: Set(posts as i32),
                hidden_posts: Set(0),
                created_at: Set(t0),
                last_activity_at: Set(last),
                opening_post_id: Set(Some(first_pid)),
                title_hidden: Set(false),
            })
            .exec_without_returning(&txn)
            .await?;
            let mut rows = Vec::with_capacity(posts);
            let mut reacts = Vec::new();
            let mut prev: Option<Uuid> = None;
            for p in 0..posts {
                let pid = if p == 0 { first_pid } else { Uuid::now_v7() };
                // Mostly short posts, some long ones.
                let words = if rng.random_bool(0.1) {
                    rng.random_range(80..300)
                } else {
                    rng.random_range(8..80)
                };
                let reply = if p > 0 && rng.random_bool(0.3) {
                    prev
                } else {
                    None
                };
                rows.push(post::ActiveModel {
                    id: Set(pid),
                    thread_id: Set(tid),
                    group_id: Set(gid),
                    author_id: Set(user_ids.choose(&mut rng).copied()),
                    body: Set(Some(sentence(&mut rng, words))),
                    content_warning: Set(None),
                    reply_to_id: Set(reply),
                    state: Set(PostState::Visible),
                    created_at: Set(t0 + ChronoDuration::seconds(p as i64 * 30)),
                    edited_at: Set(None),
                    risk: Set(None),
                });
                if rng.random_bool(1.0 / 3.0) {
                    let n = rng.random_range(1..=3.min(members));
                    for u in user_ids.choose_multiple(&mut rng, n) {
                        reacts.push(reaction::ActiveModel {
                            post_id: Set(pid),
                            user_id: Set(*u),
                            kind: Set(*[
                                ReactionKind::Heart,
                                ReactionKind::Hug,
                                ReactionKind::Thanks,
                            ]
                            .choose(&mut rng)
                            .unwrap_or(&ReactionKind::Heart)),
                            created_at: Set(t0),
                        });
                    }
                }
                prev = Some(pid);
            }
            n_posts += rows.len();
            n_reactions += reacts.len();
            post::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
            if !reacts.is_empty() {
                reaction::Entity::insert_many(reacts)
                    .exec_without_returning(&txn)
                    .await?;
            }
        }
        txn.commit().await?;
        if (g + 1) % 20 == 0 || g + 1 == groups {
            eprintln!(
                "seeded {}/{groups} groups, {n_posts} posts ({:.0?})",
                g + 1,
                started.elapsed()
            );
        }
    }
    // Fresh planner statistics: without them Postgres may scan whole tables
    // for the first queries after a bulk load.
    if url.starts_with("postgres") {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("ANALYZE").await?;
    }
    println!(
        "seeded {groups} groups, {} users, {} threads, {n_posts} posts, {n_reactions} reactions in {:.1?}",
        groups * members,
        groups * threads,
        started.elapsed()
    );
    Ok(())
}

/// Registers an account with the benchmark password; returns its access token.
pub(crate) async fn register(
    client: &reqwest::Client,
    url: &str,
    handle: &str,
) -> anyhow::Result<String> {
    let d = gql(
        client,
        url,
        None,
        "mutation($h: String!, $p: String!) { register(input: {handle: $h, displayName: $h, password: $p}) { accessToken } }",
        json!({"h": handle, "p": PASSWORD}),
    )
    .await?;
    Ok(d["register"]["accessToken"]
        .as_str()
        .context("token")?
        .to_owned())
}

/// Registers `handle` and joins the group of invite `code`; returns its token.
pub(crate) async fn new_member(
    client: &reqwest::Client,
    url: &str,
    handle: &str,
    code: &str,
) -> anyhow::Result<String> {
    let token = register(client, url, handle).await?;
    gql(
        client,
        url,
        Some(&token),
        "mutation($c: String!) { joinGroup(code: $c) { role } }",
        json!({"c": code}),
    )
    .await?;
    Ok(token)
}

pub(crate) async fn gql(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    vars: Value,
) -> anyhow::Result<Value> {
    let mut req = client
        .post(format!("{url}/graphql"))
        .json(&json!({"query": query, "variables": vars}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let v: Value = req.send().await?.json().await?;
    if let Some(e) = v.get("errors") {
        bail!("GraphQL error: {e}");
    }
    Ok(v["data"].clone())
}

pub(crate) async fn statements(client: &reqwest::Client, url: &str) -> anyhow::Result<u64> {
    let text = client
        .get(format!("{url}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    text.lines()
        .find_map(|l| l.strip_prefix("hearth_sql_statements_total "))
        .and_then(|v| v.trim().parse().ok())
        .context("no hearth_sql_statements_total in /metrics")
}

/// A wrong password and an unknown handle should cost the same and read
/// the same, so that timing does not tell who has an account.
async fn login_timing(url: &str, rounds: usize) -> anyhow::Result<()> {
    let client = crate::http_client();
    let handle = format!("timing-{:x}", rand::random::<u32>());
    register(&client, url, &handle).await?;
    let login = |h: String| {
        let client = client.clone();
        async move {
            let started = Instant::now();
            let resp: Value = client
                .post(format!("{url}/graphql"))
                .json(&json!({
                    "query": "mutation($h: String!, $p: String!) { login(input: {handle: $h, password: $p}) { accessToken } }",
                    "variables": {"h": h, "p": "not the password"}
                }))
                .send()
                .await?
                .json()
                .await?;
            anyhow::Ok((started.elapsed(), resp["errors"][0]["message"].clone()))
        }
    };
    let (mut wrong, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..rounds {
        // Alternate which goes first, so neither always follows the other.
        let (m1, m2);
        if i % 2 == 0 {
            let (t, m) = login(handle.clone()).await?;
            wrong.push(t);
            m1 = m;
            let (t, m) = login(format!("nobody-{i}-{handle}")).await?;
            unknown.push(t);
            m2 = m;
        } else {
            let (t, m) = login(format!("nobody-{i}-{handle}")).await?;
            unknown.push(t);
            m2 = m;
            let (t, m) = login(handle.clone()).await?;
            wrong.push(t);
            m1 = m;
        }
        if m1 != m2 {
            bail!("different answers: {m1} / {m2}");
        }
    }
    let (w, u) = (Percentiles::new(wrong), Percentiles::new(unknown));
    println!(
        "login, {rounds} each: wrong password p50 {:.1?}, unknown handle p50 {:.1?}, ratio {:.3}",
        w.p50,
        u.p50,
        u.p50.as_secs_f64() / w.p50.as_secs_f64()
    );
    Ok(())
}

/// This process's anonymous resident memory, from /proc (Linux).
fn rss_anon_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("RssAnon:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

/// Registers `handle`, makes them a facilitator (what `hearth user
/// set-role` does, on the server's database) and creates a group named
/// `name`: their token and the group's id.
pub(crate) async fn facilitator_with_group(
    client: &reqwest::Client,
    url: &str,
    db: &sea_orm::DatabaseConnection,
    handle: &str,
    name: &str,
) -> anyhow::Result<(String, String)> {
    use anyhow::Context;
    use sea_orm::{sea_query::Expr, ColumnTrait, QueryFilter};
    let token = register(client, url, handle).await?;
    user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::value(PlatformRole::Facilitator))
        .filter(user::Column::Handle.eq(handle))
        .exec(db)
        .await?;
    let d = gql(
        client,
        url,
        Some(&token),
        "mutation($n: String!) { createGroup(input: {name: $n}) { id } }",
        json!({ "n": name }),
    )
    .await?;
    let gid = d["createGroup"]["id"].as_str().context("group")?.to_owned();
    Ok((token, gid))
}
