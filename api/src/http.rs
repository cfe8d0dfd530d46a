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
use futures_util::{FutureExt, StreamExt};
use std::sync::Arc;
use tracing_actix_web::RequestId;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql))
        .route("/graphql", web::get().to(graphql_get))
        .route("/", web::get().to(graphiql))
        .route("/graphiql/{file}", web::get().to(graphiql_asset))
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
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                &client_error(&format!("malformed JSON request: {e}")),
            )
        }
    };
    execute(state, &req, request, request_id.to_string(), Method::Post).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Post,
    Get,
}

/// Whether the client asked for `application/graphql-response+json` (GraphQL
/// over HTTP): then request errors answer 400 and the body has no `data`.
fn wants_graphql_response(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(GRAPHQL_RESPONSE))
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Runs one GraphQL request, from POST or GET, and answers it. Every
/// answer says how it may be cached: nobody's but the client's unless a
/// signed-out query ran cleanly.
async fn execute(
    state: Arc<AppState>,
    req: &HttpRequest,
    request: async_graphql::Request,
    request_id: String,
    method: Method,
) -> HttpResponse {
    let mut r = run(state, req, request, request_id, method).await;
    let h = r.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-store"),
        );
    }
    h.insert(
        header::VARY,
        header::HeaderValue::from_static("Authorization, Accept"),
    );
    r
}

/// Queries longer than this are run but not registered as persisted.
const MAX_PERSISTED: usize = 16 * 1024;

async fn run(
    state: Arc<AppState>,
    req: &HttpRequest,
    mut request: async_graphql::Request,
    request_id: String,
    method: Method,
) -> HttpResponse {
    let graphql_response = wants_graphql_response(req);
    let registering = match persisted_query(&state, &mut request).await {
        Ok(r) => r,
        Err(e) => {
            let status = if graphql_response && !matches!(e, AppError::PersistedQueryNotFound) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            return answer(
                status,
                graphql_response,
                app_error_body(&e, &request_id).to_string().into_bytes(),
            );
        }
    };
    let parsed = state.documents.prepare(&mut request);
    let (op_name, op_type) = operation(&mut request);
    // One that does not parse counts as a query here: the engine reports why.
    let is_query = op_type.is_none_or(|t| t == async_graphql::parser::types::OperationType::Query);
    if method == Method::Get && !is_query {
        // GET is for reads a cache may keep; anything else must be POSTed.
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .content_type("application/json")
            .body(
                client_error("only queries may be sent with GET: send mutations with POST")
                    .to_string(),
            );
    }
    let auth = match accounts::authenticate(&state, authorization(req)).await {
        Ok(a) => a,
        Err(e) => return json(StatusCode::OK, &app_error_body(&e, &request_id)),
    };
    let anonymous = auth.viewer().is_none();
    let reason = req
        .headers()
        .get(ACCESS_REASON)
        .and_then(|v| v.to_str().ok());
    let auth = auth.with_access_reason(reason);
    let ctx = RequestCtx::new(state.services.clone(), auth, request_id.clone())
        .with_client(client_addr(req, &state.config.server.trusted_proxies));
    let audit = ctx.audit.clone();
    // The operation, as a span of its own (its name and type, never its
    // variables).
    // The client's operation name, when the document has it, cut short.
    let op_name: String = op_name
        .filter(|_| op_type.is_some())
        .map(|n| n.chars().take(64).collect())
        .unwrap_or_else(|| "anonymous".to_owned());
    let span = tracing::info_span!(
        "graphql",
        otel.name = %format!("graphql {op_name}"),
        graphql.operation.name = %op_name,
        graphql.persisted = registering.is_some() || request.extensions.contains_key("persistedQuery"),
    );
    // A panic anywhere below (ours or the engine's) is answered as INTERNAL
    // rather than a dropped connection.
    let executed = tracing::Instrument::instrument(
        std::panic::AssertUnwindSafe(state.schema.execute(request.data(ctx))).catch_unwind(),
        span,
    )
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
    let ok = response.errors.is_empty();
    if let Some(parsed) = parsed.filter(|_| ok) {
        state.documents.keep(parsed);
    }
    // A persisted query is kept only once it ran cleanly, for a signed-in
    // caller, and only a query (a mutation's text may carry members' words
    // as literals), short enough: nobody fills the store.
    if let Some((hash, query)) =
        registering.filter(|(_, q)| ok && !anonymous && is_query && q.len() <= MAX_PERSISTED)
    {
        state.persisted.put(&hash, &query).await;
    }
    finalize_errors(&mut response.errors, &request_id);
    // No resolver ran: the request itself was refused (parse, validation).
    let request_error =
        !response.errors.is_empty() && response.errors.iter().all(|e| e.path.is_empty());
    // Written straight to bytes: a detour through `serde_json::Value`
    // copied the whole tree of a page once more.
    let body = if graphql_response && request_error {
        serde_json::to_value(&response).and_then(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.remove("data");
            }
            serde_json::to_vec(&v)
        })
    } else {
        serde_json::to_vec(&response)
    };
    let status = if graphql_response && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    match body {
        Ok(body) => {
            let mut r = answer(status, graphql_response, body);
            // A signed-out query over GET that ran cleanly may be cached by
            // anyone; everything else is one person's.
            let cache = if method == Method::Get && anonymous && ok {
                "public, max-age=60"
            } else {
                "private, no-store"
            };
            if let Ok(v) = header::HeaderValue::from_str(cache) {
                r.headers_mut().insert(header::CACHE_CONTROL, v);
            }
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "serialising response");
            json(
                StatusCode::INTERNAL_SERVER_ERROR,
                &internal_error(&request_id),
            )
        }
    }
}

fn answer(status: StatusCode, graphql_response: bool, body: Vec<u8>) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(if graphql_response {
            GRAPHQL_RESPONSE
        } else {
            "application/json"
        })
        .body(body)
}

/// Automatic persisted queries, as Apollo clients send them
/// (`extensions.persistedQuery.sha256Hash`): a hash alone is looked up; a
/// hash with its query is checked and, once the query runs cleanly,
/// registered (returned here for that).
async fn persisted_query(
    state: &AppState,
    request: &mut async_graphql::Request,
) -> Result<Option<(String, String)>, AppError> {
    let Some(pq) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let pq = pq.clone().into_json().unwrap_or_default();
    if pq.get("version").and_then(|v| v.as_i64()) != Some(1) {
        return Err(AppError::bad_input("persistedQuery.version must be 1"));
    }
    let hash = pq
        .get("sha256Hash")
        .and_then(|h| h.as_str())
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| AppError::bad_input("persistedQuery.sha256Hash must be 64 hex digits"))?
        .to_ascii_lowercase();
    if request.query.is_empty() {
        let query = state
            .persisted
            .get(&hash)
            .await
            .ok_or(AppError::PersistedQueryNotFound)?;
        request.query = query.to_string();
        return Ok(None);
    }
    use sha2::{Digest, Sha256};
    let actual: String = Sha256::digest(request.query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if actual != hash {
        return Err(AppError::bad_input("provided sha does not match query"));
    }
    Ok(Some((hash, request.query.clone())))
}

/// The operation the request runs: its name and type, when the document
/// parses and the operation can be told (a lone operation needs no
/// `operationName`). Named operations are kept by name, anonymous ones
/// alone.
fn operation(
    request: &mut async_graphql::Request,
) -> (
    Option<String>,
    Option<async_graphql::parser::types::OperationType>,
) {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let wanted = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return (wanted, None);
    };
    match (&doc.operations, wanted) {
        (DocumentOperations::Single(op), name) => (name, Some(op.node.ty)),
        (DocumentOperations::Multiple(ops), Some(n)) => {
            let ty = ops.get(n.as_str()).map(|op| op.node.ty);
            (Some(n), ty)
        }
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            let (n, op) = ops
                .iter()
                .next()
                .map(|(n, op)| (n.to_string(), op.node.ty))
                .unzip();
            (n, op)
        }
        // Several operations and no name: the engine refuses the request;
        // it counts as a query only if every operation is one.
        (DocumentOperations::Multiple(ops), None) => {
            let all_queries = ops.values().all(|op| op.node.ty == OperationType::Query);
            (
                None,
                Some(if all_queries {
                    OperationType::Query
                } else {
                    OperationType::Mutation
                }),
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
        return get_query(state.into_inner(), &req, request_id.to_string()).await;
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

/// A query sent with GET (GraphQL over HTTP): `query`, `operationName`,
/// `variables` and `extensions` in the query string, so that a CDN may
/// cache persisted queries.
async fn get_query(state: Arc<AppState>, req: &HttpRequest, request_id: String) -> HttpResponse {
    let qs = req.query_string();
    if qs.is_empty() {
        return json(
            StatusCode::BAD_REQUEST,
            &client_error("GET /graphql takes a query in its query string, or a WebSocket upgrade"),
        );
    }
    if qs.len() > state.config.server.body_limit {
        return json(
            StatusCode::URI_TOO_LONG,
            &client_error("the query string is too long: send the query with POST"),
        );
    }
    match request_from_query_string(qs) {
        Ok(request) => execute(state, req, request, request_id, Method::Get).await,
        Err(e) => json(
            StatusCode::BAD_REQUEST,
            &client_error(&format!("malformed query string: {e}")),
        ),
    }
}

/// `query`, `operationName`, `variables` and `extensions` (JSON), as GraphQL
/// over HTTP names them.
fn request_from_query_string(qs: &str) -> Result<async_graphql::Request, String> {
    let mut request = async_graphql::Request::new("");
    for (k, v) in url::form_urlencoded::parse(qs.as_bytes()) {
        match &*k {
            "query" => request.query = v.into_owned(),
            "operationName" => request.operation_name = Some(v.into_owned()),
            "variables" => {
                request.variables = serde_json::from_str(&v)
                    .map_err(|e| format!("variables is not a JSON object: {e}"))?
            }
            "extensions" => {
                request.extensions = serde_json::from_str(&v)
                    .map_err(|e| format!("extensions is not a JSON object: {e}"))?
            }
            _ => {}
        }
    }
    Ok(request)
}

/// What the GraphiQL page may load: only this origin's scripts, styles,
/// fonts and images, and requests to this origin's API (`'self'` covers
/// its WebSocket too). GraphiQL sets inline styles, hence 'unsafe-inline' for
/// styles alone.
const GRAPHIQL_CSP: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// GraphiQL, served from here: the page and every asset it loads.
async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, GRAPHIQL_CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(include_str!("../graphiql/index.html"))
}

/// GraphiQL's assets, fetched from npm at build time (`api/build.rs`).
async fn graphiql_asset(path: web::Path<String>) -> HttpResponse {
    macro_rules! built {
        ($name:literal) => {
            include_bytes!(concat!(env!("OUT_DIR"), "/graphiql/", $name)).as_slice()
        };
    }
    let (body, kind): (&'static [u8], &str) = match path.as_str() {
        "graphiql.min.js" => (built!("graphiql.min.js"), "text/javascript"),
        "graphiql.min.css" => (built!("graphiql.min.css"), "text/css"),
        "react.production.min.js" => (built!("react.production.min.js"), "text/javascript"),
        "react-dom.production.min.js" => (built!("react-dom.production.min.js"), "text/javascript"),
        "graphql-ws.min.js" => (built!("graphql-ws.min.js"), "text/javascript"),
        "init.js" => (include_bytes!("../graphiql/init.js"), "text/javascript"),
        "page.css" => (include_bytes!("../graphiql/page.css"), "text/css"),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .content_type(format!("{kind}; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
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
        state.webhooks.refresh_metrics().await,
        state.urgent_pusher.refresh_metrics().await,
    ];
    if let Err(e) = state.webhook_sender.refresh_metrics().await {
        tracing::warn!(error = %e, "counting disabled webhook endpoints");
    }
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
