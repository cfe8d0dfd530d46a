//! GraphQL over HTTP as clients and CDNs meet it: automatic persisted
//! queries (shared across instances through Redis), GET for queries only,
//! `application/graphql-response+json`, and GraphiQL served from here with
//! a Content-Security-Policy.
use crate::backend_tests;
use crate::helpers::{code_of, redis_url, spawn_pair, Member, TestApp};
use serde_json::{json, Value};

const ME: &str = "query Me { viewer { handle } }";

fn sha256(q: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(q.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn post(app: &TestApp, m: &Member, body: Value) -> Value {
    app.client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&m.token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn get(app: &TestApp, token: Option<&str>, params: &[(&str, String)]) -> reqwest::Response {
    let mut req = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(params);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

fn hashed(hash: &str) -> Value {
    json!({"persistedQuery": {"version": 1, "sha256Hash": hash}})
}

async fn persisted_queries_over_post_and_get(app: TestApp) {
    let m = app.register("apq-m").await;
    // Unique to this run: Redis outlives test databases.
    let me = format!(
        "query Me{} {{ viewer {{ handle }} }}",
        uuid::Uuid::new_v4().simple()
    );
    let me = me.as_str();
    let hash = sha256(me);
    // Unknown hash: the code Apollo clients answer by sending the text.
    let r = post(&app, &m, json!({"extensions": hashed(&hash)})).await;
    assert_eq!(code_of(&r), Some("PERSISTED_QUERY_NOT_FOUND"), "{r}");
    assert_eq!(r["errors"][0]["message"], "PersistedQueryNotFound");
    // A hash that is not the text's is refused, and registers nothing.
    let wrong = sha256("query Other { viewer { handle } }");
    let r = post(&app, &m, json!({"query": me, "extensions": hashed(&wrong)})).await;
    assert_eq!(code_of(&r), Some("BAD_USER_INPUT"), "{r}");
    // Text and hash: runs, and registers.
    let r = post(&app, &m, json!({"query": me, "extensions": hashed(&hash)})).await;
    assert_eq!(r["data"]["viewer"]["handle"], "apq-m", "{r}");
    // The hash alone now, by POST and by GET.
    let r = post(&app, &m, json!({"extensions": hashed(&hash)})).await;
    assert_eq!(r["data"]["viewer"]["handle"], "apq-m", "{r}");
    let resp = get(
        &app,
        Some(&m.token),
        &[("extensions", hashed(&hash).to_string())],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
    let r: Value = resp.json().await.unwrap();
    assert_eq!(r["data"]["viewer"]["handle"], "apq-m", "{r}");
    // Malformed hashes.
    for bad in ["abc", &"z".repeat(64)] {
        let r = post(&app, &m, json!({"extensions": hashed(bad)})).await;
        assert_eq!(code_of(&r), Some("BAD_USER_INPUT"), "{r}");
    }
}

async fn get_is_for_queries(app: TestApp) {
    let m = app.register("get-m").await;
    let resp = get(&app, Some(&m.token), &[("query", ME.into())]).await;
    assert_eq!(resp.status(), 200);
    let r: Value = resp.json().await.unwrap();
    assert_eq!(r["data"]["viewer"]["handle"], "get-m");
    // Mutations (and subscriptions) are refused over GET, and change nothing.
    let mutation = "mutation { createGroup(input: {name: \"Over GET\"}) { id } }";
    let resp = get(&app, Some(&m.token), &[("query", mutation.into())]).await;
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
    let sub = "subscription { notificationEvents { cursor } }";
    let resp = get(&app, Some(&m.token), &[("query", sub.into())]).await;
    assert_eq!(resp.status(), 405);
    // A signed-out query that runs may be cached by anyone.
    let resp = get(
        &app,
        None,
        &[("query", "{ pushConfig { vapidPublicKey } }".into())],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "public, max-age=60");
    // Malformed query strings are the client's error.
    let resp = get(
        &app,
        None,
        &[("variables", "{not json".into()), ("query", ME.into())],
    )
    .await;
    assert_eq!(resp.status(), 400);
}

async fn graphql_response_media_type(app: TestApp) {
    let m = app.register("gr-m").await;
    let send = |q: &str| {
        app.client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&m.token)
            .header(
                "accept",
                "application/graphql-response+json, application/json;q=0.9",
            )
            .json(&json!({"query": q}))
            .send()
    };
    let resp = send(ME).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/graphql-response+json"));
    // A request error: 400, and no data entry.
    for bad in ["{ viewer { ", "{ nosuchfield }"] {
        let resp = send(bad).await.unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
        let r: Value = resp.json().await.unwrap();
        assert!(r.get("data").is_none(), "{r}");
        assert_eq!(code_of(&r), Some("BAD_USER_INPUT"));
    }
    // A field error still answers 200 with data.
    let resp = send("{ group(id: \"nope\") { id } }").await.unwrap();
    assert_eq!(resp.status(), 200);
    let r: Value = resp.json().await.unwrap();
    assert_eq!(code_of(&r), Some("NOT_FOUND"));
    // Plain application/json keeps 200 for everything.
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({"query": "{ viewer { "}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}

/// GraphiQL comes from here: a CSP that forbids other origins, and every
/// asset the page names is served.
async fn graphiql_is_served_from_here(app: TestApp) {
    let resp = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    let html = resp.text().await.unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//unpkg"),
        "{html}"
    );
    let assets: Vec<&str> = html
        .split('"')
        .filter(|s| s.starts_with("/graphiql/"))
        .collect();
    assert_eq!(assets.len(), 7, "{html}");
    for a in assets {
        let r = app
            .client
            .get(format!("{}{a}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{a}");
        let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            (a.ends_with(".js") && kind.starts_with("text/javascript"))
                || (a.ends_with(".css") && kind.starts_with("text/css")),
            "{a}: {kind}"
        );
        assert!(r.bytes().await.unwrap().len() > 10);
    }
    let r = app
        .client
        .get(format!("{}/graphiql/../Cargo.toml", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

backend_tests!(
    persisted_queries_over_post_and_get,
    get_is_for_queries,
    graphql_response_media_type,
    graphiql_is_served_from_here,
);

/// A hash registered on one instance is known on another, through Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hearth_postgres), ignore = "set TEST_DATABASE_URL to run it")]
async fn persisted_queries_are_shared_through_redis() {
    let (Some(_), Some(redis)) = (crate::helpers::postgres_url(), redis_url()) else {
        return;
    };
    let (a, b) = spawn_pair(&redis).await;
    let m = a.register("apq-shared").await;
    // A query text unique to this run, so an earlier run's entry cannot help.
    let q = format!(
        "query Shared{} {{ viewer {{ handle }} }}",
        uuid::Uuid::new_v4().simple()
    );
    let hash = sha256(&q);
    let r = post(&b, &m, json!({"extensions": hashed(&hash)})).await;
    assert_eq!(code_of(&r), Some("PERSISTED_QUERY_NOT_FOUND"), "{r}");
    let r = post(&a, &m, json!({"query": q, "extensions": hashed(&hash)})).await;
    assert_eq!(r["data"]["viewer"]["handle"], "apq-shared", "{r}");
    let r = post(&b, &m, json!({"extensions": hashed(&hash)})).await;
    assert_eq!(r["data"]["viewer"]["handle"], "apq-shared", "{r}");
}
