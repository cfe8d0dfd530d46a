//! Fault injection for the Meilisearch adapter, through a stand-in server
//! that misbehaves on cue: hits the viewer may not read, hits that no
//! longer match, 5xx answers, failed tasks, an unreachable server. Every
//! behaviour a well-behaved server shows is tested against the real
//! Meilisearch in the conformance suite (`search.rs`, `search_ops.rs`).
use crate::fake_meili::FakeMeili;
use crate::helpers::{free_port, spawn_app_with, until, uuid_of, TestApp};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const INDEX: &str = "posts_t";

async fn app_on(url: String) -> TestApp {
    spawn_app_with(false, move |c| {
        c.search.meilisearch_url = Some(url);
        c.search.meilisearch_api_key = Some("test-key".into());
        c.search.meilisearch_index = INDEX.into();
    })
    .await
}

const SEARCH: &str = "query($q: String!, $f: PostSearchFilter) { searchPosts(query: $q, filter: $f) { totalCount nodes { highlight score post { id body } } } }";

fn raw_id(global: &str) -> String {
    uuid_of(global).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_injection_foreign_and_stale_hits_are_dropped() {
    let meili = FakeMeili::start();
    let app = app_on(meili.url.clone()).await;

    // At start-up: the index, then its settings.
    until(10, "settings", || async {
        !meili.sent("PATCH", "/settings").is_empty()
    })
    .await;
    let created = &meili.sent("POST", "/indexes")[0];
    assert_eq!(created.body, json!({"uid": INDEX, "primaryKey": "id"}));
    assert_eq!(created.auth.as_deref(), Some("Bearer test-key"));
    let settings = &meili.sent("PATCH", &format!("/indexes/{INDEX}/settings"))[0].body;
    assert_eq!(settings["searchableAttributes"], json!(["text"]));
    let mut filterable: Vec<&str> = settings["filterableAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    filterable.sort();
    assert_eq!(
        filterable,
        [
            "author_id",
            "created_at",
            "group_id",
            "id",
            "state",
            "thread_id"
        ]
    );
    assert_eq!(settings["sortableAttributes"], json!(["created_at"]));
    assert_eq!(settings["typoTolerance"]["enabled"], true);
    assert_eq!(
        settings["typoTolerance"]["minWordSizeForTypos"],
        json!({"oneTypo": 5, "twoTypos": 9})
    );
    assert_eq!(settings["pagination"]["maxTotalHits"], 1000);

    // A new post becomes one document with the fields filters need.
    let (f, g) = app.group_with_facilitator("meili-f").await;
    let (t, opening) = app.thread(&f.token, &g, "Sleep").await;
    let p = app.post(&f.token, &t, "Could not <sleep> again").await;
    app.wait_indexed().await;
    let docs: Vec<Value> = meili
        .sent("POST", &format!("/indexes/{INDEX}/documents"))
        .into_iter()
        .flat_map(|r| r.body.as_array().cloned().unwrap_or_default())
        .collect();
    let doc = docs
        .iter()
        .find(|d| d["id"] == raw_id(&p))
        .unwrap_or_else(|| panic!("no document for {}: {docs:?}", raw_id(&p)));
    assert_eq!(doc["group_id"], raw_id(&g));
    assert_eq!(doc["thread_id"], raw_id(&t));
    assert_eq!(doc["author_id"], raw_id(&f.id));
    assert_eq!(doc["state"], "visible");
    // Hearth's analysed words, never the raw body.
    assert_eq!(doc["text"], "could not sleep again");
    assert!(doc.get("body").is_none());
    assert!(doc["created_at"].as_i64().unwrap() > 1_700_000_000_000_000);

    // A search sends the analysed words and a filter built from the
    // viewer's memberships; the client's syntax never reaches Meilisearch.
    // The stand-in also returns posts this viewer may not read: another
    // group's, a hidden one (not asked for), one that no longer exists.
    let (other_f, other_g) = app.group_with_facilitator("meili-other").await;
    let (other_t, _) = app.thread(&other_f.token, &other_g, "Other").await;
    let other_post = app
        .post(&other_f.token, &other_t, "sleep again elsewhere")
        .await;
    let hidden = app.post(&f.token, &t, "sleep again, hidden").await;
    app.ok(
        Some(&f.token),
        "mutation($p: ID!) { hidePost(postId: $p) { id } }",
        json!({"p": hidden}),
    )
    .await;
    meili.state.lock().unwrap().hits = vec![
        raw_id(&other_post),
        raw_id(&hidden),
        uuid::Uuid::now_v7().to_string(),
        raw_id(&p),
    ];
    let since = "2026-01-01T00:00:00Z";
    let d = app
        .ok(
            Some(&f.token),
            SEARCH,
            json!({"q": "\"Sleep\" (-again:*)", "f": {"threadId": t, "since": since}}),
        )
        .await;
    let sent = meili.sent("POST", &format!("/indexes/{INDEX}/search"));
    let body = &sent.last().unwrap().body;
    assert_eq!(body["q"], "sleep again");
    let micros = chrono::DateTime::parse_from_rfc3339(since)
        .unwrap()
        .timestamp_micros();
    assert_eq!(
        body["filter"],
        format!(
            "((state = \"visible\" AND group_id IN [\"{}\"])) AND thread_id = \"{}\" AND created_at >= {micros}",
            raw_id(&g),
            raw_id(&t)
        )
    );
    assert_eq!(body["matchingStrategy"], "all");
    assert_eq!(body["showRankingScore"], true);
    assert_eq!(body["attributesToRetrieve"], json!(["id"]));
    // Pages, so that Meilisearch counts every hit.
    assert_eq!(
        (body["page"].as_u64(), body["hitsPerPage"].as_u64()),
        (Some(1), Some(20))
    );
    // A hit the database does not confirm for this viewer is dropped.
    let nodes = d["searchPosts"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0]["post"]["id"], p);
    assert_eq!(
        nodes[0]["highlight"],
        "Could not &lt;<mark>sleep</mark>&gt; <mark>again</mark>"
    );
    assert!((nodes[0]["score"].as_f64().unwrap() - 0.6).abs() < 1e-9);

    // A hit whose current text no longer matches (edited since it was
    // indexed) is dropped too.
    meili.state.lock().unwrap().hits = vec![raw_id(&p)];
    let d = app
        .ok(Some(&f.token), SEARCH, json!({"q": "lighthouse"}))
        .await;
    assert_eq!(d["searchPosts"]["nodes"], json!([]));

    // Facilitators asking for hidden posts add a clause for their groups.
    app.ok(
        Some(&f.token),
        SEARCH,
        json!({"q": "sleep", "f": {"states": ["HIDDEN"]}}),
    )
    .await;
    let body = meili.sent("POST", "/search").last().unwrap().body.clone();
    assert_eq!(
        body["filter"],
        format!(
            "((state = \"hidden\" AND group_id IN [\"{}\"]))",
            raw_id(&g)
        )
    );

    // Hiding re-sends the document; deleting removes it by id.
    app.ok(
        Some(&f.token),
        "mutation($p: ID!) { hidePost(postId: $p) { id } }",
        json!({"p": p}),
    )
    .await;
    app.wait_indexed().await;
    let last_doc = meili
        .sent("POST", &format!("/indexes/{INDEX}/documents"))
        .last()
        .unwrap()
        .body
        .clone();
    // The batch may carry other queued changes beside the hidden post's.
    let doc = last_doc
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == raw_id(&p))
        .unwrap_or_else(|| panic!("the hidden post was re-sent: {last_doc}"));
    assert_eq!(doc["state"], "hidden");
    app.ok(
        Some(&f.token),
        "mutation($p: ID!) { deletePost(postId: $p) { id } }",
        json!({"p": opening}),
    )
    .await;
    app.wait_indexed().await;
    let deleted = meili.sent("POST", &format!("/indexes/{INDEX}/documents/delete-batch"));
    assert_eq!(deleted.last().unwrap().body, json!([raw_id(&opening)]));
    // Every request carried the key.
    assert!(meili
        .requests()
        .iter()
        .all(|r| r.auth.as_deref() == Some("Bearer test-key")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_injection_failures_are_retried_and_reported() {
    let meili = FakeMeili::start();
    let app = app_on(meili.url.clone()).await;
    until(10, "settings", || async {
        !meili.sent("PATCH", "/settings").is_empty()
    })
    .await;
    meili.state.lock().unwrap().fail_tasks = true;

    // Writes succeed while Meilisearch fails every document task.
    let (f, g) = app.group_with_facilitator("fail-f").await;
    let (t, _) = app.thread(&f.token, &g, "Fail").await;
    app.post(&f.token, &t, "kept in the queue").await;
    let start = Instant::now();
    while app
        .metric(r#"hearth_worker_failed_batches_total{worker="search"}"#)
        .await
        < 2.0
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no failed batch reported"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        app.metric(r#"hearth_worker_queue_depth{worker="search"}"#)
            .await
            >= 1.0
    );
    let tries = meili.sent("POST", "/documents").len();
    assert!(tries >= 2, "retried: {tries}");

    // Once tasks succeed again the queue drains.
    meili.state.lock().unwrap().fail_tasks = false;
    app.wait_indexed().await;
    assert!(
        app.metric(r#"hearth_worker_processed_total{worker="search"}"#)
            .await
            >= 2.0
    );

    // A Meilisearch error on search is UNAVAILABLE for the client, without
    // Meilisearch's words.
    meili.state.lock().unwrap().fail_search = true;
    let r = app.gql(Some(&f.token), SEARCH, json!({"q": "queue"})).await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "UNAVAILABLE");
    let msg = r["errors"][0]["message"].as_str().unwrap();
    assert!(msg.contains("search is temporarily unavailable"), "{msg}");
    assert!(!msg.contains("secret_field"), "{msg}");
    assert!(r["errors"][0]["extensions"]["requestId"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_injection_writes_go_on_while_meilisearch_is_unreachable() {
    let addr = format!("127.0.0.1:{}", free_port());
    let app = app_on(format!("http://{addr}")).await;
    let (f, g) = app.group_with_facilitator("down-f").await;
    let (t, _) = app.thread(&f.token, &g, "Down").await;
    for i in 0..5 {
        app.post(&f.token, &t, &format!("written while down {i}"))
            .await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        app.metric(r#"hearth_worker_queue_depth{worker="search"}"#)
            .await
            >= 6.0
    );
    let r = app.gql(Some(&f.token), SEARCH, json!({"q": "down"})).await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "UNAVAILABLE");

    // Meilisearch comes back on the same address: the index catches up.
    let meili = FakeMeili::start_on(std::net::TcpListener::bind(&addr).unwrap());
    app.wait_indexed().await;
    let docs: usize = meili
        .sent("POST", "/documents")
        .iter()
        .map(|r| r.body.as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(docs, 6);
    assert_eq!(meili.sent("PATCH", "/settings").len(), 1);
}
