//! Abuse limits on authentication: one call per request, sliding windows
//! per handle and per client address, shared across instances via Redis.
use crate::backend_tests;
use crate::helpers::{code_of, postgres_url, redis_url, spawn_app_with, spawn_pair, TestApp};
use serde_json::{json, Value};

const LOGIN: &str = "mutation($h: String!, $p: String!) { login(input: {handle: $h, password: $p}) { accessToken } }";
const REGISTER: &str = "mutation($h: String!) { register(input: {handle: $h, displayName: $h, password: \"correct horse battery\"}) { accessToken } }";
const PASSWORD: &str = "correct horse battery";

async fn login(app: &TestApp, handle: &str, password: &str) -> Value {
    app.gql(None, LOGIN, json!({"h": handle, "p": password}))
        .await
}

fn retry_after(resp: &Value) -> u64 {
    assert_eq!(code_of(resp), Some("RATE_LIMITED"), "{resp}");
    resp["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap_or_else(|| panic!("retryAfter: {resp}"))
}

/// Aliases cannot multiply authentication: one of login, register and
/// refreshSession per request.
async fn one_authentication_call_per_request(postgres: bool) {
    let app = spawn_app_with(postgres, |_| {}).await;
    app.register("alias-a").await;
    let q = format!(
        "mutation {{ a: login(input: {{handle: \"alias-a\", password: \"{PASSWORD}\"}}) {{ accessToken }} b: login(input: {{handle: \"alias-a\", password: \"nope nope nope\"}}) {{ accessToken }} }}"
    );
    let r = app.gql(None, &q, json!({})).await;
    assert!(r["data"]["a"]["accessToken"].is_string(), "{r}");
    assert!(r["data"]["b"].is_null(), "{r}");
    assert_eq!(code_of(&r), Some("BAD_USER_INPUT"), "{r}");
    let q = "mutation { a: register(input: {handle: \"alias-b\", displayName: \"b\", password: \"correct horse battery\"}) { accessToken } b: register(input: {handle: \"alias-c\", displayName: \"c\", password: \"correct horse battery\"}) { accessToken } }";
    let r = app.gql(None, q, json!({})).await;
    assert!(r["data"]["b"].is_null(), "{r}");
}

/// Failed logins per handle: past the limit even the right password is
/// refused until the window moves on; other handles are not affected.
async fn failed_logins_are_limited_per_handle(postgres: bool) {
    let app = spawn_app_with(postgres, |c| {
        c.limits.limit_login_handle = "3/15m".parse().unwrap();
    })
    .await;
    app.register("lim-h").await;
    app.register("lim-other").await;
    for _ in 0..3 {
        let r = login(&app, "lim-h", "wrong password here").await;
        assert_eq!(code_of(&r), Some("UNAUTHENTICATED"), "{r}");
    }
    let r = login(&app, "lim-h", PASSWORD).await;
    assert!((1..=900).contains(&retry_after(&r)));
    // Case does not dodge it.
    let r = login(&app, "LIM-H", PASSWORD).await;
    retry_after(&r);
    let r = login(&app, "lim-other", PASSWORD).await;
    assert!(r["data"]["login"]["accessToken"].is_string(), "{r}");
}

/// Failed logins per client address, across handles; registrations per
/// address (which also slows handle enumeration).
async fn attempts_are_limited_per_address(postgres: bool) {
    let app = spawn_app_with(postgres, |c| {
        c.limits.limit_login_address = "4/15m".parse().unwrap();
        c.limits.limit_register_address = "2/1h".parse().unwrap();
    })
    .await;
    app.register("addr-a").await;
    app.register("addr-b").await;
    let r = app.gql(None, REGISTER, json!({"h": "addr-c"})).await;
    retry_after(&r);
    // Someone else's X-Forwarded-For is ignored without trusted proxies.
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("X-Forwarded-For", "203.0.113.9")
        .json(&json!({"query": REGISTER, "variables": {"h": "addr-d"}}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    retry_after(&r);
    for n in 0..4 {
        let r = login(&app, &format!("nobody-{n}"), "wrong password here").await;
        assert_eq!(code_of(&r), Some("UNAUTHENTICATED"), "{r}");
    }
    let r = login(&app, "addr-a", PASSWORD).await;
    retry_after(&r);
}

/// Behind a trusted proxy, the client address comes from X-Forwarded-For.
async fn trusted_proxies_forward_the_address(postgres: bool) {
    let app = spawn_app_with(postgres, |c| {
        c.limits.limit_register_address = "1/1h".parse().unwrap();
        c.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let register = |h: &'static str, from: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/graphql", app.base))
                .header("X-Forwarded-For", format!("198.51.100.1, {from}"))
                .json(&json!({"query": REGISTER, "variables": {"h": h}}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let r = register("prox-a", "203.0.113.1").await;
    assert!(r["data"]["register"]["accessToken"].is_string(), "{r}");
    let r = register("prox-b", "203.0.113.1").await;
    retry_after(&r);
    // The rightmost untrusted address counts, not the leftmost.
    let r = register("prox-c", "203.0.113.2").await;
    assert!(r["data"]["register"]["accessToken"].is_string(), "{r}");
}

/// Concurrent attempts cannot slip past the count: each is counted before
/// its password is checked.
async fn concurrent_logins_are_counted(postgres: bool) {
    let app = spawn_app_with(postgres, |c| {
        c.limits.limit_login_handle = "3/15m".parse().unwrap();
    })
    .await;
    app.register("burst-h").await;
    let all = (0..24).map(|_| login(&app, "burst-h", "wrong password here"));
    let results = futures_util::future::join_all(all).await;
    let tried = results
        .iter()
        .filter(|r| code_of(r) == Some("UNAUTHENTICATED"))
        .count();
    let limited = results
        .iter()
        .filter(|r| code_of(r) == Some("RATE_LIMITED"))
        .count();
    assert_eq!(tried, 3, "{results:?}");
    assert_eq!(limited, 21);
}

backend_tests!(
    using crate::helpers::on_postgres;
    [sqlite, postgres];
    concurrent_logins_are_counted,
    one_authentication_call_per_request,
    failed_logins_are_limited_per_handle,
    attempts_are_limited_per_address,
    trusted_proxies_forward_the_address
);

/// Two instances on one Postgres and Redis share the counters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_are_shared_through_redis() {
    let (Some(_), Some(redis)) = (postgres_url(), redis_url()) else {
        return;
    };
    let (a, b) = spawn_pair(&redis).await;
    a.register("shared-h").await;
    // The default: 10 failed logins per handle per 15 minutes.
    for n in 0..10 {
        let app = if n % 2 == 0 { &a } else { &b };
        let r = login(app, "shared-h", "wrong password here").await;
        assert_eq!(code_of(&r), Some("UNAUTHENTICATED"), "{r}");
    }
    for app in [&a, &b] {
        let r = login(app, "shared-h", PASSWORD).await;
        retry_after(&r);
    }
}
