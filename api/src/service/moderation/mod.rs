//! Flags, the facilitator's review queue, moderation actions and their
//! append-only audit log. Each action commits with its log entry and events.
mod actions;
mod audit;
pub mod escalation;
mod flags;

pub use actions::*;
pub use audit::*;
pub use flags::*;

pub const NOTE_MAX: usize = 1_000;
