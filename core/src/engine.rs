//! The conversation engine: one inbound event in, one transaction out — the state change, the
//! ticket events and the outgoing messages together.
//!
//! Lines 0 and 1 live here: a question goes to the knowledge base; an answer asks whether it
//! helped; suggestions offer up to three articles; no match, "not helped" or "none of these"
//! lead to registration, which asks for the kind (pre-selecting a guess), registers the
//! ticket and tells the user its number, kind, priority and status. While a user has an open
//! ticket, what they write joins its thread. No platform is known here: adapters turn updates
//! into [`Inbound`] and send the [`Outbound`] messages the outbox hands them.

use std::sync::Arc;

use sqlx::AnyConnection;
use tokio::sync::Notify;

use frontline_kb::{KnowledgeBase, SearchOutcome};

use crate::clock::Clock;
use crate::command;
use crate::domain::Lang;
use crate::domain::StaffMember;
use crate::error::{CoreError, CoreResult, UserError};
use crate::i18n::Msg;
use crate::store::Store;

pub use crate::config::{EngineConfig, Route};
pub(crate) use crate::desk::{Desk, Stop, Turn};
pub use crate::message::MAX_TEXT_CHARS;
pub use crate::message::{
    Answer, Attachment, Button, HandleResult, Handled, Inbound, MAX_FILE_CHARS, Media, Outbound,
    Payload, Reaction, TicketThread,
};

/// How often an event whose transaction conflicted with another's is handled again.
pub(crate) const CONFLICT_ATTEMPTS: u64 = 4;

/// Who an event outside a private chat is from, and what is done with it.
enum Gate {
    /// Staff in a staff chat: handled.
    Staff(crate::staff::StaffMember),
    /// `/start` or `/help` in a group: a pointer to the private chat, in this language.
    Pointer(Lang),
    /// Anything else: not the desk's business, not answered.
    Ignore,
}

/// The engine every channel shares.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) store: Store,
    pub(crate) kb: Arc<KnowledgeBase>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: EngineConfig,
    /// Woken after each commit that queued messages, so the dispatcher sends at once.
    pub(crate) outbox_ready: Arc<Notify>,
    /// One index sync at a time: two would apply the same changes and race on the mark.
    pub(crate) kb_sync: Arc<tokio::sync::Mutex<()>>,
    /// Each sender's messages in the current minute.
    pub(crate) flood: Arc<crate::limits::FloodGate>,
}

impl Engine {
    pub fn new(
        store: Store,
        kb: Arc<KnowledgeBase>,
        clock: Arc<dyn Clock>,
        config: EngineConfig,
    ) -> Self {
        Engine {
            store,
            kb,
            clock,
            config,
            outbox_ready: Arc::new(Notify::new()),
            kb_sync: Arc::new(tokio::sync::Mutex::new(())),
            flood: Arc::default(),
        }
    }

    /// The desk a command of this event works on.
    pub(crate) fn desk<'a>(&'a self, conn: &'a mut AnyConnection) -> Desk<'a> {
        Desk {
            conn,
            kb: &self.kb,
            config: &self.config,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn kb(&self) -> &Arc<KnowledgeBase> {
        &self.kb
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Notified whenever messages were queued.
    pub fn outbox_ready(&self) -> Arc<Notify> {
        self.outbox_ready.clone()
    }

    /// Handles one inbound event in one transaction.
    ///
    /// A user's mistake is answered in their language and changes nothing else; an internal
    /// error is logged and answered with an apology.
    ///
    /// # Errors
    /// Only when the database fails even for recording the event and the apology.
    pub async fn handle(&self, inbound: Inbound) -> CoreResult<Handled> {
        Ok(match self.handle_guarded(inbound, false).await? {
            Answer::Duplicate => Handled::Duplicate,
            Answer::Done | Answer::Refused(_) => Handled::Done,
        })
    }

    /// [`Engine::handle`] for a platform that can answer a user's mistake so only they see it
    /// (a Discord interaction's ephemeral reply): the refusal is returned, not queued.
    ///
    /// # Errors
    /// Only when the database fails even for recording the event and the apology.
    pub async fn handle_privately(&self, inbound: Inbound) -> CoreResult<Answer> {
        self.handle_guarded(inbound, true).await
    }

    /// [`Engine::handle_as`], with a panic caught: one update that trips a bug is logged
    /// and answered with an apology, and the process goes on serving everyone else (an
    /// update that killed it would be delivered again and kill it again).
    async fn handle_guarded(&self, inbound: Inbound, privately: bool) -> CoreResult<Answer> {
        use futures_util::FutureExt;
        let started = std::time::Instant::now();
        let channel = inbound.from.channel.code();
        let mut attempt = 0;
        let caught = loop {
            attempt += 1;
            let caught = std::panic::AssertUnwindSafe(self.handle_as(inbound.clone(), privately))
                .catch_unwind()
                .await;
            match caught {
                // Two instances inserting the same row at once (a new user's first two
                // messages, a double press): the loser's transaction is rolled back whole
                // and done again, and then sees the winner's row.
                Ok(Err(e)) if e.is_conflict() && attempt < CONFLICT_ATTEMPTS => {
                    tracing::debug!(error = %e, attempt, "conflicting transaction; again");
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                }
                other => break other,
            }
        };
        let outcome = match &caught {
            Ok(Ok(Answer::Done)) => "done",
            Ok(Ok(Answer::Duplicate)) => "duplicate",
            Ok(Ok(Answer::Refused(_))) => "refused",
            Ok(Err(_)) => "error",
            Err(_) => "panic",
        };
        metrics::counter!("frontline_updates_total", "channel" => channel, "outcome" => outcome)
            .increment(1);
        metrics::histogram!("frontline_update_seconds", "channel" => channel)
            .record(started.elapsed().as_secs_f64());
        match caught {
            Ok(answer) => answer,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(
                    update = %inbound.update_id,
                    user = %inbound.from.id,
                    kind = inbound.payload.kind(),
                    panic = %what,
                    "handling an update panicked"
                );
                let lang = inbound.lang_hint.unwrap_or(self.config.default_lang);
                // Nothing is said in a group: the apology goes where the user is answered.
                let reply = inbound
                    .private
                    .then(|| Outbound::text(inbound.chat.clone(), Msg::Internal.text(lang)));
                self.seen_with(&inbound, reply).await?;
                Ok(Answer::Done)
            }
        }
    }

    #[tracing::instrument(skip_all, fields(channel = %inbound.from.channel, update = %inbound.update_id))]
    async fn handle_as(&self, inbound: Inbound, privately: bool) -> CoreResult<Answer> {
        let now = self.clock.now_ms();
        let shared_staff = if inbound.private {
            None
        } else {
            match self.outside_private(&inbound, privately).await? {
                Ok(member) => Some(member),
                Err(answer) => return Ok(answer),
            }
        };
        let search = self.search_early(&inbound);
        let config_staff = shared_staff.or_else(|| {
            self.config.staff.recognise(
                inbound.from.channel,
                &inbound.from.id,
                &inbound.roles,
                &inbound.from.display,
            )
        });
        let mut tx = self.store.begin().await?;
        if !Store::mark_inbound(&mut tx, inbound.from.channel, &inbound.update_id, now).await? {
            tx.rollback().await?;
            return Ok(Answer::Duplicate);
        }
        // Counted once an update is known to be new: a redelivery (after a restart, or a
        // batch that failed) must not push a sender over the limit.
        if config_staff.is_none() && !self.within_limit(&mut tx, &inbound, now).await? {
            tx.commit().await?;
            self.outbox_ready.notify_one();
            return Ok(Answer::Done);
        }
        let first_lang = self.first_lang(&inbound, config_staff.is_some());
        // Only a private chat is where the person is answered: a staff member writing in
        // the agents' group keeps the private chat they last wrote from.
        let own_chat = inbound.private.then_some(inbound.chat.chat.as_str());
        let person = Store::person_for(&mut tx, &inbound.from, own_chat, first_lang, now).await?;
        if config_staff.is_none()
            && let Some(reason) = &person.blocked
        {
            // Seen (a redelivery stays ignored), never answered.
            tracing::debug!(user = %inbound.from.id, %reason, "blocked sender: ignored");
            metrics::counter!("frontline_updates_ignored_total", "reason" => "blocked")
                .increment(1);
            tx.commit().await?;
            return Ok(Answer::Done);
        }
        let mut turn = Turn {
            // The configuration's staff first; then staff an admin added from chat.
            staff: config_staff.or_else(|| person.staff.clone()),
            person,
            from: &inbound.from,
            chat: &inbound.chat,
            message: inbound.message.as_deref(),
            now,
            out: Vec::new(),
            kb_changed: false,
            touched: std::collections::BTreeSet::new(),
            media: None,
            thread: None,
        };
        if turn.staff.is_some() {
            turn.thread = inbound.thread;
        }
        let result = self
            .dispatch(&mut tx, &mut turn, &inbound.payload, search)
            .await;
        self.finish(tx, &inbound, turn, result, privately).await
    }

    /// An event outside a private chat: the staff member it is from, or what to answer
    /// instead (nothing, a pointer to the private chat, a private refusal).
    async fn outside_private(
        &self,
        inbound: &Inbound,
        privately: bool,
    ) -> CoreResult<Result<StaffMember, Answer>> {
        Ok(Err(match self.gate(inbound).await? {
            Gate::Staff(member) => return Ok(Ok(member)),
            // A platform that answers so only the sender sees it (a Discord slash
            // command) tells a non-staff member why nothing happens; nobody else sees it.
            Gate::Ignore if privately => match &inbound.payload {
                Payload::Text(t) if t.trim_start().starts_with('/') => {
                    let lang = inbound.lang_hint.unwrap_or(self.config.default_lang);
                    Answer::Refused(
                        UserError::StaffOnly(crate::cmd::text::command_name(t)).message(lang),
                    )
                }
                _ => Answer::Done,
            },
            Gate::Ignore => {
                metrics::counter!("frontline_updates_ignored_total", "reason" => "not_private")
                    .increment(1);
                Answer::Done
            }
            Gate::Pointer(lang) => {
                let reply = Outbound::text(inbound.chat.clone(), Msg::PrivateOnly.text(lang));
                self.seen_with(inbound, Some(reply)).await?;
                Answer::Done
            }
        }))
    }

    /// Plain text is searched before the transaction: the search needs no database, and on
    /// SQLite the one connection is then held only for the writes. (If the text turns out
    /// to belong to an open ticket, the search was wasted: ~100 µs.)
    fn search_early(
        &self,
        inbound: &Inbound,
    ) -> Option<Result<SearchOutcome, frontline_kb::KbError>> {
        match &inbound.payload {
            // Conversation ("hi", "thanks") is answered as such, never searched.
            // Staff in a group write commands and thread replies, never questions.
            Payload::Text(t) if inbound.private && !t.trim_start().starts_with('/') => {
                crate::cmd::ask::search(&self.kb, t, inbound.lang_hint)
            }
            _ => None,
        }
    }

    /// Whether a sender is within the per-minute limit; over it, the one notice is queued.
    async fn within_limit(
        &self,
        conn: &mut AnyConnection,
        inbound: &Inbound,
        now: i64,
    ) -> CoreResult<bool> {
        match self.flood.check(
            self.config.limits.messages_per_minute,
            inbound.from.channel,
            &inbound.from.id,
            now,
        ) {
            crate::limits::Flood::Pass => Ok(true),
            crate::limits::Flood::Drop => {
                tracing::debug!(user = %inbound.from.id, "over the message limit: ignored");
                metrics::counter!("frontline_updates_ignored_total", "reason" => "flood")
                    .increment(1);
                Ok(false)
            }
            crate::limits::Flood::Notice => {
                tracing::info!(user = %inbound.from.id, "over the message limit: told to slow down");
                let lang = inbound.lang_hint.unwrap_or(self.config.default_lang);
                let reply = Outbound::text(inbound.chat.clone(), Msg::SlowDown.text(lang));
                self.enqueue_all(conn, std::slice::from_ref(&reply), now)
                    .await?;
                Ok(false)
            }
        }
    }

    /// The language a person starts in: staff in the desk's (the cards they read are in it;
    /// `/lang` changes theirs as it does a user's); others in what the platform or their
    /// text says, else the desk's.
    fn first_lang(&self, inbound: &Inbound, staff: bool) -> Lang {
        let desk = staff.then_some(self.config.default_lang);
        desk.or(inbound.lang_hint)
            .or(match &inbound.payload {
                Payload::Text(t) => Lang::detect(t),
                Payload::Media { caption, .. } => Lang::detect(caption),
                Payload::Button(_) | Payload::File { .. } | Payload::Unsupported(_) => None,
            })
            .unwrap_or(self.config.default_lang)
    }

    /// The event's payload, to the command that handles it.
    async fn dispatch(
        &self,
        tx: &mut AnyConnection,
        turn: &mut Turn<'_>,
        payload: &Payload,
        search: Option<Result<SearchOutcome, frontline_kb::KbError>>,
    ) -> Result<(), Stop> {
        let result = match payload {
            Payload::Text(text) => crate::cmd::text(&mut self.desk(tx), turn, text, search).await,
            Payload::Button(data) => crate::cmd::button(&mut self.desk(tx), turn, data).await,
            Payload::Unsupported(kind) => {
                tracing::debug!(%kind, "an update the desk cannot read");
                turn.reply(Msg::Unsupported.text(turn.person.lang));
                Ok(())
            }
            Payload::Media { caption, media } => {
                turn.media = Some(media.clone());
                let said = format!("{caption}\n{}", media.label()).trim().to_string();
                crate::cmd::text(&mut self.desk(tx), turn, &said, None).await
            }
            Payload::File {
                name,
                text,
                caption,
            } => crate::cmd::text::file(&mut self.desk(tx), turn, name, text, caption).await,
        };
        match result {
            Ok(()) => self.reschedule_touched(tx, turn).await,
            stop => stop,
        }
    }

    /// Commits what the event did, or — when it stopped — rolls it back and answers why,
    /// keeping only that the event was seen.
    async fn finish(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        inbound: &Inbound,
        turn: Turn<'_>,
        result: Result<(), Stop>,
        privately: bool,
    ) -> CoreResult<Answer> {
        let now = turn.now;
        match result {
            Ok(()) => {
                self.enqueue_all(&mut tx, &turn.out, now).await?;
                tx.commit().await?;
                if turn.kb_changed {
                    // The database has the change; should the index fail now, the next sync
                    // (at start, or after the next change) catches up from its mark.
                    if let Err(e) = self.sync_kb().await {
                        tracing::error!(error = %e, "search index did not follow an article change");
                    }
                }
            }
            Err(stop) => {
                // Nothing the event did stays, except that it was seen and is answered.
                tx.rollback().await?;
                let stop = match stop {
                    // Tried again whole by the caller.
                    Stop::Internal(e) if e.is_conflict() => return Err(e),
                    other => other,
                };
                let text = match &stop {
                    Stop::User(e) if privately => {
                        tracing::debug!(error = %e, "user error, answered privately");
                        let mut tx = self.store.begin().await?;
                        Store::mark_inbound(&mut tx, inbound.from.channel, &inbound.update_id, now)
                            .await?;
                        tx.commit().await?;
                        return Ok(Answer::Refused(e.message(turn.person.lang)));
                    }
                    Stop::User(e) => {
                        tracing::debug!(error = %e, "user error");
                        e.message(turn.person.lang)
                    }
                    Stop::Internal(e) => {
                        tracing::error!(error = %e, "internal error handling an update");
                        Msg::Internal.text(turn.person.lang)
                    }
                };
                let mut tx = self.store.begin().await?;
                Store::mark_inbound(&mut tx, inbound.from.channel, &inbound.update_id, now).await?;
                let reply = Outbound::text(inbound.chat.clone(), text);
                self.enqueue_all(&mut tx, std::slice::from_ref(&reply), now)
                    .await?;
                tx.commit().await?;
            }
        }
        self.outbox_ready.notify_one();
        Ok(Answer::Done)
    }

    /// Records `inbound` as seen in a transaction of its own and, when it is new, queues
    /// `reply`: for an update answered without being handled (a pointer, an apology).
    async fn seen_with(&self, inbound: &Inbound, reply: Option<Outbound>) -> CoreResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.store.begin().await?;
        let new =
            Store::mark_inbound(&mut tx, inbound.from.channel, &inbound.update_id, now).await?;
        if new && let Some(reply) = &reply {
            self.enqueue_all(&mut tx, std::slice::from_ref(reply), now)
                .await?;
        }
        tx.commit().await?;
        self.outbox_ready.notify_one();
        Ok(())
    }

    /// Who is listened to outside private chats: staff in the staff's chats (their
    /// commands, buttons, and what they write in a ticket's thread); in any other group
    /// only `/start` and `/help`, answered with a pointer to the private chat.
    async fn gate(&self, inbound: &Inbound) -> CoreResult<Gate> {
        let lang = || {
            inbound
                .lang_hint
                .or_else(|| match &inbound.payload {
                    Payload::Text(t) => Lang::detect(t),
                    _ => None,
                })
                .unwrap_or(self.config.default_lang)
        };
        if !self.config.is_staff_place(&inbound.chat, inbound.thread) {
            let asks = matches!(&inbound.payload, Payload::Text(t)
                if matches!(command::parse(t), Some(Ok(command::Command::Start(_) | command::Command::Help))));
            return Ok(if asks {
                Gate::Pointer(lang())
            } else {
                tracing::debug!(chat = %inbound.chat.chat, "not a private chat: ignored");
                Gate::Ignore
            });
        }
        let staff = match self.config.staff.recognise(
            inbound.from.channel,
            &inbound.from.id,
            &inbound.roles,
            &inbound.from.display,
        ) {
            Some(m) => Some(m),
            None => {
                let mut conn = self.store.pool().acquire().await?;
                Store::staff_of_identity(&mut conn, inbound.from.channel, &inbound.from.id).await?
            }
        };
        let Some(member) = staff else {
            tracing::debug!(chat = %inbound.chat.chat, "not staff in a staff chat: ignored");
            return Ok(Gate::Ignore);
        };
        // Staff talking among themselves is not a question for the knowledge base.
        let addressed = match &inbound.payload {
            Payload::Text(t) => inbound.thread.is_some() || t.trim_start().starts_with('/'),
            Payload::Media { .. } => inbound.thread.is_some(),
            Payload::Button(_) | Payload::File { .. } | Payload::Unsupported(_) => true,
        };
        Ok(if addressed {
            Gate::Staff(member)
        } else {
            Gate::Ignore
        })
    }

    async fn reschedule_touched(
        &self,
        conn: &mut AnyConnection,
        turn: &Turn<'_>,
    ) -> Result<(), Stop> {
        for &id in &turn.touched {
            self.config.sla.reschedule(conn, id, turn.now).await?;
        }
        Ok(())
    }

    pub(crate) async fn enqueue_all(
        &self,
        conn: &mut AnyConnection,
        out: &[Outbound],
        now: i64,
    ) -> CoreResult<()> {
        let rows = out
            .iter()
            .map(|m| {
                let payload =
                    serde_json::to_string(m).map_err(|e| CoreError::Corrupt(e.to_string()))?;
                Ok((&m.to, payload))
            })
            .collect::<CoreResult<Vec<_>>>()?;
        Store::enqueue(conn, &rows, now).await
    }
}
