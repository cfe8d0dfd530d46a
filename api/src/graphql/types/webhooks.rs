//! Webhook endpoints and their deliveries: for admins only.
use super::*;
use crate::domain::webhooks::WebhookKind;
use entity::{webhook_delivery, webhook_endpoint};

/// What an endpoint receives. Payloads carry ids and kinds only.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "WebhookKind")]
pub enum WebhookEventKind {
    /// An URGENT flag was raised (crisis language, in a post or a check-in).
    UrgentFlagRaised,
    /// An urgent flag went unacknowledged for its deadline.
    FlagEscalated,
    /// A flag was resolved or dismissed (`data.outcome`).
    FlagResolved,
    MemberJoined,
    /// A facilitator removed a member.
    MemberRemoved,
    PostHidden,
    SessionScheduled,
}

pub struct WebhookEndpoint(pub webhook_endpoint::Model);

#[Object]
impl WebhookEndpoint {
    async fn id(&self) -> ID {
        ids::encode(Kind::WebhookEndpoint, self.0.id)
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    async fn events(&self) -> Vec<WebhookEventKind> {
        self.0
            .events
            .split(',')
            .filter_map(WebhookKind::parse)
            .map(Into::into)
            .collect()
    }
    /// The groups it is limited to; null for every group.
    async fn group_ids(&self) -> Option<Vec<ID>> {
        let json = self.0.group_ids.as_deref()?;
        let ids: Vec<uuid::Uuid> = serde_json::from_str(json).ok()?;
        Some(
            ids.into_iter()
                .map(|g| ids::encode(Kind::Group, g))
                .collect(),
        )
    }
    async fn enabled(&self) -> bool {
        self.0.disabled_at.is_none()
    }
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at
    }
    /// Why it was disabled: the receiver answered 410, or failed too long.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Newest first.
    #[graphql(complexity = "pg_cost(first, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, WebhookDelivery>> {
        let limit = pg::page_size("first", first)?;
        let after = pg::decode::<pg::Deliveries>(after.as_deref())?;
        let page = service::webhooks::deliveries(rc(ctx)?, self.0.id, limit, after).await?;
        Ok(connection(
            page,
            |d| pg::encode::<pg::Deliveries>(&(d.created_at, d.id)),
            WebhookDelivery,
        ))
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum WebhookDeliveryStatus {
    /// Not yet delivered; `nextAttemptAt` says when it is tried.
    Pending,
    Succeeded,
    /// Attempts used up, or the endpoint was disabled.
    Failed,
}

pub struct WebhookDelivery(pub webhook_delivery::Model);

#[Object]
impl WebhookDelivery {
    async fn id(&self) -> ID {
        ids::encode(Kind::WebhookDelivery, self.0.id)
    }
    /// The `webhook-id` header of every attempt.
    async fn webhook_id(&self) -> String {
        format!("msg_{}", self.0.id.simple())
    }
    /// An event kind, or `PING`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn status(&self) -> WebhookDeliveryStatus {
        match self.0.status.as_str() {
            "succeeded" => WebhookDeliveryStatus::Succeeded,
            "failed" => WebhookDeliveryStatus::Failed,
            _ => WebhookDeliveryStatus::Pending,
        }
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The last attempt's HTTP status, when the receiver answered.
    async fn response_code(&self) -> Option<i32> {
        self.0.response_code
    }
    /// How long the last attempt took, in milliseconds.
    async fn duration_ms(&self) -> Option<i32> {
        self.0.duration_ms
    }
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// The JSON body, as signed.
    async fn payload(&self) -> &str {
        &self.0.payload
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_attempt_at
    }
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at
    }
}

/// A new endpoint or secret: the secret is shown this once.
#[derive(SimpleObject)]
pub struct CreateWebhookEndpointPayload {
    pub endpoint: WebhookEndpoint,
    /// `whsec_` and base64: verify each delivery's `webhook-signature`
    /// with it, as the Standard Webhooks specification says.
    pub secret: String,
}
