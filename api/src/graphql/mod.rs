//! The GraphQL surface: thin resolvers over `service`.
pub mod documents;
pub use crate::ids;
pub mod mutation;
pub mod pagination;
pub mod query;
pub mod sessions;
pub mod subscription;
pub mod types;
pub mod webhooks;

use crate::{
    config::Config,
    error::{finalize_errors, AppError},
    service::RequestCtx,
};
use async_graphql::{
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe},
    futures_util::stream::BoxStream,
    Context, Response, Schema,
};
use futures_util::StreamExt;
use std::sync::Arc;

pub type HearthSchema =
    Schema<query::QueryRoot, mutation::MutationRoot, subscription::SubscriptionRoot>;

/// The schema HTTP requests run on. It has no extension: with one, the
/// engine looks up every field's type and wraps its resolution, which
/// costs a thread page a tenth of its time. The HTTP handler finishes
/// errors itself.
pub fn build_schema(cfg: &Config) -> HearthSchema {
    builder(cfg).finish()
}

/// The schema WebSocket connections run on: errors in each streamed
/// response are finished by [`ErrorCodes`].
pub fn build_ws_schema(cfg: &Config) -> HearthSchema {
    builder(cfg).extension(ErrorCodes).finish()
}

fn builder(
    cfg: &Config,
) -> async_graphql::SchemaBuilder<
    query::QueryRoot,
    mutation::MutationRoot,
    subscription::SubscriptionRoot,
> {
    Schema::build(
        query::QueryRoot,
        mutation::MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .limit_depth(cfg.server.max_depth)
    .limit_complexity(cfg.server.max_complexity)
    .limit_recursive_depth(32)
    .limit_directives(16)
}

/// The SDL that `hearth schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema(&Config::defaults()).sdl()
}

/// The request's context for a mutation: nothing cached from before it.
pub fn rc_write<'a>(ctx: &Context<'a>) -> Result<&'a RequestCtx, AppError> {
    let r = rc(ctx)?;
    r.forget_cached();
    Ok(r)
}

/// The request's context, put there by the HTTP layer for every request.
pub fn rc<'a>(ctx: &Context<'a>) -> Result<&'a RequestCtx, AppError> {
    ctx.data::<RequestCtx>()
        .map_err(|_| AppError::internal(anyhow::anyhow!("request context missing")))
}

/// Applies [`finalize_errors`] to every response, over HTTP and WebSocket
/// alike, so each error leaves with its `extensions.code`.
struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

/// Writes the accesses `resp` shows before it leaves; if that fails, the
/// data does not leave.
async fn audited(
    buffer: Arc<crate::service::audit::AuditBuffer>,
    writer: crate::service::audit::AuditWriter,
    resp: Response,
) -> Response {
    match buffer.flush(&writer).await {
        Ok(()) => resp,
        Err(e) => Response::from_errors(vec![
            async_graphql::Error::from(e).into_server_error(async_graphql::Pos::default())
        ]),
    }
}

fn request_id(ctx: &ExtensionContext<'_>) -> String {
    ctx.data_opt::<RequestCtx>()
        .map(|r| r.request_id.clone())
        .unwrap_or_default()
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut resp = next.run(ctx).await;
        // Over HTTP the request's data is not yet attached here; the HTTP
        // handler finalises and audits itself instead (`http::graphql`).
        if let Some(rc) = ctx.data_opt::<RequestCtx>() {
            resp = audited(rc.audit.clone(), rc.state.audit.clone(), resp).await;
        }
        let id = request_id(ctx);
        if !id.is_empty() {
            finalize_errors(&mut resp.errors, &id);
        }
        resp
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let id = request_id(ctx);
        let audit = ctx
            .data_opt::<RequestCtx>()
            .map(|rc| (rc.audit.clone(), rc.state.audit.clone()));
        // The flush is boxed per response: `then` keeps its future inline,
        // and an idle subscription would otherwise carry a write's state.
        next.run(ctx, stream)
            .then(move |resp| {
                let audit = audit.clone();
                async move {
                    match audit {
                        Some((buffer, writer)) => Box::pin(audited(buffer, writer, resp)).await,
                        None => resp,
                    }
                }
            })
            .map(move |mut resp| {
                finalize_errors(&mut resp.errors, &id);
                resp
            })
            .boxed()
    }
}
