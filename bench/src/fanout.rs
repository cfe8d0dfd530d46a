//! `bench fanout`: N WebSocket clients subscribed to one thread, spread over
//! one or more instances; a writer posts at a steady rate on the first.
//! Reports the latency from each post's commit stamp (`occurredAt`, written
//! in its transaction) to each client's receipt, and the servers' resident
//! memory per idle subscription.
//!
//! With `--chaos-redis-port`, the benchmark owns the Redis server on that
//! port (the instances must use it): it stops it for `--chaos-down` seconds
//! in every 30, and reports whether every client still got every post once,
//! in order, and how resident memory moved over the run. A client whose
//! stream ends resumes from its last cursor, as a real client would.
use crate::{gql, new_member, ws::Ws, Percentiles};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::Database;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

pub struct Options {
    /// Instances; the writer posts on the first, clients are spread over all.
    pub urls: Vec<String>,
    pub database_url: String,
    pub clients: usize,
    pub rate: f64,
    pub duration: u64,
    /// Server process ids, for resident memory.
    pub pids: Vec<u32>,
    pub chaos_redis_port: Option<u16>,
    pub chaos_down: u64,
}

/// The Redis server the chaos run stops and starts.
struct Chaos {
    port: u16,
    child: Option<std::process::Child>,
}

impl Chaos {
    fn take_over(port: u16) -> anyhow::Result<Chaos> {
        // Whatever serves the port now makes way for ours.
        let _ = std::process::Command::new("redis-cli")
            .args(["-p", &port.to_string(), "shutdown", "nosave"])
            .output();
        let mut c = Chaos { port, child: None };
        c.start()?;
        Ok(c)
    }

    fn start(&mut self) -> anyhow::Result<()> {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .context("starting redis-server")?;
        self.child = Some(child);
        Ok(())
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Chaos {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What one client saw.
#[derive(Default)]
struct Seen {
    posts: Vec<String>,
    resumes: usize,
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    let client = crate::http_client();
    let url = o.urls.first().context("at least one --url")?.clone();
    let run: u32 = rand::random();
    let run = format!("{run:x}");
    // A facilitator, a group and a thread; members to hold the connections
    // (ten each, the default per-user limit).
    let db = Database::connect(o.database_url.as_str()).await?;
    let (f, gid) = crate::facilitator_with_group(
        &client,
        &url,
        &db,
        &format!("fo-{run}-f"),
        &format!("fanout {run}"),
    )
    .await?;
    let d = gql(&client, &url, Some(&f), "mutation($g: ID!) { createThread(input: {groupId: $g, title: \"Fan-out\", body: \"start\"}) { id } }", json!({"g": gid})).await?;
    let tid = d["createThread"]["id"]
        .as_str()
        .context("thread")?
        .to_owned();
    let d = gql(
        &client,
        &url,
        Some(&f),
        "mutation($g: ID!) { createInvite(input: {groupId: $g, maxUses: 1000}) { code } }",
        json!({"g": gid}),
    )
    .await?;
    let code = d["createInvite"]["code"]
        .as_str()
        .context("code")?
        .to_owned();
    let members = o.clients.div_ceil(10);
    let mut tokens = Vec::new();
    for i in 0..members {
        let t = new_member(&client, &url, &format!("fo-{run}-m{i}"), &code).await?;
        tokens.push(t);
    }

    let mut chaos = match o.chaos_redis_port {
        Some(port) => {
            let c = Chaos::take_over(port)?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            Some(c)
        }
        None => None,
    };

    let rss_before: Vec<Option<u64>> = o.pids.iter().map(|p| rss_kib(*p)).collect();
    let (tx, mut rx) = mpsc::unbounded_channel::<Duration>();
    let sub = "subscription($t: ID!, $a: String) { threadEvents(threadId: $t, after: $a) { cursor kind occurredAt post { id } } }";
    let mut clients = Vec::with_capacity(o.clients);
    for i in 0..o.clients {
        let base = o.urls[i % o.urls.len()].clone();
        let token = tokens[i / 10].clone();
        let tid = tid.clone();
        let mut ws = Ws::subscribe(&base, &token, sub, json!({"t": tid})).await?;
        let tx = tx.clone();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Seen::default()));
        clients.push(seen.clone());
        tokio::spawn(async move {
            let mut cursor: Option<String> = None;
            loop {
                match ws.next_data().await {
                    Ok(Some(d)) => {
                        let e = &d["threadEvents"];
                        cursor = e["cursor"].as_str().map(str::to_owned).or(cursor);
                        if e["kind"] != "POST_CREATED" {
                            continue;
                        }
                        let received = Utc::now();
                        // Recorded before the delivery is counted: the
                        // check below starts once every delivery is.
                        if let (Some(id), Ok(mut s)) = (e["post"]["id"].as_str(), seen.lock()) {
                            s.posts.push(id.to_owned());
                        }
                        if let Some(at) = e["occurredAt"]
                            .as_str()
                            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                        {
                            let _ = tx.send(
                                (received - at.with_timezone(&Utc))
                                    .to_std()
                                    .unwrap_or_default(),
                            );
                        }
                    }
                    // Ended (or told to resync): resume from the last cursor.
                    Ok(None) | Err(_) => {
                        let Some(after) = cursor.clone() else {
                            return;
                        };
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        match Ws::subscribe(&base, &token, sub, json!({"t": tid, "a": after})).await
                        {
                            Ok(w) => {
                                ws = w;
                                if let Ok(mut s) = seen.lock() {
                                    s.resumes += 1;
                                }
                            }
                            Err(_) => return,
                        }
                    }
                }
            }
        });
    }
    drop(tx);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after: Vec<Option<u64>> = o.pids.iter().map(|p| rss_kib(*p)).collect();

    let interval = Duration::from_secs_f64(1.0 / o.rate.max(0.1));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(o.duration);
    let mut written: Vec<String> = Vec::new();
    let mut failed_writes = 0usize;
    let mut outages = 0usize;
    let mut tick = tokio::time::interval(interval);
    let mut rss_peak: Vec<u64> = vec![0; o.pids.len()];
    // Every resident-memory sample, by minute: the median tells growth from
    // warm-up, the range shows the transient bursts (catch-up after each
    // Redis restart fans a backlog out to every subscriber at once).
    let mut rss_minutes: Vec<Vec<Vec<u64>>> = vec![Vec::new(); o.pids.len()];
    while Instant::now() < deadline {
        tick.tick().await;
        if let Some(c) = chaos.as_mut() {
            // Down for the last `chaos_down` seconds of every 30.
            let in_cycle = started.elapsed().as_secs() % 30;
            let want_down = in_cycle >= 30 - o.chaos_down.min(29);
            if want_down && c.child.is_some() {
                c.stop();
                outages += 1;
            } else if !want_down && c.child.is_none() {
                c.start()?;
            }
        }
        match gql(&client, &url, Some(&f), "mutation($t: ID!) { createPost(input: {threadId: $t, body: \"A steady voice in the room.\"}) { id } }", json!({"t": tid})).await {
            Ok(d) => {
                if let Some(id) = d["createPost"]["id"].as_str() {
                    written.push(id.to_owned());
                }
            }
            Err(_) => failed_writes += 1,
        }
        let minute = started.elapsed().as_secs() / 60;
        for (i, pid) in o.pids.iter().enumerate() {
            let rss = rss_kib(*pid).unwrap_or(0);
            rss_peak[i] = rss_peak[i].max(rss);
            while rss_minutes[i].len() as u64 <= minute {
                rss_minutes[i].push(Vec::new());
            }
            if let Some(m) = rss_minutes[i].last_mut() {
                m.push(rss);
            }
        }
    }
    if let Some(c) = chaos.as_mut() {
        if c.child.is_none() {
            c.start()?;
        }
    }
    let posts = written.len();
    let expected = posts * o.clients;
    let mut lat = Vec::with_capacity(expected);
    while lat.len() < expected {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(l)) => lat.push(l),
            _ => break,
        }
    }
    let rss_end: Vec<Option<u64>> = o.pids.iter().map(|p| rss_kib(*p)).collect();
    let p = Percentiles::new(lat);
    println!(
        "fanout: {} clients over {} instance(s), {posts} posts at {}/s{}",
        o.clients,
        o.urls.len(),
        o.rate,
        match o.chaos_redis_port {
            Some(_) => format!(", Redis stopped {outages} times for {} s", o.chaos_down),
            None => String::new(),
        }
    );
    println!("  deliveries: {} of {expected}", p.n);
    println!(
        "  commit → receipt: p50 {:.1?}  p99 {:.1?}  max {:.1?}",
        p.p50, p.p99, p.max
    );
    // Every client's posts, against what was written: once each, in order.
    let (mut missing, mut duplicates, mut out_of_order, mut resumes) = (0, 0, 0, 0);
    let order: std::collections::HashMap<&str, usize> = written
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    for c in &clients {
        let Ok(seen) = c.lock() else { continue };
        resumes += seen.resumes;
        let mut got = std::collections::HashSet::new();
        let mut last: Option<usize> = None;
        for id in &seen.posts {
            if !got.insert(id.as_str()) {
                duplicates += 1;
                continue;
            }
            if let Some(&at) = order.get(id.as_str()) {
                if last.is_some_and(|l| at < l) {
                    out_of_order += 1;
                }
                last = Some(at);
            }
        }
        missing += written
            .iter()
            .filter(|id| !got.contains(id.as_str()))
            .count();
    }
    println!(
        "  per client: {missing} missing, {duplicates} duplicates, {out_of_order} out of order, {resumes} resumes; {failed_writes} writes failed"
    );
    for (i, pid) in o.pids.iter().enumerate() {
        if let (Some(start), Some(end)) = (rss_after[i], rss_end[i]) {
            println!(
                "  server {pid}: RSS {start} KiB at the start of writing, {end} KiB at the end ({:+.1}%), peak {} KiB",
                (end as f64 - start as f64) * 100.0 / start.max(1) as f64,
                rss_peak[i]
            );
            let medians: Vec<u64> = rss_minutes[i]
                .iter_mut()
                .map(|m| {
                    m.sort_unstable();
                    m.get(m.len() / 2).copied().unwrap_or(0)
                })
                .collect();
            let mib = |v: &mut dyn Iterator<Item = u64>| {
                v.map(|k| (k / 1024).to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            println!(
                "    RSS median each minute (MiB): {}",
                mib(&mut medians.iter().copied())
            );
            println!(
                "    RSS min..max each minute (MiB): {}",
                rss_minutes[i]
                    .iter()
                    .map(|m| format!(
                        "{}..{}",
                        m.first().copied().unwrap_or(0) / 1024,
                        m.last().copied().unwrap_or(0) / 1024
                    ))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            // The last minute may be partial; minute 0 is warm-up.
            let full = &medians[..medians.len().saturating_sub(1)];
            if let (Some(first), Some(last)) = (full.get(1), full.last()) {
                let lo = full.iter().skip(1).min().copied().unwrap_or(0);
                let hi = full.iter().skip(1).max().copied().unwrap_or(0);
                println!(
                    "    median from minute 1 to the last full minute: {:+.1}%; range of minute medians {:.1}% of minute 1",
                    (*last as f64 - *first as f64) * 100.0 / (*first).max(1) as f64,
                    (hi as f64 - lo as f64) * 100.0 / (*first).max(1) as f64
                );
            }
        }
    }
    for (i, pid) in o.pids.iter().enumerate() {
        if let (Some(b), Some(a)) = (rss_before[i], rss_after[i]) {
            let subs = o.clients / o.pids.len().max(1);
            println!(
                "  server {pid}: RSS {b} KiB idle → {a} KiB with {subs} subscriptions ({:.1} KiB each)",
                (a.saturating_sub(b)) as f64 / subs.max(1) as f64
            );
        }
    }
    if missing + duplicates + out_of_order > 0 || written.is_empty() {
        anyhow::bail!(
            "delivery failed: {missing} missing, {duplicates} duplicates, {out_of_order} out of order, {} posts written",
            written.len()
        );
    }
    Ok(())
}
