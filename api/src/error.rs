//! One typed error for the whole service, mapped to `extensions.code` here
//! and nowhere else.
use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    /// The account has a closure pending and is locked until then.
    #[error("{0}")]
    AccountLocked(String),
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
    /// A dependency (the database, the search backend) is down or
    /// restarting; the client may retry after `RETRY_AFTER_SECS`.
    #[error("{0}")]
    Unavailable(String),
    /// A live stream cannot show that it delivered every event; the client
    /// resumes from its last cursor.
    #[error("{0}")]
    Resync(String),
    /// An automatic persisted query's hash that this server does not know:
    /// the client sends it again with its text. The message is the one
    /// Apollo clients look for.
    #[error("PersistedQueryNotFound")]
    PersistedQueryNotFound,
}

/// What an UNAVAILABLE error suggests waiting before a retry.
pub const RETRY_AFTER_SECS: u64 = 1;

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::AccountLocked(_) => "ACCOUNT_LOCKED",
            AppError::NotFound => "NOT_FOUND",
            AppError::BadInput(_) => "BAD_USER_INPUT",
            AppError::Conflict(_) => "CONFLICT",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::Internal(_) => "INTERNAL",
            AppError::Unavailable(_) => "UNAVAILABLE",
            AppError::Resync(_) => "RESYNC",
            AppError::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
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

    pub fn unavailable(msg: impl Into<String>) -> Self {
        AppError::Unavailable(msg.into())
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }

    /// A unique-key violation becomes `conflict`; anything else is internal.
    pub fn from_db_conflict(e: DbErr, conflict: &str) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::conflict(conflict),
            _ => AppError::from(e),
        }
    }
}

impl From<DbErr> for AppError {
    /// A database that cannot be reached, or is shutting down or starting
    /// up, is a retryable UNAVAILABLE; anything else is INTERNAL, and names
    /// the line whose `?` converted it, so the log says where it came from.
    #[track_caller]
    fn from(e: DbErr) -> Self {
        if db_unreachable(&e) {
            return db_unavailable(&e);
        }
        let at = std::panic::Location::caller();
        AppError::Internal(anyhow::Error::new(e).context(format!("database error at {at}")))
    }
}

impl From<std::sync::Arc<DbErr>> for AppError {
    /// A DataLoader's shared error.
    fn from(e: std::sync::Arc<DbErr>) -> Self {
        if db_unreachable(&e) {
            return db_unavailable(&e);
        }
        AppError::internal(anyhow::anyhow!("{e}"))
    }
}

fn db_unavailable(e: &DbErr) -> AppError {
    tracing::warn!(error = %e, "database unavailable");
    AppError::unavailable("the database is unavailable; try again shortly")
}

fn db_unreachable(e: &DbErr) -> bool {
    use sea_orm::{sqlx::Error as Sqlx, RuntimeErr};
    let runtime = match e {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else {
        return false;
    };
    match sqlx.as_ref() {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::Protocol(_) => true,
        // Class 08: connection exception; 57P01-57P03: the server is
        // shutting down or starting up.
        Sqlx::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

/// Gives every error of a response its `extensions.code`. Resolver errors
/// carry an [`AppError`] as their source. Errors without one are the
/// client's input when the GraphQL engine raised them (parse and validation
/// errors, which have no path; argument values it could not coerce);
/// anything else has no known cause and is INTERNAL. INTERNAL errors are
/// logged here with the request id, and the client sees only that id.
pub fn finalize_errors(errors: &mut [async_graphql::ServerError], request_id: &str) {
    for err in errors.iter_mut() {
        let (code, retry_after) = match err.source::<AppError>() {
            Some(AppError::Internal(cause)) => {
                // Logged inside the request's span, which carries its id.
                tracing::error!(error = ?cause, path = ?err.path, "internal error");
                err.message = internal_message(request_id);
                ("INTERNAL", None)
            }
            Some(e @ AppError::Unavailable(why)) => {
                tracing::warn!(error = %why, path = ?err.path, "dependency unavailable");
                (e.code(), Some(RETRY_AFTER_SECS))
            }
            Some(e @ AppError::RateLimited { retry_after_secs }) => {
                (e.code(), Some(*retry_after_secs))
            }
            Some(e) => (e.code(), None),
            None if engine_input_error(err) => ("BAD_USER_INPUT", None),
            None => {
                tracing::error!(error = %err.message, path = ?err.path, "error with no known cause");
                err.message = internal_message(request_id);
                ("INTERNAL", None)
            }
        };
        let ext = err.extensions.get_or_insert_with(Default::default);
        ext.set("code", code);
        if matches!(code, "INTERNAL" | "UNAVAILABLE") && !request_id.is_empty() {
            ext.set("requestId", request_id);
        }
        if let Some(secs) = retry_after {
            ext.set("retryAfter", secs);
        }
    }
}

fn internal_message(request_id: &str) -> String {
    if request_id.is_empty() {
        "internal error".to_owned()
    } else {
        format!("internal error (request id {request_id})")
    }
}

/// Raised by the engine about the request itself: a parse or validation
/// error (no path: no resolver ran) or an argument it could not coerce.
fn engine_input_error(err: &async_graphql::ServerError) -> bool {
    // The engine's own messages about the request that it raises while
    // resolving (async-graphql 7).
    const ENGINE_INPUT: &[&str] = &[
        "Failed to parse",
        "Expected input type",
        "Invalid value for argument",
        "Variable ",
        "Cannot query field",
        "Unknown fragment",
        "Subscriptions are not supported",
        "The number of directives",
        "The recursion depth",
    ];
    err.path.is_empty() || ENGINE_INPUT.iter().any(|p| err.message.starts_with(p))
}

/// The body for an [`AppError`] raised before the GraphQL engine runs
/// (authenticating the request), with the extensions `finalize_errors`
/// gives resolver errors. INTERNAL is logged here and shows only the id.
pub fn app_error_body(e: &AppError, request_id: &str) -> serde_json::Value {
    let message = match e {
        AppError::Internal(cause) => {
            tracing::error!(error = ?cause, "internal error before the GraphQL engine");
            format!("internal error (request id {request_id})")
        }
        other => other.to_string(),
    };
    let mut body = error_body(e.code(), &message);
    let ext = &mut body["errors"][0]["extensions"];
    match e {
        AppError::Unavailable(_) => ext["retryAfter"] = RETRY_AFTER_SECS.into(),
        AppError::RateLimited { retry_after_secs } => {
            ext["retryAfter"] = (*retry_after_secs).into()
        }
        _ => {}
    }
    if matches!(e, AppError::Internal(_) | AppError::Unavailable(_)) {
        ext["requestId"] = request_id.into();
    }
    body
}

/// A GraphQL-shaped error body for failures before the GraphQL engine runs
/// (oversize or malformed bodies).
pub fn error_body(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({
        "data": null,
        "errors": [{ "message": message, "extensions": { "code": code } }]
    })
}
