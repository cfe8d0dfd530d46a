//! Accounts and sessions: register, login, refresh (rotating), logout, and
//! turning a bearer token into an [`Auth`].
use crate::{
    auth::{
        jwt::{TokenError, Verified},
        password, refresh, Auth, Viewer,
    },
    domain::content,
    error::{AppError, AppResult},
    service::Services,
    store::{now, pages, Db},
};
use chrono::{DateTime, Utc};
use entity::{enums::PlatformRole, session, user};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

pub struct SignedIn {
    pub access_token: String,
    pub refresh_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub user: user::Model,
}

const BAD_LOGIN: &str = "invalid handle or password";

pub async fn register(
    state: &Services,
    client: Option<std::net::IpAddr>,
    handle: &str,
    display_name: &str,
    password: &str,
) -> AppResult<SignedIn> {
    // Every attempt counts, taken or not: this also slows handle
    // enumeration through "that handle is taken".
    if let Some(ip) = client {
        state
            .limits
            .hit(
                &format!("register:{}", address_key(ip)),
                state.config.limits.limit_register_address,
            )
            .await?;
    }
    let handle = content::handle(handle)?;
    let display_name =
        content::required_text("displayName", display_name, content::DISPLAY_NAME_MAX)?;
    content::password(password)?;
    let hash = password::hash(password.to_owned()).await?;
    let user = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        handle: Set(handle),
        display_name: Set(display_name),
        password_hash: Set(Some(hash)),
        external_subject: Set(None),
        role: Set(PlatformRole::Member),
        created_at: Set(now()),
    }
    .insert(&state.db.conn)
    .await
    .map_err(|e| AppError::from_db_conflict(e, "that handle is taken"))?;
    start_session(state, user).await
}

pub async fn login(
    state: &Services,
    client: Option<std::net::IpAddr>,
    handle: &str,
    password: &str,
) -> AppResult<SignedIn> {
    // Failed attempts are limited per handle and per client address. Each
    // attempt is counted before the password is checked, in one step with
    // the check, so concurrent attempts cannot all pass; a success is then
    // taken back.
    let limits = &state.limits;
    let cfg = &state.config;
    let mut reserved = Vec::with_capacity(2);
    if let Ok(h) = content::handle(handle) {
        reserved.push(
            limits
                .reserve(&format!("login-handle:{h}"), cfg.limits.limit_login_handle)
                .await?,
        );
    }
    if let Some(ip) = client {
        let key = format!("login-address:{}", address_key(ip));
        match limits.reserve(&key, cfg.limits.limit_login_address).await {
            Ok(r) => reserved.push(r),
            Err(e) => {
                for r in reserved {
                    limits.release(r).await;
                }
                return Err(e);
            }
        }
    }
    let result = verify_login(state, handle, password).await;
    if result.is_ok() {
        for r in reserved {
            limits.release(r).await;
        }
    }
    result
}

/// The unit a per-address limit counts: an IPv4 address, or the /64 an
/// IPv6 address is in (one subscriber's usual allocation).
fn address_key(ip: std::net::IpAddr) -> String {
    match ip.to_canonical() {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

async fn verify_login(state: &Services, handle: &str, password: &str) -> AppResult<SignedIn> {
    // Unknown handles, malformed handles and wrong passwords all take one
    // argon2 verification and give one answer.
    let user = match content::handle(handle) {
        Ok(h) => {
            user::Entity::find()
                .filter(user::Column::Handle.eq(h))
                .one(&state.db.conn)
                .await?
        }
        Err(_) => None,
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let ok = password::verify(password.to_owned(), stored).await?;
    match user {
        Some(user) if ok => start_session(state, user).await,
        _ => Err(AppError::unauthenticated(BAD_LOGIN)),
    }
}

async fn start_session(state: &Services, user: user::Model) -> AppResult<SignedIn> {
    let session_id = Uuid::now_v7();
    let issued = refresh::issue(session_id);
    let created = now();
    session::ActiveModel {
        id: Set(session_id),
        user_id: Set(user.id),
        token_hash: Set(issued.hash),
        generation: Set(0),
        created_at: Set(created),
        expires_at: Set(created + chrono::Duration::days(state.config.auth.session_ttl_days)),
        revoked_at: Set(None),
    }
    .insert(&state.db.conn)
    .await?;
    signed_in(state, user, session_id, issued.token)
}

fn signed_in(
    state: &Services,
    user: user::Model,
    session_id: Uuid,
    refresh_token: String,
) -> AppResult<SignedIn> {
    let (access_token, expires) = state
        .jwt
        .issue(user.id, session_id)
        .map_err(AppError::internal)?;
    Ok(SignedIn {
        access_token,
        refresh_token,
        access_token_expires_at: expires,
        user,
    })
}

/// Rotates a refresh token. Presenting a token that was already rotated
/// revokes the whole session: either the client or a thief holds a copy.
pub async fn refresh_session(state: &Services, token: &str) -> AppResult<SignedIn> {
    let invalid = || AppError::unauthenticated("invalid or expired refresh token");
    let (session_id, presented) = refresh::parse(token).ok_or_else(invalid)?;
    let db = &state.db;
    let w = db.write().await?;
    let session = session::Entity::find_by_id(session_id)
        .one(&w.txn)
        .await?
        .ok_or_else(invalid)?;
    let t = now();
    if session.revoked_at.is_some() || session.expires_at <= t {
        return Err(invalid());
    }
    let issued = refresh::issue(session_id);
    let rotated = session::Entity::update_many()
        .col_expr(session::Column::TokenHash, Expr::value(issued.hash))
        .col_expr(
            session::Column::Generation,
            Expr::value(session.generation + 1),
        )
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::TokenHash.eq(presented))
        .exec(&w.txn)
        .await?;
    if rotated.rows_affected != 1 {
        revoke(&w.txn, session_id).await?;
        db.commit(w).await?;
        user_changed(state, session.user_id);
        tracing::warn!(%session_id, "refresh token reuse: session revoked");
        return Err(AppError::unauthenticated(
            "refresh token was already used; the session has been ended",
        ));
    }
    let user = user::Entity::find_by_id(session.user_id)
        .one(&w.txn)
        .await?
        .ok_or_else(invalid)?;
    db.commit(w).await?;
    signed_in(state, user, session_id, issued.token)
}

/// Ends the session a refresh token belongs to. True when one was ended.
/// A token that was already rotated still names its session and ends it,
/// as reuse on refresh does: whoever holds it, the session is over.
pub async fn logout(state: &Services, token: &str) -> AppResult<bool> {
    let Some((session_id, presented)) = refresh::parse(token) else {
        return Ok(false);
    };
    let Some(session) = session::Entity::find_by_id(session_id)
        .one(&state.db.conn)
        .await?
    else {
        return Ok(false);
    };
    let res = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now()))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&state.db.conn)
        .await?;
    if res.rows_affected == 1 {
        // Open WebSockets of this session close within a second, on every
        // instance.
        user_changed(state, session.user_id);
        let current = session::Entity::find_by_id(session_id)
            .filter(session::Column::TokenHash.eq(presented))
            .count(&state.db.conn)
            .await?;
        if current == 0 {
            tracing::warn!(%session_id, "logout with a rotated refresh token: session ended");
        }
    }
    Ok(res.rows_affected == 1)
}

async fn revoke(conn: &impl sea_orm::ConnectionTrait, session_id: Uuid) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now()))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// A user's sessions or role changed: this instance stops trusting what it
/// remembered at once, and the others hear of it on the bus.
fn user_changed(state: &Services, user: Uuid) {
    state.sessions.forget_user(user);
    state.db.bus.user_changed(user);
}

/// Drops remembered sessions of users whose sessions or role changed on
/// any instance (the bus carries the others' changes).
pub async fn forget_changed_users(state: std::sync::Arc<Services>) {
    use tokio::sync::broadcast::error::RecvError;
    let mut changed = state.db.bus.subscribe_users();
    loop {
        match changed.recv().await {
            Ok(user) => state.sessions.forget_user(user),
            // Missed some: forget them all rather than guess.
            Err(RecvError::Lagged(_)) => state.sessions.forget_all(),
            Err(RecvError::Closed) => changed = state.db.bus.subscribe_users(),
        }
    }
}

/// Reads the `Authorization` header. The session and role come from the
/// database, remembered for at most a second (`HEARTH_SESSION_CACHE_MS`), so
/// a role change or logout takes effect without a new token.
pub async fn authenticate(state: &Services, header: Option<&str>) -> AppResult<Auth> {
    let Some(header) = header else {
        return Ok(Auth::Anonymous);
    };
    let token = match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => return Ok(Auth::Rejected("malformed Authorization header".into())),
    };
    let verified = match state.jwt.verify(token) {
        Ok(v) => v,
        Err(e @ (TokenError::Expired | TokenError::Invalid)) => {
            return Ok(Auth::Rejected(e.to_string()))
        }
    };
    let user = match verified {
        Verified::Local {
            user_id,
            session_id,
            exp,
        } => {
            if let Some(role) = state.sessions.get(session_id, user_id) {
                return Ok(Auth::Viewer(Viewer {
                    id: user_id,
                    role,
                    token_expires_at: exp,
                    closing: false,
                    access_reason: None,
                }));
            }
            let ticket = state.sessions.ticket();
            // The account, whether the session is live and whether the
            // account is closing, in one statement.
            match pages::session_user(&state.db.conn, user_id, session_id).await? {
                Some(c) if c.live => {
                    // A closing account is not remembered: cancelling the
                    // closure must unlock it at once.
                    if !c.closing {
                        state
                            .sessions
                            .put(ticket, session_id, c.user.id, c.user.role);
                    }
                    (c.user, exp, c.closing)
                }
                Some(_) => return Ok(Auth::Rejected("session ended".into())),
                None => return Ok(Auth::Rejected("account no longer exists".into())),
            }
        }
        Verified::External(claims) => {
            let exp = claims.exp;
            let user = external_user(&state.db, claims).await?;
            let closing = crate::store::closures::pending(&state.db.conn, user.id)
                .await?
                .is_some();
            (user, exp, closing)
        }
    };
    let (user, token_expires_at, closing) = user;
    Ok(Auth::Viewer(Viewer {
        id: user.id,
        role: user.role,
        token_expires_at,
        closing,
        access_reason: None,
    }))
}

/// An external identity's Hearth account, created on first sight:
/// `sub` identifies it, `preferred_username` seeds the handle, `name` the
/// display name.
async fn external_user(
    db: &Db,
    claims: crate::auth::jwt::ExternalClaims,
) -> AppResult<user::Model> {
    if let Some(u) = user::Entity::find()
        .filter(user::Column::ExternalSubject.eq(claims.sub.clone()))
        .one(&db.conn)
        .await?
    {
        return Ok(u);
    }
    let base = claims
        .preferred_username
        .as_deref()
        .and_then(|h| content::handle(h).ok())
        .unwrap_or_else(|| "member".to_owned());
    let display = claims
        .name
        .as_deref()
        .and_then(|n| content::required_text("name", n, content::DISPLAY_NAME_MAX).ok())
        .unwrap_or_else(|| base.clone());
    let handle = format!(
        "{}-{}",
        base.chars().take(20).collect::<String>(),
        &refresh::random_token(6)[..6]
    )
    .to_lowercase()
    .replace('_', "-");
    let created = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        handle: Set(handle),
        display_name: Set(display),
        password_hash: Set(None),
        external_subject: Set(Some(claims.sub.clone())),
        role: Set(PlatformRole::Member),
        created_at: Set(now()),
    }
    .insert(&db.conn)
    .await;
    match created {
        Ok(u) => Ok(u),
        // Two first requests raced; the other one created it.
        Err(_) => user::Entity::find()
            .filter(user::Column::ExternalSubject.eq(claims.sub))
            .one(&db.conn)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("external user vanished"))),
    }
}

/// `hearth user set-role`: bootstraps admins and facilitators.
pub async fn set_role(db: &Db, handle: &str, role: PlatformRole) -> AppResult<user::Model> {
    let handle = content::handle(handle)?;
    let user = user::Entity::find()
        .filter(user::Column::Handle.eq(handle))
        .one(&db.conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut active: user::ActiveModel = user.into();
    active.role = Set(role);
    let user = active.update(&db.conn).await?;
    db.bus.user_changed(user.id);
    Ok(user)
}
