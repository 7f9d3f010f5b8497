//! Delivery that loses nothing: the dispatcher sends what the engine queued in the outbox,
//! marks it sent, and retries failures with backoff.
//!
//! A message is committed with the state that caused it and sent afterwards, so a crash
//! between the two leaves it unsent in the table, and the next dispatcher sends it. Each row
//! is leased with one conditional update before it is sent, so two dispatchers never send
//! the same row at once. Messages to one chat keep their order: after a failure, later
//! messages to that chat wait for the next round.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::domain::{ChannelKind, ChatRef};
use crate::engine::Outbound;
use crate::error::CoreResult;
use crate::store::{PARKED, Store};

/// How long a dispatcher may hold a message before another may take it over.
const LEASE_MS: i64 = 60_000;
/// The longest wait between retries.
const MAX_BACKOFF_MS: i64 = 5 * 60_000;
/// Messages read per round.
const BATCH: i64 = 200;

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth trying again: network trouble, 5xx, rate limits (with the wait the platform asks).
    Retry {
        after_ms: Option<i64>,
        reason: String,
    },
    /// Will never succeed (the user blocked the bot, the chat is gone): parked, not retried.
    Permanent(String),
}

/// The desk's own storage failing while a message is sent (recording a thread, say): worth
/// another try.
impl From<crate::error::CoreError> for SendError {
    fn from(e: crate::error::CoreError) -> Self {
        SendError::Retry {
            after_ms: None,
            reason: e.to_string(),
        }
    }
}

/// A chat platform, as the dispatcher sees it.
#[async_trait]
pub trait Channel: Send + Sync {
    fn kind(&self) -> ChannelKind;

    /// Sends one message.
    ///
    /// # Errors
    /// [`SendError`] saying whether to try again.
    async fn send(&self, message: &Outbound) -> Result<(), SendError>;
}

/// The delay before attempt `attempts + 1`: 1 s, 2 s, 4 s … up to 5 minutes.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = attempts.clamp(0, 20) as u32;
    1_000i64.saturating_mul(1 << exp).min(MAX_BACKOFF_MS)
}

/// Sends the outbox through the channels.
pub struct Dispatcher {
    store: Store,
    clock: Arc<dyn Clock>,
    channels: HashMap<ChannelKind, Arc<dyn Channel>>,
}

impl Dispatcher {
    pub fn new(store: Store, clock: Arc<dyn Clock>, channels: Vec<Arc<dyn Channel>>) -> Self {
        Dispatcher {
            store,
            clock,
            channels: channels.into_iter().map(|c| (c.kind(), c)).collect(),
        }
    }

    /// Sends every message that is due; returns how many were sent.
    ///
    /// # Errors
    /// Database errors; a failed send is recorded, not returned.
    #[tracing::instrument(skip(self))]
    pub async fn deliver_due(&self) -> CoreResult<usize> {
        let now = self.clock.now_ms();
        let kinds: Vec<ChannelKind> = self.channels.keys().copied().collect();
        let rows = self.store.due_outbox(now, BATCH, &kinds).await?;
        let mut held: HashSet<ChatRef> = HashSet::new();
        let mut sent = 0;
        for row in rows {
            if held.contains(&row.to) {
                continue;
            }
            let Some(channel) = self.channels.get(&row.to.channel) else {
                // No adapter for it in this process: another instance may have one.
                continue;
            };
            if !self.store.lease_outbox(row.id, now, now + LEASE_MS).await? {
                continue;
            }
            let message: Outbound = match serde_json::from_str::<Outbound>(&row.payload) {
                Ok(mut m) => {
                    m.delivery = Some(row.id);
                    m
                }
                Err(e) => {
                    tracing::error!(id = row.id, error = %e, "unreadable outbox payload; parked");
                    self.store
                        .mark_failed(row.id, i64::MAX, &format!("unreadable: {e}"))
                        .await?;
                    continue;
                }
            };
            match channel.send(&message).await {
                Ok(()) => {
                    self.store.mark_sent(row.id, self.clock.now_ms()).await?;
                    sent += 1;
                }
                Err(SendError::Retry { after_ms, reason }) => {
                    let wait = after_ms.unwrap_or(0).max(backoff_ms(row.attempts));
                    tracing::warn!(id = row.id, attempts = row.attempts + 1, wait, %reason, "send failed; will retry");
                    self.store
                        .mark_failed(row.id, self.clock.now_ms() + wait, &reason)
                        .await?;
                    held.insert(row.to.clone());
                }
                Err(SendError::Permanent(reason)) => {
                    tracing::warn!(id = row.id, %reason, "send failed for good; parked");
                    self.store.mark_failed(row.id, PARKED, &reason).await?;
                }
            }
        }
        Ok(sent)
    }

    /// Delivers until nothing is due right now (for scripts and tests).
    ///
    /// # Errors
    /// Database errors.
    pub async fn drain(&self) -> CoreResult<usize> {
        let mut total = 0;
        loop {
            let n = self.deliver_due().await?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }

    /// Runs until `stop` is notified: delivers whenever the engine queues messages, and at
    /// least every `poll` for retries and for messages other processes queued.
    pub async fn run(&self, ready: Arc<Notify>, stop: Arc<Notify>, poll: Duration) {
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::error!(error = %e, "outbox round failed");
            }
            tokio::select! {
                _ = ready.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = stop.notified() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_ms(0), 1_000);
        assert_eq!(backoff_ms(3), 8_000);
        assert_eq!(backoff_ms(60), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(-1), 1_000);
    }
}
