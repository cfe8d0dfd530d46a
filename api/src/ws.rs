//! GraphQL over WebSocket: `graphql-transport-ws` and the older
//! `graphql-ws`. async-graphql runs the protocol; this layer owns the
//! connection around it, so that clients get the close codes
//! graphql-transport-ws prescribes:
//!
//! | code | when |
//! |---|---|
//! | 4400 | a frame that is not a protocol message (non-JSON, binary) |
//! | 4401 | no token in `connection_init`, a message before it, or the access token expired |
//! | 4403 | a token that does not verify |
//! | 4408 | no `connection_init` within the timeout |
//! | 4409 | a subscription id already in use on this connection |
//! | 4429 | too many connections for this user |
//! | 1009 | a frame over the size limit |
use crate::{
    auth::Auth,
    service::{accounts, RequestCtx},
    startup::AppState,
};
use actix_web::{
    http::header::{HeaderValue, SEC_WEBSOCKET_PROTOCOL},
    HttpRequest, HttpResponse,
};
use actix_ws::{CloseCode, CloseReason, Message, Session};
use async_graphql::http::{ClientMessage, WebSocket, WebSocketProtocols as Protocols, WsMessage};
use futures_util::StreamExt;
use std::{
    collections::{HashMap, HashSet},
    str::FromStr,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::mpsc;
use uuid::Uuid;

/// Open connections per user, for the per-user limit.
#[derive(Default)]
pub struct Connections(Mutex<HashMap<Uuid, usize>>);

struct ConnectionSlot {
    state: Arc<AppState>,
    user: Uuid,
}

impl Connections {
    fn acquire(state: &Arc<AppState>, user: Uuid) -> Option<ConnectionSlot> {
        let mut map = state.ws_connections.0.lock().ok()?;
        let n = map.entry(user).or_insert(0);
        if *n >= state.config.live.ws_max_connections {
            return None;
        }
        *n += 1;
        Some(ConnectionSlot {
            state: state.clone(),
            user,
        })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.state.ws_connections.0.lock() {
            if let Some(n) = map.get_mut(&self.user) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    map.remove(&self.user);
                }
            }
        }
    }
}

/// Picks the first protocol the client offers that we speak.
pub fn negotiate(req: &HttpRequest) -> Option<Protocols> {
    req.headers()
        .get(SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|p| Protocols::from_str(p.trim()).ok())
}

pub fn start(
    state: Arc<AppState>,
    req: &HttpRequest,
    payload: actix_web::web::Payload,
    protocol: Protocols,
    connection_id: String,
) -> Result<HttpResponse, actix_web::Error> {
    let (mut response, session, stream) = actix_ws::handle(req, payload)?;
    response.headers_mut().insert(
        SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(protocol.sec_websocket_protocol()),
    );
    let stream = stream.max_frame_size(state.config.server.body_limit);
    let client = crate::http::client_addr(req, &state.config.server.trusted_proxies);
    actix_web::rt::spawn(async move {
        let closing = state.closing.clone();
        let reason = tokio::select! {
            r = run(state, session.clone(), stream, protocol, connection_id, client) => r,
            _ = closing.cancelled() => Some(CloseReason {
                code: CloseCode::Away,
                description: Some("server shutting down".into()),
            }),
        };
        let _ = session.close(reason).await;
    });
    Ok(response)
}

fn close(code: u16, why: &str) -> Option<CloseReason> {
    Some(CloseReason {
        code: CloseCode::Other(code),
        description: Some(why.to_owned()),
    })
}

/// Boxed: a message is a few hundred bytes, and the connection's task
/// would keep room for one for its whole life.
fn parse(msg: &Message) -> Result<Option<Box<ClientMessage>>, Option<CloseReason>> {
    match msg {
        Message::Text(t) => serde_json::from_str(t)
            .map(|m| Some(Box::new(m)))
            .map_err(|_| close(4400, "invalid message")),
        Message::Binary(_) => Err(close(4400, "binary frames are not supported")),
        // Echo the client's status code (RFC 6455, 5.5.1): a close frame
        // without one reads as 1005, and graphql-ws treats that as a
        // failure and reconnects only after a back-off.
        Message::Close(r) => Err(r.as_ref().map(|r| CloseReason {
            code: r.code,
            description: None,
        })),
        _ => Ok(None),
    }
}

/// Runs one connection; returns how to close it.
async fn run(
    state: Arc<AppState>,
    mut session: Session,
    mut stream: actix_ws::MessageStream,
    protocol: Protocols,
    connection_id: String,
    client: Option<std::net::IpAddr>,
) -> Option<CloseReason> {
    // connection_init first, within the timeout.
    let init_timeout = Duration::from_secs(state.config.live.ws_init_timeout);
    let first = loop {
        match tokio::time::timeout(init_timeout, stream.next()).await {
            Err(_) => return close(4408, "connection initialisation timeout"),
            Ok(None) => return None,
            Ok(Some(Err(_))) => return close(1009, "frame too large or malformed"),
            Ok(Some(Ok(Message::Ping(p)))) => {
                let _ = session.pong(&p).await;
            }
            Ok(Some(Ok(msg))) => match parse(&msg) {
                Ok(Some(m)) => break m,
                Ok(None) => continue,
                Err(reason) => return reason,
            },
        }
    };
    // Read in place: a copy of the payload would live as long as the
    // connection.
    let ClientMessage::ConnectionInit { payload } = &*first else {
        return close(4401, "unauthorized: send connection_init first");
    };
    let field = |names: &[&str]| {
        let p = payload.as_ref()?;
        names
            .iter()
            .find_map(|n| p.get(*n))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let Some(header) = field(&["authorization", "Authorization"]) else {
        return close(4401, "unauthorized: no access token in connection_init");
    };
    let reason = field(&[
        "accessReason",
        crate::http::ACCESS_REASON,
        "X-Hearth-Access-Reason",
    ]);
    let auth = match Box::pin(accounts::authenticate(&state, Some(&header))).await {
        Ok(a) => a.with_access_reason(reason.as_deref()),
        Err(crate::error::AppError::Unavailable(_)) => {
            return Some(CloseReason {
                code: CloseCode::Again,
                description: Some("unavailable: try again shortly".into()),
            });
        }
        Err(e) => {
            tracing::error!(error = ?e, "authenticating a WebSocket");
            return Some(CloseReason {
                code: CloseCode::Error,
                description: Some("internal error".into()),
            });
        }
    };
    let viewer = match &auth {
        Auth::Viewer(v) => v.clone(),
        Auth::Rejected(reason) => return close(4403, &format!("forbidden: {reason}")),
        Auth::Anonymous => return close(4401, "unauthorized"),
    };
    let Some(_slot) = Connections::acquire(&state, viewer.id) else {
        return close(4429, "too many connections for this user");
    };
    // The connection ends when the access token does.
    let expires_in = Duration::from_secs(
        (viewer.token_expires_at - chrono::Utc::now().timestamp()).max(0) as u64,
    );

    // Boxed: a channel allocates its slots 32 at a time, and a bare
    // message is a few hundred bytes, on every idle connection. Room for a
    // burst of every subscription the connection may hold; beyond that the
    // client is not waiting for answers, and is closed (a send that waited
    // here would stop the loop that drains the channel).
    let (tx, rx) = mpsc::channel::<Box<ClientMessage>>(
        state.config.live.ws_max_subscriptions.saturating_add(16),
    );
    let ctx =
        RequestCtx::for_connection(state.services.clone(), auth, connection_id).with_client(client);
    let mut protocol_stream =
        WebSocket::from_message_stream(state.ws_schema.clone(), messages(rx), protocol)
            .on_connection_init(move |_| async move {
                let mut data = async_graphql::Data::default();
                data.insert(ctx);
                Ok(data)
            });
    if tx.send(first).await.is_err() {
        return None;
    }

    let mut active: HashSet<String> = HashSet::new();
    let max_subs = state.config.live.ws_max_subscriptions;
    let mut keepalive =
        tokio::time::interval(Duration::from_secs(state.config.live.ws_keepalive.max(1)));
    keepalive.tick().await;
    let expiry = tokio::time::sleep(expires_in);
    tokio::pin!(expiry);
    let mut recheck =
        tokio::time::interval(Duration::from_secs(state.config.live.ws_recheck.max(1)));
    recheck.tick().await;
    // A logout, a revoked session or a role change anywhere: re-check now.
    let mut changed = state.db.bus.subscribe_users();
    loop {
        tokio::select! {
            incoming = stream.next() => {
                let msg = match incoming {
                    None => return None,
                    Some(Err(_)) => return close(1009, "frame too large or malformed"),
                    Some(Ok(Message::Ping(p))) => {
                        let _ = session.pong(&p).await;
                        continue;
                    }
                    Some(Ok(m)) => m,
                };
                let m = match parse(&msg) {
                    Ok(Some(m)) => m,
                    Ok(None) => continue,
                    Err(reason) => return reason,
                };
                match &*m {
                    ClientMessage::Start { id, .. } => {
                        if active.contains(id) {
                            return close(4409, &format!("subscriber for {id} already exists"));
                        }
                        if active.len() >= max_subs {
                            let err = limit_error(protocol, id, max_subs);
                            if session.text(err).await.is_err() {
                                return None;
                            }
                            continue;
                        }
                        active.insert(id.clone());
                    }
                    ClientMessage::Stop { id } => {
                        active.remove(id);
                    }
                    ClientMessage::ConnectionInit { .. } => {
                        return close(4429, "too many initialisation requests");
                    }
                    _ => {}
                }
                match tx.try_send(m) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        return close(4429, "too many messages awaiting an answer");
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => return None,
                }
            }
            outgoing = protocol_stream.next() => {
                match outgoing {
                    None => return None,
                    Some(WsMessage::Text(text)) => {
                        forget_finished(&text, &mut active);
                        if session.text(text).await.is_err() {
                            return None;
                        }
                    }
                    Some(WsMessage::Close(code, why)) => return close(code, &why),
                }
            }
            _ = keepalive.tick() => {
                let ping = match protocol {
                    Protocols::GraphQLWS => r#"{"type":"ping"}"#,
                    Protocols::SubscriptionsTransportWS => r#"{"type":"ka"}"#,
                };
                if session.text(ping).await.is_err() {
                    return None;
                }
            }
            _ = &mut expiry => {
                return close(4401, "access token expired: reconnect with a fresh one");
            }
            user = changed.recv() => {
                use tokio::sync::broadcast::error::RecvError;
                match user {
                    // Forgotten here first: the re-check must not find
                    // the session still remembered.
                    Ok(u) if u == viewer.id => {
                        state.services.sessions.forget_user(u);
                        recheck.reset_immediately();
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {
                        state.services.sessions.forget_all();
                        recheck.reset_immediately();
                    }
                    Err(RecvError::Closed) => changed = state.db.bus.subscribe_users(),
                }
            }
            _ = recheck.tick() => {
                // The session may have been logged out, the account deleted
                // or the role changed since the connection was opened.
                // Boxed, as every rare await here: an idle connection's task
                // is as large as its largest await.
                match Box::pin(accounts::authenticate(&state, Some(&header))).await {
                    Ok(Auth::Viewer(v))
                        if v.id == viewer.id && v.role == viewer.role && v.closing == viewer.closing => {}
                    Ok(Auth::Viewer(_)) => return close(4401, "your account changed: reconnect"),
                    Ok(_) => return close(4403, "forbidden: session ended"),
                    Err(e) => tracing::warn!(error = ?e, "re-checking a WebSocket session"),
                }
            }
        }
    }
}

/// Ids whose subscription the server ended may be reused.
fn forget_finished(text: &str, active: &mut HashSet<String>) {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        if matches!(v["type"].as_str(), Some("complete" | "error")) {
            if let Some(id) = v["id"].as_str() {
                active.remove(id);
            }
        }
    }
}

fn limit_error(protocol: Protocols, id: &str, max: usize) -> String {
    let errors = serde_json::json!([{
        "message": format!("at most {max} subscriptions per connection"),
        "extensions": { "code": "RATE_LIMITED" }
    }]);
    let msg = match protocol {
        Protocols::GraphQLWS => serde_json::json!({"type": "error", "id": id, "payload": errors}),
        Protocols::SubscriptionsTransportWS => {
            serde_json::json!({"type": "error", "id": id, "payload": errors[0]})
        }
    };
    msg.to_string()
}

fn messages(
    mut rx: mpsc::Receiver<Box<ClientMessage>>,
) -> impl futures_util::Stream<Item = serde_json::Result<ClientMessage>> + Send + 'static {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx).map(|m| m.map(|m| Ok(*m))))
}
