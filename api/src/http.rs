//! HTTP routes: GraphQL over POST, GraphiQL, health and readiness on the API
//! listener; metrics on a listener of their own.
use crate::{
    error::{app_error_body, finalize_errors, AppError},
    service::{accounts, RequestCtx},
    startup::AppState,
};
use actix_web::{
    http::{header, StatusCode},
    web, HttpRequest, HttpResponse,
};
use async_graphql::http::GraphiQLSource;
use futures_util::{FutureExt, StreamExt};
use std::sync::Arc;
use tracing_actix_web::RequestId;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql))
        .route("/graphql", web::get().to(graphql_get))
        .route("/", web::get().to(graphiql))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/exports/{id}", web::get().to(export_download))
        .route("/calendar/{file}", web::get().to(calendar_feed));
}

/// `GET /calendar/<token>.ics`: a member's sessions as an RFC 5545 feed.
/// The token is the credential (calendar apps send no other); an unknown,
/// rotated or forged one answers 404, like a feed that never existed.
async fn calendar_feed(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request_id: RequestId,
) -> HttpResponse {
    let request_id = request_id.to_string();
    let file = path.into_inner();
    let token = file.strip_suffix(".ics");
    let found = match token {
        Some(t) => crate::service::sessions::feed(&state.services, t).await,
        None => Ok(None),
    };
    match found {
        Ok(Some(ics)) => HttpResponse::Ok()
            .content_type("text/calendar; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .body(ics),
        Ok(None) => json(
            StatusCode::NOT_FOUND,
            &app_error_body(&crate::error::AppError::NotFound, &request_id),
        ),
        Err(e) => json(
            StatusCode::SERVICE_UNAVAILABLE,
            &app_error_body(&e, &request_id),
        ),
    }
}

/// `GET /exports/<id>`: a member's data export, to the member alone, with
/// the same bearer token as the API. Someone else's export and one that
/// does not exist answer alike (404).
async fn export_download(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    request_id: RequestId,
) -> HttpResponse {
    use crate::service::exports::{download, Download};
    let request_id = request_id.to_string();
    let auth = match accounts::authenticate(&state, authorization(&req)).await {
        Ok(a) => a,
        Err(e) => {
            return json(
                StatusCode::SERVICE_UNAVAILABLE,
                &app_error_body(&e, &request_id),
            )
        }
    };
    let viewer = match crate::domain::policy::require_account_holder(&auth) {
        Ok(v) => v.clone(),
        Err(e) => return json(StatusCode::UNAUTHORIZED, &app_error_body(&e, &request_id)),
    };
    let not_found = || {
        json(
            StatusCode::NOT_FOUND,
            &app_error_body(&crate::error::AppError::NotFound, &request_id),
        )
    };
    let Ok(id) = crate::ids::decode(
        crate::ids::Kind::DataExport,
        &async_graphql::ID(path.into_inner()),
    ) else {
        return not_found();
    };
    match download(&state.db, viewer.id, id).await {
        Ok(Download::Ready(bytes)) => HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"hearth-export.json\"",
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(bytes),
        Ok(Download::Expired) => json(
            StatusCode::GONE,
            &crate::error::error_body("EXPIRED", "this export has expired: request a new one"),
        ),
        Ok(Download::NotReady) => json(
            StatusCode::CONFLICT,
            &crate::error::error_body("NOT_READY", "this export is not ready yet"),
        ),
        Ok(Download::NotFound) => not_found(),
        Err(e) => json(
            StatusCode::SERVICE_UNAVAILABLE,
            &app_error_body(&e, &request_id),
        ),
    }
}

/// The metrics listener's only route.
pub fn metrics_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the
/// rightmost address in X-Forwarded-For that is not itself a trusted proxy.
/// A client cannot choose its own address by sending the header directly.
pub fn client_addr(req: &HttpRequest, trusted: &[ipnet::IpNet]) -> Option<std::net::IpAddr> {
    use std::net::{IpAddr, SocketAddr};
    let peer = req.peer_addr()?.ip().to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // From the right: every hop we trust vouches for the one before it; the
    // first we do not trust is the client. An entry that does not parse
    // ends the walk at the last trusted hop.
    let mut client = peer;
    for entry in entries.into_iter().rev() {
        let ip = entry
            .parse::<IpAddr>()
            .ok()
            .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
            .map(|ip| ip.to_canonical());
        match ip {
            Some(ip) if is_trusted(&ip) => client = ip,
            Some(ip) => return Some(ip),
            None => return Some(client),
        }
    }
    Some(client)
}

fn json(status: StatusCode, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body.to_string())
}

enum BodyError {
    TooLarge,
    Broken,
}

/// Reads at most `limit` bytes. An oversize body is drained (up to a cap)
/// before the answer, so the client reads an error rather than a reset.
async fn read_limited(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, BodyError> {
    let mut body = web::BytesMut::new();
    let mut seen = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| BodyError::Broken)?;
        seen += chunk.len();
        if seen <= limit {
            body.extend_from_slice(&chunk);
        } else if seen > limit.saturating_mul(64).max(16 << 20) {
            return Err(BodyError::TooLarge);
        }
    }
    if seen > limit {
        Err(BodyError::TooLarge)
    } else {
        Ok(body)
    }
}

async fn graphql(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    request_id: RequestId,
) -> HttpResponse {
    let state: Arc<AppState> = state.into_inner();
    let limit = state.config.server.body_limit;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        json(
            StatusCode::PAYLOAD_TOO_LARGE,
            &client_error(&format!("request body exceeds the limit of {limit} bytes")),
        )
    };
    let body = match read_limited(payload, limit).await {
        Ok(b) if declared.is_none_or(|d| d <= limit) => b,
        Ok(_) | Err(BodyError::TooLarge) => return too_large(),
        Err(BodyError::Broken) => {
            return json(
                StatusCode::BAD_REQUEST,
                &client_error("request body could not be read"),
            )
        }
    };
    let mut request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                &client_error(&format!("malformed JSON request: {e}")),
            )
        }
    };
    let parsed = state.documents.prepare(&mut request);
    let request_id = request_id.to_string();
    let auth = match accounts::authenticate(&state, authorization(&req)).await {
        Ok(a) => a,
        Err(e) => return json(StatusCode::OK, &app_error_body(&e, &request_id)),
    };
    let reason = req
        .headers()
        .get(ACCESS_REASON)
        .and_then(|v| v.to_str().ok());
    let auth = auth.with_access_reason(reason);
    let ctx = RequestCtx::new(state.services.clone(), auth, request_id.clone())
        .with_client(client_addr(&req, &state.config.server.trusted_proxies));
    let audit = ctx.audit.clone();
    // A panic anywhere below (ours or the engine's) is answered as INTERNAL
    // rather than a dropped connection.
    let executed = std::panic::AssertUnwindSafe(state.schema.execute(request.data(ctx)))
        .catch_unwind()
        .await;
    let mut response = match executed {
        Ok(r) => r,
        Err(_) => {
            tracing::error!(%request_id, "panic while executing a request");
            return json(
                StatusCode::INTERNAL_SERVER_ERROR,
                &internal_error(&request_id),
            );
        }
    };
    // The trail of what this response shows, before it leaves.
    if let Err(e) = audit.flush(&state.audit).await {
        return json(StatusCode::OK, &app_error_body(&e, &request_id));
    }
    if let Some(parsed) = parsed.filter(|_| response.errors.is_empty()) {
        state.documents.keep(parsed);
    }
    finalize_errors(&mut response.errors, &request_id);
    match serde_json::to_string(&response) {
        Ok(body) => HttpResponse::Ok()
            .content_type("application/json")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "serialising response");
            json(
                StatusCode::INTERNAL_SERVER_ERROR,
                &internal_error(&request_id),
            )
        }
    }
}

/// The Authorization header; one that is not text reads as malformed.
fn authorization(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"))
}

/// The header an admin sends to read a group they are not in.
pub const ACCESS_REASON: &str = "x-hearth-access-reason";

/// WebSocket subscriptions (graphql-transport-ws and graphql-ws). The
/// access token comes in the `connection_init` payload.
async fn graphql_get(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    request_id: RequestId,
) -> HttpResponse {
    let is_ws = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !is_ws {
        return get_without_upgrade();
    }
    let Some(protocol) = crate::ws::negotiate(&req) else {
        return json(
            StatusCode::BAD_REQUEST,
            &client_error("Sec-WebSocket-Protocol must offer graphql-transport-ws or graphql-ws"),
        );
    };
    match crate::ws::start(
        state.into_inner(),
        &req,
        payload,
        protocol,
        request_id.to_string(),
    ) {
        Ok(resp) => resp,
        Err(e) => json(
            StatusCode::BAD_REQUEST,
            &client_error(&format!("WebSocket upgrade refused: {e}")),
        ),
    }
}

fn get_without_upgrade() -> HttpResponse {
    json(
        StatusCode::BAD_REQUEST,
        &client_error("send queries with POST; GET /graphql is for WebSocket subscriptions"),
    )
}

async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql")
                .title("Hearth")
                .finish(),
        )
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.ping().await {
        HttpResponse::Ok().content_type("text/plain").body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unreachable")
    }
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let queues = [
        state.indexer.refresh_metrics().await,
        state.notifier.refresh_metrics().await,
        state.escalator.refresh_metrics().await,
        state.pusher.refresh_metrics().await,
        state.urgent_pusher.refresh_metrics().await,
    ];
    for e in queues.into_iter().filter_map(Result::err) {
        tracing::warn!(error = %e, "reading a worker's queue");
    }
    let encoder = prometheus::TextEncoder::new();
    match encoder.encode_to_string(&state.registry.gather()) {
        Ok(text) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4")
            .body(text),
        Err(e) => {
            tracing::error!(error = %e, "encoding metrics");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// A request refused before the engine: the one mapping gives its code.
fn client_error(message: &str) -> serde_json::Value {
    app_error_body(&AppError::bad_input(message), "")
}

/// A failure of ours before or after the engine; the client sees the
/// request id to quote.
fn internal_error(request_id: &str) -> serde_json::Value {
    app_error_body(
        &AppError::Internal(anyhow::anyhow!(
            "request {request_id} failed outside the engine"
        )),
        request_id,
    )
}
