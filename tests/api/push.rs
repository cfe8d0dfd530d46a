//! Web Push end to end against a push service run by the test: it checks
//! each push's VAPID token against `pushConfig.vapidPublicKey` and
//! decrypts the payload with the subscription's private key, as a browser
//! would. Also: 410 removes a subscription, quiet hours hold a REPLY but
//! not an URGENT_FLAG, and endpoints must be public.
use crate::backend_tests;
use crate::helpers::{code_of, spawn_on_with, until, Backend, Member, TestApp};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};
use web_push_native::p256::{elliptic_curve::rand_core::OsRng, SecretKey};

#[derive(Clone, Debug)]
struct Push {
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// The push service: records every push, answers 201, or the status set
/// for a path.
#[derive(Clone)]
struct PushService {
    url: String,
    received: Arc<Mutex<Vec<Push>>>,
    status: Arc<Mutex<HashMap<String, u16>>>,
    /// How long each answer takes, in milliseconds.
    delay_ms: Arc<std::sync::atomic::AtomicU64>,
}

impl PushService {
    fn start() -> PushService {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let svc = PushService {
            url,
            received: Default::default(),
            status: Default::default(),
            delay_ms: Default::default(),
        };
        let data = web::Data::new(svc.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        tokio::spawn(server);
        svc
    }

    fn to(&self, path: &str) -> Vec<Push> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.path == path)
            .cloned()
            .collect()
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, svc: web::Data<PushService>) -> HttpResponse {
    let delay = svc.delay_ms.load(std::sync::atomic::Ordering::Relaxed);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let path = req.path().to_owned();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    svc.received.lock().unwrap().push(Push {
        path: path.clone(),
        headers,
        body: body.to_vec(),
    });
    let code = svc
        .status
        .lock()
        .unwrap()
        .get(&path)
        .copied()
        .unwrap_or(201);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap()).finish()
}

/// A browser's subscription keys.
struct Browser {
    secret: SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new() -> Browser {
        let mut auth = [0u8; 16];
        auth.copy_from_slice(&uuid::Uuid::new_v4().as_bytes()[..]);
        Browser {
            secret: SecretKey::random(&mut OsRng),
            auth,
        }
    }

    fn p256dh(&self) -> String {
        use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;
        URL_SAFE_NO_PAD.encode(self.secret.public_key().to_encoded_point(false).as_bytes())
    }

    /// Checks the push's VAPID token and headers, and decrypts it.
    fn open(&self, push: &Push, vapid_public_key: &str, service_origin: &str) -> Value {
        let auth = &push.headers["authorization"];
        let rest = auth.strip_prefix("vapid ").expect("a VAPID authorization");
        let mut t = None;
        let mut k = None;
        for part in rest.split(',') {
            let (name, value) = part.trim().split_once('=').unwrap();
            match name {
                "t" => t = Some(value.to_owned()),
                "k" => k = Some(value.to_owned()),
                _ => {}
            }
        }
        let (t, k) = (t.expect("t="), k.expect("k="));
        assert_eq!(k, vapid_public_key, "signed with the advertised key");
        let point = URL_SAFE_NO_PAD.decode(&k).unwrap();
        assert_eq!((point.len(), point[0]), (65, 4));
        let key = jsonwebtoken::DecodingKey::from_ec_components(
            &URL_SAFE_NO_PAD.encode(&point[1..33]),
            &URL_SAFE_NO_PAD.encode(&point[33..]),
        )
        .unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        v.set_audience(&[service_origin]);
        v.set_required_spec_claims(&["exp", "aud", "sub"]);
        let claims = jsonwebtoken::decode::<Value>(&t, &key, &v)
            .expect("a valid ES256 VAPID token for this push service")
            .claims;
        let exp = claims["exp"].as_i64().unwrap();
        let now = chrono::Utc::now().timestamp();
        assert!(
            exp > now && exp <= now + 24 * 3600,
            "exp within 24 h: {claims}"
        );
        let sub = claims["sub"].as_str().unwrap();
        assert!(
            sub.starts_with("mailto:") || sub.starts_with("https:"),
            "{sub}"
        );
        assert_eq!(push.headers["content-encoding"], "aes128gcm");
        assert_eq!(push.headers["ttl"], "172800");
        let plain = web_push_native::decrypt(
            push.body.clone(),
            &self.secret,
            &web_push_native::Auth::from(self.auth),
        )
        .expect("the payload decrypts with the subscription's keys");
        serde_json::from_slice(&plain).expect("a JSON payload")
    }
}

const REGISTER: &str = "mutation($e: String!, $k: String!, $a: String!) { registerPushSubscription(input: {endpoint: $e, p256dh: $k, auth: $a}) { id endpoint } }";
const SUBS: &str = "{ viewer { pushSubscriptions { id endpoint } } }";
const QUIET: &str = "mutation($s: String, $e: String, $z: String) { setQuietHours(start: $s, end: $e, timeZone: $z) { quietHours { start end timeZone } } }";

async fn register(app: &TestApp, who: &Member, endpoint: &str, b: &Browser) -> String {
    let d = app
        .ok(
            Some(&who.token),
            REGISTER,
            json!({"e": endpoint, "k": b.p256dh(), "a": URL_SAFE_NO_PAD.encode(b.auth)}),
        )
        .await;
    d["registerPushSubscription"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn pushing(backend: Backend) -> TestApp {
    spawn_on_with(backend, |c| c.push.outbound_allow_private = true).await
}

async fn newest_notification(app: &TestApp, who: &Member, kind: &str) -> String {
    let d = app
        .ok(
            Some(&who.token),
            "{ viewer { notifications(first: 50) { nodes { id kind } } } }",
            json!({}),
        )
        .await;
    d["viewer"]["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == kind)
        .unwrap_or_else(|| panic!("a {kind} notification: {d}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn pushes_end_to_end(app: TestApp) {
    let svc = PushService::start();
    // The crate signs `aud` as scheme and host (real push services are on
    // the default port).
    let origin = "http://127.0.0.1";
    let vapid = app
        .ok(None, "{ pushConfig { vapidPublicKey } }", json!({}))
        .await["pushConfig"]["vapidPublicKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let (f, gid) = app.group_with_facilitator("pu-f").await;
    let m = app.member_of(&f, &gid, "pu-m").await;
    let phone = Browser::new();
    let old_laptop = Browser::new();
    register(&app, &m, &format!("{}/m-phone", svc.url), &phone).await;
    register(&app, &m, &format!("{}/m-gone", svc.url), &old_laptop).await;
    svc.status.lock().unwrap().insert("/m-gone".into(), 410);

    // A new thread: m's phone gets a push with no text in it; the gone
    // subscription is removed.
    let (tid, opening) = app
        .thread(&f.token, &gid, "Private title about my sister")
        .await;
    until(10, "m's phone gets a push", || async {
        !svc.to("/m-phone").is_empty()
    })
    .await;
    let pushes = svc.to("/m-phone");
    assert_eq!(pushes.len(), 1);
    let payload = phone.open(&pushes[0], &vapid, origin);
    let id = newest_notification(&app, &m, "NEW_THREAD").await;
    assert_eq!(
        payload,
        json!({"type": "notification", "id": id, "unread": 1})
    );
    assert_eq!(pushes[0].headers["urgency"], "normal");
    for secret in ["Private", "sister", "pu-f", "group"] {
        assert!(
            !payload.to_string().contains(secret),
            "{secret} in {payload}"
        );
    }
    until(10, "the 410 subscription is removed", || async {
        let d = app.ok(Some(&m.token), SUBS, json!({})).await;
        d["viewer"]["pushSubscriptions"].as_array().unwrap().len() == 1
    })
    .await;
    assert_eq!(svc.to("/m-gone").len(), 1);

    // Quiet hours around now: the facilitator's REPLY waits, the
    // URGENT_FLAG does not.
    let now = chrono::Utc::now();
    let hm = |t: chrono::DateTime<chrono::Utc>| t.format("%H:%M").to_string();
    let d = app
        .ok(
            Some(&f.token),
            QUIET,
            json!({"s": hm(now - chrono::Duration::hours(1)), "e": hm(now + chrono::Duration::hours(1)), "z": "Etc/UTC"}),
        )
        .await;
    assert_eq!(d["setQuietHours"]["quietHours"]["timeZone"], "Etc/UTC");
    let desk = Browser::new();
    register(&app, &f, &format!("{}/f-desk", svc.url), &desk).await;
    app.post(&m.token, &tid, "I want to kill myself tonight.")
        .await;
    until(10, "the facilitator's urgent push", || async {
        !svc.to("/f-desk").is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pushes = svc.to("/f-desk");
    assert_eq!(pushes.len(), 1, "only the urgent one: {pushes:?}");
    assert_eq!(pushes[0].headers["urgency"], "high");
    // Urgent pushes travel on their own queue.
    assert!(
        app.metric(r#"hearth_worker_processed_total{worker="push-urgent"}"#)
            .await
            >= 1.0
    );
    let payload = desk.open(&pushes[0], &vapid, origin);
    assert_eq!(
        payload["id"],
        newest_notification(&app, &f, "URGENT_FLAG").await
    );
    newest_notification(&app, &f, "REPLY").await; // in the inbox, not pushed
    let d = app.ok(Some(&f.token), QUIET, json!({})).await;
    assert!(d["setQuietHours"]["quietHours"].is_null());

    // A reaction to f's post reaches f's inbox but is not pushed.
    app.ok(
        Some(&m.token),
        "mutation($p: ID!) { react(postId: $p, kind: HUG) { id } }",
        json!({"p": opening}),
    )
    .await;
    until(10, "f's REACTION notification", || async {
        let d = app
            .ok(
                Some(&f.token),
                "{ viewer { notifications(first: 50) { nodes { kind } } } }",
                json!({}),
            )
            .await;
        d.to_string().contains("\"REACTION\"")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(svc.to("/f-desk").len(), 1, "a reaction is not pushed");

    // Unregistering: the owner only.
    let d = app.ok(Some(&m.token), SUBS, json!({})).await;
    let sub = d["viewer"]["pushSubscriptions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let unreg = "mutation($i: ID!) { unregisterPushSubscription(id: $i) }";
    let resp = app.gql(Some(&f.token), unreg, json!({"i": sub})).await;
    assert_eq!(code_of(&resp), Some("NOT_FOUND"), "{resp}");
    let d = app.ok(Some(&m.token), unreg, json!({"i": sub})).await;
    assert_eq!(d["unregisterPushSubscription"], true);
    let resp = app.gql(Some(&m.token), unreg, json!({"i": sub})).await;
    assert_eq!(code_of(&resp), Some("NOT_FOUND"), "{resp}");

    assert!(app.metric(r#"hearth_push_total{result="sent"}"#).await >= 2.0);
    assert!(app.metric(r#"hearth_push_total{result="deleted"}"#).await >= 1.0);
}

backend_tests!(using crate::push::pushing; [sqlite, postgres]; pushes_end_to_end);

/// Without `HEARTH_OUTBOUND_ALLOW_PRIVATE`, an endpoint must be https on a
/// public address; keys must be real.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_must_be_public_and_keys_real() {
    let app = crate::helpers::spawn_app(false).await;
    let m = app.register("pe-m").await;
    let b = Browser::new();
    let (k, a) = (b.p256dh(), URL_SAFE_NO_PAD.encode(b.auth));
    for endpoint in [
        "http://push.example.com/x",
        "https://127.0.0.1/x",
        "https://10.0.0.1/x",
        "https://169.254.169.254/latest",
        "https://[::1]/x",
        "https://localhost/x",
        "ftp://push.example.com/x",
        "https://user:pw@push.example.com/x",
    ] {
        let resp = app
            .gql(
                Some(&m.token),
                REGISTER,
                json!({"e": endpoint, "k": k, "a": a}),
            )
            .await;
        assert_eq!(code_of(&resp), Some("BAD_USER_INPUT"), "{endpoint}: {resp}");
        let message = resp["errors"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("endpoint "), "{endpoint}: {message}");
    }
    for (key, auth) in [
        ("AAAA", a.as_str()),
        (k.as_str(), "AAAA"),
        ("not base64!", a.as_str()),
    ] {
        let resp = app
            .gql(
                Some(&m.token),
                REGISTER,
                json!({"e": "https://push.example.com/x", "k": key, "a": auth}),
            )
            .await;
        assert_eq!(code_of(&resp), Some("BAD_USER_INPUT"), "{resp}");
        let message = resp["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.starts_with("p256dh") || message.starts_with("auth"),
            "{message}"
        );
    }
    let resp = app
        .gql(
            None,
            REGISTER,
            json!({"e": "https://push.example.com/x", "k": k, "a": a}),
        )
        .await;
    assert_eq!(code_of(&resp), Some("UNAUTHENTICATED"), "{resp}");
    let resp = app
        .gql(
            Some(&m.token),
            QUIET,
            json!({"s": "22:00", "e": "07:00", "z": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(code_of(&resp), Some("BAD_USER_INPUT"), "{resp}");
    let resp = app.gql(Some(&m.token), QUIET, json!({"s": "22:00"})).await;
    assert_eq!(code_of(&resp), Some("BAD_USER_INPUT"), "{resp}");
}

async fn gql_at(base: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut req = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let v: Value = req.send().await.unwrap().json().await.unwrap();
    assert!(v["errors"].is_null(), "{v}");
    v["data"].clone()
}

/// The instance sending a batch of pushes is killed (SIGKILL) midway;
/// another takes over the lease and every push arrives, at most the one
/// in flight twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_loses_no_push() {
    use crate::helpers::{fresh_postgres_database, postgres_url, redis_url};
    use crate::procs::Hearth;
    let (Some(_), Some(redis)) = (postgres_url(), redis_url()) else {
        return;
    };
    let url = fresh_postgres_database().await;
    let hearth = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env_remove("REDIS_URL")
            .output()
            .expect("hearth runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    hearth(&["migrate"]);
    let svc = PushService::start();
    svc.delay_ms
        .store(300, std::sync::atomic::Ordering::Relaxed);
    let secret = "a shared secret that is long enough for HS256";
    let env = [
        ("HEARTH_OUTBOUND_ALLOW_PRIVATE", "true"),
        ("HEARTH_PUSH_CONCURRENCY", "1"),
        ("HEARTH_LIMIT_REGISTER_ADDRESS", "1000/1h"),
    ];
    let mut first = Hearth::serve_with(&url, &redis, secret, &env).await;
    let base = first.base.clone();
    let register = "mutation($h: String!) { register(input: {handle: $h, displayName: $h, password: \"correct horse battery\"}) { accessToken } }";
    let token = |d: Value| d["register"]["accessToken"].as_str().unwrap().to_owned();
    let f = token(gql_at(&base, None, register, json!({"h": "kp-f"})).await);
    hearth(&[
        "user",
        "set-role",
        "--handle",
        "kp-f",
        "--role",
        "facilitator",
    ]);
    let gid = gql_at(
        &base,
        Some(&f),
        "mutation { createGroup(input: {name: \"Kill\"}) { id } }",
        json!({}),
    )
    .await["createGroup"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = gql_at(
        &base,
        Some(&f),
        "mutation($g: ID!) { createInvite(input: {groupId: $g, maxUses: 10}) { code } }",
        json!({"g": gid}),
    )
    .await["createInvite"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    const MEMBERS: usize = 6;
    for i in 0..MEMBERS {
        let m = token(gql_at(&base, None, register, json!({"h": format!("kp-m{i}")})).await);
        gql_at(
            &base,
            Some(&m),
            "mutation($c: String!) { joinGroup(code: $c) { role } }",
            json!({"c": code}),
        )
        .await;
        let b = Browser::new();
        gql_at(
            &base,
            Some(&m),
            REGISTER,
            json!({"e": format!("{}/m{i}", svc.url), "k": b.p256dh(), "a": URL_SAFE_NO_PAD.encode(b.auth)}),
        )
        .await;
    }
    gql_at(
        &base,
        Some(&f),
        "mutation($g: ID!) { createThread(input: {groupId: $g, title: \"t\", body: \"b\"}) { id } }",
        json!({"g": gid}),
    )
    .await;
    until(20, "the first push", || async {
        !svc.received.lock().unwrap().is_empty()
    })
    .await;
    first.kill();
    let before = svc.received.lock().unwrap().len();
    assert!(before < MEMBERS, "the kill came after the batch: {before}");

    let key = first.data.join("vapid_private_key");
    let key = key.to_str().unwrap();
    let mut env = env.to_vec();
    env.push(("HEARTH_VAPID_PRIVATE_KEY_FILE", key));
    let _second = Hearth::serve_with(&url, &redis, secret, &env).await;
    until(40, "every member's push, after the takeover", || async {
        (0..MEMBERS).all(|i| !svc.to(&format!("/m{i}")).is_empty())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let total = svc.received.lock().unwrap().len();
    assert!(
        (MEMBERS..=MEMBERS + 1).contains(&total),
        "{total} pushes for {MEMBERS} notifications ({before} before the kill)"
    );
}
