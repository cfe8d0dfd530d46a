//! `bench alert`: facilitators subscribed to `moderationEvents` across many
//! groups, ordinary posts as background load, and crisis posts whose
//! FLAG_RAISED delivery is timed from the event's commit-time stamp
//! (`occurredAt`, written in the post's transaction) to receipt.
use crate::{gql, new_member, ws::Ws, Percentiles};
use anyhow::Context;
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::Database;
use serde_json::json;
use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use tokio::sync::mpsc;

pub struct Options {
    pub url: String,
    pub database_url: String,
    pub groups: usize,
    pub alerts: usize,
    pub writers: usize,
}

struct Group {
    facilitator_token: String,
    member_token: String,
    group_id: String,
    thread_id: String,
}

async fn setup(o: &Options, run: &str) -> anyhow::Result<Vec<Group>> {
    let client = crate::http_client();
    let db = Database::connect(o.database_url.as_str()).await?;
    let mut groups = Vec::new();
    for g in 0..o.groups {
        let (f, gid) = crate::facilitator_with_group(
            &client,
            &o.url,
            &db,
            &format!("al-{run}-f{g}"),
            &format!("alert {run} {g}"),
        )
        .await?;
        let d = gql(
            &client,
            &o.url,
            Some(&f),
            "mutation($g: ID!) { createInvite(input: {groupId: $g}) { code } }",
            json!({"g": gid}),
        )
        .await?;
        let code = d["createInvite"]["code"]
            .as_str()
            .context("code")?
            .to_owned();
        let m = new_member(&client, &o.url, &format!("al-{run}-m{g}"), &code).await?;
        let d = gql(&client, &o.url, Some(&m), "mutation($g: ID!) { createThread(input: {groupId: $g, title: \"Between sessions\", body: \"How is everyone?\"}) { id } }", json!({"g": gid})).await?;
        let tid = d["createThread"]["id"]
            .as_str()
            .context("thread")?
            .to_owned();
        groups.push(Group {
            facilitator_token: f,
            member_token: m,
            group_id: gid,
            thread_id: tid,
        });
    }
    Ok(groups)
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    let run_id = format!("{:x}", rand::rng().random::<u32>());
    eprintln!("setting up {} groups…", o.groups);
    let groups = Arc::new(setup(&o, &run_id).await?);
    let (tx, mut rx) = mpsc::unbounded_channel::<Duration>();
    let sub = "subscription($g: ID!) { moderationEvents(groupId: $g) { kind occurredAt flag { priority } } }";
    for g in groups.iter() {
        let mut ws =
            Ws::subscribe(&o.url, &g.facilitator_token, sub, json!({"g": g.group_id})).await?;
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Ok(Some(d)) = ws.next_data().await {
                let e = &d["moderationEvents"];
                if e["kind"] != "FLAG_RAISED" || e["flag"]["priority"] != "URGENT" {
                    continue;
                }
                let received = Utc::now();
                if let Some(at) = e["occurredAt"]
                    .as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                {
                    let lat = (received - at.with_timezone(&Utc))
                        .to_std()
                        .unwrap_or_default();
                    let _ = tx.send(lat);
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Background load: ordinary posts in random groups, as fast as the
    // writers can go.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let client = crate::http_client();
    let mut writers = Vec::new();
    for _ in 0..o.writers {
        let (groups, stop, written, client, url) = (
            groups.clone(),
            stop.clone(),
            written.clone(),
            client.clone(),
            o.url.clone(),
        );
        writers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let g = &groups[rand::rng().random_range(0..groups.len())];
                let _ = gql(&client, &url, Some(&g.member_token), "mutation($t: ID!) { createPost(input: {threadId: $t, body: \"Slept better this week, thanks for the tips.\"}) { id } }", json!({"t": g.thread_id})).await;
                written.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let started = Instant::now();
    for i in 0..o.alerts {
        let g = &groups[i % groups.len()];
        gql(&client, &o.url, Some(&g.member_token), "mutation($t: ID!) { createPost(input: {threadId: $t, body: \"I can't do this anymore, I want to kill myself.\"}) { id } }", json!({"t": g.thread_id})).await?;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut lat = Vec::new();
    while lat.len() < o.alerts {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(l)) => lat.push(l),
            _ => break,
        }
    }
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    for w in writers {
        let _ = w.await;
    }
    let p = Percentiles::new(lat);
    println!(
        "alert: {} facilitator subscriptions in {} groups, {} writers",
        groups.len(),
        groups.len(),
        o.writers
    );
    println!(
        "  background posts: {} ({:.0}/s)",
        written.load(Ordering::Relaxed),
        written.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
    );
    println!("  crisis alerts: {} sent, {} received", o.alerts, p.n);
    println!(
        "  commit → FLAG_RAISED received: p50 {:.1?}  p99 {:.1?}  max {:.1?}",
        p.p50, p.p99, p.max
    );
    Ok(())
}
