//! Mutations for webhooks, merged into the schema's `Mutation`. Admins only.
use super::{
    ids::{self, Kind},
    rc_write,
    types::*,
};
use crate::service::webhooks;
use async_graphql::{Context, InputObject, Object, Result, ID};

#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// https on a public address (unless `HEARTH_OUTBOUND_ALLOW_PRIVATE`).
    pub url: String,
    pub events: Vec<WebhookEventKind>,
    /// Only these groups' events; all groups when absent.
    pub group_ids: Option<Vec<ID>>,
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookEndpointInput,
    ) -> Result<CreateWebhookEndpointPayload> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        if input.events.len() > 32 || input.group_ids.as_ref().is_some_and(|g| g.len() > 100) {
            return Err(crate::error::AppError::bad_input("too many events or groupIds").into());
        }
        let group_ids = input
            .group_ids
            .map(|ids| {
                ids.iter()
                    .map(|g| ids::decode_input(Kind::Group, g, "groupIds"))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let (endpoint, secret) = webhooks::create(
            r,
            webhooks::NewEndpoint {
                url: &input.url,
                events: input.events.into_iter().map(Into::into).collect(),
                group_ids,
            },
        )
        .await?;
        Ok(CreateWebhookEndpointPayload {
            endpoint: WebhookEndpoint(endpoint),
            secret,
        })
    }

    /// A new signing secret, shown this once; the old one stops at once.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<CreateWebhookEndpointPayload> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::WebhookEndpoint, &id)?;
        let (endpoint, secret) = webhooks::rotate_secret(r, id).await?;
        Ok(CreateWebhookEndpointPayload {
            endpoint: WebhookEndpoint(endpoint),
            secret,
        })
    }

    /// Sends a PING delivery now.
    async fn ping_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<WebhookDelivery> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::WebhookEndpoint, &id)?;
        Ok(WebhookDelivery(webhooks::ping(r, id).await?))
    }

    /// Turns a disabled endpoint on again.
    async fn enable_webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> Result<WebhookEndpoint> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::WebhookEndpoint, &id)?;
        Ok(WebhookEndpoint(webhooks::enable(r, id).await?))
    }

    /// Deletes the endpoint and its deliveries.
    async fn delete_webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::WebhookEndpoint, &id)?;
        Ok(webhooks::delete(r, id).await?)
    }

    /// Sends a delivery again (same `webhook-id`), with a fresh round of
    /// attempts.
    async fn redeliver_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<WebhookDelivery> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::WebhookDelivery, &id)?;
        Ok(WebhookDelivery(webhooks::redeliver(r, id).await?))
    }
}
