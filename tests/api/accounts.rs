use crate::backend_tests;
use crate::helpers::{code_of, TestApp};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use entity::enums::PlatformRole;
use serde_json::{json, Value};

const VIEWER: &str = "{ viewer { handle role user { id displayName } } }";
const REFRESH: &str =
    "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }";
const LOGIN: &str =
    "mutation($h: String!, $p: String!) { login(input: {handle: $h, password: $p}) { accessToken viewer { handle } } }";

async fn register_and_login(app: TestApp) {
    let alice = app.register("alice").await;
    let data = app.ok(Some(&alice.token), VIEWER, json!({})).await;
    assert_eq!(data["viewer"]["handle"], "alice");
    assert_eq!(data["viewer"]["role"], "MEMBER");
    assert_eq!(data["viewer"]["user"]["id"], alice.id.as_str());

    // Handles are case-insensitive.
    let data = app
        .ok(
            None,
            LOGIN,
            json!({"h": "ALICE", "p": "correct horse battery"}),
        )
        .await;
    assert_eq!(data["login"]["viewer"]["handle"], "alice");

    // A wrong password and an unknown handle get the same answer.
    let wrong = app
        .fails(
            None,
            LOGIN,
            json!({"h": "alice", "p": "wrong password!"}),
            "UNAUTHENTICATED",
        )
        .await;
    let unknown = app
        .fails(
            None,
            LOGIN,
            json!({"h": "nobody", "p": "wrong password!"}),
            "UNAUTHENTICATED",
        )
        .await;
    assert_eq!(
        wrong["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );

    // Anonymous viewer is null, not an error.
    let data = app.ok(None, VIEWER, json!({})).await;
    assert_eq!(data["viewer"], Value::Null);
}

async fn handle_taken_is_conflict(app: TestApp) {
    app.register("sam").await;
    app.fails(
        None,
        "mutation { register(input: {handle: \"SAM\", displayName: \"Sam\", password: \"long enough pw\"}) { accessToken } }",
        json!({}),
        "CONFLICT",
    )
    .await;
    app.fails(
        None,
        "mutation { register(input: {handle: \"x\", displayName: \"X\", password: \"long enough pw\"}) { accessToken } }",
        json!({}),
        "BAD_USER_INPUT",
    )
    .await;
    app.fails(
        None,
        "mutation { register(input: {handle: \"shorty\", displayName: \"S\", password: \"short\"}) { accessToken } }",
        json!({}),
        "BAD_USER_INPUT",
    )
    .await;
}

async fn refresh_rotates_and_reuse_revokes(app: TestApp) {
    let m = app.register("rowan").await;
    let first = app.ok(None, REFRESH, json!({"t": m.refresh})).await;
    let r2 = first["refreshSession"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(r2, m.refresh);
    let access2 = first["refreshSession"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(Some(&access2), VIEWER, json!({})).await;

    // The rotated-out token again: theft. The whole session ends, so the
    // newest refresh token and its access token stop working too.
    app.fails(None, REFRESH, json!({"t": m.refresh}), "UNAUTHENTICATED")
        .await;
    app.fails(None, REFRESH, json!({"t": r2}), "UNAUTHENTICATED")
        .await;
    let data = app.ok(Some(&access2), VIEWER, json!({})).await;
    assert_eq!(data["viewer"], Value::Null);

    // Garbage refresh tokens.
    app.fails(None, REFRESH, json!({"t": "garbage"}), "UNAUTHENTICATED")
        .await;
    app.fails(None, REFRESH, json!({"t": ""}), "UNAUTHENTICATED")
        .await;
}

async fn logout_ends_the_session(app: TestApp) {
    let m = app.register("logan").await;
    let data = app
        .ok(
            None,
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({"t": m.refresh}),
        )
        .await;
    assert_eq!(data["logout"], true);
    app.fails(None, REFRESH, json!({"t": m.refresh}), "UNAUTHENTICATED")
        .await;
    let data = app.ok(Some(&m.token), VIEWER, json!({})).await;
    assert_eq!(data["viewer"], Value::Null);
    let data = app
        .ok(
            None,
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({"t": m.refresh}),
        )
        .await;
    assert_eq!(data["logout"], false);
}

fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

async fn bad_access_tokens(app: TestApp) {
    let m = app.register("tess").await;
    let secret =
        std::fs::read_to_string(app.state.config.store.data_dir.join("jwt_secret")).unwrap();
    let parts: Vec<&str> = m.token.split('.').collect();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let create = "mutation { createGroup(input: {name: \"Nope\"}) { id } }";

    let mut expired = claims.clone();
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 60);
    let resp = app
        .fails(
            Some(&sign(&expired, secret.trim().as_bytes())),
            create,
            json!({}),
            "UNAUTHENTICATED",
        )
        .await;
    assert!(resp["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));

    let forged = sign(&claims, b"another key that is long enough to be a secret");
    app.fails(Some(&forged), create, json!({}), "UNAUTHENTICATED")
        .await;

    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let alg_none = format!("{none_header}.{}.", parts[1]);
    app.fails(Some(&alg_none), create, json!({}), "UNAUTHENTICATED")
        .await;

    app.fails(Some("not-a-jwt"), create, json!({}), "UNAUTHENTICATED")
        .await;
    let data = app.ok(Some(&forged), VIEWER, json!({})).await;
    assert_eq!(data["viewer"], Value::Null);

    // A token for an account that no longer exists.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::user::Entity::delete_many()
        .filter(entity::user::Column::Handle.eq("tess"))
        .exec(&app.state.db.conn)
        .await
        .unwrap();
    let resp = app
        .fails(Some(&m.token), create, json!({}), "UNAUTHENTICATED")
        .await;
    assert!(code_of(&resp).is_some());
}

async fn role_change_needs_no_new_token(app: TestApp) {
    let m = app.register("riley").await;
    let create = "mutation { createGroup(input: {name: \"Tuesday group\"}) { name viewerRole } }";
    app.fails(Some(&m.token), create, json!({}), "FORBIDDEN")
        .await;
    app.set_role("riley", PlatformRole::Facilitator).await;
    let data = app.ok(Some(&m.token), create, json!({})).await;
    assert_eq!(data["createGroup"]["viewerRole"], "FACILITATOR");
    let data = app.ok(Some(&m.token), VIEWER, json!({})).await;
    assert_eq!(data["viewer"]["role"], "FACILITATOR");
}

backend_tests!(
    register_and_login,
    handle_taken_is_conflict,
    refresh_rotates_and_reuse_revokes,
    logout_ends_the_session,
    bad_access_tokens,
    role_change_needs_no_new_token,
);

/// An integrator's own identity provider, signing ES256 with the key pair in
/// tests/fixtures (made for these tests only).
async fn external_identity_provider(postgres: bool) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let app = crate::helpers::spawn_app_with(postgres, |c| {
        c.auth.jwt_public_key_file = Some(format!("{dir}/idp_test_public.pem").into());
        c.auth.jwt_algorithm = api::config::ExternalAlgorithm::Es256;
        c.auth.jwt_issuer = Some("https://idp.example".into());
        c.auth.jwt_audience = Some("hearth".into());
    })
    .await;
    let key = std::fs::read(format!("{dir}/idp_test_private.pem")).unwrap();
    let sign = |claims: Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
            &claims,
            &jsonwebtoken::EncodingKey::from_ec_pem(&key).unwrap(),
        )
        .unwrap()
    };
    let exp = chrono::Utc::now().timestamp() + 300;
    let good = sign(
        json!({"sub": "idp|42", "iss": "https://idp.example", "aud": "hearth", "exp": exp, "name": "Robin", "preferred_username": "robin"}),
    );
    let d = app.ok(Some(&good), VIEWER, json!({})).await;
    assert_eq!(d["viewer"]["user"]["displayName"], "Robin");
    assert!(d["viewer"]["handle"].as_str().unwrap().starts_with("robin"));
    // The same subject is the same account.
    let again = app.ok(Some(&good), VIEWER, json!({})).await;
    assert_eq!(again["viewer"]["user"]["id"], d["viewer"]["user"]["id"]);
    // Wrong audience, wrong issuer, expired: refused.
    for claims in [
        json!({"sub": "idp|42", "iss": "https://idp.example", "aud": "other", "exp": exp}),
        json!({"sub": "idp|42", "iss": "https://evil.example", "aud": "hearth", "exp": exp}),
        json!({"sub": "idp|42", "iss": "https://idp.example", "aud": "hearth", "exp": exp - 3600}),
    ] {
        let d = app.ok(Some(&sign(claims)), VIEWER, json!({})).await;
        assert_eq!(d["viewer"], Value::Null);
    }
    // Hearth's own tokens keep working beside the provider's.
    let local = app.register("local-user").await;
    let d = app.ok(Some(&local.token), VIEWER, json!({})).await;
    assert_eq!(d["viewer"]["handle"], "local-user");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_identity_provider_sqlite() {
    external_identity_provider(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hearth_postgres), ignore = "set TEST_DATABASE_URL to run it")]
async fn external_identity_provider_postgres() {
    if crate::helpers::postgres_url().is_some() {
        external_identity_provider(true).await;
    }
}
