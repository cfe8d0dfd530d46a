//! The thread page's cost of the access audit: the same facilitator's page
//! of the same thread, with `hidden` of its posts hidden (each read of
//! their text is audited) and with them visible (nothing to audit), rounds
//! alternating, and the ratio of the medians. The posts are hidden before
//! each audited phase and restored after it.
use crate::{
    gql,
    load::{login, page_run, PageTarget, Run},
    statements,
};
use anyhow::Context;
use serde_json::{json, Value};
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

async fn set_hidden(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    posts: &[Value],
    hide: bool,
) -> anyhow::Result<()> {
    let q = if hide {
        "mutation($p: ID!) { hidePost(postId: $p, reason: \"audit bench\") { state } }"
    } else {
        "mutation($p: ID!) { restorePost(postId: $p, reason: \"audit bench\") { state } }"
    };
    for p in posts {
        gql(client, url, Some(token), q, json!({ "p": p })).await?;
    }
    Ok(())
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    let client = crate::http_client();
    let url = o.url.as_str();
    let token = login(&client, url, &o.handle).await?;
    let d = gql(
        &client,
        url,
        Some(&token),
        "{ viewer { user { id } groups(first: 1) { nodes { threads(first: 1) { nodes { id posts(first: 100) { nodes { id state author { id } } } } } } } } }",
        json!({}),
    )
    .await?;
    let me = d["viewer"]["user"]["id"].clone();
    let thread = &d["viewer"]["groups"]["nodes"][0]["threads"]["nodes"][0];
    let posts = thread["posts"]["nodes"].as_array().context("posts")?;
    let page = o.page.min(posts.len());
    // Others' posts on the page (a facilitator hides those), visible now.
    let chosen: Vec<Value> = posts[..page]
        .iter()
        .filter(|p| p["author"]["id"] != me)
        .take(o.hidden)
        .map(|p| p["id"].clone())
        .collect();
    let was_hidden: Vec<Value> = posts[..page]
        .iter()
        .filter(|p| p["state"] == "HIDDEN" && chosen.contains(&p["id"]))
        .map(|p| p["id"].clone())
        .collect();
    set_hidden(&client, url, &token, &was_hidden, false).await?;
    let target = Arc::new(PageTarget {
        token: token.clone(),
        thread: thread["id"].as_str().context("thread")?.to_owned(),
        page,
    });
    let n = target.fetch(&client, url).await?;
    println!(
        "audit: facilitator's thread page of {n} posts, {} clients, {} rounds of {} s; {} of them hidden (audited) or not",
        o.clients,
        o.rounds,
        o.duration,
        chosen.len()
    );
    let (mut without, mut with) = (Vec::new(), Vec::new());
    let mut per_request = (0.0, 0.0);
    for round in 1..=o.rounds.max(1) {
        for audited in [false, true] {
            set_hidden(&client, url, &token, &chosen, audited).await?;
            let before = statements(&client, &o.metrics_url).await?;
            let run = page_run(&client, url, &target, o.clients, o.duration as f64).await;
            let after = statements(&client, &o.metrics_url).await?;
            let stmts = (after - before) as f64 / (run.ok + run.errors).max(1) as f64;
            let name = if audited {
                per_request.1 = stmts;
                "with audited reads   "
            } else {
                per_request.0 = stmts;
                "without audited reads"
            };
            println!("  round {round} {name}: {}", run.line());
            if audited {
                set_hidden(&client, url, &token, &chosen, false).await?;
                with.push(run);
            } else {
                without.push(run);
            }
        }
    }
    let median = |runs: &[Run]| {
        let mut r: Vec<f64> = runs.iter().map(Run::rate).collect();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    };
    let (a, b) = (median(&without), median(&with));
    println!(
        "  median without audited reads: {a:.0} req/s ({:.2} statements/request)",
        per_request.0
    );
    println!(
        "  median with audited reads:    {b:.0} req/s ({:.2} statements/request)",
        per_request.1
    );
    println!("  ratio with / without: {:.3}", b / a);
    for r in without.iter().chain(&with) {
        r.check("audit")?;
    }
    Ok(())
}
