//! Delivery that loses nothing, at the platform's speed: the dispatcher sends what the engine
//! queued in the outbox, chats in parallel, each chat in order.
//!
//! A message is committed with the state that caused it and sent afterwards, so a crash
//! between the two leaves it unsent in the table, and the next dispatcher sends it.
//!
//! The unit of work is a chat, not a row. The dispatcher leases due chats in one statement
//! (one sender per chat across instances keeps the chat's order), and a worker per chat
//! reads its pending rows in order, sends them — several plain messages due at once go as
//! one, up to the platform's length — and records them sent. Up to [`MAX_IN_FLIGHT`] chats
//! are worked at once, so a slow or rate-limited chat (the agents' group, held to 20
//! messages a minute by Telegram) holds nobody else. A failure that is worth retrying holds
//! its chat until the retry; a permanent one parks the row and the chat goes on.
//!
//! A send that succeeded is recorded by one writer task that batches many workers' rows into
//! one statement and, when the database is down, keeps them in memory and tries again: the
//! worker waits for it, so a sent message is never sent again because recording it failed.
//!
//! Leases carry the holder's name (stable across restarts of one instance): a process that
//! starts again frees its previous run's chats at once; another instance's wait until their
//! lease runs out.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::FutureExt;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::domain::{ChannelKind, ChatRef};
use crate::engine::Outbound;
use crate::error::CoreResult;
use crate::store::{LeasedChat, PARKED, PendingRow, ReleasedChat, Store};

/// How long a dispatcher may hold a chat before another may take it over (renewed while
/// it sends).
const LEASE_MS: i64 = 60_000;
/// The longest wait between retries.
const MAX_BACKOFF_MS: i64 = 5 * 60_000;
/// Chats worked at once by one dispatcher.
pub const MAX_IN_FLIGHT: usize = 64;
/// A chat's pending rows read at a time (enough to fill one coalesced message).
const READ_ROWS: i64 = 100;
/// A send that panicked is tried this many times before its row is parked.
const PANIC_TRIES: i64 = 3;
/// What separates coalesced messages.
const JOIN: &str = "\n\n";

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth trying again: network trouble, 5xx, rate limits (with the wait the platform asks).
    Retry {
        after_ms: Option<i64>,
        reason: String,
    },
    /// Will never succeed (the chat is gone, the request is wrong): parked, not retried.
    Permanent(String),
    /// Will never succeed because of the person: they blocked the bot, left the platform,
    /// or never started a chat with it. Parked like [`SendError::Permanent`], and marked so
    /// an announcement counts them as blocked.
    Unreachable(String),
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

    /// Sends one message. The platform's rate limits are the channel's to keep: it waits
    /// for its turn here, and only this chat's worker waits with it.
    ///
    /// # Errors
    /// [`SendError`] saying whether to try again.
    async fn send(&self, message: &Outbound) -> Result<(), SendError>;

    /// Waits until a message to `to` may be sent within the platform's limits and takes
    /// that turn (the next [`Channel::send`] to `to` does not wait for it again). Returns
    /// whether it paces at all: the dispatcher then reads the chat's mail again, so what
    /// arrived during the wait joins the message. The default: no limits, no wait.
    async fn wait_turn(&self, _to: &ChatRef) -> bool {
        false
    }

    /// The longest text messages coalesced into one may make, as [`Channel::text_len`]
    /// counts it (the platform's limit on one message). 0, the default: never coalesce — a
    /// channel without rate limits (the console) shows each message as it was queued.
    fn merge_limit(&self) -> usize {
        0
    }

    /// A text's length as the platform counts it.
    fn text_len(&self, text: &str) -> usize {
        text.chars().count()
    }

    /// Whether messages to `to` about different tickets land in different threads (a
    /// forum topic or Discord thread per ticket): then only messages about one ticket are
    /// coalesced.
    fn threads_per_ticket(&self, _to: &ChatRef) -> bool {
        false
    }
}

/// The delay before attempt `attempts + 1`: 1 s, 2 s, 4 s … up to 5 minutes.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = attempts.clamp(0, 20) as u32;
    1_000i64.saturating_mul(1 << exp).min(MAX_BACKOFF_MS)
}

/// A message read from the outbox, ready to send.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: i64,
    pub attempts: i64,
    pub message: Outbound,
}

/// Whether a message may be merged with others: plain text only. A message with buttons,
/// a file, a forwarded photo, a reaction or an announcement's copy is sent as it is; so is one that closes a
/// ticket's thread, and one that failed before (a retry sends what was tried).
fn mergeable(q: &Queued) -> bool {
    let m = &q.message;
    q.attempts == 0
        && m.buttons.is_empty()
        && m.attachment.is_none()
        && m.forward.is_none()
        && m.reaction.is_none()
        && !m.bulk
        && m.about.as_ref().is_none_or(|t| t.open)
}

/// The next message to send from a chat's due messages (in order): the first, and — when
/// it is plain — the plain messages after it that fit with it within `max_len`. With
/// `threads`, only messages about the first one's ticket join it (others go to other
/// threads and wait for their own turn); without, merging stops at the first message that
/// cannot be merged, so the chat's order is kept. Returns the rows sent and the message.
pub fn coalesce(
    due: &[Queued],
    threads: bool,
    max_len: usize,
    len: impl Fn(&str) -> usize,
) -> Option<(Vec<i64>, Outbound)> {
    let first = due.first()?;
    let mut ids = vec![first.id];
    let mut message = first.message.clone();
    message.delivery = Some(first.id);
    if !mergeable(first) {
        return Some((ids, message));
    }
    let ticket = |q: &Queued| q.message.about.as_ref().map(|t| t.ticket);
    let mut size = len(&message.text);
    let mut one_ticket = true;
    for q in &due[1..] {
        if threads && ticket(q) != ticket(first) {
            continue;
        }
        if !mergeable(q) {
            break;
        }
        let added = len(JOIN) + len(&q.message.text);
        if size + added > max_len {
            break;
        }
        size += added;
        one_ticket &= ticket(q) == ticket(first);
        message.text.push_str(JOIN);
        message.text.push_str(&q.message.text);
        ids.push(q.id);
    }
    if !one_ticket {
        // About several tickets: the text names each; no one thread is the message's.
        message.about = None;
    }
    Some((ids, message))
}

/// How a chat's worker left it.
struct ChatDone {
    sent: usize,
    /// The chat's version when its rows were last read.
    version: i64,
    /// When its first pending row is due (`None`: nothing pending).
    next_due: Option<i64>,
}

/// Sends the outbox through the channels.
pub struct Dispatcher {
    store: Store,
    clock: Arc<dyn Clock>,
    channels: HashMap<ChannelKind, Arc<dyn Channel>>,
    holder: String,
    max_in_flight: usize,
    reclaimed: tokio::sync::OnceCell<()>,
    /// Set on stop: each chat's worker ends after the send in flight, and the chat is
    /// given back due, for whoever runs next.
    stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl Dispatcher {
    pub fn new(store: Store, clock: Arc<dyn Clock>, channels: Vec<Arc<dyn Channel>>) -> Self {
        Dispatcher {
            store,
            clock,
            channels: channels.into_iter().map(|c| (c.kind(), c)).collect(),
            holder: "local".to_string(),
            max_in_flight: MAX_IN_FLIGHT,
            reclaimed: tokio::sync::OnceCell::new(),
            stopping: Arc::default(),
        }
    }

    /// Names this instance in its leases. The name must stay the same across restarts of
    /// one instance (its previous run's leases are then freed at once) and differ between
    /// instances running at the same time.
    pub fn with_holder(mut self, holder: impl Into<String>) -> Self {
        self.holder = holder.into();
        self
    }

    /// Chats worked at once (at least 1).
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Frees this holder's leases from an earlier run, once per dispatcher.
    async fn reclaim(&self) -> CoreResult<()> {
        self.reclaimed
            .get_or_try_init(|| async {
                let n = self
                    .store
                    .reclaim_chats(&self.holder, self.clock.now_ms())
                    .await?;
                if n > 0 {
                    tracing::info!(chats = n, holder = %self.holder, "took back the chats of the previous run");
                }
                Ok::<(), crate::error::CoreError>(())
            })
            .await?;
        Ok(())
    }

    async fn lease(&self, limit: usize) -> CoreResult<Vec<LeasedChat>> {
        let now = self.clock.now_ms();
        let kinds: Vec<ChannelKind> = self.channels.keys().copied().collect();
        self.store
            .lease_chats(&self.holder, now, now + LEASE_MS, limit as i64, &kinds)
            .await
    }

    /// Starts the workers of leased chats, with their pending rows read for all of them in
    /// one statement; returns each worker's id and chat.
    async fn spawn(
        &self,
        work: &mut JoinSet<CoreResult<ChatDone>>,
        recorder: &Recorder,
        chats: Vec<LeasedChat>,
    ) -> Vec<(tokio::task::Id, ChatRef)> {
        let refs: Vec<ChatRef> = chats.iter().map(|c| c.to.clone()).collect();
        let mut rows = match self.store.pending_of_chats(&refs, READ_ROWS).await {
            Ok(rows) => Some(rows),
            Err(e) => {
                // Each worker reads its own instead.
                tracing::warn!(error = %e, "reading the chats' mail failed");
                None
            }
        };
        let mut started = Vec::new();
        for chat in chats {
            let Some(channel) = self.channels.get(&chat.to.channel).cloned() else {
                continue;
            };
            let first = rows
                .as_mut()
                .map(|r| r.remove(&chat.to).unwrap_or_default());
            let worker = ChatWorker {
                store: self.store.clone(),
                clock: self.clock.clone(),
                recorder: recorder.clone(),
                stopping: self.stopping.clone(),
            };
            let to = chat.to.clone();
            let id = work
                .spawn(async move { worker.run(channel, chat, first).await })
                .id();
            started.push((id, to));
        }
        started
    }

    /// A finished worker's chat, taken off `working`, with what to release it as and the
    /// rows it sent; logs a failure. `None` for a worker not in `working`.
    fn settle(
        joined: Result<(tokio::task::Id, CoreResult<ChatDone>), tokio::task::JoinError>,
        working: &mut HashMap<tokio::task::Id, ChatRef>,
    ) -> Option<(ReleasedChat, usize)> {
        let (id, done) = match joined {
            Ok(done) => done,
            Err(e) => (
                e.id(),
                Err(crate::error::CoreError::TaskEnded(format!(
                    "outbox worker: {e}"
                ))),
            ),
        };
        let to = working.remove(&id)?;
        Some(match done {
            Ok(d) => (
                ReleasedChat {
                    to,
                    version: d.version,
                    next_due: d.next_due,
                },
                d.sent,
            ),
            Err(e) => {
                tracing::error!(chat = %to.chat, error = %e, "sending to a chat failed");
                (Self::due_now(to), 0)
            }
        })
    }

    /// A chat to give back as due now (an impossible version says "more came since").
    fn due_now(to: ChatRef) -> ReleasedChat {
        ReleasedChat {
            to,
            version: i64::MIN,
            next_due: None,
        }
    }

    async fn release(&self, chats: &[ReleasedChat]) {
        if let Err(e) = self
            .store
            .release_chats(&self.holder, chats, self.clock.now_ms())
            .await
        {
            // Their leases run out, and then they are due again.
            tracing::error!(chats = chats.len(), error = %e, "releasing chats failed");
        }
    }

    /// One round: leases the due chats, sends what is due in each (chats in parallel), and
    /// gives them back. Returns how many messages (outbox rows) were sent.
    ///
    /// # Errors
    /// Database errors; a failed send is recorded, not returned.
    #[tracing::instrument(skip(self))]
    pub async fn deliver_due(&self) -> CoreResult<usize> {
        Ok(self.round().await?.0)
    }

    /// [`Dispatcher::deliver_due`], also saying how many chats were leased.
    async fn round(&self) -> CoreResult<(usize, usize)> {
        self.reclaim().await?;
        let chats = self.lease(self.max_in_flight).await?;
        let leased = chats.len();
        let recorder = Recorder::spawn(self.store.clone(), self.clock.clone());
        let mut work = JoinSet::new();
        let mut ids: HashMap<tokio::task::Id, ChatRef> = self
            .spawn(&mut work, &recorder, chats)
            .await
            .into_iter()
            .collect();
        drop(recorder);
        let mut sent = 0;
        let mut released = Vec::new();
        while let Some(joined) = work.join_next_with_id().await {
            if let Some((chat, n)) = Self::settle(joined, &mut ids) {
                released.push(chat);
                sent += n;
            }
        }
        self.release(&released).await;
        Ok((sent, leased))
    }

    /// Delivers until nothing is due right now (for scripts and tests).
    ///
    /// # Errors
    /// Database errors.
    pub async fn drain(&self) -> CoreResult<usize> {
        let mut total = 0;
        loop {
            let (sent, leased) = self.round().await?;
            total += sent;
            if leased == 0 {
                return Ok(total);
            }
        }
    }

    /// Runs until `stop` is notified: leases due chats whenever the engine queues messages
    /// (and at least every `poll`, for retries and for other processes' mail), keeping up
    /// to the concurrency limit of chats in flight, each worked until it has nothing due.
    /// On stop, the sends in flight end and their chats are given back.
    pub async fn run(&self, ready: Arc<Notify>, stop: Arc<Notify>, poll: Duration) {
        let recorder = Recorder::spawn(self.store.clone(), self.clock.clone());
        let mut work: JoinSet<CoreResult<ChatDone>> = JoinSet::new();
        let mut in_flight: HashMap<tokio::task::Id, ChatRef> = HashMap::new();
        let mut renewed = self.clock.now_ms();
        let mut finished = Vec::new();
        loop {
            while let Some(joined) = work.try_join_next_with_id() {
                finished.extend(Self::settle(joined, &mut in_flight).map(|(chat, _)| chat));
            }
            // Given back together, then leased again at once when more came meanwhile.
            self.release(&finished).await;
            finished.clear();
            if let Err(e) = self.reclaim().await {
                tracing::error!(error = %e, "outbox: taking back leases failed");
            }
            let now = self.clock.now_ms();
            if now - renewed > LEASE_MS / 3 && !in_flight.is_empty() {
                match self
                    .store
                    .renew_chats(&self.holder, now, now + LEASE_MS)
                    .await
                {
                    Ok(_) => renewed = now,
                    Err(e) => tracing::error!(error = %e, "outbox: renewing leases failed"),
                }
            }
            let room = self.max_in_flight.saturating_sub(in_flight.len());
            if room > 0 {
                // The chats in flight may come back (mail queued to them meanwhile): ask for
                // that many more.
                match self.lease(room + in_flight.len()).await {
                    Ok(chats) => {
                        let mut surplus = Vec::new();
                        let mut new = Vec::new();
                        for chat in chats {
                            if in_flight.values().any(|c| *c == chat.to) {
                                // Its worker gives it back with the version it read, so what
                                // came meanwhile is due again at once.
                                continue;
                            }
                            if in_flight.len() + new.len() >= self.max_in_flight {
                                // More came back than there is room for: given back, due
                                // now, not left leased to nobody.
                                surplus.push(Self::due_now(chat.to));
                                continue;
                            }
                            new.push(chat);
                        }
                        in_flight.extend(self.spawn(&mut work, &recorder, new).await);
                        self.release(&surplus).await;
                    }
                    Err(e) => tracing::error!(error = %e, "outbox round failed"),
                }
            }
            tokio::select! {
                _ = ready.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                Some(joined) = work.join_next_with_id() => {
                    finished.extend(Self::settle(joined, &mut in_flight).map(|(chat, _)| chat));
                }
                _ = stop.notified() => break,
            }
        }
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        // Let the sends in flight end, and give their chats back.
        while let Some(joined) = work.join_next_with_id().await {
            finished.extend(Self::settle(joined, &mut in_flight).map(|(chat, _)| chat));
        }
        self.release(&finished).await;
    }
}

/// Works one leased chat: sends what is due in order until nothing is.
struct ChatWorker {
    store: Store,
    clock: Arc<dyn Clock>,
    recorder: Recorder,
    stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl ChatWorker {
    #[tracing::instrument(skip_all, fields(chat = %chat.to.chat))]
    async fn run(
        self,
        channel: Arc<dyn Channel>,
        chat: LeasedChat,
        first: Option<Vec<PendingRow>>,
    ) -> CoreResult<ChatDone> {
        let to = chat.to;
        let threads = channel.threads_per_ticket(&to);
        let mut version = chat.version;
        let mut rows = match first {
            Some(rows) => rows,
            None => self.store.pending_of_chat(&to, READ_ROWS).await?,
        };
        // Whether the last read may have left rows unread.
        let mut full = rows.len() as i64 >= READ_ROWS;
        let mut decoded: HashMap<i64, Queued> = HashMap::new();
        let mut sent = 0;
        // Whether the platform's turn for the next message is taken.
        let mut have_turn = false;
        loop {
            let now = self.clock.now_ms();
            if self.stopping.load(std::sync::atomic::Ordering::SeqCst) {
                // What is left stays queued, due at once for the next run.
                return Ok(ChatDone {
                    sent,
                    version,
                    next_due: Some(now),
                });
            }
            if rows.first().is_none_or(|r| r.next_attempt_ms > now) {
                if let Some(waiting) = rows.first() {
                    // Held for a retry: everything after it waits too.
                    return Ok(ChatDone {
                        sent,
                        version,
                        next_due: Some(waiting.next_attempt_ms),
                    });
                }
                if !full {
                    // All it had, as of `version`: what came since moves the version, and
                    // the chat is due again at release.
                    return Ok(ChatDone {
                        sent,
                        version,
                        next_due: None,
                    });
                }
                (version, rows) = self.read(&to).await?;
                full = rows.len() as i64 >= READ_ROWS;
                continue;
            }
            let queue = self.decode_due(&mut rows, &mut decoded, now).await?;
            // A message (not a reaction, which is no message) waits for its turn first; what
            // came meanwhile is read and joins it.
            if !have_turn
                && queue.first().is_some_and(|q| q.message.reaction.is_none())
                && channel.wait_turn(&to).await
            {
                have_turn = true;
                (version, rows) = self.read(&to).await?;
                full = rows.len() as i64 >= READ_ROWS;
                continue;
            }
            have_turn = false;
            let Some((ids, message)) = coalesce(&queue, threads, channel.merge_limit(), |t| {
                channel.text_len(t)
            }) else {
                continue;
            };
            let attempts = queue
                .iter()
                .filter(|q| ids.contains(&q.id))
                .map(|q| q.attempts)
                .max()
                .unwrap_or(0);
            let result = send_caught(channel.as_ref(), &message, attempts).await;
            count_send(channel.kind(), &result);
            match result {
                Ok(()) => {
                    self.recorder.sent(ids.clone()).await;
                    sent += ids.len();
                }
                Err(SendError::Retry { after_ms, reason }) => {
                    let wait = after_ms.unwrap_or(0).max(backoff_ms(attempts));
                    let at = self.clock.now_ms() + wait;
                    tracing::warn!(rows = ?ids, attempts = attempts + 1, wait, %reason, "send failed; will retry");
                    self.store.mark_failed(&ids, at, &reason).await?;
                    // The chat waits for the retry; everything after it waits too.
                    return Ok(ChatDone {
                        sent,
                        version,
                        next_due: Some(at),
                    });
                }
                Err(SendError::Permanent(reason)) => {
                    tracing::warn!(rows = ?ids, %reason, "send failed for good; parked");
                    self.store.mark_failed(&ids, PARKED, &reason).await?;
                }
                Err(SendError::Unreachable(reason)) => {
                    tracing::info!(rows = ?ids, %reason, "the recipient cannot be reached; parked");
                    self.store.mark_unreachable(&ids, &reason).await?;
                }
            }
            rows.retain(|r| !ids.contains(&r.id));
        }
    }

    /// The due rows at the head of the chat's queue, decoded (once per attempt). A row that
    /// cannot be read is parked and left out, and the queue comes back empty: the caller
    /// looks again.
    async fn decode_due(
        &self,
        rows: &mut Vec<PendingRow>,
        decoded: &mut HashMap<i64, Queued>,
        now: i64,
    ) -> CoreResult<Vec<Queued>> {
        let mut queue = Vec::new();
        for row in rows.iter().take_while(|r| r.next_attempt_ms <= now) {
            if let Some(q) = decoded.get(&row.id).filter(|q| q.attempts == row.attempts) {
                queue.push(q.clone());
                continue;
            }
            match serde_json::from_str::<Outbound>(&row.payload) {
                Ok(message) => {
                    let q = Queued {
                        id: row.id,
                        attempts: row.attempts,
                        message,
                    };
                    decoded.insert(row.id, q.clone());
                    queue.push(q);
                }
                Err(e) => {
                    tracing::error!(id = row.id, error = %e, "unreadable outbox payload; parked");
                    self.store
                        .mark_failed(&[row.id], PARKED, &format!("unreadable: {e}"))
                        .await?;
                    let bad = row.id;
                    rows.retain(|r| r.id != bad);
                    return Ok(Vec::new());
                }
            }
        }
        Ok(queue)
    }

    /// The chat's version, then its first pending rows (in that order: mail queued after
    /// the version was read moves it).
    async fn read(&self, to: &ChatRef) -> CoreResult<(i64, Vec<PendingRow>)> {
        let version = self.store.chat_version(to).await?;
        let rows = self.store.pending_of_chat(to, READ_ROWS).await?;
        Ok((version, rows))
    }
}

/// Sends, turning a panic into a failure: retried a few times, then parked, so one message
/// that crashes its adapter cannot stop the chat or the process.
/// A send's outcome in the metrics, and a rate limit on its own.
fn count_send(channel: ChannelKind, result: &Result<(), SendError>) {
    let kind = channel.code();
    let label = match result {
        Ok(()) => "sent",
        Err(SendError::Retry {
            after_ms: Some(_), ..
        }) => {
            metrics::counter!("frontline_rate_limited_total", "channel" => kind).increment(1);
            "retry"
        }
        Err(SendError::Retry { .. }) => "retry",
        Err(SendError::Permanent(_)) => "failed",
        Err(SendError::Unreachable(_)) => "unreachable",
    };
    metrics::counter!("frontline_sends_total", "channel" => kind, "result" => label).increment(1);
}

async fn send_caught(
    channel: &dyn Channel,
    message: &Outbound,
    attempts: i64,
) -> Result<(), SendError> {
    match AssertUnwindSafe(channel.send(message)).catch_unwind().await {
        Ok(result) => result,
        Err(_) => {
            tracing::error!(to = %message.to.chat, delivery = ?message.delivery, "sending a message panicked");
            if attempts + 1 >= PANIC_TRIES {
                Err(SendError::Permanent("the send panicked".into()))
            } else {
                Err(SendError::Retry {
                    after_ms: None,
                    reason: "the send panicked".into(),
                })
            }
        }
    }
}

/// Records sent rows: one writer for all of a dispatcher's workers, so rows sent at about
/// the same time are marked in one statement, and a database that is down delays the
/// record instead of losing it (the rows stay in memory and the write is tried again).
#[derive(Clone)]
struct Recorder {
    tx: mpsc::UnboundedSender<(Vec<i64>, oneshot::Sender<()>)>,
}

impl Recorder {
    fn spawn(store: Store, clock: Arc<dyn Clock>) -> Recorder {
        let (tx, mut rx) = mpsc::unbounded_channel::<(Vec<i64>, oneshot::Sender<()>)>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while let Ok(more) = rx.try_recv() {
                    batch.push(more);
                }
                let ids: Vec<i64> = batch.iter().flat_map(|(ids, _)| ids.clone()).collect();
                let mut wait = Duration::from_millis(100);
                while let Err(e) = store.mark_sent(&ids, clock.now_ms()).await {
                    tracing::error!(rows = ids.len(), error = %e, "recording sent messages failed; trying again");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                for (_, done) in batch {
                    let _ = done.send(());
                }
            }
        });
        Recorder { tx }
    }

    /// Records `ids` as sent; returns once they are.
    async fn sent(&self, ids: Vec<i64>) {
        let (done, recorded) = oneshot::channel();
        if self.tx.send((ids, done)).is_ok() {
            let _ = recorded.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Button, TicketThread};

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_ms(0), 1_000);
        assert_eq!(backoff_ms(3), 8_000);
        assert_eq!(backoff_ms(60), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(-1), 1_000);
    }

    fn q(id: i64, text: &str, ticket: Option<i64>) -> Queued {
        let mut message = Outbound::text(ChatRef::new(ChannelKind::Console, "#line2"), text.into());
        message.about = ticket.map(|t| TicketThread {
            ticket: t,
            title: format!("#{t}"),
            open: true,
        });
        Queued {
            id,
            attempts: 0,
            message,
        }
    }

    fn len(t: &str) -> usize {
        t.chars().count()
    }

    #[test]
    fn plain_messages_due_together_go_as_one_in_order() {
        let due = [q(1, "a", Some(1)), q(2, "b", Some(2)), q(3, "c", Some(1))];
        let (ids, m) = coalesce(&due, false, 100, len).expect("one");
        assert_eq!(ids, [1, 2, 3]);
        assert_eq!(m.text, "a\n\nb\n\nc");
        assert_eq!(m.about, None, "about two tickets: no one thread");
        assert_eq!(m.delivery, Some(1));
    }

    #[test]
    fn coalescing_keeps_within_the_length_and_splits_between_messages() {
        let due = [q(1, "aaaa", None), q(2, "bbbb", None), q(3, "cccc", None)];
        // "aaaa\n\nbbbb" is 10; adding "\n\ncccc" would make 16.
        let (ids, m) = coalesce(&due, false, 12, len).expect("one");
        assert_eq!(ids, [1, 2]);
        assert_eq!(m.text, "aaaa\n\nbbbb");
        // A first message over the limit goes alone (the adapter splits it).
        let long = [q(1, &"x".repeat(50), None), q(2, "y", None)];
        assert_eq!(coalesce(&long, false, 12, len).expect("one").0, [1]);
    }

    #[test]
    fn a_message_with_buttons_is_never_merged() {
        let mut asks = q(2, "Did this help?", None);
        asks.message.buttons = vec![Button {
            label: "Helped".into(),
            data: "h".into(),
        }];
        let due = [q(1, "a", None), asks.clone(), q(3, "c", None)];
        assert_eq!(coalesce(&due, false, 100, len).expect("one").0, [1]);
        let (ids, m) = coalesce(&due[1..], false, 100, len).expect("one");
        assert_eq!(ids, [2]);
        assert_eq!(m.buttons.len(), 1);
        // A retried message is sent as it was tried.
        let mut retried = q(1, "a", None);
        retried.attempts = 1;
        assert_eq!(
            coalesce(&[retried, q(2, "b", None)], false, 100, len)
                .expect("one")
                .0,
            [1]
        );
    }

    #[test]
    fn with_a_thread_per_ticket_only_one_tickets_messages_merge() {
        let due = [
            q(1, "a1", Some(1)),
            q(2, "b1", Some(2)),
            q(3, "a2", Some(1)),
        ];
        let (ids, m) = coalesce(&due, true, 100, len).expect("one");
        assert_eq!(ids, [1, 3]);
        assert_eq!(m.text, "a1\n\na2");
        assert_eq!(m.about.map(|t| t.ticket), Some(1));
    }
}
