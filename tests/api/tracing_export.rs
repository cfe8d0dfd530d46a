//! Spans over OTLP/HTTP: a `hearth serve` process with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set sends its spans (HTTP request,
//! GraphQL operation, SQL statements, search, webhook delivery) to a local
//! OTLP receiver, and never a member's words.
use crate::helpers::{free_port, until, wait_healthy};
use crate::webhooks::Receiver;
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// Takes OTLP/HTTP trace exports (protobuf) and keeps their bodies.
async fn otlp_receiver() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let bodies: Arc<Mutex<Vec<Vec<u8>>>> = Default::default();
    let b = bodies.clone();
    let server = HttpServer::new(move || {
        let b = b.clone();
        App::new().route(
            "/v1/traces",
            web::post().to(move |body: web::Bytes| {
                let b = b.clone();
                async move {
                    b.lock().unwrap().push(body.to_vec());
                    HttpResponse::Ok()
                        .content_type("application/x-protobuf")
                        .finish()
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (format!("http://127.0.0.1:{port}"), bodies)
}

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn gql(base: &str, token: Option<&str>, q: &str, v: Value) -> Value {
    let mut req = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        // Only the admin's webhook endpoint needs it; elsewhere it is ignored.
        .header("X-Hearth-Access-Reason", "tracing test")
        .json(&json!({"query": q, "variables": v}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r: Value = req.send().await.unwrap().json().await.unwrap();
    assert!(r.get("errors").is_none(), "{r}");
    r["data"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_go_out_over_otlp_without_members_words() {
    let (endpoint, bodies) = otlp_receiver().await;
    let rx = Receiver::start().await;
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let hearth = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hearth"));
        c.args(args)
            .env("HEARTH_DATA_DIR", data.path())
            .env("HEARTH_ADDR", format!("127.0.0.1:{port}"))
            .env("HEARTH_METRICS_ADDR", "off")
            .env("HEARTH_OUTBOUND_ALLOW_PRIVATE", "true")
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .env_remove("MEILISEARCH_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    let _server = Killed(
        hearth(&["serve"])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
            .env("OTEL_BSP_SCHEDULE_DELAY", "200")
            .spawn()
            .unwrap(),
    );
    wait_healthy(&base).await;
    let register = "mutation($h: String!) { register(input: {handle: $h, displayName: $h, password: \"correct horse battery\"}) { accessToken } }";
    let token = |d: Value| d["register"]["accessToken"].as_str().unwrap().to_owned();
    let admin = token(gql(&base, None, register, json!({"h": "otel-admin"})).await);
    let f = token(gql(&base, None, register, json!({"h": "otel-f"})).await);
    for (h, role) in [("otel-admin", "admin"), ("otel-f", "facilitator")] {
        let ok = hearth(&["user", "set-role", "--handle", h, "--role", role])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
    let d = gql(
        &base,
        Some(&admin),
        "mutation($u: String!) { createWebhookEndpoint(input: {url: $u, events: [MEMBER_JOINED]}) { secret } }",
        json!({"u": rx.url}),
    )
    .await;
    rx.use_secret(d["createWebhookEndpoint"]["secret"].as_str().unwrap());
    let g = gql(
        &base,
        Some(&f),
        "mutation { createGroup(input: {name: \"Traced\"}) { id } }",
        json!({}),
    )
    .await;
    let gid = g["createGroup"]["id"].as_str().unwrap().to_owned();
    gql(
        &base,
        Some(&f),
        "mutation($g: ID!) { createThread(input: {groupId: $g, title: \"zebra-secret-title\", body: \"zebra-secret-words\"}) { id } }",
        json!({"g": gid}),
    )
    .await;
    gql(
        &base,
        Some(&f),
        "query Find($q: String!) { searchPosts(query: $q) { totalCount } }",
        json!({"q": "zebra"}),
    )
    .await;
    rx.accepted("MEMBER_JOINED").await;
    let all = || -> String {
        bodies
            .lock()
            .unwrap()
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    };
    for name in [
        "POST /graphql",
        "graphql Find",
        "sql",
        "search",
        "webhook delivery",
    ] {
        until(
            20,
            &format!("a span named {name:?} is exported"),
            || async { all().contains(name) },
        )
        .await;
    }
    let exported = all();
    assert!(
        exported.contains("SELECT") || exported.contains("INSERT"),
        "SQL statements are exported"
    );
    for secret in ["zebra-secret-words", "zebra-secret-title", "correct horse"] {
        assert!(!exported.contains(secret), "{secret} must not be exported");
    }
}
