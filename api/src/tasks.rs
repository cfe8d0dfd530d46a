//! The supervisor of long-lived background tasks (the event bus, the live
//! relay, the pruner, the workers). Each runs until the supervisor's token
//! is cancelled; `shutdown` cancels it and joins every task, so a stopping
//! server knows its background work has ended (leases released) before it
//! exits. Events still queued for Redis are dropped, not flushed: other
//! instances read them from the event log.
use std::{future::Future, sync::Mutex, time::Duration};
use tokio::task::JoinHandle;
pub use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub struct Supervisor {
    token: CancellationToken,
    tasks: Mutex<Vec<(&'static str, JoinHandle<()>)>>,
}

impl Supervisor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancelled when shutdown begins; a task with cleanup to do watches it.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Runs `task` until it ends or shutdown begins, when it is dropped at
    /// its next await (an open transaction then rolls back).
    pub fn spawn(&self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        let token = self.token.clone();
        self.spawn_with_token(name, async move {
            tokio::select! {
                _ = token.cancelled() => {}
                _ = task => tracing::debug!(task = name, "background task ended"),
            }
        });
    }

    /// Runs a task that watches `token()` itself, to finish its own way.
    pub fn spawn_with_token(
        &self,
        name: &'static str,
        task: impl Future<Output = ()> + Send + 'static,
    ) {
        let handle = tokio::spawn(task);
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.push((name, handle));
        }
    }

    /// Cancels every task and waits for each, up to `grace` in all; a task
    /// still running then is aborted.
    pub async fn shutdown(&self, grace: Duration) {
        self.token.cancel();
        let tasks = match self.tasks.lock() {
            Ok(mut t) => std::mem::take(&mut *t),
            Err(_) => return,
        };
        let deadline = tokio::time::Instant::now() + grace;
        for (name, mut handle) in tasks {
            if tokio::time::timeout_at(deadline, &mut handle)
                .await
                .is_err()
            {
                tracing::warn!(task = name, "background task did not stop in time; aborted");
                handle.abort();
            }
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        // A supervisor dropped without shutdown (a test's app) still stops
        // its tasks.
        self.token.cancel();
    }
}
