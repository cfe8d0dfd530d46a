//! Crisis detection as a use case: run off the async workers and outside
//! any write transaction, so a long or hostile body never holds a lock or
//! delays a writer in another group.
use super::RequestCtx;
use crate::{
    domain::{
        content,
        crisis::{Detection, Risk, SupportResource},
    },
    error::{AppError, AppResult},
};
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use uuid::Uuid;

/// Assesses `text` on the detection threads, outside the async workers.
pub async fn assess(ctx: &RequestCtx, text: String) -> AppResult<Detection> {
    let detector = ctx.state.detector.clone();
    on_detection_thread(move || detector.detect(&text)).await
}

/// Runs `job` on one of a fixed set of threads, one per core, and waits
/// for its answer; queued jobs wait their turn. Never the blocking pool:
/// the detector's regex engines keep a matching cache (tens of MiB for the
/// frame sets) per thread that uses them, and the blocking pool's threads
/// come and go, each new one leaving another set of caches behind. On a
/// fixed set the caches stay one per thread.
pub async fn on_detection_thread<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    type Job = Box<dyn FnOnce() + Send>;
    static QUEUE: std::sync::OnceLock<tokio::sync::mpsc::Sender<Job>> = std::sync::OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (tx, rx) = tokio::sync::mpsc::channel::<Job>(1024);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("hearth-detect-{i}"))
                .spawn(move || loop {
                    let next = match rx.lock() {
                        Ok(mut rx) => rx.blocking_recv(),
                        Err(_) => None,
                    };
                    let Some(job) = next else { return };
                    // A panic fails that one job (its answer is dropped),
                    // not the thread.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "starting a detection thread");
            }
        }
        tx
    });
    let (tx, rx) = tokio::sync::oneshot::channel();
    queue
        .send(Box::new(move || {
            let _ = tx.send(job());
        }))
        .await
        .map_err(|_| AppError::internal(anyhow::anyhow!("the detection threads have stopped")))?;
    rx.await.map_err(AppError::internal)
}

/// What a draft's check tells its writer.
pub struct DraftCheck {
    pub risk: Risk,
    pub support_resources: Vec<SupportResource>,
}

/// `checkDraft`: a member of the group checks text before posting it.
/// Counted against the member's per-minute allowance, alias by alias.
pub async fn check_draft(ctx: &RequestCtx, group_id: Uuid, body: String) -> AppResult<DraftCheck> {
    let viewer = ctx.viewer()?.id;
    ctx.readable_group(group_id).await?;
    if body.chars().count() > content::BODY_MAX {
        return Err(AppError::bad_input("body is too long"));
    }
    ctx.state.draft_limiter.check(viewer)?;
    let risk = assess(ctx, body).await?.risk;
    Ok(DraftCheck {
        risk,
        support_resources: support_for(ctx, risk),
    })
}

/// Support resources for the writer of text at `risk`: none at NONE.
pub fn support_for(ctx: &RequestCtx, risk: Risk) -> Vec<SupportResource> {
    if risk == Risk::None {
        Vec::new()
    } else {
        ctx.state.support_resources.clone()
    }
}

/// Checks per member per minute (GCRA: the allowance refills evenly).
pub struct DraftLimiter {
    limiter: Option<DefaultKeyedRateLimiter<Uuid>>,
}

/// Members tracked before idle ones are forgotten.
const TRACKED_MEMBERS: usize = 10_000;

impl DraftLimiter {
    /// `per_minute` 0 turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        DraftLimiter {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n))),
        }
    }

    pub fn check(&self, member: Uuid) -> AppResult<()> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() > TRACKED_MEMBERS {
            limiter.retain_recent();
        }
        limiter.check_key(&member).map_err(|not_until| {
            let wait = not_until.wait_time_from(limiter.clock().now());
            AppError::RateLimited {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }
}
