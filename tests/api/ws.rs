//! A small GraphQL-over-WebSocket client speaking both protocols.
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::{
    tungstenite::{client::IntoClientRequest, http::HeaderValue, Message},
    MaybeTlsStream, WebSocketStream,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Protocol {
    /// graphql-transport-ws
    TransportWs,
    /// the older graphql-ws (subscriptions-transport-ws)
    GraphqlWs,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::TransportWs => "graphql-transport-ws",
            Protocol::GraphqlWs => "graphql-ws",
        }
    }
}

pub struct Ws {
    inner: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    protocol: Protocol,
    /// Frames for other (earlier) subscription ids are skipped.
    current: String,
}

/// What a subscription delivered next.
#[derive(Debug)]
pub enum Frame {
    Data(Value),
    Error(Value),
    Complete,
    Closed,
}

impl Ws {
    pub async fn connect(base: &str, protocol: Protocol, token: Option<&str>) -> Ws {
        let mut ws = Ws::connect_silent(base, protocol).await;
        let payload = match token {
            Some(t) => json!({"authorization": format!("Bearer {t}")}),
            None => json!({}),
        };
        ws.send(json!({"type": "connection_init", "payload": payload}))
            .await;
        ws
    }

    /// Connects as an admin stating a break-glass reason in the
    /// `connection_init` payload.
    pub async fn connect_with_reason(
        base: &str,
        protocol: Protocol,
        token: &str,
        reason: &str,
    ) -> Ws {
        let mut ws = Ws::connect_silent(base, protocol).await;
        let payload = json!({"authorization": format!("Bearer {token}"), "accessReason": reason});
        ws.send(json!({"type": "connection_init", "payload": payload}))
            .await;
        ws
    }

    /// Waits for `connection_ack`; None if the server closed instead.
    pub async fn ack(&mut self) -> Option<()> {
        loop {
            match self.recv().await? {
                v if v["type"] == "connection_ack" => return Some(()),
                _ => continue,
            }
        }
    }

    /// Waits for the server to close the connection; returns its close code.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), self.inner.next())
                .await
                .expect("the server closes within 10 s");
            match msg {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Starts the closing handshake with `code`.
    pub async fn close_with(&mut self, code: u16) {
        use tokio_tungstenite::tungstenite::protocol::{frame::coding::CloseCode, CloseFrame};
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: "bye".into(),
        };
        self.inner
            .send(Message::Close(Some(frame)))
            .await
            .expect("ws close");
    }

    /// Sends a raw text frame.
    pub async fn send_raw(&mut self, text: String) {
        let _ = self.inner.send(Message::Text(text.into())).await;
    }

    /// Connects without sending `connection_init`.
    pub async fn connect_silent(base: &str, protocol: Protocol) -> Ws {
        let url = format!("{}/graphql", base.replace("http://", "ws://"));
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(protocol.name()),
        );
        let (inner, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("ws connect");
        Ws {
            inner,
            protocol,
            current: String::new(),
        }
    }

    async fn send(&mut self, v: Value) {
        self.inner
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("ws send");
    }

    async fn recv(&mut self) -> Option<Value> {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), self.inner.next())
                .await
                .expect("a frame within 10 s")?
                .ok()?;
            match msg {
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(&t).expect("JSON frame");
                    match v["type"].as_str() {
                        Some("ka") | Some("pong") => continue,
                        Some("ping") => {
                            self.send(json!({"type": "pong"})).await;
                            continue;
                        }
                        _ => return Some(v),
                    }
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.current = id.to_owned();
        let kind = match self.protocol {
            Protocol::TransportWs => "subscribe",
            Protocol::GraphqlWs => "start",
        };
        self.send(
            json!({"id": id, "type": kind, "payload": {"query": query, "variables": variables}}),
        )
        .await;
    }

    /// The next delivery for the current subscription, within 10 s
    /// (keep-alive frames do not count).
    pub async fn next(&mut self) -> Frame {
        tokio::time::timeout(Duration::from_secs(10), self.next_frame())
            .await
            .expect("a delivery within 10 s")
    }

    async fn next_frame(&mut self) -> Frame {
        loop {
            let Some(v) = self.recv().await else {
                return Frame::Closed;
            };
            if v["id"].is_string() && v["id"] != self.current.as_str() {
                continue;
            }
            match v["type"].as_str() {
                Some("next") | Some("data") => {
                    if v["payload"]["errors"].is_array() {
                        return Frame::Error(v["payload"]["errors"][0].clone());
                    }
                    return Frame::Data(v["payload"]["data"].clone());
                }
                Some("error") => {
                    let e = &v["payload"];
                    return Frame::Error(if e.is_array() {
                        e[0].clone()
                    } else {
                        e.clone()
                    });
                }
                Some("complete") => return Frame::Complete,
                _ => continue,
            }
        }
    }

    /// The next delivery, which must be data.
    pub async fn data(&mut self) -> Value {
        match self.next().await {
            Frame::Data(d) => d,
            other => panic!("expected data, got {other:?}"),
        }
    }

    /// Asserts nothing arrives for a short while, on a connection that is
    /// still open: a closed or dead socket fails, since silence from it
    /// proves nothing.
    pub async fn quiet(&mut self, ms: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        loop {
            match tokio::time::timeout_at(deadline, self.inner.next()).await {
                Err(_) => break,
                Ok(Some(Ok(Message::Text(t)))) => {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    assert!(
                        matches!(v["type"].as_str(), Some("ka" | "ping" | "pong")),
                        "unexpected {v}"
                    );
                }
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
                Ok(other) => panic!("the socket is not open while quiet: {other:?}"),
            }
        }
        // Still alive: the server answers a WebSocket ping.
        self.inner
            .send(Message::Ping(b"alive".to_vec().into()))
            .await
            .expect("the socket is open");
        let alive = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match self.inner.next().await {
                    Some(Ok(Message::Pong(_))) => return true,
                    Some(Ok(Message::Text(t))) => {
                        let v: Value = serde_json::from_str(&t).unwrap();
                        assert!(
                            matches!(v["type"].as_str(), Some("ka" | "ping" | "pong")),
                            "unexpected {v}"
                        );
                    }
                    Some(Ok(Message::Ping(_))) => {}
                    _ => return false,
                }
            }
        })
        .await;
        assert_eq!(alive, Ok(true), "the socket answers a ping after the quiet");
    }
}
