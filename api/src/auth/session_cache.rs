//! Which sessions were live a moment ago, so that a client's burst of
//! requests checks its session once rather than on every request.
//!
//! Exactness: an entry lives at most `ttl` (capped at a second), so a logout
//! or role change on another instance counts within that; on this instance
//! `forget_user` drops the user's entries at once, and an answer read before
//! a `forget_user` is never stored after it.
use entity::enums::PlatformRole;
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};
use uuid::Uuid;

/// Past this many entries, expired ones are swept before adding another.
const SWEEP_AT: usize = 4096;
/// And if all are fresh, past this the map is emptied: a bounded cost.
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Copy)]
struct Entry {
    at: Instant,
    user: Uuid,
    role: PlatformRole,
}

pub struct SessionCache {
    ttl: Duration,
    entries: Mutex<HashMap<Uuid, Entry>>,
    /// Bumped by every `forget_user`.
    epoch: AtomicU64,
    /// When expired entries were last swept: at most once per `ttl`.
    swept: Mutex<Instant>,
}

/// Taken before reading a session; an answer is stored only if no user was
/// forgotten since, and its age counts from when the ticket was taken (the
/// read may have waited for a connection).
#[derive(Clone, Copy)]
pub struct Ticket(u64, Instant);

impl SessionCache {
    /// `ttl` zero turns the cache off.
    pub fn new(ttl: Duration) -> Self {
        SessionCache {
            ttl: ttl.min(Duration::from_secs(1)),
            entries: Mutex::default(),
            epoch: AtomicU64::new(0),
            swept: Mutex::new(Instant::now()),
        }
    }

    /// The account and role of a session checked within the last `ttl`.
    pub fn get(&self, session: Uuid, user: Uuid) -> Option<PlatformRole> {
        if self.ttl.is_zero() {
            return None;
        }
        let map = self.entries.lock().ok()?;
        let e = map.get(&session)?;
        (e.user == user && e.at.elapsed() < self.ttl).then_some(e.role)
    }

    pub fn ticket(&self) -> Ticket {
        Ticket(self.epoch.load(Ordering::SeqCst), Instant::now())
    }

    /// Remembers a live session, unless a user was forgotten since `ticket`.
    pub fn put(&self, ticket: Ticket, session: Uuid, user: Uuid, role: PlatformRole) {
        if self.ttl.is_zero() {
            return;
        }
        let Ok(mut map) = self.entries.lock() else {
            return;
        };
        // Under the lock: `forget_user` bumps the epoch under it too.
        if self.epoch.load(Ordering::SeqCst) != ticket.0 {
            return;
        }
        if ticket.1.elapsed() >= self.ttl {
            return;
        }
        if map.len() >= SWEEP_AT && !map.contains_key(&session) {
            let ttl = self.ttl;
            let due = self.swept.lock().map(|mut last| {
                let due = last.elapsed() >= ttl;
                if due {
                    *last = Instant::now();
                }
                due
            });
            if due.unwrap_or(true) {
                map.retain(|_, e| e.at.elapsed() < ttl);
            }
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(
            session,
            Entry {
                at: ticket.1,
                user,
                role,
            },
        );
    }

    pub fn forget_all(&self) {
        if let Ok(mut map) = self.entries.lock() {
            self.epoch.fetch_add(1, Ordering::SeqCst);
            map.clear();
        }
    }

    /// A session of `user` ended or their role changed.
    pub fn forget_user(&self, user: Uuid) {
        if let Ok(mut map) = self.entries.lock() {
            self.epoch.fetch_add(1, Ordering::SeqCst);
            map.retain(|_, e| e.user != user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_read_before_a_logout_is_not_kept_after_it() {
        let c = SessionCache::new(Duration::from_secs(1));
        let (s, u) = (Uuid::now_v7(), Uuid::now_v7());
        let t = c.ticket();
        c.forget_user(u);
        c.put(t, s, u, PlatformRole::Member);
        assert_eq!(c.get(s, u), None);
        let t = c.ticket();
        c.put(t, s, u, PlatformRole::Member);
        assert_eq!(c.get(s, u), Some(PlatformRole::Member));
        assert_eq!(c.get(s, Uuid::now_v7()), None, "another user's token");
        c.forget_user(u);
        assert_eq!(c.get(s, u), None);
    }

    #[test]
    fn entries_expire_and_the_ttl_is_capped_at_a_second() {
        let c = SessionCache::new(Duration::from_secs(30));
        assert_eq!(c.ttl, Duration::from_secs(1));
        let c = SessionCache::new(Duration::from_millis(20));
        let (s, u) = (Uuid::now_v7(), Uuid::now_v7());
        c.put(c.ticket(), s, u, PlatformRole::Admin);
        assert!(c.get(s, u).is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert!(c.get(s, u).is_none());
        let off = SessionCache::new(Duration::ZERO);
        off.put(off.ticket(), s, u, PlatformRole::Admin);
        assert!(off.get(s, u).is_none());
    }
}
