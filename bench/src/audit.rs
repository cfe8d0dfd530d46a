//! The thread page's cost of the access audit: a facilitator's page that
//! shows hidden posts (each read leaves a trace, written in one statement
//! per request) against a page of the same size with none, rounds
//! alternating, and the ratio of the medians.
use crate::{
    gql,
    load::{login, page_run, PageTarget, Run},
    statements,
};
use anyhow::Context;
use serde_json::json;
use std::sync::Arc;

pub struct Options {
    pub url: String,
    pub metrics_url: String,
    pub clients: usize,
    pub duration: u64,
    pub rounds: usize,
    pub page: usize,
    pub hidden: usize,
    pub handle: String,
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    let client = crate::http_client();
    let url = o.url.as_str();
    let token = login(&client, url, &o.handle).await?;
    let d = gql(
        &client,
        url,
        Some(&token),
        "{ viewer { groups(first: 1) { nodes { threads(first: 2) { nodes { id } } } } } }",
        json!({}),
    )
    .await?;
    let ids: Vec<String> = d["viewer"]["groups"]["nodes"][0]["threads"]["nodes"]
        .as_array()
        .context("threads")?
        .iter()
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect();
    anyhow::ensure!(ids.len() == 2, "the facilitator's group needs two threads");
    let target = |thread: &String| {
        Arc::new(PageTarget {
            token: token.clone(),
            thread: thread.clone(),
            page: o.page,
        })
    };
    let (plain, audited) = (target(&ids[0]), target(&ids[1]));
    // Hide posts of others on the audited page (idempotent on a re-run).
    let page = gql(
        &client,
        url,
        Some(&token),
        "query($t: ID!, $n: Int) { viewer { user { id } } thread(id: $t) { posts(first: $n) { nodes { id state author { id } } } } }",
        json!({"t": audited.thread, "n": o.page}),
    )
    .await?;
    let me = page["viewer"]["user"]["id"].clone();
    let mut hidden = 0;
    for p in page["thread"]["posts"]["nodes"]
        .as_array()
        .context("posts")?
    {
        if hidden >= o.hidden {
            break;
        }
        if p["author"]["id"] == me {
            continue;
        }
        if p["state"] != "HIDDEN" {
            gql(
                &client,
                url,
                Some(&token),
                "mutation($p: ID!) { hidePost(postId: $p, reason: \"audit bench\") { state } }",
                json!({"p": p["id"]}),
            )
            .await?;
        }
        hidden += 1;
    }
    // Pages of the same size: the shorter thread's.
    let size = plain
        .fetch(&client, url)
        .await?
        .min(audited.fetch(&client, url).await?);
    let (plain, audited) = (
        Arc::new(PageTarget {
            token: token.clone(),
            thread: plain.thread.clone(),
            page: size,
        }),
        Arc::new(PageTarget {
            token: token.clone(),
            thread: audited.thread.clone(),
            page: size,
        }),
    );
    let n_plain = plain.fetch(&client, url).await?;
    let n_audited = audited.fetch(&client, url).await?;
    println!(
        "audit: facilitator's thread page, {} clients, {} rounds of {} s; {n_plain} posts without hidden ones vs {n_audited} posts of which {hidden} hidden (audited)",
        o.clients, o.rounds, o.duration
    );
    let (mut without, mut with) = (Vec::new(), Vec::new());
    let mut per_request = (0.0, 0.0);
    for round in 1..=o.rounds.max(1) {
        for (name, target, runs, stmts) in [
            (
                "without audit writes",
                &plain,
                &mut without,
                &mut per_request.0,
            ),
            (
                "with audit writes   ",
                &audited,
                &mut with,
                &mut per_request.1,
            ),
        ] {
            let before = statements(&client, &o.metrics_url).await?;
            let run = page_run(&client, url, target, o.clients, o.duration as f64).await;
            let after = statements(&client, &o.metrics_url).await?;
            *stmts = (after - before) as f64 / (run.ok + run.errors).max(1) as f64;
            println!("  round {round} {name}: {}", run.line());
            runs.push(run);
        }
    }
    let median = |runs: &[Run]| {
        let mut r: Vec<f64> = runs.iter().map(Run::rate).collect();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    };
    let (a, b) = (median(&without), median(&with));
    println!(
        "  median without audit writes: {a:.0} req/s ({:.2} statements/request)",
        per_request.0
    );
    println!(
        "  median with audit writes:    {b:.0} req/s ({:.2} statements/request)",
        per_request.1
    );
    println!("  ratio with / without: {:.3}", b / a);
    for r in without.iter().chain(&with) {
        r.check("audit")?;
    }
    Ok(())
}
