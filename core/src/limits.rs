//! What the desk allows and keeps: a per-sender message limit, how many learned phrasings an
//! article keeps, and how long operational rows are kept before the scheduler prunes them.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::ChannelKind;

/// Limits on senders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Messages one sender may send in a minute before they are told to slow down and the
    /// rest is ignored; 0 turns the limit off. Staff are never limited.
    pub messages_per_minute: u32,
    /// Learned phrasings kept per article and language, newest kept; 0 turns learning off.
    pub learned_per_article: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            messages_per_minute: 20,
            // Enough for the ways a topic is asked; few enough that one article's learned
            // words cannot outweigh its title.
            learned_per_article: 20,
        }
    }
}

/// How long rows that only operations need are kept, in days (0: for ever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Sent outbox rows (unsent ones are kept until sent or parked).
    pub outbox_days: u32,
    /// Update ids kept to recognise a redelivery (platforms redeliver within a day).
    pub seen_days: u32,
    /// The question log behind `report` (deflection, knowledge-base gaps).
    pub questions_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        // The reports look back a year at most; a redelivery comes within hours.
        Retention {
            outbox_days: 14,
            seen_days: 7,
            questions_days: 400,
        }
    }
}

impl Retention {
    /// The cutoff before which rows of `days` go, or `i64::MIN` (nothing goes) for 0.
    pub(crate) fn cutoff(days: u32, now_ms: i64) -> i64 {
        if days == 0 {
            i64::MIN
        } else {
            now_ms - i64::from(days) * 86_400_000
        }
    }
}

/// What the limit says of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flood {
    /// Within the limit.
    Pass,
    /// The first over it this minute: the sender is told, once.
    Notice,
    /// Over it again: nothing is done.
    Drop,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start_ms: i64,
    count: u32,
}

/// Counts each sender's messages in a fixed one-minute window that starts with their
/// first message. Kept in memory, per process: with several instances a sender's limit is
/// at most that many times higher, and a restart forgets — cheaper than a database write
/// per message, and the limit is against floods, not a quota.
#[derive(Debug, Default)]
pub(crate) struct FloodGate {
    windows: Mutex<HashMap<(ChannelKind, String), Window>>,
}

const MINUTE_MS: i64 = 60_000;

impl FloodGate {
    pub(crate) fn check(&self, limit: u32, channel: ChannelKind, id: &str, now_ms: i64) -> Flood {
        if limit == 0 {
            return Flood::Pass;
        }
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 50_000 {
            windows.retain(|_, w| now_ms - w.start_ms < MINUTE_MS);
        }
        let w = windows.entry((channel, id.to_string())).or_insert(Window {
            start_ms: now_ms,
            count: 0,
        });
        if now_ms - w.start_ms >= MINUTE_MS {
            *w = Window {
                start_ms: now_ms,
                count: 0,
            };
        }
        w.count = w.count.saturating_add(1);
        match w.count.checked_sub(limit) {
            None | Some(0) => Flood::Pass,
            Some(1) => Flood::Notice,
            Some(_) => Flood::Drop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_over_the_limit_is_told_once_a_minute() {
        let gate = FloodGate::default();
        let mut seen = Vec::new();
        for i in 0..25 {
            seen.push(gate.check(20, ChannelKind::Telegram, "7", i * 1_000));
        }
        assert!(seen[..20].iter().all(|f| *f == Flood::Pass), "{seen:?}");
        assert_eq!(seen[20], Flood::Notice);
        assert!(seen[21..].iter().all(|f| *f == Flood::Drop));
        // Someone else is not held by it.
        assert_eq!(
            gate.check(20, ChannelKind::Telegram, "8", 24_000),
            Flood::Pass
        );
        // A minute after the window began, the sender starts afresh.
        assert_eq!(
            gate.check(20, ChannelKind::Telegram, "7", 60_000),
            Flood::Pass
        );
        assert_eq!(
            gate.check(0, ChannelKind::Telegram, "7", 60_001),
            Flood::Pass
        );
    }

    #[test]
    fn zero_days_keeps_for_ever() {
        assert_eq!(Retention::cutoff(0, 1_000), i64::MIN);
        assert_eq!(Retention::cutoff(1, 86_400_000), 0);
    }
}
