//! The GraphQL surface: thin resolvers over `service`.
pub mod ids;
pub mod mutation;
pub mod pagination;
pub mod query;
pub mod types;

use crate::{config::Config, error::AppError, service::RequestCtx};
use async_graphql::{Context, EmptySubscription, Schema};

pub type HearthSchema = Schema<query::QueryRoot, mutation::MutationRoot, EmptySubscription>;

pub fn build_schema(cfg: &Config) -> HearthSchema {
    Schema::build(query::QueryRoot, mutation::MutationRoot, EmptySubscription)
        .limit_depth(cfg.max_depth)
        .limit_complexity(cfg.max_complexity)
        .limit_recursive_depth(32)
        .limit_directives(16)
        .finish()
}

/// The SDL that `hearth schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema(&Config::for_tests(".".into(), None)).sdl()
}

/// The request's context, put there by the HTTP layer for every request.
pub fn rc<'a>(ctx: &Context<'a>) -> Result<&'a RequestCtx, AppError> {
    ctx.data::<RequestCtx>()
        .map_err(|_| AppError::internal(anyhow::anyhow!("request context missing")))
}
