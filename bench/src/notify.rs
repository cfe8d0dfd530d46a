//! `bench notify`: members of many groups follow `notificationEvents`;
//! new threads are written across the groups, and each NEW_THREAD
//! notification is timed from the thread's commit-time stamp (`createdAt`,
//! written in its transaction) to its receipt. This is commit to inbox row
//! plus the live delivery.
use crate::{gql, new_member, register, ws::Ws, Percentiles};
use anyhow::Context;
use chrono::{DateTime, Utc};
use entity::{enums::PlatformRole, user};
use rand::Rng;
use sea_orm::{sea_query::Expr, ColumnTrait, Database, EntityTrait, QueryFilter};
use serde_json::json;
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::mpsc;

pub struct Options {
    pub url: String,
    pub database_url: String,
    pub groups: usize,
    /// Members per group besides its facilitator.
    pub members: usize,
    /// New threads written, spread over the groups.
    pub threads: usize,
}

struct Group {
    id: String,
    tokens: Vec<String>,
}

async fn setup(o: &Options, run: &str) -> anyhow::Result<Vec<Group>> {
    let client = crate::http_client();
    let db = Database::connect(o.database_url.as_str()).await?;
    let mut groups = Vec::new();
    for g in 0..o.groups {
        let (f, id) = crate::facilitator_with_group(
            &client,
            &o.url,
            &db,
            &format!("nb-{run}-f{g}"),
            &format!("notify {run} {g}"),
        )
        .await?;
        let d = gql(
            &client,
            &o.url,
            Some(&f),
            "mutation($g: ID!, $n: Int) { createInvite(input: {groupId: $g, maxUses: $n}) { code } }",
            json!({"g": id, "n": o.members.max(1)}),
        )
        .await?;
        let code = d["createInvite"]["code"]
            .as_str()
            .context("code")?
            .to_owned();
        let mut tokens = vec![f];
        for m in 0..o.members {
            tokens.push(new_member(&client, &o.url, &format!("nb-{run}-g{g}m{m}"), &code).await?);
        }
        groups.push(Group { id, tokens });
        if (g + 1) % 10 == 0 {
            eprintln!("  {} of {} groups", g + 1, o.groups);
        }
    }
    Ok(groups)
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    let run_id = format!("{:x}", rand::rng().random::<u32>());
    eprintln!(
        "setting up {} groups of {} members and a facilitator…",
        o.groups, o.members
    );
    let groups = Arc::new(setup(&o, &run_id).await?);
    let people: usize = groups.iter().map(|g| g.tokens.len()).sum();
    let (tx, mut rx) = mpsc::unbounded_channel::<Duration>();
    let sub = "subscription { notificationEvents { notification { kind thread { createdAt } } } }";
    for g in groups.iter() {
        for token in &g.tokens {
            let mut ws = Ws::subscribe(&o.url, token, sub, json!({})).await?;
            let tx = tx.clone();
            tokio::spawn(async move {
                while let Ok(Some(d)) = ws.next_data().await {
                    let n = &d["notificationEvents"]["notification"];
                    if n["kind"] != "NEW_THREAD" {
                        continue;
                    }
                    let received = Utc::now();
                    if let Some(at) = n["thread"]["createdAt"]
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
    }
    drop(tx);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Each thread notifies everyone else in its group.
    let client = crate::http_client();
    let expected: usize = (0..o.threads)
        .map(|i| groups[i % groups.len()].tokens.len() - 1)
        .sum();
    let started = Instant::now();
    for i in 0..o.threads {
        let g = &groups[i % groups.len()];
        let author = &g.tokens[rand::rng().random_range(0..g.tokens.len())];
        gql(
            &client,
            &o.url,
            Some(author),
            "mutation($g: ID!, $t: String!) { createThread(input: {groupId: $g, title: $t, body: \"What helped this week?\"}) { id } }",
            json!({"g": g.id, "t": format!("Week {i}")}),
        )
        .await?;
    }
    let written = started.elapsed();
    let mut lat = Vec::with_capacity(expected);
    while lat.len() < expected {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(l)) => lat.push(l),
            _ => break,
        }
    }
    let elapsed = started.elapsed();
    let p = Percentiles::new(lat);
    println!(
        "notify: {people} members following notificationEvents in {} groups",
        groups.len()
    );
    println!(
        "  {} threads written in {:.1?} ({:.0}/s)",
        o.threads,
        written,
        o.threads as f64 / written.as_secs_f64()
    );
    println!(
        "  NEW_THREAD notifications: {} expected, {} received ({:.0}/s over {:.1?})",
        expected,
        p.n,
        p.n as f64 / elapsed.as_secs_f64(),
        elapsed
    );
    println!(
        "  commit → notification received: p50 {:.1?}  p99 {:.1?}  max {:.1?}",
        p.p50, p.p99, p.max
    );
    if p.n < expected {
        anyhow::bail!("{} notifications never arrived", expected - p.n);
    }
    Ok(())
}
