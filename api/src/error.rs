//! One typed error for the whole service, mapped to `extensions.code` here
//! and nowhere else.
use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    /// Deliberately carries no detail: a missing object and one the viewer
    /// may not see must read the same.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Conflict(String),
    #[error("rate limited: retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
    /// A dependency (the search backend) is down; the client may retry.
    #[error("{0}")]
    Unavailable(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound => "NOT_FOUND",
            AppError::BadInput(_) => "BAD_USER_INPUT",
            AppError::Conflict(_) => "CONFLICT",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::Internal(_) | AppError::Unavailable(_) => "INTERNAL",
        }
    }

    pub fn bad_input(msg: impl Into<String>) -> Self {
        AppError::BadInput(msg.into())
    }

    pub fn forbidden(msg: impl Into<String>) -> Self {
        AppError::Forbidden(msg.into())
    }

    pub fn conflict(msg: impl Into<String>) -> Self {
        AppError::Conflict(msg.into())
    }

    pub fn unauthenticated(msg: impl Into<String>) -> Self {
        AppError::Unauthenticated(msg.into())
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }

    /// A unique-key violation becomes `conflict`; anything else is internal.
    pub fn from_db_conflict(e: DbErr, conflict: &str) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::conflict(conflict),
            _ => AppError::internal(e),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        AppError::Internal(e.into())
    }
}

/// Gives every error of a response its `extensions.code`. Resolver errors
/// carry an [`AppError`] as their source; errors without one come from the
/// GraphQL engine itself (parse, validation, limits) and are the client's
/// input. INTERNAL errors are logged here with the request id, and the
/// client sees only that id.
pub fn finalize_errors(errors: &mut [async_graphql::ServerError], request_id: &str) {
    for err in errors.iter_mut() {
        let (code, retry_after) = match err.source::<AppError>() {
            Some(AppError::Internal(cause)) => {
                // Logged inside the request's span, which carries its id.
                tracing::error!(error = ?cause, path = ?err.path, "internal error");
                err.message = "internal error".to_owned();
                ("INTERNAL", None)
            }
            Some(AppError::Unavailable(why)) => {
                tracing::warn!(error = %why, path = ?err.path, "dependency unavailable");
                ("INTERNAL", None)
            }
            Some(e @ AppError::RateLimited { retry_after_secs }) => {
                (e.code(), Some(*retry_after_secs))
            }
            Some(e) => (e.code(), None),
            None => ("BAD_USER_INPUT", None),
        };
        let ext = err.extensions.get_or_insert_with(Default::default);
        ext.set("code", code);
        if code == "INTERNAL" && !request_id.is_empty() {
            ext.set("requestId", request_id);
        }
        if let Some(secs) = retry_after {
            ext.set("retryAfter", secs);
        }
    }
}

/// A GraphQL-shaped error body for failures before the GraphQL engine runs
/// (oversize or malformed bodies).
pub fn error_body(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({
        "data": null,
        "errors": [{ "message": message, "extensions": { "code": code } }]
    })
}

/// Adds the request id to INTERNAL errors, so that a client can quote it
/// and an operator find the matching log line.
pub fn stamp_request_id(errors: &mut [async_graphql::ServerError], request_id: &str) {
    for err in errors.iter_mut() {
        let ext = err.extensions.get_or_insert_with(Default::default);
        if matches!(ext.get("code"), Some(async_graphql::Value::String(c)) if c == "INTERNAL") {
            err.message = format!("{} (request id {request_id})", err.message);
            ext.set("requestId", request_id);
        }
    }
}
