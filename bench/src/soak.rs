//! `bench soak`: a long mixed load at a fixed share of measured capacity.
//!
//! Thread-page reads, posts, reactions and searches, with open WebSocket
//! subscriptions receiving the posts' and reactions' events. First the mix
//! runs closed-loop for `--calibrate` seconds to find what the server
//! sustains; then it is offered open-loop at `--load` of that for
//! `--warmup` seconds and then, measured, for `--duration` seconds. Reports
//! errors, the p99 of each operation per minute, the events the subscribers
//! received, and the servers' resident memory at the start and the end of
//! the measured part, as samples and as the medians of its first and last
//! minute (the allocator's working set moves by tens of MiB from one second
//! to the next). The warm-up lets bounded caches fill first: the crisis
//! detector's lazy DFAs grow with the variety of text seen until their
//! limit (`domain::crisis`), over some 10,000 posts.
use crate::{
    gql,
    load::{closed_loop, first_thread, login, Run, PAGE},
    vocab::sentence,
    ws::Ws,
    Percentiles,
};
use anyhow::{bail, Context};
use serde_json::json;
use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

pub struct Options {
    pub url: String,
    pub groups: usize,
    pub subscribers: usize,
    pub duration: u64,
    pub calibrate: u64,
    pub warmup: u64,
    pub load: f64,
    pub pids: Vec<u32>,
    /// The server's metrics listener, to wait for its deferred work.
    pub metrics_url: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Page,
    Post,
    React,
    Search,
}

const OPS: [Op; 4] = [Op::Page, Op::Post, Op::React, Op::Search];

impl Op {
    /// Of every 20 operations.
    fn share(self) -> u64 {
        match self {
            Op::Page => 12,
            Op::Post => 3,
            Op::React => 3,
            Op::Search => 2,
        }
    }

    fn pick(i: u64) -> Op {
        let mut k = i % 20;
        for op in OPS {
            if k < op.share() {
                return op;
            }
            k -= op.share();
        }
        Op::Page
    }

    fn name(self) -> &'static str {
        match self {
            Op::Page => "thread page",
            Op::Post => "createPost",
            Op::React => "react",
            Op::Search => "searchPosts",
        }
    }
}

/// A group's member, facilitator and busiest thread.
struct Group {
    member: String,
    facilitator: String,
    thread: String,
    posts: Vec<String>,
}

struct World {
    client: reqwest::Client,
    url: String,
    groups: Vec<Group>,
}

const WORDS: [&str; 8] = [
    "garden", "morning", "sleep", "walk", "family", "work", "quiet", "week",
];
const KINDS: [&str; 5] = ["HEART", "HUG", "SAME_HERE", "STRENGTH", "THANKS"];

impl World {
    async fn op(&self, op: Op, i: u64) -> anyhow::Result<()> {
        let g = &self.groups[(i as usize / 7) % self.groups.len()];
        match op {
            Op::Page => {
                let d = gql(
                    &self.client,
                    &self.url,
                    Some(&g.member),
                    PAGE,
                    json!({"t": g.thread, "n": 50}),
                )
                .await?;
                if d["thread"]["posts"]["edges"]
                    .as_array()
                    .is_none_or(Vec::is_empty)
                {
                    bail!("empty page");
                }
            }
            Op::Post => {
                let body = sentence(&mut rand::rng(), 20);
                gql(
                    &self.client,
                    &self.url,
                    Some(&g.member),
                    "mutation($t: ID!, $b: String!) { createPost(input: {threadId: $t, body: $b}) { id } }",
                    json!({"t": g.thread, "b": body}),
                )
                .await?;
            }
            Op::React => {
                let post = &g.posts[(i as usize) % g.posts.len()];
                let kind = KINDS[(i as usize / 3) % KINDS.len()];
                // Alternate, so that reactions neither pile up nor run out.
                let m = if (i / 11).is_multiple_of(2) {
                    "react"
                } else {
                    "unreact"
                };
                gql(
                    &self.client,
                    &self.url,
                    Some(&g.member),
                    &format!("mutation($p: ID!, $k: ReactionKind!) {{ {m}(postId: $p, kind: $k) {{ id }} }}"),
                    json!({"p": post, "k": kind}),
                )
                .await?;
            }
            Op::Search => {
                let q = WORDS[(i as usize) % WORDS.len()];
                gql(
                    &self.client,
                    &self.url,
                    Some(&g.facilitator),
                    "query($q: String!) { searchPosts(query: $q, first: 20) { totalCount nodes { highlight post { id } } } }",
                    json!({"q": q}),
                )
                .await?;
            }
        }
        Ok(())
    }
}

/// Waits until the workers' queues are empty (at most five minutes);
/// how long that took.
async fn drain_queue(client: &reqwest::Client, metrics: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        let text = client
            .get(format!("{metrics}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        // Every worker's rows (indexing, notifications, pushes) but the
        // escalation timers, which wait for their deadline.
        let depth: f64 = text
            .lines()
            .filter(|l| l.starts_with("hearth_worker_queue_depth{"))
            .filter(|l| !l.contains(r#"worker="escalation""#))
            .filter_map(|l| l.rsplit(' ').next()?.trim().parse::<f64>().ok())
            .sum();
        if depth == 0.0 {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(300) {
            bail!("the workers' queues still held {depth} rows after five minutes");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Resident memory in KiB: all of it, and the anonymous part (the heap;
/// the rest is mapped files, such as the search index's segments, which
/// the kernel may drop and read again).
#[derive(Clone, Copy)]
struct Rss {
    total: u64,
    anon: u64,
}

fn rss_kib(pid: u32) -> Option<Rss> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some(Rss {
        total: field("VmRSS:")?,
        anon: field("RssAnon:")?,
    })
}

/// One sample: when (seconds into the run), which operation, how long, ok.
type Sample = (u32, Op, Duration, bool);

pub async fn run(o: Options) -> anyhow::Result<()> {
    let client = crate::http_client();
    let url = o.url.clone();
    // Seeded groups: member 1 reads, writes and reacts; member 0
    // facilitates and searches; members 1.. hold the subscriptions.
    let mut groups = Vec::new();
    for g in 0..o.groups {
        let member = login(&client, &url, &format!("g{g}-m1")).await?;
        let facilitator = login(&client, &url, &format!("g{g}-m0")).await?;
        let thread = first_thread(&client, &url, &member).await?;
        let d = gql(
            &client,
            &url,
            Some(&member),
            "query($t: ID!) { thread(id: $t) { posts(first: 30) { nodes { id } } } }",
            json!({"t": thread}),
        )
        .await?;
        let posts: Vec<String> = d["thread"]["posts"]["nodes"]
            .as_array()
            .context("posts")?
            .iter()
            .filter_map(|p| p["id"].as_str().map(str::to_owned))
            .collect();
        if posts.is_empty() {
            bail!("group {g}'s thread has no posts");
        }
        groups.push(Group {
            member,
            facilitator,
            thread,
            posts,
        });
    }
    let world = Arc::new(World {
        client: client.clone(),
        url: url.clone(),
        groups,
    });

    // Subscribers: members 1..9 of each group, one connection each, on
    // their group's busy thread; counted as events arrive.
    let received = Arc::new(AtomicU64::new(0));
    let ended = Arc::new(AtomicU64::new(0));
    let sub = "subscription($t: ID!) { threadEvents(threadId: $t) { cursor kind post { id } } }";
    let per_group = o.subscribers.div_ceil(o.groups).clamp(1, 9);
    let mut n_subs = 0;
    'outer: for m in 1..=per_group {
        for (g, group) in world.groups.iter().enumerate() {
            if n_subs >= o.subscribers {
                break 'outer;
            }
            let token = login(&client, &url, &format!("g{g}-m{m}")).await?;
            let mut ws = Ws::subscribe(&url, &token, sub, json!({"t": group.thread})).await?;
            let (received, ended) = (received.clone(), ended.clone());
            tokio::spawn(async move {
                while let Ok(Some(_)) = ws.next_data().await {
                    received.fetch_add(1, Ordering::Relaxed);
                }
                ended.fetch_add(1, Ordering::Relaxed);
            });
            n_subs += 1;
        }
    }
    println!("soak: {} groups, {n_subs} subscriptions open", o.groups);

    // Capacity of this mix, closed-loop with 16 clients: a first half to
    // warm up, then the half that counts. The work the mix leaves behind
    // (the search index catching up with its posts) counts too: the time
    // until the server's queue drains is added to the measured time.
    let counter = Arc::new(AtomicU64::new(0));
    let calibrate = |secs: f64| {
        let (w, c) = (world.clone(), counter.clone());
        closed_loop(16, secs, move |_, _| {
            let (w, c) = (w.clone(), c.clone());
            async move {
                let i = c.fetch_add(1, Ordering::Relaxed);
                w.op(Op::pick(i), i).await
            }
        })
    };
    let half = (o.calibrate as f64 / 2.0).max(1.0);
    let warm = calibrate(half).await;
    let cal = calibrate(half).await;
    let drain = match &o.metrics_url {
        Some(m) => drain_queue(&client, m).await?,
        None => Duration::ZERO,
    };
    let capacity = cal.ok as f64 / (cal.elapsed + drain).as_secs_f64();
    let rate = capacity * o.load;
    println!(
        "  capacity of the mix (16 clients, {half:.0} s after {half:.0} s of warm-up, then {:.1} s until the workers' queues drained): {capacity:.0} ops/s; offering {rate:.0} ops/s ({:.0}%) for {} s",
        drain.as_secs_f64(),
        o.load * 100.0,
        o.duration
    );
    let cal = Run {
        errors: cal.errors + warm.errors,
        first_error: warm.first_error.or(cal.first_error),
        ..cal
    };
    if cal.errors > 0 {
        println!(
            "  calibration errors: {} (first: {})",
            cal.errors,
            cal.first_error.unwrap_or_default()
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut rss_start: Vec<Option<Rss>> = o.pids.iter().map(|p| rss_kib(*p)).collect();
    let mut received_start = received.load(Ordering::Relaxed);

    // Open loop: each tick starts the operations due by then. The first
    // `warmup` seconds are offered the same way but not measured.
    let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let first_error: Arc<Mutex<Option<String>>> = Arc::default();
    let in_flight = Arc::new(tokio::sync::Semaphore::new(1024));
    let warmup = Duration::from_secs(o.warmup);
    if o.warmup > 0 {
        println!("  warming up for {} s at that rate", o.warmup);
    }
    let began = Instant::now();
    let mut started = began + warmup;
    let mut measuring = o.warmup == 0;
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    let (mut issued, mut shed) = (0u64, 0u64);
    let mut rss_minutes: Vec<Vec<Rss>> = Vec::new();
    // One sample a second of the measured part, for the medians.
    let mut rss_seconds: Vec<Vec<Rss>> = Vec::new();
    let mut last_minute = u64::MAX;
    let mut last_second = u64::MAX;
    while began.elapsed() < warmup + Duration::from_secs(o.duration) {
        tick.tick().await;
        if !measuring && began.elapsed() >= warmup {
            measuring = true;
            started = Instant::now();
            rss_start = o.pids.iter().map(|p| rss_kib(*p)).collect();
            received_start = received.load(Ordering::Relaxed);
            // Warm-up operations still in flight are not counted.
            if let Ok(mut s) = samples.lock() {
                s.clear();
            }
            shed = 0;
        }
        let due = (began.elapsed().as_secs_f64() * rate) as u64;
        while issued < due {
            let i = counter.fetch_add(1, Ordering::Relaxed);
            issued += 1;
            let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                shed += 1;
                continue;
            };
            let (w, samples, first_error) = (world.clone(), samples.clone(), first_error.clone());
            let at = started.elapsed().as_secs() as u32;
            let counted = measuring;
            tokio::spawn(async move {
                let op = Op::pick(i);
                let t = Instant::now();
                let r = w.op(op, i).await;
                let took = t.elapsed();
                drop(permit);
                if !counted {
                    return;
                }
                if let Err(e) = &r {
                    if let Ok(mut f) = first_error.lock() {
                        f.get_or_insert_with(|| format!("{}: {e:#}", op.name()));
                    }
                }
                if let Ok(mut s) = samples.lock() {
                    s.push((at, op, took, r.is_ok()));
                }
            });
        }
        if !measuring {
            continue;
        }
        let second = started.elapsed().as_secs();
        if second != last_second {
            last_second = second;
            rss_seconds.push(o.pids.iter().filter_map(|p| rss_kib(*p)).collect());
        }
        let minute = second / 60;
        if minute != last_minute {
            last_minute = minute;
            rss_minutes.push(o.pids.iter().filter_map(|p| rss_kib(*p)).collect());
        }
    }
    // Let the last operations finish.
    let _ = tokio::time::timeout(Duration::from_secs(30), in_flight.acquire_many(1024)).await;
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_end: Vec<Option<Rss>> = o.pids.iter().map(|p| rss_kib(*p)).collect();
    let samples = std::mem::take(&mut *samples.lock().map_err(|_| anyhow::anyhow!("lock"))?);

    let errors = samples.iter().filter(|s| !s.3).count();
    println!(
        "  ran {:.0} s: {} operations ({:.0}/s), {errors} errors, {shed} shed (over 1024 in flight)",
        elapsed.as_secs_f64(),
        samples.len(),
        samples.len() as f64 / elapsed.as_secs_f64()
    );
    if let Some(e) = first_error.lock().ok().and_then(|f| f.clone()) {
        println!("  first error: {e}");
    }
    println!(
        "  subscriptions: {} events received during the run, {} streams ended",
        received.load(Ordering::Relaxed) - received_start,
        ended.load(Ordering::Relaxed)
    );
    let minutes = (o.duration.div_ceil(60)) as u32;
    print!("  p99 per minute:");
    for m in 0..minutes {
        print!(" {:>7}", format!("m{}", m + 1));
    }
    println!("   all (p50 / p99, n)");
    for op in OPS {
        print!("  {:<14}", op.name());
        for m in 0..minutes {
            let v: Vec<Duration> = samples
                .iter()
                .filter(|s| s.1 == op && s.0 / 60 == m && s.3)
                .map(|s| s.2)
                .collect();
            print!(" {:>7}", format!("{:.1?}", Percentiles::new(v).p99));
        }
        let all: Vec<Duration> = samples
            .iter()
            .filter(|s| s.1 == op && s.3)
            .map(|s| s.2)
            .collect();
        let p = Percentiles::new(all);
        println!("   {:.1?} / {:.1?}, {}", p.p50, p.p99, p.n);
    }
    for (i, pid) in o.pids.iter().enumerate() {
        if let (Some(a), Some(b)) = (rss_start[i], rss_end[i]) {
            let per_minute: Vec<String> = rss_minutes
                .iter()
                .filter_map(|m| m.get(i))
                .map(|k| format!("{}/{}", k.total / 1024, k.anon / 1024))
                .collect();
            let change = |a: u64, b: u64| (b as f64 - a as f64) * 100.0 / a.max(1) as f64;
            println!(
                "  server {pid}: RSS {} KiB at the start, {} KiB at the end ({:+.1}%); anonymous {} KiB, then {} KiB ({:+.1}%)",
                a.total,
                b.total,
                change(a.total, b.total),
                a.anon,
                b.anon,
                change(a.anon, b.anon),
            );
            println!(
                "    MiB each minute (all/anonymous): {}",
                per_minute.join(" ")
            );
            let median = |secs: &[Vec<Rss>]| {
                let mut v: Vec<u64> = secs
                    .iter()
                    .filter_map(|s| s.get(i))
                    .map(|r| r.total)
                    .collect();
                v.sort_unstable();
                v.get(v.len() / 2).copied()
            };
            let n = rss_seconds.len().min(60);
            if let (Some(first), Some(last)) = (
                median(&rss_seconds[..n]),
                median(&rss_seconds[rss_seconds.len() - n..]),
            ) {
                println!(
                    "    median RSS over the first minute {} KiB, over the last minute {} KiB ({:+.1}%)",
                    first,
                    last,
                    change(first, last)
                );
            }
        }
    }
    let ended = ended.load(Ordering::Relaxed);
    if errors > 0 || ended > 0 || samples.is_empty() {
        bail!("the soak failed: {errors} errors, {ended} subscriptions ended");
    }
    Ok(())
}
