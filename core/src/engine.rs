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

use frontline_kb::{Decision, KnowledgeBase};

use crate::action::Action;
use crate::agent;
use crate::articles::IndexMark;
use crate::classify;
use crate::clock::Clock;
use crate::command;
use crate::domain::{EventKind, Lang, Line, Status, Ticket, TicketId, TicketKind};
use crate::error::{CoreError, CoreResult, UserError};
use crate::i18n::Msg;
use crate::i18n::staff::{Card, KbNote};
use crate::store::{NewQuestion, NewTicket, QuestionState, Store};

/// Longest ticket subject, taken from the question's first line.
const MAX_SUBJECT_CHARS: usize = 100;

pub use crate::config::{EngineConfig, Route};
pub(crate) use crate::desk::{Desk, Stop, Turn};
pub use crate::message::MAX_TEXT_CHARS;
pub use crate::message::{
    Answer, Attachment, Button, HandleResult, Handled, Inbound, MAX_FILE_CHARS, Media, Outbound,
    Payload, Reaction, TicketThread,
};

/// The author of the bundled sample's versions.
pub const SAMPLE_AUTHOR: &str = "sample";

/// What an import does to the articles it does not bring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// They stay (but the untouched sample is retired by the first import).
    Merge,
    /// They are soft-deleted: the knowledge base becomes exactly the import.
    Replace,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    /// Articles new or changed.
    pub changed: usize,
    /// Articles soft-deleted, as `slug (lang)`.
    pub retired: Vec<String>,
    /// Whether those were the bundled sample.
    pub sample_retired: bool,
}

/// How often an event whose transaction conflicted with another's is handled again.
const CONFLICT_ATTEMPTS: u64 = 4;

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
    store: Store,
    kb: Arc<KnowledgeBase>,
    clock: Arc<dyn Clock>,
    config: EngineConfig,
    /// Woken after each commit that queued messages, so the dispatcher sends at once.
    outbox_ready: Arc<Notify>,
    /// One index sync at a time: two would apply the same changes and race on the mark.
    kb_sync: Arc<tokio::sync::Mutex<()>>,
    /// Each sender's messages in the current minute.
    flood: Arc<crate::limits::FloodGate>,
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

    /// Brings the search index up to date with the articles' table: applies every change
    /// after the index's mark, or rebuilds it from the table when it has no usable mark (a
    /// new index, or a database that was replaced). Returns how many articles changed.
    ///
    /// Called after each commit that changed articles and at start; the scheduler calls it
    /// too, so edits made through another instance reach this one's index.
    ///
    /// # Errors
    /// Database or index failures.
    #[tracing::instrument(skip(self))]
    pub async fn sync_kb(&self) -> CoreResult<usize> {
        let _one = self.kb_sync.lock().await;
        let kb = self.kb.clone();
        let mark = blocking(move || kb.mark()).await?;
        let mark = mark
            .as_deref()
            .and_then(crate::articles::IndexMark::parse)
            .map(|m| m.0);
        let mut conn = self.store.pool().acquire().await?;
        let top = Store::articles_seq(&mut conn).await?;
        match mark {
            Some(m) if m == top => Ok(0),
            Some(m) if m < top => {
                // A little before the mark too: on PostgreSQL a transaction can take a lower
                // seq and commit after a higher one was applied. Re-applying is harmless.
                let (changed, top) =
                    Store::articles_changed_since(&mut conn, m - SYNC_LOOKBACK).await?;
                drop(conn);
                if changed.is_empty() {
                    return Ok(0);
                }
                let count = changed.len();
                let (upserts, removals): (Vec<_>, Vec<_>) = changed
                    .into_iter()
                    .partition(|v| v.state == crate::articles::ArticleState::Published);
                let upserts: Vec<_> = upserts.into_iter().map(|v| v.article).collect();
                let removals: Vec<_> = removals
                    .into_iter()
                    .map(|v| (v.article.slug, v.article.lang))
                    .collect();
                let kb = self.kb.clone();
                blocking(move || kb.apply(&upserts, &removals, &IndexMark(top).to_string()))
                    .await?;
                Ok(count)
            }
            _ => {
                let all = Store::articles_latest(&mut conn).await?;
                drop(conn);
                let published: Vec<_> = all
                    .into_iter()
                    .filter(|v| v.state == crate::articles::ArticleState::Published)
                    .map(|v| v.article)
                    .collect();
                let count = published.len();
                tracing::info!(count, "rebuilding the search index from the database");
                let kb = self.kb.clone();
                let total = count as u64;
                blocking(move || {
                    kb.rebuild_marked(
                        published,
                        Some(total),
                        false,
                        Some(&IndexMark(top).to_string()),
                    )
                })
                .await?;
                Ok(count)
            }
        }
    }

    /// Stores `articles` as new published versions by `author` (an article whose latest
    /// version already says the same is left alone) and brings the index up to date.
    /// Returns how many were added or changed.
    ///
    /// # Errors
    /// Database or index failures.
    #[tracing::instrument(skip(self, articles), fields(count = articles.len()))]
    pub async fn import_articles(
        &self,
        articles: &[frontline_kb::Article],
        author: &str,
    ) -> CoreResult<usize> {
        Ok(self
            .import_articles_as(articles, author, ImportMode::Merge)
            .await?
            .changed)
    }

    /// [`Engine::import_articles`], saying what becomes of the articles not imported: with
    /// [`ImportMode::Replace`] they are soft-deleted (the knowledge base becomes exactly
    /// `articles`, every version kept); with [`ImportMode::Merge`] they stay — except the
    /// bundled sample, which a desk's first own import retires (it is a demo: its articles
    /// would go on answering the desk's users).
    ///
    /// # Errors
    /// Database or index failures.
    pub async fn import_articles_as(
        &self,
        articles: &[frontline_kb::Article],
        author: &str,
        mode: ImportMode,
    ) -> CoreResult<Imported> {
        let mut attempt = 0;
        let changed = loop {
            attempt += 1;
            match self.import_once(articles, author, mode).await {
                // Another instance importing the same articles at once (two started together
                // on a fresh database): done again, its versions are seen as the same.
                Err(e) if e.is_conflict() && attempt < CONFLICT_ATTEMPTS => {
                    tracing::debug!(error = %e, attempt, "conflicting import; again");
                    tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
                }
                other => break other?,
            }
        };
        self.sync_kb().await?;
        Ok(changed)
    }

    async fn import_once(
        &self,
        articles: &[frontline_kb::Article],
        author: &str,
        mode: ImportMode,
    ) -> CoreResult<Imported> {
        let now = self.clock.now_ms();
        let mut tx = self.store.begin().await?;
        let latest = Store::articles_latest(&mut tx).await?;
        let live: Vec<&crate::articles::ArticleVersion> = latest
            .iter()
            .filter(|v| v.state != crate::articles::ArticleState::Deleted)
            .collect();
        // Untouched: every article's latest version is the sample's own.
        let only_sample = author != SAMPLE_AUTHOR
            && !live.is_empty()
            && latest.iter().all(|v| v.author == SAMPLE_AUTHOR);
        let incoming: std::collections::HashSet<(&str, Lang)> =
            articles.iter().map(|a| (a.slug.as_str(), a.lang)).collect();
        let mut retired = Vec::new();
        if mode == ImportMode::Replace || only_sample {
            let note = if only_sample {
                "retired: the bundled sample, replaced by the desk's own articles"
            } else {
                "retired: not in the replacing import"
            };
            for v in live
                .iter()
                .filter(|v| !incoming.contains(&(v.article.slug.as_str(), v.article.lang)))
            {
                Store::article_put(
                    &mut tx,
                    &v.article,
                    crate::articles::ArticleState::Deleted,
                    author,
                    note,
                    now,
                )
                .await?;
                retired.push(format!("{} ({})", v.article.slug, v.article.lang));
            }
        }
        let mut changed = 0;
        for a in articles {
            // A file written before users taught the article anything (no `learned` list)
            // keeps what they taught it; `--replace` makes the article exactly the file.
            let kept;
            let a = match latest
                .iter()
                .find(|v| v.article.slug == a.slug && v.article.lang == a.lang)
            {
                Some(v) if mode == ImportMode::Merge && a.learned.is_empty() => {
                    kept = frontline_kb::Article {
                        learned: v.article.learned.clone(),
                        ..a.clone()
                    };
                    &kept
                }
                _ => a,
            };
            let stored = Store::article_put(
                &mut tx,
                a,
                crate::articles::ArticleState::Published,
                author,
                "imported",
                now,
            )
            .await?;
            changed += usize::from(stored.is_some());
        }
        tx.commit().await?;
        Ok(Imported {
            changed,
            sample_retired: only_sample && !retired.is_empty(),
            retired,
        })
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
            match self.gate(&inbound).await? {
                Gate::Staff(member) => Some(member),
                // A platform that answers so only the sender sees it (a Discord slash
                // command) tells a non-staff member why nothing happens; nobody else sees it.
                Gate::Ignore if privately => {
                    return Ok(match &inbound.payload {
                        Payload::Text(t) if t.trim_start().starts_with('/') => {
                            let lang = inbound.lang_hint.unwrap_or(self.config.default_lang);
                            Answer::Refused(UserError::StaffOnly(command_name(t)).message(lang))
                        }
                        _ => Answer::Done,
                    });
                }
                Gate::Ignore => {
                    metrics::counter!("frontline_updates_ignored_total", "reason" => "not_private")
                        .increment(1);
                    return Ok(Answer::Done);
                }
                Gate::Pointer(lang) => {
                    let reply = Outbound::text(inbound.chat.clone(), Msg::PrivateOnly.text(lang));
                    self.seen_with(&inbound, Some(reply)).await?;
                    return Ok(Answer::Done);
                }
            }
        };
        // Plain text is searched before the transaction: the search needs no database, and on
        // SQLite the one connection is then held only for the writes. (If the text turns out
        // to belong to an open ticket, the search was wasted: ~100 µs.)
        let search = match &inbound.payload {
            // Conversation ("hi", "thanks") is answered as such, never searched.
            // Staff in a group write commands and thread replies, never questions.
            Payload::Text(t)
                if inbound.private
                    && !t.trim_start().starts_with('/')
                    && crate::small_talk::classify(t).is_none() =>
            {
                let lang_hint = inbound.lang_hint.or_else(|| Lang::detect(t));
                // Greetings and politeness around the question are not searched.
                Some(self.kb.search(crate::small_talk::question_of(t), lang_hint))
            }
            _ => None,
        };
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
        if config_staff.is_none() {
            match self.flood.check(
                self.config.limits.messages_per_minute,
                inbound.from.channel,
                &inbound.from.id,
                now,
            ) {
                crate::limits::Flood::Pass => {}
                crate::limits::Flood::Drop => {
                    tracing::debug!(user = %inbound.from.id, "over the message limit: ignored");
                    metrics::counter!("frontline_updates_ignored_total", "reason" => "flood")
                        .increment(1);
                    tx.commit().await?;
                    return Ok(Answer::Done);
                }
                crate::limits::Flood::Notice => {
                    tracing::info!(user = %inbound.from.id, "over the message limit: told to slow down");
                    let lang = inbound.lang_hint.unwrap_or(self.config.default_lang);
                    let reply = Outbound::text(inbound.chat.clone(), Msg::SlowDown.text(lang));
                    self.enqueue_all(&mut tx, std::slice::from_ref(&reply), now)
                        .await?;
                    tx.commit().await?;
                    self.outbox_ready.notify_one();
                    return Ok(Answer::Done);
                }
            }
        }
        // Staff start in the desk's language (the cards they read are in it); `/lang`
        // changes theirs as it does a user's.
        let first_lang = if config_staff.is_some() {
            Some(self.config.default_lang)
        } else {
            None
        };
        let first_lang = first_lang
            .or(inbound.lang_hint)
            .or(match &inbound.payload {
                Payload::Text(t) => Lang::detect(t),
                Payload::Media { caption, .. } => Lang::detect(caption),
                Payload::Button(_) | Payload::File { .. } | Payload::Unsupported(_) => None,
            })
            .unwrap_or(self.config.default_lang);
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
        let result = match &inbound.payload {
            Payload::Text(text) => self.on_text(&mut tx, &mut turn, text, search).await,
            Payload::Button(data) => self.on_button(&mut tx, &mut turn, data).await,
            Payload::Unsupported(kind) => {
                tracing::debug!(%kind, "an update the desk cannot read");
                turn.reply(Msg::Unsupported.text(turn.person.lang));
                Ok(())
            }
            Payload::Media { caption, media } => {
                turn.media = Some(media.clone());
                let said = format!("{caption}\n{}", media.label()).trim().to_string();
                self.on_text(&mut tx, &mut turn, &said, None).await
            }
            Payload::File {
                name,
                text,
                caption,
            } => self.on_file(&mut tx, &mut turn, name, text, caption).await,
        };
        let result = match result {
            Ok(()) => self.reschedule_touched(&mut tx, &turn).await,
            stop => stop,
        };
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
                if matches!(command::parse(t), Some(Ok(command::Command::Start | command::Command::Help))));
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

    /// A text file someone sent: with `/kb add` or `/kb edit SLUG` from an admin it is an
    /// article; otherwise it is a message that names the file.
    async fn on_file(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        name: &str,
        text: &str,
        caption: &str,
    ) -> Result<(), Stop> {
        let n = text.chars().count();
        if n > MAX_FILE_CHARS {
            return Err(UserError::TooLong(n).into());
        }
        let caption = caption.trim();
        if let Some(member) = turn.staff.clone()
            && let Some(args) = caption.strip_prefix("/kb")
            && args.starts_with(char::is_whitespace)
        {
            let cmd = crate::cmd::kb::parse(&format!("{}\n{text}", args.trim()))?;
            return crate::cmd::kb::run(&mut self.desk(conn), turn, &member, cmd).await;
        }
        let said = format!("{caption}\n📎 {name} ({n} characters)");
        self.on_text(conn, turn, said.trim(), None).await
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

    async fn on_text(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        raw: &str,
        search: Option<Result<frontline_kb::SearchOutcome, frontline_kb::KbError>>,
    ) -> Result<(), Stop> {
        let text = clean_text(raw)?;
        if let Some(cmd) = agent::parse_in(&text, turn.thread) {
            let Some(member) = turn.staff.clone() else {
                return Err(UserError::StaffOnly(command_name(&text)).into());
            };
            return crate::cmd::staff(&mut self.desk(conn), turn, &member, cmd?).await;
        }
        if let Some(cmd) = command::parse(&text) {
            return crate::cmd::user::run(&mut self.desk(conn), turn, cmd?).await;
        }
        if let Some(rated) = turn.person.comment_for {
            // The message right after a rating, within a few minutes, is its comment; a
            // later one is a new message, and the wait for a comment ends either way.
            Store::set_comment_for(conn, turn.person.id, None, turn.now).await?;
            let in_time = turn.person.comment_until_ms.is_some_and(|u| turn.now <= u);
            if in_time && Store::comment(conn, rated, &text, turn.now).await? {
                let actor = turn.actor();
                Store::add_event(
                    conn,
                    rated,
                    turn.now,
                    &actor,
                    EventKind::Rated,
                    &format!("comment: {text}"),
                )
                .await?;
                turn.reply(Msg::CommentSaved.text(turn.person.lang));
                return Ok(());
            }
        }
        if let Some(ticket) = self.open_current_ticket(conn, turn).await? {
            return self.add_to_thread(conn, turn, &ticket, &text).await;
        }
        if let Some(talk) = crate::small_talk::classify(&text) {
            return self.on_small_talk(conn, turn, &text, talk).await;
        }
        // The search made before the transaction stands when the text itself told its
        // language; otherwise search again with the language the user chose.
        let outcome = match search {
            Some(Ok(o)) if Lang::detect(&text).is_some() || o.lang == turn.person.lang => o,
            _ => self.kb.search(
                crate::small_talk::question_of(&text),
                Some(turn.person.lang),
            )?,
        };
        self.on_question(conn, turn, &text, outcome).await
    }

    /// Conversation, answered before any search: nothing is logged as a question, except
    /// asking for a person, which goes straight to registering a ticket.
    async fn on_small_talk(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        text: &str,
        talk: crate::small_talk::SmallTalk,
    ) -> Result<(), Stop> {
        use crate::small_talk::SmallTalk;
        let lang = turn.person.lang;
        metrics::counter!("frontline_small_talk_total", "kind" => format!("{talk:?}").to_lowercase())
            .increment(1);
        let reply = match talk {
            SmallTalk::Greeting => Msg::TalkGreeting,
            SmallTalk::Thanks => Msg::GladItHelped,
            SmallTalk::Presence => Msg::TalkPresence,
            SmallTalk::Ack | SmallTalk::Emoji => Msg::TalkAck,
            SmallTalk::Operator => {
                let guessed_kind = classify::guess_kind(text);
                let q = NewQuestion {
                    person: turn.person.id,
                    text,
                    lang,
                    decision: "operator",
                    state: QuestionState::ChoosingKind,
                    article: None,
                    suggested: Vec::new(),
                    confidence: None,
                    guessed_kind,
                };
                let id = Store::insert_question(conn, &q, turn.now).await?;
                turn.reply_with(
                    Msg::AskKind {
                        after_no_match: false,
                    }
                    .text(lang),
                    kind_buttons(id, guessed_kind, lang),
                );
                return Ok(());
            }
        };
        turn.reply(reply.text(lang));
        Ok(())
    }

    /// The ticket the user is talking in, if it is still open.
    async fn open_current_ticket(
        &self,
        conn: &mut AnyConnection,
        turn: &Turn<'_>,
    ) -> Result<Option<Ticket>, Stop> {
        let Some(id) = turn.person.current_ticket else {
            return Ok(None);
        };
        Ok(Store::ticket(conn, id)
            .await?
            .filter(|t| t.status.is_open()))
    }

    async fn add_to_thread(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        ticket: &Ticket,
        text: &str,
    ) -> Result<(), Stop> {
        let actor = turn.actor();
        // An answer restarts a paused clock and cancels an auto-close.
        turn.touched.insert(ticket.id);
        // The ticket's row first: two follow-ups handled at once (two instances) then take
        // turns, and the second sees the first's message — else both would count themselves
        // the first and both be acknowledged in words.
        Store::touch_ticket(conn, ticket.id, turn.now).await?;
        Store::add_event(
            conn,
            ticket.id,
            turn.now,
            &actor,
            EventKind::MessageIn,
            text,
        )
        .await?;
        // A customer's answer takes a ticket that waited on them back to work.
        if ticket.status == Status::WaitingOnCustomer {
            // Moved meanwhile (an agent resolved it): the message still goes in the thread.
            match self
                .desk(conn)
                .transition(ticket, Status::InProgress, &actor, turn.now)
                .await
            {
                Ok(()) | Err(Stop::User(UserError::IllegalTransition { .. })) => {}
                Err(e) => return Err(e),
            }
        }
        let requester = turn.person.display.clone();
        self.desk(conn).to_agents(
            turn,
            ticket,
            Card::Relay {
                ticket: ticket.id,
                requester: &requester,
                text,
            }
            .text(self.config.default_lang),
        );
        if classify::asks_for_urgency(text) {
            Store::add_event(
                conn,
                ticket.id,
                turn.now,
                &actor,
                EventKind::PriorityRequested,
                text,
            )
            .await?;
            self.desk(conn).to_agents(
                turn,
                ticket,
                Card::PriorityRequest {
                    ticket: ticket.id,
                    requester: &requester,
                }
                .text(self.config.default_lang),
            );
            turn.reply(Msg::PriorityRequestNoted(ticket.id).text(turn.person.lang));
        } else {
            // Said in words once (the first follow-up after registration: the question and
            // this one are the ticket's messages); after that, a reaction on the person's own
            // message says it without another message in their chat.
            let said = Store::count_events(conn, ticket.id, EventKind::MessageIn).await?;
            match turn.message.filter(|_| said > 2) {
                Some(message) => turn.react(message, "👌"),
                None => turn.reply(Msg::AddedToTicket(ticket.id).text(turn.person.lang)),
            }
        }
        Ok(())
    }

    /// Line 0: the knowledge base decides; the user is answered, offered articles, or asked
    /// for the kind of ticket to register.
    async fn on_question(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        text: &str,
        outcome: frontline_kb::SearchOutcome,
    ) -> Result<(), Stop> {
        // Earlier questions stay open: their buttons still work when the user scrolls back
        // (each press is checked against its own question). /cancel and /new drop them.
        let lang = turn.person.lang;
        let guessed_kind = classify::guess_kind(text);
        let mut q = NewQuestion {
            person: turn.person.id,
            text,
            lang,
            decision: outcome.decision.kind(),
            state: QuestionState::ChoosingKind,
            article: None,
            suggested: Vec::new(),
            confidence: None,
            guessed_kind,
        };
        metrics::counter!("frontline_kb_decisions_total", "decision" => outcome.decision.kind())
            .increment(1);
        match &outcome.decision {
            Decision::Answer {
                article,
                confidence,
                snippet,
            } => {
                q.state = QuestionState::Answered;
                q.article = Some(crate::domain::ArticleKey::of(article));
                q.confidence = Some(*confidence);
                let id = Store::insert_question(conn, &q, turn.now).await?;
                turn.reply_with(
                    Msg::Answer {
                        title: article.display_title(),
                        snippet,
                    }
                    .text(lang),
                    feedback_buttons(id, lang),
                );
            }
            Decision::Suggest {
                articles,
                confidence,
            } => {
                q.state = QuestionState::Suggested;
                q.suggested = articles.iter().map(crate::domain::ArticleKey::of).collect();
                q.confidence = Some(*confidence);
                let id = Store::insert_question(conn, &q, turn.now).await?;
                let mut buttons: Vec<Button> = articles
                    .iter()
                    .enumerate()
                    .map(|(i, a)| Button {
                        label: a.display_title().to_string(),
                        data: Action::Pick {
                            question: id,
                            index: i as u8,
                        }
                        .encode(),
                    })
                    .collect();
                buttons.push(Button {
                    label: Msg::NoneOfTheseButton.text(lang),
                    data: Action::NoneOfThese { question: id }.encode(),
                });
                turn.reply_with(Msg::Suggestions.text(lang), buttons);
            }
            Decision::NoMatch { .. } => {
                let id = Store::insert_question(conn, &q, turn.now).await?;
                turn.reply_with(
                    Msg::AskKind {
                        after_no_match: true,
                    }
                    .text(lang),
                    kind_buttons(id, guessed_kind, lang),
                );
            }
        }
        Ok(())
    }

    async fn on_button(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        data: &str,
    ) -> Result<(), Stop> {
        let action = Action::decode(data).ok_or(UserError::StaleChoice)?;
        if let Action::Confirm { ticket, solved } = action {
            return crate::cmd::resolution::confirm(
                &mut self.desk(conn),
                turn,
                TicketId::from_db_checked(ticket)?,
                solved,
            )
            .await;
        }
        if let Action::Rate { ticket, score } = action {
            return crate::cmd::resolution::rate(
                &mut self.desk(conn),
                turn,
                TicketId::from_db_checked(ticket)?,
                score,
            )
            .await;
        }
        if let Action::NoComment { ticket } = action {
            // Declining to comment ends the wait for one; only the wait it was offered for.
            if turn.person.comment_for.map(TicketId::get) != Some(ticket) {
                return Err(UserError::StaleChoice.into());
            }
            Store::set_comment_for(conn, turn.person.id, None, turn.now).await?;
            turn.reply(Msg::ThanksForRating.text(turn.person.lang));
            return Ok(());
        }
        if let Action::Forget { person } = action {
            // Only the person who asked can confirm; a forwarded button erases nobody.
            if person != turn.person.id.get() {
                return Err(UserError::StaleChoice.into());
            }
            let actor = turn.actor();
            Store::forget(conn, turn.from.channel, &turn.from.id, &actor, turn.now).await?;
            turn.reply(Msg::Forgotten.text(turn.person.lang));
            return Ok(());
        }
        // Staff's buttons are their commands: the same checks, the same effects.
        if let Action::Claim { ticket } | Action::Resolve { ticket } = action {
            let name = if matches!(action, Action::Claim { .. }) {
                "claim"
            } else {
                "resolve"
            };
            let Some(member) = turn.staff.clone() else {
                return Err(UserError::StaffOnly(name.into()).into());
            };
            let id = TicketId::from_db_checked(ticket)?;
            let command = if name == "claim" {
                agent::AgentCommand::Claim(id)
            } else {
                agent::AgentCommand::Resolve(id)
            };
            return crate::cmd::staff(&mut self.desk(conn), turn, &member, command).await;
        }
        let id = match action {
            Action::Helped { question }
            | Action::NotHelped { question }
            | Action::Pick { question, .. }
            | Action::NoneOfThese { question }
            | Action::Kind { question, .. } => question,
            Action::Confirm { .. }
            | Action::Rate { .. }
            | Action::NoComment { .. }
            | Action::Claim { .. }
            | Action::Resolve { .. }
            | Action::Forget { .. } => {
                return Err(UserError::StaleChoice.into());
            }
        };
        let q = Store::question(conn, id)
            .await?
            .filter(|q| q.person == turn.person.id)
            .ok_or(UserError::StaleChoice)?;
        let lang = turn.person.lang;
        match action {
            Action::Helped { .. } => {
                advance(
                    conn,
                    id,
                    QuestionState::Answered,
                    QuestionState::Helped,
                    turn.now,
                )
                .await?;
                self.learn(conn, turn, &q).await?;
                turn.reply(Msg::GladItHelped.text(lang));
            }
            Action::NotHelped { .. } | Action::NoneOfThese { .. } => {
                let from = if matches!(action, Action::NotHelped { .. }) {
                    QuestionState::Answered
                } else {
                    QuestionState::Suggested
                };
                advance(conn, id, from, QuestionState::ChoosingKind, turn.now).await?;
                turn.reply_with(
                    Msg::AskKind {
                        after_no_match: false,
                    }
                    .text(lang),
                    kind_buttons(id, q.guessed_kind, lang),
                );
            }
            Action::Pick { index, .. } => {
                let key = q
                    .suggested
                    .get(index as usize)
                    .ok_or(UserError::StaleChoice)?;
                let article = self.article_by_key(key)?.ok_or(UserError::StaleChoice)?;
                if !Store::advance_question(
                    conn,
                    id,
                    QuestionState::Suggested,
                    QuestionState::Answered,
                    Some(key),
                    None,
                    turn.now,
                )
                .await?
                {
                    return Err(UserError::StaleChoice.into());
                }
                let snippet = frontline_kb::snippet::for_question(&article, &q.text);
                turn.reply_with(
                    Msg::Answer {
                        title: article.display_title(),
                        snippet: &snippet,
                    }
                    .text(lang),
                    feedback_buttons(id, lang),
                );
            }
            Action::Kind { kind, .. } => self.register(conn, turn, &q, kind).await?,
            Action::Confirm { .. }
            | Action::Rate { .. }
            | Action::NoComment { .. }
            | Action::Claim { .. }
            | Action::Resolve { .. }
            | Action::Forget { .. } => {
                return Err(UserError::StaleChoice.into());
            }
        }
        Ok(())
    }

    /// The category of the article the question came closest to (the answer, or the first
    /// suggestion), for routing.
    fn category_of(&self, q: &crate::store::Question) -> Option<String> {
        let key = q.article.as_ref().or(q.suggested.first())?;
        self.article_by_key(key).ok().flatten()?.category
    }

    /// A question the user confirmed becomes a learned phrasing of the article that answered
    /// it, so the next user who asks so is answered with more confidence. Never from staff
    /// (they try the bot out), never from a question a ticket came from; the text searched
    /// (greetings and thanks left out) is what is kept.
    async fn learn(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        q: &crate::store::Question,
    ) -> Result<(), Stop> {
        let cap = self.config.limits.learned_per_article;
        if cap == 0 || turn.staff.is_some() || q.ticket.is_some() {
            return Ok(());
        }
        let Some(crate::domain::ArticleKey { slug, lang }) = q.article.clone() else {
            return Ok(());
        };
        let Some(current) = Store::article_latest(conn, &slug, lang).await? else {
            return Ok(());
        };
        if current.state != crate::articles::ArticleState::Published {
            return Ok(());
        }
        let mut article = current.article;
        let by = crate::articles::learned_by(turn.person.id.get());
        let text = crate::small_talk::question_of(&q.text);
        if let frontline_kb::LearnOutcome::Learned { dropped } =
            article.learn(text, &by, turn.now, cap)
        {
            tracing::info!(article = %slug, %lang, dropped = dropped.is_some(), "learned a phrasing");
            metrics::counter!("frontline_kb_learned_total").increment(1);
            crate::cmd::kb::put_article(
                &mut self.desk(conn),
                turn,
                &article,
                crate::articles::ArticleState::Published,
                crate::articles::LEARNED_AUTHOR,
                &format!("learned a phrasing from {by}"),
            )
            .await?;
        }
        Ok(())
    }

    fn article_by_key(
        &self,
        key: &crate::domain::ArticleKey,
    ) -> CoreResult<Option<frontline_kb::Article>> {
        Ok(self.kb.get(&key.slug, key.lang)?)
    }

    /// Line 1: registers the ticket, tells the user, and hands it to line 2.
    async fn register(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        q: &crate::store::Question,
        kind: TicketKind,
    ) -> Result<(), Stop> {
        let subject = subject_of(&q.text);
        metrics::counter!("frontline_tickets_opened_total", "kind" => kind.code()).increment(1);
        let ticket = Store::insert_ticket(
            conn,
            &NewTicket {
                requester: turn.person.id,
                chat: turn.chat,
                subject: &subject,
                kind,
                priority: kind.default_priority(),
                line: Line::AGENTS,
                lang: turn.person.lang,
                category: self.category_of(q),
            },
            turn.now,
        )
        .await?;
        if !Store::advance_question(
            conn,
            q.id,
            QuestionState::ChoosingKind,
            QuestionState::Ticket,
            None,
            Some(ticket.id),
            turn.now,
        )
        .await?
        {
            // A second press of a kind button: the first one registered the ticket.
            return Err(UserError::StaleChoice.into());
        }
        let actor = turn.actor();
        Store::add_event(
            conn,
            ticket.id,
            turn.now,
            &crate::domain::Actor::Bot,
            EventKind::Created,
            &format!("{} · {} · {}", kind, ticket.priority, subject),
        )
        .await?;
        Store::add_event(
            conn,
            ticket.id,
            turn.now,
            &actor,
            EventKind::MessageIn,
            &q.text,
        )
        .await?;
        if classify::asks_for_urgency(&q.text) {
            Store::add_event(
                conn,
                ticket.id,
                turn.now,
                &actor,
                EventKind::PriorityRequested,
                &q.text,
            )
            .await?;
        }
        Store::set_current_ticket(conn, turn.person.id, Some(ticket.id), turn.now).await?;
        // Deadlines are set now, so the user is told when to expect an answer.
        let (first_due_ms, resolve_due_ms) = self
            .config
            .sla
            .reschedule_ticket(conn, &ticket, turn.now, true)
            .await?;
        let ticket = Ticket {
            first_due_ms,
            resolve_due_ms,
            ..ticket
        };
        let answer_by = ticket
            .first_due_ms
            .map(|due| self.config.sla.when(due, turn.now, turn.person.lang));
        let told = Msg::Registered {
            ticket: &ticket,
            answer_by: answer_by.as_deref(),
        }
        .text(turn.person.lang);
        // What the user was told is part of the thread too.
        Store::add_event(
            conn,
            ticket.id,
            turn.now,
            &crate::domain::Actor::Bot,
            EventKind::MessageOut,
            &told,
        )
        .await?;
        turn.reply(told);
        let kb = match (&q.article, q.suggested.is_empty()) {
            (Some(a), _) => KbNote::Answered(a),
            (None, false) => KbNote::Suggested(&q.suggested),
            (None, true) => KbNote::NoMatch,
        };
        let requester = turn.person.display.clone();
        let lang = self.config.default_lang;
        let left = self.config.sla.sla_line(&ticket, turn.now, lang);
        let card = Card::New {
            ticket: &ticket,
            requester: &requester,
            question: &q.text,
            kb,
            left: left.as_deref(),
        }
        .text(lang);
        let claim = crate::cmd::claim_button(ticket.id, lang);
        self.desk(conn)
            .to_agents_with(turn, &ticket, card, vec![claim]);
        Ok(())
    }
}

/// Moves question `id` from `from` to `to`, or refuses the press as stale (a second press,
/// or a press after the question moved on).
async fn advance(
    conn: &mut AnyConnection,
    id: i64,
    from: QuestionState,
    to: QuestionState,
    now: i64,
) -> Result<(), Stop> {
    if Store::advance_question(conn, id, from, to, None, None, now).await? {
        Ok(())
    } else {
        Err(UserError::StaleChoice.into())
    }
}

fn feedback_buttons(question: i64, lang: Lang) -> Vec<Button> {
    vec![
        Button {
            label: Msg::HelpedButton.text(lang),
            data: Action::Helped { question }.encode(),
        },
        Button {
            label: Msg::NotHelpedButton.text(lang),
            data: Action::NotHelped { question }.encode(),
        },
    ]
}

/// The kind buttons, the guess first and marked, so one tap confirms it.
fn kind_buttons(question: i64, guess: TicketKind, lang: Lang) -> Vec<Button> {
    let mut kinds: Vec<TicketKind> = vec![guess];
    kinds.extend(TicketKind::ALL.iter().copied().filter(|&k| k != guess));
    kinds
        .into_iter()
        .map(|kind| Button {
            label: if kind == guess {
                format!("✓ {}", Msg::KindName(kind).text(lang))
            } else {
                Msg::KindName(kind).text(lang)
            },
            data: Action::Kind { question, kind }.encode(),
        })
        .collect()
}

/// How many changes before its mark an index sync looks at again (see [`Engine::sync_kb`]).
const SYNC_LOOKBACK: i64 = 64;

/// Runs index work (which writes files) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, frontline_kb::KbError> + Send + 'static,
) -> CoreResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::Corrupt(format!("index task failed: {e}")))?
        .map_err(CoreError::from)
}

/// Text as it will be stored: control characters out (tabs and line breaks kept), trimmed,
/// and refused when empty or longer than [`MAX_TEXT_CHARS`].
fn clean_text(raw: &str) -> Result<String, UserError> {
    let cleaned: String = raw
        .chars()
        .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
        .collect();
    let cleaned = cleaned
        .trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
        .to_string();
    if cleaned.is_empty() {
        return Err(UserError::Empty);
    }
    let n = cleaned.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(UserError::TooLong(n));
    }
    Ok(cleaned)
}

/// The name of the command `text` starts with (`/queue 5` → `queue`), at most 32
/// characters, for telling someone it is not theirs.
fn command_name(text: &str) -> String {
    text.trim_start()
        .trim_start_matches('/')
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .take(32)
        .collect()
}

/// Characters that show nothing on their own: zero-width spaces and joiners, the word
/// joiner, the byte-order mark, the soft hyphen, blank fillers. Inside text they stay (a
/// joiner holds an emoji sequence together); text made only of them is empty.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// A ticket's subject: the question's first line, cut at a word within the limit.
fn subject_of(question: &str) -> String {
    let first = question
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if first.chars().count() <= MAX_SUBJECT_CHARS {
        return first.to_string();
    }
    let cut: String = first.chars().take(MAX_SUBJECT_CHARS).collect();
    let at_word = cut
        .rfind(' ')
        .filter(|&i| i > MAX_SUBJECT_CHARS / 2)
        .unwrap_or(cut.len());
    format!("{}…", cut[..at_word].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_only_invisible_characters_is_empty() {
        for raw in [
            "\u{200B}\u{200B}",
            "\u{FEFF} \u{2060}",
            "\u{3164}",
            "\u{200D}\n\u{200C}",
        ] {
            assert!(
                matches!(clean_text(raw), Err(UserError::Empty)),
                "{raw:?} should be refused as empty"
            );
        }
        assert_eq!(
            clean_text("\u{200B}printer\u{200B}").ok().as_deref(),
            Some("printer")
        );
        // A joiner inside an emoji sequence is kept.
        assert_eq!(
            clean_text("👨\u{200D}💻 help").ok().as_deref(),
            Some("👨\u{200D}💻 help")
        );
    }

    #[test]
    fn text_is_cleaned_and_bounded() {
        assert_eq!(
            clean_text("  hi\u{0}\u{7} there\n "),
            Ok("hi there".to_string())
        );
        assert_eq!(clean_text(" \u{1b} "), Err(UserError::Empty));
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            clean_text(&long),
            Err(UserError::TooLong(MAX_TEXT_CHARS + 1))
        );
    }

    #[test]
    fn subjects_come_from_the_first_line_cut_at_a_word() {
        assert_eq!(subject_of("\n  VPN is down\nmore details"), "VPN is down");
        let long = "word ".repeat(40);
        let s = subject_of(&long);
        assert!(
            s.ends_with('…') && s.chars().count() <= MAX_SUBJECT_CHARS + 1,
            "{s}"
        );
    }

    #[test]
    fn the_guessed_kind_comes_first_and_is_marked() {
        let b = kind_buttons(7, TicketKind::AccessRequest, Lang::En);
        assert_eq!(b.len(), TicketKind::ALL.len());
        assert!(b[0].label.starts_with('✓'));
        assert_eq!(
            Action::decode(&b[0].data),
            Some(Action::Kind {
                question: 7,
                kind: TicketKind::AccessRequest
            })
        );
    }
}
