//! Webhooks, as an integrator's receiver sees them: signed per Standard
//! Webhooks (checked here with an HMAC of our own, not the signing
//! crate), thin payloads, retries after failures, 410 disabling the
//! endpoint, and a sender killed mid-delivery losing nothing.
use crate::backend_tests;
use crate::helpers::{
    code_of, fresh_postgres_database, postgres_url, redis_url, spawn_app_with, spawn_on_with,
    until, Backend, Member, TestApp,
};
use crate::procs::Hearth;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::{engine::general_purpose::STANDARD, Engine};
use entity::enums::PlatformRole;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the receiver got: webhook-id, body, whether the signature held,
/// and what it answered (0: held, perhaps never answered).
#[derive(Debug, Clone)]
pub struct Got {
    pub id: String,
    pub body: Value,
    pub verified: bool,
    pub answered: u16,
}

/// How the receiver answers the next attempts.
#[derive(Default)]
struct Plan {
    /// Answer 500 to this many attempts first.
    fail_first: usize,
    /// Then answer this (200 when 0).
    status: u16,
    /// Wait this long before answering the first attempt.
    hang_first: Option<Duration>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Got>>>,
    secret: Arc<Mutex<String>>,
    plan: Arc<Mutex<Plan>>,
    _server: Arc<actix_web::dev::ServerHandle>,
}

fn verify(secret: &str, headers: &actix_web::http::header::HeaderMap, body: &[u8]) -> bool {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (Some(id), Some(ts), Some(sig)) = (
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
    ) else {
        return false;
    };
    let fresh = ts
        .parse::<i64>()
        .is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() < 300);
    let Ok(key) = STANDARD.decode(secret.trim_start_matches("whsec_")) else {
        return false;
    };
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(body);
    let want = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    fresh && sig.split(' ').any(|s| s == want)
}

impl Receiver {
    pub async fn start() -> Receiver {
        let got: Arc<Mutex<Vec<Got>>> = Default::default();
        let secret: Arc<Mutex<String>> = Default::default();
        let plan: Arc<Mutex<Plan>> = Default::default();
        let (g, s, p) = (got.clone(), secret.clone(), plan.clone());
        let server = HttpServer::new(move || {
            let (g, s, p) = (g.clone(), s.clone(), p.clone());
            App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let (g, s, p) = (g.clone(), s.clone(), p.clone());
                    async move {
                        let verified = verify(&s.lock().unwrap().clone(), req.headers(), &body);
                        let attempt = g.lock().unwrap().len();
                        let (status, hang) = {
                            let plan = p.lock().unwrap();
                            let status = if attempt < plan.fail_first {
                                500
                            } else if plan.status == 0 {
                                200
                            } else {
                                plan.status
                            };
                            (status, if attempt == 0 { plan.hang_first } else { None })
                        };
                        g.lock().unwrap().push(Got {
                            id: req
                                .headers()
                                .get("webhook-id")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned(),
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                            verified,
                            // A held attempt counts as unanswered: its
                            // sender may be gone before the answer.
                            answered: if hang.is_some() { 0 } else { status },
                        });
                        if let Some(d) = hang {
                            tokio::time::sleep(d).await;
                        }
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                            .finish()
                    }
                }),
            )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            got,
            secret,
            plan,
            _server: Arc::new(handle),
        }
    }

    pub fn use_secret(&self, s: &str) {
        *self.secret.lock().unwrap() = s.to_owned();
    }

    pub fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    fn plan(&self, fail_first: usize, status: u16) {
        let mut p = self.plan.lock().unwrap();
        p.fail_first = self.got.lock().unwrap().len() + fail_first;
        p.status = status;
    }

    /// Waits for a verified, accepted delivery of `kind`.
    pub async fn accepted(&self, kind: &str) -> Got {
        until(20, &format!("a {kind} webhook is accepted"), || async {
            self.got()
                .iter()
                .any(|g| g.body["type"] == kind && g.answered == 200)
        })
        .await;
        self.got()
            .into_iter()
            .find(|g| g.body["type"] == kind && g.answered == 200)
            .unwrap()
    }
}

pub async fn spawn_hooks(backend: Backend) -> TestApp {
    spawn_on_with(backend, |c| {
        c.push.outbound_allow_private = true;
        c.webhooks.webhook_retry_seconds = vec![1, 1, 1, 1, 1];
    })
    .await
}

const CREATE: &str = "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret endpoint { id url events enabled groupIds } } }";
const DELIVERIES: &str = "{ webhookEndpoints { id enabled disabledReason deliveries(first: 20) { nodes { id webhookId kind status attempts responseCode durationMs lastError } } } }";

async fn admin(app: &TestApp, handle: &str) -> Member {
    let a = app.register(handle).await;
    app.set_role(handle, PlatformRole::Admin).await;
    a
}

async fn deliveries(app: &TestApp, a: &Member) -> Vec<Value> {
    app.ok(Some(&a.token), DELIVERIES, json!({})).await["webhookEndpoints"][0]["deliveries"]
        ["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

async fn signed_retried_and_thin(app: TestApp) {
    let rx = Receiver::start().await;
    let a = admin(&app, "wh-admin").await;
    let (f, gid) = app.group_with_facilitator("wh-f").await;

    // Admins only; the URL is checked.
    let input = json!({"url": rx.url, "events": ["MEMBER_JOINED", "URGENT_FLAG_RAISED"]});
    app.fails(Some(&f.token), CREATE, json!({"i": input}), "FORBIDDEN")
        .await;
    app.fails(
        Some(&a.token),
        CREATE,
        json!({"i": {"url": "ftp://example.org/x", "events": ["MEMBER_JOINED"]}}),
        "BAD_USER_INPUT",
    )
    .await;
    // An endpoint for every group tells a third party about groups the
    // admin is not in: only with a stated reason, which is audited.
    app.fails(Some(&a.token), CREATE, json!({"i": input}), "FORBIDDEN")
        .await;
    let d = app
        .ok_reason(
            &a.token,
            "on-call pager for crisis flags",
            CREATE,
            json!({"i": input}),
        )
        .await;
    let audit = "{ accessAudit(first: 20) { nodes { kind reason groupId } } }";
    let log = app.ok(Some(&a.token), audit, json!({})).await;
    assert!(
        log["accessAudit"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "BREAK_GLASS"
                && n["reason"].as_str().unwrap_or("").contains("on-call pager")),
        "{log}"
    );
    let secret = d["createWebhookEndpoint"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let endpoint = d["createWebhookEndpoint"]["endpoint"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    rx.use_secret(&secret);
    // The secret is shown once: never again in a listing.
    let listed = app
        .ok(Some(&a.token), DELIVERIES, json!({}))
        .await
        .to_string();
    assert!(!listed.contains(&secret[6..]));

    // The first two attempts fail: the third, a second or so later, lands.
    rx.plan(2, 200);
    let m = app.member_of(&f, &gid, "wh-m").await;
    let got = rx.accepted("MEMBER_JOINED").await;
    assert!(got.verified, "the signature verifies: {got:?}");
    assert_eq!(got.body["data"]["groupId"], gid.as_str());
    assert_eq!(got.body["data"]["memberId"], m.id.as_str());
    let tries: Vec<Got> = rx.got().into_iter().filter(|g| g.id == got.id).collect();
    assert_eq!(
        tries.iter().map(|g| g.answered).collect::<Vec<_>>(),
        vec![500, 500, 200]
    );
    until(10, "the delivery is recorded", || async {
        deliveries(&app, &a)
            .await
            .iter()
            .any(|d| d["status"] == "SUCCEEDED")
    })
    .await;
    let list = deliveries(&app, &a).await;
    let d = list
        .iter()
        .find(|d| d["webhookId"] == got.id.as_str())
        .unwrap();
    assert_eq!(d["attempts"], 3, "{d}");
    assert_eq!(d["responseCode"], 200);
    assert!(d["durationMs"].is_number());
    assert!(
        app.metric("hearth_webhook_deliveries_total{outcome=\"retry\"}")
            .await
            >= 2.0
    );
    assert!(
        app.metric("hearth_webhook_deliveries_total{outcome=\"succeeded\"}")
            .await
            >= 1.0
    );

    // A crisis post: the payload names it, never its words.
    let (tid, _) = app.thread(&m.token, &gid, "This week").await;
    app.post(&m.token, &tid, "I want to kill myself tonight")
        .await;
    let got = rx.accepted("URGENT_FLAG_RAISED").await;
    assert!(got.verified);
    assert!(got.body["data"]["flagId"].is_string() && got.body["data"]["postId"].is_string());
    let text = got.body.to_string();
    assert!(!text.contains("kill") && !text.contains("wh-m"), "{text}");

    // Ping, redelivery (same webhook-id), a rotated secret.
    let ping = "mutation($e: ID!) { pingWebhook(id: $e) { id kind } }";
    app.ok(Some(&a.token), ping, json!({"e": endpoint})).await;
    assert!(rx.accepted("PING").await.verified);
    let before = rx.got().iter().filter(|g| g.id == got.id).count();
    let redeliver = "mutation($d: ID!) { redeliverWebhookDelivery(id: $d) { status } }";
    let did = deliveries(&app, &a)
        .await
        .into_iter()
        .find(|d| d["webhookId"] == got.id.as_str())
        .unwrap()["id"]
        .clone();
    app.ok(Some(&a.token), redeliver, json!({"d": did})).await;
    until(10, "the redelivery arrives", || async {
        rx.got().iter().filter(|g| g.id == got.id).count() > before
    })
    .await;
    let rotate = "mutation($e: ID!) { rotateWebhookSecret(id: $e) { secret } }";
    let new_secret = app.ok(Some(&a.token), rotate, json!({"e": endpoint})).await
        ["rotateWebhookSecret"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_secret, secret);
    rx.use_secret(&new_secret);
    let n = rx.got().len();
    app.ok(Some(&a.token), ping, json!({"e": endpoint})).await;
    until(10, "a ping under the new secret", || async {
        rx.got().len() > n
    })
    .await;
    assert!(rx.got()[n].verified);

    // 410 Gone disables the endpoint; nothing more is queued for it.
    rx.plan(0, 410);
    app.member_of(&f, &gid, "wh-m2").await;
    until(10, "the endpoint is disabled", || async {
        app.ok(Some(&a.token), DELIVERIES, json!({})).await["webhookEndpoints"][0]["enabled"]
            == false
    })
    .await;
    let d = app.ok(Some(&a.token), DELIVERIES, json!({})).await;
    assert!(d["webhookEndpoints"][0]["disabledReason"]
        .as_str()
        .unwrap()
        .contains("410"));
    assert_eq!(app.metric("hearth_webhook_endpoints_disabled").await, 1.0);
    let count = deliveries(&app, &a).await.len();
    app.member_of(&f, &gid, "wh-m3").await;
    app.wait_notified().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(deliveries(&app, &a).await.len(), count);
    let r = app.gql(Some(&a.token), redeliver, json!({"d": did})).await;
    assert_eq!(code_of(&r), Some("BAD_USER_INPUT"), "{r}");
}

async fn limited_to_groups(app: TestApp) {
    let rx = Receiver::start().await;
    let a = admin(&app, "wg-admin").await;
    let (f, gid) = app.group_with_facilitator("wg-f").await;
    let (g, other) = app.group_with_facilitator("wg-g").await;
    let d = app
        .ok_reason(
            &a.token,
            "records system integration",
            CREATE,
            json!({"i": {"url": rx.url, "events": ["MEMBER_JOINED"], "groupIds": [gid]}}),
        )
        .await;
    rx.use_secret(d["createWebhookEndpoint"]["secret"].as_str().unwrap());
    assert_eq!(
        d["createWebhookEndpoint"]["endpoint"]["groupIds"],
        json!([gid])
    );
    app.member_of(&g, &other, "wg-elsewhere").await;
    app.member_of(&f, &gid, "wg-here").await;
    let got = rx.accepted("MEMBER_JOINED").await;
    assert_eq!(got.body["data"]["groupId"], gid.as_str());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.got().len(), 1, "{:?}", rx.got());
    // Bad input.
    app.fails(
        Some(&a.token),
        CREATE,
        json!({"i": {"url": rx.url, "events": []}}),
        "BAD_USER_INPUT",
    )
    .await;
    app.fails(
        Some(&a.token),
        CREATE,
        json!({"i": {"url": rx.url, "events": ["MEMBER_JOINED"], "groupIds": ["nope"]}}),
        "BAD_USER_INPUT",
    )
    .await;
}

/// Without `HEARTH_OUTBOUND_ALLOW_PRIVATE`, a receiver on a private
/// address is refused.
async fn private_addresses_refused(app: TestApp) {
    let a = admin(&app, "wp-admin").await;
    for url in [
        "http://127.0.0.1:9/hook",
        "https://10.0.0.1/hook",
        "https://[::1]/x",
    ] {
        app.fails(
            Some(&a.token),
            CREATE,
            json!({"i": {"url": url, "events": ["MEMBER_JOINED"]}}),
            "BAD_USER_INPUT",
        )
        .await;
    }
}

backend_tests!(
    using crate::webhooks::spawn_hooks; [sqlite, postgres];
    signed_retried_and_thin,
    limited_to_groups,
);
backend_tests!(private_addresses_refused);

/// The sending instance is killed while a receiver holds its attempt; the
/// other instance sends it after the lease lapses. Nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hearth_postgres), ignore = "set TEST_DATABASE_URL to run it")]
async fn a_killed_sender_loses_no_delivery() {
    let (Some(_), Some(redis)) = (postgres_url(), redis_url()) else {
        return;
    };
    let url = fresh_postgres_database().await;
    let secret = "a shared secret that is long enough for HS256";
    // In-process: migrates and writes; it sends no webhooks itself.
    let writer = {
        let (url, redis, secret) = (url.clone(), redis.clone(), secret.to_owned());
        spawn_app_with(true, move |c| {
            c.store.database_url = Some(url);
            c.store.redis_url = Some(redis);
            c.auth.jwt_secret = Some(secret.into());
            c.webhooks.webhook_sender = false;
            c.push.outbound_allow_private = true;
        })
        .await
    };
    let env = [
        ("HEARTH_OUTBOUND_ALLOW_PRIVATE", "true"),
        ("HEARTH_WEBHOOK_LEASE_SECONDS", "2"),
        ("HEARTH_WEBHOOK_RETRY_SECONDS", "1,1,1"),
    ];
    let mut doomed = Hearth::serve_with(&url, &redis, secret, &env).await;
    let rx = Receiver::start().await;
    rx.plan.lock().unwrap().hang_first = Some(Duration::from_secs(8));
    let a = admin(&writer, "wk-admin").await;
    let d = writer
        .ok_reason(
            &a.token,
            "on-call pager",
            CREATE,
            json!({"i": {"url": rx.url, "events": ["MEMBER_JOINED"]}}),
        )
        .await;
    rx.use_secret(d["createWebhookEndpoint"]["secret"].as_str().unwrap());
    let (f, gid) = writer.group_with_facilitator("wk-f").await;
    writer.member_of(&f, &gid, "wk-m").await;
    // The doomed instance has sent it and waits on the receiver: kill it.
    until(15, "the first attempt reaches the receiver", || async {
        !rx.got().is_empty()
    })
    .await;
    doomed.kill();
    let survivor = Hearth::serve_with(&url, &redis, secret, &env).await;
    // Every webhook (the facilitator's joining and the member's) lands,
    // the one held when the sender died included, under its own id.
    let all_landed = || {
        let got = rx.got();
        let ids: std::collections::BTreeSet<String> = got.iter().map(|g| g.id.clone()).collect();
        ids.len() == 2
            && ids
                .iter()
                .all(|id| got.iter().any(|g| &g.id == id && g.answered == 200))
    };
    until(
        30,
        "the survivor delivers what the dead sender held",
        || async { all_landed() },
    )
    .await;
    let got = rx.got();
    assert!(got.iter().all(|g| g.verified), "{got:?}");
    let held = &got[0];
    assert_eq!(held.answered, 0, "the first attempt was held: {got:?}");
    assert!(
        got.iter().any(|g| g.id == held.id && g.answered == 200),
        "the held webhook came again with the same id: {got:?}"
    );
    until(10, "the deliveries are recorded as succeeded", || async {
        let list = deliveries(&writer, &a).await;
        list.len() == 2 && list.iter().all(|d| d["status"] == "SUCCEEDED")
    })
    .await;
    drop(survivor);
}
