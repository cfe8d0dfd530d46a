//! Crisis detection as a use case: run off the async workers and outside
//! any write transaction, so a long or hostile body never holds a lock or
//! delays a writer in another group.
use super::RequestCtx;
use crate::{
    domain::crisis::Detection,
    error::{AppError, AppResult},
};

/// Assesses `text` on the blocking pool.
pub async fn assess(ctx: &RequestCtx, text: String) -> AppResult<Detection> {
    let detector = ctx.state.detector.clone();
    tokio::task::spawn_blocking(move || detector.detect(&text))
        .await
        .map_err(AppError::internal)
}
