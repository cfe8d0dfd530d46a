//! Just enough graphql-transport-ws for the benchmarks.
use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::{
    tungstenite::{client::IntoClientRequest, http::HeaderValue, Message},
    MaybeTlsStream, WebSocketStream,
};

pub struct Ws(WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>);

impl Ws {
    /// Connects, authenticates and starts one subscription.
    pub async fn subscribe(
        base: &str,
        token: &str,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Ws> {
        let mut req =
            format!("{}/graphql", base.replace("http://", "ws://")).into_client_request()?;
        req.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (stream, _) = tokio_tungstenite::connect_async(req)
            .await
            .context("ws connect")?;
        let mut ws = Ws(stream);
        ws.send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}))
            .await?;
        loop {
            let v = ws.recv().await?.context("closed before ack")?;
            if v["type"] == "connection_ack" {
                break;
            }
        }
        ws.send(json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}))
            .await?;
        Ok(ws)
    }

    async fn send(&mut self, v: Value) -> anyhow::Result<()> {
        self.0.send(Message::Text(v.to_string().into())).await?;
        Ok(())
    }

    async fn recv(&mut self) -> anyhow::Result<Option<Value>> {
        while let Some(msg) = self.0.next().await {
            if let Message::Text(t) = msg? {
                let v: Value = serde_json::from_str(&t)?;
                if v["type"] == "ping" {
                    self.send(json!({"type": "pong"})).await?;
                    continue;
                }
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// The next `data` of the subscription; None when it ends.
    pub async fn next_data(&mut self) -> anyhow::Result<Option<Value>> {
        loop {
            let Some(v) = self.recv().await? else {
                return Ok(None);
            };
            match v["type"].as_str() {
                Some("next") => {
                    if let Some(e) = v["payload"].get("errors") {
                        bail!("subscription error: {e}");
                    }
                    return Ok(Some(v["payload"]["data"].clone()));
                }
                Some("error") => bail!("subscription error: {}", v["payload"]),
                Some("complete") => return Ok(None),
                _ => continue,
            }
        }
    }
}
