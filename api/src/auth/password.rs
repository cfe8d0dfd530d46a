//! Argon2id password hashing, run off the async executor.
use crate::error::{AppError, AppResult};
use argon2::{password_hash::phc::PasswordHash, Argon2, PasswordHasher, PasswordVerifier};
use std::sync::OnceLock;

/// Argon2 takes about 19 MiB and a core per call: at most two per core run
/// at once, so a burst of logins queues rather than exhausting memory.
async fn slot() -> AppResult<tokio::sync::SemaphorePermit<'static>> {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            tokio::sync::Semaphore::new(cores * 2)
        })
        .acquire()
        .await
        .map_err(AppError::internal)
}

pub async fn hash(password: String) -> AppResult<String> {
    let _slot = slot().await?;
    tokio::task::spawn_blocking(move || {
        let h: PasswordHash = Argon2::default()
            .hash_password(password.as_bytes())
            .map_err(|e| AppError::internal(anyhow::anyhow!("hashing password: {e}")))?;
        Ok(h.to_string())
    })
    .await
    .map_err(AppError::internal)?
}

/// Verifies `password` against `stored`, or against a dummy hash when there
/// is no account, so that an unknown handle costs the same time as a wrong
/// password.
pub async fn verify(password: String, stored: Option<String>) -> AppResult<bool> {
    let _slot = slot().await?;
    tokio::task::spawn_blocking(move || {
        let found = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return Ok(false);
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(found && ok)
    })
    .await
    .map_err(AppError::internal)?
}

/// Computes the dummy hash ahead of the first login for an unknown handle,
/// which would otherwise pay for it twice and stand out by its timing.
pub fn warm_up() {
    tokio::task::spawn_blocking(|| {
        dummy_hash();
    });
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password(b"no account has this password")
            .map(|h: PasswordHash| h.to_string())
            .unwrap_or_default()
    })
}
