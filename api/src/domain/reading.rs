//! Rules of read state and notification levels.
use entity::enums::NotificationLevel;

/// A member's level in a thread: the one they chose, else WATCHING where
/// they started or wrote in the thread and NORMAL elsewhere.
pub fn notification_level(chosen: Option<NotificationLevel>, posted: bool) -> NotificationLevel {
    match (chosen, posted) {
        (Some(level), _) => level,
        (None, true) => NotificationLevel::Watching,
        (None, false) => NotificationLevel::Normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_wins_over_the_default() {
        use NotificationLevel::*;
        assert_eq!(notification_level(None, true), Watching);
        assert_eq!(notification_level(None, false), Normal);
        assert_eq!(notification_level(Some(Muted), true), Muted);
        assert_eq!(notification_level(Some(Watching), false), Watching);
    }
}
