//! The Telegram channel: a thin adapter between the Bot API (through teloxide) and the engine.
//!
//! Inbound, it long-polls `getUpdates` and turns each update into an [`Inbound`]: private
//! messages are users', messages in the agents' group are staff's (the engine decides by
//! identity), button presses are callback queries — each answered at once so the button stops
//! spinning. Outbound, it is a [`Channel`] for the outbox: text is sent with no parse mode,
//! so no character a user or agent typed can make Telegram refuse the message; long text is
//! split at line boundaries; buttons are an inline keyboard whose callback data is the
//! engine's encoded action (≤ 64 bytes). No desk rule lives here.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use frontline_core::engine::TicketThread;

use crate::platform::MediaKind;
use frontline_core::{
    ChannelKind, ChatRef, Engine, Inbound, Lang, Media, Outbound, Payload, SendError, Store,
    TicketId, UserRef,
};
use teloxide::payloads::{
    CopyMessageSetters, GetUpdatesSetters, SendDocumentSetters, SendMessageSetters,
    SetMessageReactionSetters, SetMyCommandsSetters,
};
use teloxide::prelude::Requester;
use teloxide::types::{
    BotCommand, BotCommandScope, ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile,
    MessageId, Recipient, ThreadId, Update, UpdateKind, User,
};
use teloxide::{ApiError, Bot, RequestError};

/// Telegram's limit on a message's length, in UTF-16 code units.
pub const MAX_MESSAGE_UTF16: usize = 4096;

/// How long one `getUpdates` call may wait for updates on the server.
const POLL_TIMEOUT_S: u32 = 25;

/// A bot for `token`, talking to `api_url` (Telegram's own when `None`).
///
/// # Errors
/// When `api_url` is not a URL or the HTTP client cannot be built.
pub fn bot(token: &str, api_url: Option<&str>) -> anyhow::Result<Bot> {
    // Loopback and self-hosted API servers must not go through an HTTP_PROXY of the
    // environment; the request timeout leaves room for a long poll.
    let client = teloxide::net::default_reqwest_settings()
        .no_proxy()
        .timeout(Duration::from_secs(u64::from(POLL_TIMEOUT_S) + 15))
        .build()?;
    let bot = Bot::with_client(token, client);
    Ok(match api_url {
        Some(url) => bot.set_api_url(url.parse()?),
        None => bot,
    })
}

pub use crate::text::split;

/// Where a chat reference points: a chat, and a forum topic in it.
fn target(chat: &ChatRef) -> Option<(ChatId, Option<ThreadId>)> {
    let (id, topic) = match chat.chat.split_once('/') {
        Some((id, topic)) => (id, Some(topic)),
        None => (chat.chat.as_str(), None),
    };
    let id = ChatId(id.parse().ok()?);
    let topic = match topic {
        Some(t) => Some(ThreadId(MessageId(t.parse().ok()?))),
        None => None,
    };
    Some((id, topic))
}

/// The inline keyboard of a message's buttons: short labels (ratings) in one row, others one
/// per row.
fn keyboard(buttons: &[frontline_core::Button]) -> InlineKeyboardMarkup {
    let button = |b: &frontline_core::Button| {
        InlineKeyboardButton::callback(b.label.clone(), b.data.clone())
    };
    if buttons.iter().all(|b| b.label.chars().count() <= 2) {
        InlineKeyboardMarkup::new([buttons.iter().map(button).collect::<Vec<_>>()])
    } else {
        InlineKeyboardMarkup::new(buttons.iter().map(|b| [button(b)]))
    }
}

/// What a failed request means for the outbox.
fn send_error(e: RequestError) -> SendError {
    match e {
        RequestError::RetryAfter(s) => SendError::Retry {
            after_ms: Some(i64::from(s.seconds()) * 1000),
            reason: "Telegram asked to slow down".into(),
        },
        // The person blocked the bot, deleted their account or never started it.
        RequestError::Api(
            api @ (ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::CantInitiateConversation),
        ) => SendError::Unreachable(api.to_string()),
        RequestError::Api(
            api
            @ (ApiError::ChatNotFound | ApiError::BotKicked | ApiError::BotKickedFromSupergroup),
        ) => SendError::Permanent(api.to_string()),
        // Unknown API errors include Telegram's own 5xx: worth another try.
        RequestError::Api(ApiError::Unknown(reason)) => SendError::Retry {
            after_ms: None,
            reason,
        },
        RequestError::Api(api) => SendError::Permanent(api.to_string()),
        other => SendError::Retry {
            after_ms: None,
            reason: other.to_string(),
        },
    }
}

/// Telegram's documented limits, kept ahead of time so it never has to refuse: about 30
/// messages a second overall, one a second in a private chat, 20 a minute in a group.
///
/// Overall: governor's GCRA limiter with a burst of one (a minimum spacing of 36 ms, 7 %
/// wider than the limit), taken right before each request. Per chat: the time since the
/// chat's last *actual* request, not a GCRA schedule — a schedule counts from when a turn
/// was due, and a message held up by the overall limit would then leave less than the
/// chat's spacing after its predecessor, which Telegram counts as too many. Only the chat
/// that waits is held: the dispatcher works other chats meanwhile.
///
/// Bulk messages (an announcement's copies) queue in a lane of their own and take the overall
/// turn one at a time: governor's waiters are not served in order, so with the window of an
/// announcement waiting beside it an answer waited 1.9 s (p50) and 12.7 s (p99); with one bulk
/// message at a time competing, it waits for one turn at most.
pub struct Pacer {
    overall: governor::DefaultDirectRateLimiter,
    bulk: tokio::sync::Mutex<()>,
    /// Tokio's clock, so tests can run it paused.
    last: std::sync::Mutex<std::collections::HashMap<i64, tokio::time::Instant>>,
}

/// The least time between two messages to one private chat, and to one group.
const PRIVATE_SPACING: Duration = Duration::from_millis(1_100);
const GROUP_SPACING: Duration = Duration::from_millis(3_200);

impl Default for Pacer {
    fn default() -> Self {
        Self::new()
    }
}

impl Pacer {
    pub fn new() -> Pacer {
        let quota = governor::Quota::with_period(Duration::from_millis(36))
            .expect("a positive period is a quota");
        Pacer {
            overall: governor::RateLimiter::direct(quota),
            bulk: tokio::sync::Mutex::new(()),
            last: Default::default(),
        }
    }

    fn spacing(chat: ChatId) -> Duration {
        if chat.0 < 0 {
            GROUP_SPACING
        } else {
            PRIVATE_SPACING
        }
    }

    /// Waits until a message to `chat` keeps its spacing from the chat's last one (one
    /// worker sends to a chat at a time, so nobody else sends to it meanwhile).
    pub async fn chat_turn(&self, chat: ChatId) {
        loop {
            let last = self
                .last
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&chat.0)
                .copied();
            let Some(free) = last.map(|at| at + Self::spacing(chat)) else {
                return;
            };
            let now = tokio::time::Instant::now();
            if free <= now {
                return;
            }
            tokio::time::sleep(free - now).await;
        }
    }

    /// [`Pacer::message`] for one of many of the same: after the other bulk messages, one
    /// at a time, so any other message waiting takes the overall turn first.
    pub async fn bulk_message(&self, chat: ChatId) {
        let _lane = self.bulk.lock().await;
        self.message(chat).await;
    }

    /// Waits for the turn of one message to `chat` and marks it taken: call right before
    /// the request.
    pub async fn message(&self, chat: ChatId) {
        self.chat_turn(chat).await;
        self.overall.until_ready().await;
        let now = tokio::time::Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.insert(chat.0, now);
        // Forget chats quiet for longer than any spacing: the map would otherwise grow with
        // every user ever answered.
        if last.len() > 10_000 {
            last.retain(|_, at| now.duration_since(*at) < GROUP_SPACING);
        }
    }
}

/// The outbox's way to Telegram.
pub struct TelegramChannel {
    bot: Bot,
    store: Store,
    /// The agents' group, when it has forum topics: each ticket gets its own topic there.
    topics: Option<i64>,
    /// Telegram's limits; `None` (`throttle = false`) sends at once, for local fakes.
    pacer: Option<Pacer>,
}

impl TelegramChannel {
    pub fn new(bot: Bot, store: Store, topics: Option<i64>, pacer: Option<Pacer>) -> Self {
        TelegramChannel {
            bot,
            store,
            topics,
            pacer,
        }
    }

    /// Waits for the turn of one message to `chat`, when pacing (`bulk`: in the bulk lane).
    async fn pace(&self, chat: ChatId, bulk: bool) {
        match &self.pacer {
            Some(p) if bulk => p.bulk_message(chat).await,
            Some(p) => p.message(chat).await,
            None => {}
        }
    }

    /// Puts a reaction on a person's message (`CHAT:MESSAGE`).
    async fn react(&self, r: &frontline_core::Reaction) -> Result<(), SendError> {
        let Some((chat, id)) = message_ref(&r.message) else {
            return Err(SendError::Permanent(format!(
                "`{}` is not a Telegram message",
                r.message
            )));
        };
        // Not paced: Telegram's limits are on messages, and a reaction is none (should it
        // answer 429 all the same, only this user's chat waits for the retry).
        self.bot
            .set_message_reaction(Recipient::Id(chat), id)
            .reaction(vec![teloxide::types::ReactionType::Emoji {
                emoji: r.emoji.clone(),
            }])
            .await
            .map_err(|e| match e {
                // A reaction is a courtesy: one Telegram refuses (an emoji it does not allow
                // in this chat, a message gone) is dropped, not retried, and holds nothing.
                RequestError::Api(api) => SendError::Permanent(api.to_string()),
                other => send_error(other),
            })?;
        Ok(())
    }

    /// The topic of `about` in `chat`, created (`#N subject`) or reopened as needed.
    async fn topic_for(&self, chat: ChatId, about: &TicketThread) -> Result<ThreadId, SendError> {
        let id = crate::platform::thread_for(self, &self.store, &chat.0.to_string(), about).await?;
        topic_id(&id)
    }
}

/// A forum topic's id as recorded.
fn topic_id(id: &str) -> Result<ThreadId, SendError> {
    id.parse()
        .map(|n| ThreadId(MessageId(n)))
        .map_err(|_| SendError::Permanent(format!("bad topic id `{id}`")))
}

fn chat_id(chat: &str) -> Result<ChatId, SendError> {
    chat.parse()
        .map(ChatId)
        .map_err(|_| SendError::Permanent(format!("`{chat}` is not a Telegram chat id")))
}

#[async_trait]
impl crate::platform::ThreadCalls for TelegramChannel {
    const CHANNEL: ChannelKind = ChannelKind::Telegram;
    const MAX_NAME: usize = 128;

    async fn create(&self, chat: &str, name: &str) -> Result<String, SendError> {
        let topic = self
            .bot
            .create_forum_topic(Recipient::Id(chat_id(chat)?), name)
            .await
            .map_err(send_error)?;
        Ok(topic.thread_id.0.0.to_string())
    }

    async fn reopen(&self, chat: &str, thread: &str) -> Result<(), SendError> {
        self.bot
            .reopen_forum_topic(Recipient::Id(chat_id(chat)?), topic_id(thread)?)
            .await
            .map_err(send_error)?;
        Ok(())
    }

    async fn close(&self, chat: &str, thread: &str) -> Result<(), SendError> {
        self.bot
            .close_forum_topic(Recipient::Id(chat_id(chat)?), topic_id(thread)?)
            .await
            .map_err(send_error)?;
        Ok(())
    }
}

/// The ticket a message posted in a group without topics was about, if any.
pub async fn ticket_of_message(
    store: &Store,
    chat: ChatId,
    message: MessageId,
) -> Option<TicketId> {
    store
        .ticket_of_chat_message(
            ChannelKind::Telegram,
            &chat.0.to_string(),
            &message.0.to_string(),
        )
        .await
        .ok()?
}

/// The ticket whose topic `thread` of `chat` is, if it is one.
pub async fn ticket_of_topic(store: &Store, chat: &str, thread: &str) -> Option<TicketId> {
    store
        .ticket_of_chat_thread(ChannelKind::Telegram, Some(chat), thread)
        .await
        .ok()?
}

#[async_trait]
impl frontline_core::Channel for TelegramChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Telegram
    }

    fn merge_limit(&self) -> usize {
        MAX_MESSAGE_UTF16
    }

    fn text_len(&self, text: &str) -> usize {
        text.encode_utf16().count()
    }

    async fn wait_turn(&self, to: &ChatRef) -> bool {
        let (Some(p), Some((chat, _))) = (&self.pacer, target(to)) else {
            return false;
        };
        // The chat's spacing only: the message itself then takes the overall turn.
        p.chat_turn(chat).await;
        true
    }

    /// The agents' forum has a topic per ticket.
    fn threads_per_ticket(&self, to: &ChatRef) -> bool {
        matches!(target(to), Some((chat, None)) if self.topics == Some(chat.0))
    }

    /// Sends a message (in parts, when long). A part that fails is retried by the outbox with
    /// the whole message, so a failure after the first part repeats the parts before it:
    /// splitting is rare (over 4,096 characters) and failures mid-way rarer still.
    async fn send(&self, m: &Outbound) -> Result<(), SendError> {
        if let Some(r) = &m.reaction {
            return self.react(r).await;
        }
        let Some((chat, mut topic)) = target(&m.to) else {
            return Err(SendError::Permanent(format!(
                "`{}` is not a Telegram chat id",
                m.to.chat
            )));
        };
        // About a ticket, to the agents' forum: into the ticket's own topic.
        let about = m
            .about
            .as_ref()
            .filter(|_| topic.is_none() && self.topics == Some(chat.0));
        if let Some(about) = about {
            topic = Some(self.topic_for(chat, about).await?);
        }
        let parts = split(&m.text, MAX_MESSAGE_UTF16);
        let last = parts.len() - 1;
        for (i, part) in parts.into_iter().enumerate() {
            self.pace(chat, m.bulk).await;
            let mut req = self.bot.send_message(Recipient::Id(chat), part);
            if let Some(t) = topic {
                req = req.message_thread_id(t);
            }
            if i == last && !m.buttons.is_empty() {
                req = req.reply_markup(keyboard(&m.buttons));
            }
            let sent = req.await.map_err(send_error)?;
            // In a group without topics, remember which ticket the message is about: an
            // agent's reply to it is about that ticket.
            if let (Some(about), None, true) = (&m.about, topic, chat.0 < 0) {
                self.store
                    .add_chat_message(
                        ChannelKind::Telegram,
                        &chat.0.to_string(),
                        &sent.id.0.to_string(),
                        about.ticket,
                    )
                    .await?;
            }
        }
        if let Some((from, id)) = m.forward.as_ref().and_then(|f| copy_source(&f.reference)) {
            let mut req = self
                .bot
                .copy_message(Recipient::Id(chat), Recipient::Id(from), id);
            if let Some(t) = topic {
                req = req.message_thread_id(t);
            }
            req.await.map_err(send_error)?;
        }
        if let Some(file) = &m.attachment {
            let doc =
                InputFile::memory(file.text.clone().into_bytes()).file_name(file.name.clone());
            self.pace(chat, m.bulk).await;
            let mut req = self.bot.send_document(Recipient::Id(chat), doc);
            if let Some(t) = topic {
                req = req.message_thread_id(t);
            }
            req.await.map_err(send_error)?;
        }
        if let (Some(about), Some(t)) = (about, topic) {
            // The ticket is closed: so is its topic, until it reopens.
            let (chat, topic) = (chat.0.to_string(), t.0.0.to_string());
            crate::platform::close_if_done(self, &self.store, &chat, about, &topic).await?;
        }
        Ok(())
    }
}

/// The chat and message of a Telegram media reference (`tg:CHAT:MESSAGE`).
fn copy_source(reference: &str) -> Option<(ChatId, MessageId)> {
    message_ref(reference.strip_prefix("tg:")?)
}

/// The chat and message of `CHAT:MESSAGE` (how an inbound message names itself).
fn message_ref(reference: &str) -> Option<(ChatId, MessageId)> {
    let (chat, id) = reference.rsplit_once(':')?;
    Some((ChatId(chat.parse().ok()?), MessageId(id.parse().ok()?)))
}

fn user_ref(u: &User) -> UserRef {
    UserRef {
        channel: ChannelKind::Telegram,
        id: u.id.0.to_string(),
        display: match &u.username {
            Some(name) => format!("{} (@{name})", u.full_name()),
            None => u.full_name(),
        },
    }
}

fn lang_of(u: &User) -> Option<Lang> {
    let code = u.language_code.as_deref()?;
    Lang::parse(code.split('-').next().unwrap_or(code)).ok()
}

/// The chat reference of a chat and, in a forum, its topic.
fn chat_ref(chat: ChatId, topic: Option<ThreadId>) -> ChatRef {
    match topic {
        Some(t) => ChatRef::new(ChannelKind::Telegram, format!("{}/{}", chat.0, t.0.0)),
        None => ChatRef::new(ChannelKind::Telegram, chat.0.to_string()),
    }
}

/// The engine's view of an update, or `None` for kinds the desk does not use.
pub fn inbound(update: &Update) -> Option<Inbound> {
    let update_id = format!("tg:{}", update.id.0);
    match &update.kind {
        UpdateKind::Message(msg) => {
            let from = msg.from.as_ref()?;
            if from.is_bot {
                return None;
            }
            let topic = msg.thread_id.filter(|_| msg.is_topic_message);
            // A photo or file: passed on by reference (copyMessage), never downloaded.
            let media = if msg.photo().is_some() {
                Some((MediaKind::Photo, None))
            } else if let Some(d) = msg.document() {
                Some((MediaKind::Document, d.file_name.clone()))
            } else if msg.video().is_some() {
                Some((MediaKind::Video, None))
            } else if msg.voice().is_some() {
                Some((MediaKind::Voice, None))
            } else if msg.video_note().is_some() {
                Some((MediaKind::VideoMessage, None))
            } else if let Some(a) = msg.audio() {
                Some((MediaKind::Audio, a.file_name.clone()))
            } else if msg.animation().is_some() {
                Some((MediaKind::Animation, None))
            } else {
                None
            };
            let payload = match media {
                Some((kind, name)) => Payload::Media {
                    caption: msg.caption().unwrap_or("").to_string(),
                    media: Media {
                        kind: kind.label().to_string(),
                        name,
                        reference: format!("tg:{}:{}", msg.chat.id.0, msg.id.0),
                    },
                },
                None => match msg.text() {
                    Some(text) => Payload::Text(text.to_string()),
                    None => Payload::Unsupported(unsupported_kind(msg)?.to_string()),
                },
            };
            Some(Inbound {
                update_id,
                from: user_ref(from),
                chat: chat_ref(msg.chat.id, topic),
                private: msg.chat.is_private(),
                lang_hint: lang_of(from),
                roles: Vec::new(),
                message: Some(format!("{}:{}", msg.chat.id.0, msg.id.0)),
                thread: None,
                payload,
            })
        }
        UpdateKind::CallbackQuery(q) => {
            let msg = q.message.as_ref()?;
            // A button without data (an old keyboard, a game's) is answered, not dropped.
            let payload = match &q.data {
                Some(data) => Payload::Button(data.clone()),
                None => Payload::Unsupported("button without data".into()),
            };
            let chat = msg.chat().id;
            let topic = msg
                .regular_message()
                .and_then(|m| m.thread_id.filter(|_| m.is_topic_message));
            Some(Inbound {
                update_id,
                from: user_ref(&q.from),
                chat: chat_ref(chat, topic),
                private: msg.chat().is_private(),
                lang_hint: lang_of(&q.from),
                roles: Vec::new(),
                message: None,
                thread: None,
                payload,
            })
        }
        UpdateKind::Error(value) => {
            // teloxide could not read it: nothing to answer, but never silently.
            let kind = value
                .as_object()
                .and_then(|o| o.keys().find(|k| *k != "update_id"))
                .map_or("unknown", String::as_str);
            tracing::warn!(
                update = update.id.0,
                kind,
                "an update the client library cannot parse"
            );
            None
        }
        _ => None,
    }
}

/// What a message the desk cannot read is, or `None` for service messages (members
/// joining, a pinned message…) that nobody expects an answer to.
fn unsupported_kind(msg: &teloxide::types::Message) -> Option<&'static str> {
    Some(if msg.sticker().is_some() {
        "sticker"
    } else if msg.location().is_some() {
        "location"
    } else if msg.venue().is_some() {
        "venue"
    } else if msg.contact().is_some() {
        "contact"
    } else if msg.dice().is_some() {
        "dice"
    } else if msg.poll().is_some() {
        "poll"
    } else if msg.game().is_some() {
        "game"
    } else if msg.story().is_some() {
        "story"
    } else {
        return None;
    })
}

/// Registers the command menus: users' commands in private chats, in each language, and the
/// agents' in the agents' group.
///
/// # Errors
/// When Telegram refuses.
pub async fn register_commands(bot: &Bot, agent_chat: Option<i64>) -> Result<(), RequestError> {
    use frontline_core::commands::{Who, of};
    let menu = |who: Who, lang: Lang| -> Vec<BotCommand> {
        of(who)
            .map(|s| BotCommand::new(s.name, s.about(lang)))
            .collect()
    };
    // Each language's menu, and English for clients in any other.
    for (lang, code) in [
        (Lang::En, Some("en")),
        (Lang::Ru, Some("ru")),
        (Lang::En, None),
    ] {
        let mut users = bot
            .set_my_commands(menu(Who::User, lang))
            .scope(BotCommandScope::AllPrivateChats);
        if let Some(code) = code {
            users = users.language_code(code);
        }
        users.await?;
        if let Some(chat) = agent_chat {
            let mut agents =
                bot.set_my_commands(menu(Who::Staff, lang))
                    .scope(BotCommandScope::Chat {
                        chat_id: Recipient::Id(ChatId(chat)),
                    });
            if let Some(code) = code {
                agents = agents.language_code(code);
            }
            agents.await?;
        }
    }
    Ok(())
}

/// Hands one update to the engine: answers a callback query first (so the button stops
/// spinning), and tells which ticket a message in a forum topic is about.
///
/// # Errors
/// When the engine cannot record the update (the platform should deliver it again).
pub async fn handle(
    engine: &Engine,
    bot: &Bot,
    update: &Update,
) -> frontline_core::engine::HandleResult {
    if let UpdateKind::CallbackQuery(q) = &update.kind
        && let Err(e) = bot.answer_callback_query(q.id.clone()).await
    {
        tracing::debug!(error = %e, "answerCallbackQuery failed");
    }
    let Some(mut inbound) = inbound(update) else {
        return Ok(frontline_core::Handled::Done);
    };
    // A text file sent with a /kb caption is an article: the engine reads it (and checks
    // that the sender is an admin). Other files are passed on by reference only.
    if let UpdateKind::Message(msg) = &update.kind
        && let Some(doc) = msg.document()
        && let Some(caption) = msg
            .caption()
            .filter(|c| crate::platform::is_article_caption(c))
    {
        let text = crate::platform::article_file(doc.file.size, download(bot, doc)).await;
        let name = doc.file_name.clone().unwrap_or_else(|| "article.md".into());
        // Unread, the message stays what it was: a file named in the thread.
        if let Some(payload) = crate::platform::article_payload(name, caption, text) {
            inbound.payload = payload;
        }
    }
    if let Some((chat, thread)) = inbound.chat.chat.split_once('/') {
        inbound.thread = ticket_of_topic(engine.store(), chat, thread).await;
    } else if let UpdateKind::Message(msg) = &update.kind
        && let Some(replied) = msg.reply_to_message()
        && msg.chat.id.0 < 0
    {
        inbound.thread = ticket_of_message(engine.store(), msg.chat.id, replied.id).await;
    }
    engine.handle(inbound).await
}

/// A document's bytes, fetched through the Bot API.
async fn download(bot: &Bot, doc: &teloxide::types::Document) -> anyhow::Result<Vec<u8>> {
    use teloxide::net::Download;
    let file = bot.get_file(doc.file.id.clone()).await?;
    let mut bytes: Vec<u8> = Vec::new();
    bot.download_file(&file.path, &mut bytes).await?;
    Ok(bytes)
}

/// The header Telegram sends the webhook's secret in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The webhook endpoint at `path`: refuses (401) any request without the secret, answers 200
/// once the update is committed, and 500 when it could not be, so Telegram delivers it again.
pub fn webhook_router(engine: Arc<Engine>, bot: Bot, path: &str, secret: String) -> axum::Router {
    use axum::http::{HeaderMap, StatusCode};
    let hook = move |headers: HeaderMap, body: axum::body::Bytes| {
        let (engine, bot, secret) = (engine.clone(), bot.clone(), secret.clone());
        async move {
            let given = headers.get(SECRET_HEADER).and_then(|v| v.to_str().ok());
            // Compared whole; the secret is random and long, so timing says little.
            if given != Some(secret.as_str()) {
                return StatusCode::UNAUTHORIZED;
            }
            let Ok(update) = serde_json::from_slice::<Update>(&body) else {
                // Not an update we can read: redelivering it would not help.
                return StatusCode::OK;
            };
            match handle(&engine, &bot, &update).await {
                Ok(_) => StatusCode::OK,
                Err(e) => {
                    tracing::error!(error = %e, "handling a Telegram update failed");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            }
        }
    };
    axum::Router::new().route(path, axum::routing::post(hook))
}

/// Long-polls Telegram and hands every update to the engine, until `stop` (the batch in
/// hand is finished first). The offset moves past an update only after the engine has
/// committed it; an update seen twice (a crash before the offset moved) is recognised by
/// its id and handled once. `connected` says whether the last poll got through.
pub async fn poll(
    engine: Arc<Engine>,
    bot: Bot,
    connected: Arc<std::sync::atomic::AtomicBool>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    use std::sync::atomic::Ordering;
    let mut offset: i32 = 0;
    loop {
        if *stop.borrow() {
            return;
        }
        let request = bot.get_updates().offset(offset).timeout(POLL_TIMEOUT_S);
        let updates = tokio::select! {
            r = request => r,
            // Nothing taken yet: whatever Telegram had comes again on the next start.
            _ = stop.wait_for(|s| *s) => return,
        };
        let updates = match updates {
            Ok(u) => {
                connected.store(true, Ordering::SeqCst);
                u
            }
            Err(RequestError::RetryAfter(s)) => {
                tokio::time::sleep(s.duration()).await;
                continue;
            }
            Err(e) => {
                connected.store(false, Ordering::SeqCst);
                tracing::warn!(error = %e, "getUpdates failed; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let Some(last) = updates.last().map(|u| u.id.0) else {
            continue;
        };
        match handle_batch(&engine, &bot, updates).await {
            None => {
                offset = i32::try_from(last).unwrap_or(i32::MAX).saturating_add(1);
            }
            Some(failed) => {
                // Not acknowledged from the first that failed: those come again on the next
                // poll (the ones after it that were handled are recognised by their ids).
                offset = i32::try_from(failed).unwrap_or(i32::MAX);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Updates handled at once from one batch (chats, each in its own order).
const PARALLEL_CHATS: usize = 32;

/// Handles a batch of updates: each chat's in order, different chats at once (one user's
/// search need not wait for another's write). Returns the id of the first update that could
/// not be handled, if any.
async fn handle_batch(engine: &Engine, bot: &Bot, updates: Vec<Update>) -> Option<u32> {
    use futures_util::StreamExt;
    let mut chats: Vec<(Option<i64>, Vec<Update>)> = Vec::new();
    for update in updates {
        let key = update.chat().map(|c| c.id.0);
        match chats.iter_mut().find(|(k, _)| key.is_some() && *k == key) {
            Some((_, list)) => list.push(update),
            None => chats.push((key, vec![update])),
        }
    }
    let failed = futures_util::stream::iter(chats)
        .map(|(_, list)| async move {
            for update in list {
                if let Err(e) = handle(engine, bot, &update).await {
                    tracing::error!(update = update.id.0, error = %e, "handling a Telegram update failed");
                    return Some(update.id.0);
                }
            }
            None
        })
        .buffer_unordered(PARALLEL_CHATS)
        .filter_map(|f| async move { f })
        .collect::<Vec<u32>>()
        .await;
    failed.into_iter().min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_splits_at_lines_within_the_limit() {
        let line = "x".repeat(99);
        let text = vec![line.as_str(); 60].join("\n"); // 6,000 characters
        let parts = split(&text, MAX_MESSAGE_UTF16);
        assert_eq!(parts.len(), 2);
        assert!(
            parts
                .iter()
                .all(|p| p.encode_utf16().count() <= MAX_MESSAGE_UTF16)
        );
        assert_eq!(parts.join("\n"), text, "nothing lost at the seams");
        // One line longer than the limit is cut between characters; emoji count double.
        let wide = "😀".repeat(3000);
        let parts = split(&wide, MAX_MESSAGE_UTF16);
        assert_eq!(parts.concat(), wide);
        assert!(
            parts
                .iter()
                .all(|p| p.encode_utf16().count() <= MAX_MESSAGE_UTF16)
        );
        assert_eq!(split("short", MAX_MESSAGE_UTF16), ["short"]);
    }

    #[tokio::test(start_paused = true)]
    async fn pacing_spaces_each_chats_messages_and_holds_no_other_chat() {
        use tokio::time::Instant;
        let pacer = Pacer::new();
        let started = Instant::now();
        pacer.message(ChatId(5)).await;
        pacer.message(ChatId(6)).await;
        pacer.message(ChatId(-100)).await;
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "first messages to three chats go at once"
        );
        pacer.message(ChatId(5)).await;
        assert!(
            started.elapsed() >= PRIVATE_SPACING,
            "a private chat: 1.1 s apart"
        );
        let group = Instant::now();
        pacer.message(ChatId(-100)).await;
        assert!(
            group.elapsed() + PRIVATE_SPACING >= GROUP_SPACING,
            "a group: 3.2 s apart"
        );
        // Waiting for a chat's turn takes nothing: the message after it does not wait again.
        let before = Instant::now();
        pacer.chat_turn(ChatId(7)).await;
        pacer.message(ChatId(7)).await;
        assert!(before.elapsed() < Duration::from_millis(100));
    }

    #[tokio::test]
    async fn without_throttle_no_turn_is_waited_for() {
        use frontline_core::Channel;
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.expect("store");
        let api = Some("http://127.0.0.1:9/");
        let user = ChatRef::new(ChannelKind::Telegram, "5");
        let relaxed =
            TelegramChannel::new(bot("1:X", api).expect("bot"), store.clone(), None, None);
        let started = tokio::time::Instant::now();
        for _ in 0..5 {
            assert!(!relaxed.wait_turn(&user).await, "no pacing, no turn");
        }
        assert!(started.elapsed() < Duration::from_millis(100));
        // Paced, the same chat's second turn comes 1.1 s after its first message.
        let paced = TelegramChannel::new(
            bot("1:X", api).expect("bot"),
            store,
            None,
            Some(Pacer::new()),
        );
        assert!(paced.wait_turn(&user).await);
        paced.pace(ChatId(5), false).await;
        let second = tokio::time::Instant::now();
        paced.wait_turn(&user).await;
        assert!(second.elapsed() >= PRIVATE_SPACING);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_answer_takes_its_turn_before_the_waiting_bulk() {
        let pacer = std::sync::Arc::new(Pacer::new());
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut bulk = Vec::new();
        for chat in 100..130 {
            let (pacer, order) = (pacer.clone(), order.clone());
            bulk.push(tokio::spawn(async move {
                pacer.bulk_message(ChatId(chat)).await;
                order.lock().expect("lock").push(chat);
            }));
        }
        // The announcement's window is waiting; an answer comes.
        tokio::time::sleep(Duration::from_millis(100)).await;
        pacer.message(ChatId(7)).await;
        order.lock().expect("lock").push(7);
        for b in bulk {
            b.await.expect("bulk");
        }
        let order = order.lock().expect("lock").clone();
        let at = order.iter().position(|c| *c == 7).expect("answered");
        // About three bulk turns went in the 100 ms before it came, one may be in hand.
        assert!(at <= 6, "the answer went {at}th: {order:?}");
        assert_eq!(order.len(), 31);
    }

    #[test]
    fn chat_refs_name_a_chat_and_a_topic() {
        let (chat, topic) = target(&ChatRef::new(ChannelKind::Telegram, "-1001/42")).expect("ok");
        assert_eq!(chat, ChatId(-1001));
        assert_eq!(topic, Some(ThreadId(MessageId(42))));
        assert!(target(&ChatRef::new(ChannelKind::Telegram, "alice")).is_none());
    }
}
