//! `bench fanout`: N WebSocket clients subscribed to one thread, spread over
//! one or more instances; a writer posts at a steady rate on the first.
//! Reports the latency from each post's commit stamp (`occurredAt`, written
//! in its transaction) to each client's receipt, and the servers' resident
//! memory per idle subscription.
use crate::{gql, new_member, register, ws::Ws, Percentiles};
use anyhow::Context;
use chrono::{DateTime, Utc};
use entity::{enums::PlatformRole, user};
use sea_orm::{sea_query::Expr, ColumnTrait, Database, EntityTrait, QueryFilter};
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
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let url = o.urls.first().context("at least one --url")?.clone();
    let run: u32 = rand::random();
    let run = format!("{run:x}");
    // A facilitator, a group and a thread; members to hold the connections
    // (ten each, the default per-user limit).
    let fh = format!("fo-{run}-f");
    let f = register(&client, &url, &fh).await?;
    let db = Database::connect(o.database_url.as_str()).await?;
    user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::value(PlatformRole::Facilitator))
        .filter(user::Column::Handle.eq(fh))
        .exec(&db)
        .await?;
    let d = gql(
        &client,
        &url,
        Some(&f),
        "mutation($n: String!) { createGroup(input: {name: $n}) { id } }",
        json!({"n": format!("fanout {run}")}),
    )
    .await?;
    let gid = d["createGroup"]["id"].as_str().context("group")?.to_owned();
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

    let rss_before: Vec<Option<u64>> = o.pids.iter().map(|p| rss_kib(*p)).collect();
    let (tx, mut rx) = mpsc::unbounded_channel::<Duration>();
    let sub =
        "subscription($t: ID!) { threadEvents(threadId: $t) { kind occurredAt post { id } } }";
    for i in 0..o.clients {
        let base = &o.urls[i % o.urls.len()];
        let mut ws = Ws::subscribe(base, &tokens[i / 10], sub, json!({"t": tid})).await?;
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Ok(Some(d)) = ws.next_data().await {
                let e = &d["threadEvents"];
                if e["kind"] != "POST_CREATED" {
                    continue;
                }
                let received = Utc::now();
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
        });
    }
    drop(tx);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after: Vec<Option<u64>> = o.pids.iter().map(|p| rss_kib(*p)).collect();

    let interval = Duration::from_secs_f64(1.0 / o.rate.max(0.1));
    let deadline = Instant::now() + Duration::from_secs(o.duration);
    let mut posts = 0usize;
    let mut tick = tokio::time::interval(interval);
    while Instant::now() < deadline {
        tick.tick().await;
        gql(&client, &url, Some(&f), "mutation($t: ID!) { createPost(input: {threadId: $t, body: \"A steady voice in the room.\"}) { id } }", json!({"t": tid})).await?;
        posts += 1;
    }
    let expected = posts * o.clients;
    let mut lat = Vec::with_capacity(expected);
    while lat.len() < expected {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(l)) => lat.push(l),
            _ => break,
        }
    }
    let p = Percentiles::new(lat);
    println!(
        "fanout: {} clients over {} instance(s), {posts} posts at {}/s",
        o.clients,
        o.urls.len(),
        o.rate
    );
    println!("  deliveries: {} of {expected}", p.n);
    println!(
        "  commit → receipt: p50 {:.1?}  p99 {:.1?}  max {:.1?}",
        p.p50, p.p99, p.max
    );
    for (i, pid) in o.pids.iter().enumerate() {
        if let (Some(b), Some(a)) = (rss_before[i], rss_after[i]) {
            let subs = o.clients / o.pids.len().max(1);
            println!(
                "  server {pid}: RSS {b} KiB idle → {a} KiB with {subs} subscriptions ({:.1} KiB each)",
                (a.saturating_sub(b)) as f64 / subs.max(1) as f64
            );
        }
    }
    Ok(())
}
