//! `bench notify`: members of many groups follow `notificationEvents`,
//! each with a Web Push subscription on a local push sink (the server must
//! run with `HEARTH_OUTBOUND_ALLOW_PRIVATE=true`).
//!
//! 1. New threads are written across the groups; each NEW_THREAD
//!    notification is timed from the thread's commit-time stamp
//!    (`createdAt`, written in its transaction) to its receipt on the
//!    stream: commit to inbox row plus live delivery. The sink counts the
//!    same notifications' pushes: push throughput.
//! 2. A crisis post in each group: the facilitator's URGENT_FLAG push
//!    (`Urgency: high`) is timed from just before the post was sent to its
//!    arrival at the sink.
use crate::{gql, new_member, ws::Ws, Percentiles};
use anyhow::Context;
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::Database;
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
    /// The facilitator's first.
    tokens: Vec<String>,
}

/// The push sink: when each push arrived, at which path, and whether it
/// was urgent.
#[derive(Default)]
struct Sink {
    arrivals: std::sync::Mutex<Vec<(String, Instant, bool)>>,
}

async fn sink_receive(
    req: actix_web::HttpRequest,
    sink: actix_web::web::Data<Sink>,
) -> actix_web::HttpResponse {
    let urgent = req
        .headers()
        .get("urgency")
        .is_some_and(|v| v.as_bytes() == b"high");
    if let Ok(mut a) = sink.arrivals.lock() {
        a.push((req.path().to_owned(), Instant::now(), urgent));
    }
    actix_web::HttpResponse::Created().finish()
}

fn start_sink() -> anyhow::Result<(String, actix_web::web::Data<Sink>)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let sink = actix_web::web::Data::new(Sink::default());
    let data = sink.clone();
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(data.clone())
            .default_service(actix_web::web::to(sink_receive))
    })
    .workers(1)
    .listen(listener)?
    .run();
    tokio::spawn(server);
    Ok((url, sink))
}

/// A browser's subscription keys, as `PushSubscription.toJSON()` gives them.
fn browser_keys() -> (String, String) {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use web_push_native::p256::{
        elliptic_curve::{rand_core::OsRng, sec1::ToEncodedPoint},
        SecretKey,
    };
    let key = SecretKey::random(&mut OsRng).public_key();
    (
        URL_SAFE_NO_PAD.encode(key.to_encoded_point(false).as_bytes()),
        URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes()),
    )
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
    let (sink_url, sink) = start_sink()?;
    {
        let client = crate::http_client();
        for (g, group) in groups.iter().enumerate() {
            for (k, token) in group.tokens.iter().enumerate() {
                let (p256dh, auth) = browser_keys();
                gql(
                    &client,
                    &o.url,
                    Some(token),
                    "mutation($e: String!, $k: String!, $a: String!) { registerPushSubscription(input: {endpoint: $e, p256dh: $k, auth: $a}) { id } }",
                    json!({"e": format!("{sink_url}/p{g}-{k}"), "k": p256dh, "a": auth}),
                )
                .await
                .context("registering a push subscription (is HEARTH_OUTBOUND_ALLOW_PRIVATE=true set on the server?)")?;
            }
        }
    }
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
    let mut threads: Vec<Option<String>> = vec![None; groups.len()];
    for i in 0..o.threads {
        let g = &groups[i % groups.len()];
        let author = &g.tokens[rand::rng().random_range(0..g.tokens.len())];
        let d = gql(
            &client,
            &o.url,
            Some(author),
            "mutation($g: ID!, $t: String!) { createThread(input: {groupId: $g, title: $t, body: \"What helped this week?\"}) { id } }",
            json!({"g": g.id, "t": format!("Week {i}")}),
        )
        .await?;
        threads[i % groups.len()] = d["createThread"]["id"].as_str().map(str::to_owned);
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

    // The same notifications' pushes.
    let deadline = Instant::now() + Duration::from_secs(30);
    let pushes = loop {
        let a = sink.arrivals.lock().map(|a| a.clone()).unwrap_or_default();
        if a.len() >= expected || Instant::now() > deadline {
            break a;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (first, last) = (
        pushes.iter().map(|a| a.1).min(),
        pushes.iter().map(|a| a.1).max(),
    );
    let span = first.zip(last).map(|(f, l)| l - f).unwrap_or_default();
    println!(
        "  pushes: {} of {} received; {:.0}/s from first to last arrival ({:.1?})",
        pushes.len(),
        expected,
        pushes.len() as f64 / span.as_secs_f64().max(0.001),
        span
    );

    // A crisis post in each group: the facilitator's urgent push.
    let mut sent = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let Some(thread) = &threads[g] else { continue };
        let at = Instant::now();
        gql(
            &client,
            &o.url,
            Some(&group.tokens[group.tokens.len() - 1]),
            "mutation($t: ID!) { createPost(input: {threadId: $t, body: \"I can't do this anymore, I want to kill myself.\"}) { id } }",
            json!({"t": thread}),
        )
        .await?;
        sent.push((format!("/p{g}-0"), at));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let urgent: Vec<Duration> = loop {
        let a = sink.arrivals.lock().map(|a| a.clone()).unwrap_or_default();
        let got: Vec<Duration> = sent
            .iter()
            .filter_map(|(path, at)| {
                a.iter()
                    .filter(|(p, t, u)| *u && p == path && t >= at)
                    .map(|(_, t, _)| *t - *at)
                    .min()
            })
            .collect();
        if got.len() >= sent.len() || Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let u = Percentiles::new(urgent);
    println!(
        "  urgent flags: {} crisis posts, {} facilitators' pushes; post sent → push received: p50 {:.1?}  p99 {:.1?}  max {:.1?}",
        sent.len(),
        u.n,
        u.p50,
        u.p99,
        u.max
    );
    if pushes.len() < expected || u.n < sent.len() {
        anyhow::bail!("pushes missing");
    }
    Ok(())
}
