//! The Discord channel: a thin adapter between Discord (through serenity) and the engine.
//!
//! Inbound, serenity's gateway client hands over messages and interactions: direct messages
//! and the support channel are users'; the staff channel and its ticket threads are staff's
//! (the engine decides by identity, or by a configured role). Slash commands become the chat
//! commands they mirror; button presses and the CSAT select menu carry the engine's encoded
//! actions. An interaction is acknowledged at once (Discord wants an answer within three
//! seconds); a mistake of the user's comes back as an ephemeral reply only they see, and every
//! other answer arrives as a message through the outbox.
//!
//! Outbound, it is a [`Channel`] for the outbox. Text is escaped, so no Markdown a user typed
//! can change how a message renders, and sent with every mention disabled, so "@everyone" in
//! a question pings no one; long text is split at 2,000 characters; each part carries a nonce
//! Discord deduplicates by, so a retry after a lost answer does not post it twice. A message
//! to the staff channel about a ticket goes into the ticket's thread (`#N subject`), created on
//! first use, archived when the ticket closes and unarchived when it reopens. No desk rule
//! lives here.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use frontline_core::engine::TicketThread;
use frontline_core::{
    Action, Answer, ChannelKind, ChatRef, Engine, Inbound, Lang, Media, Outbound, Payload,
    SendError, Store, TicketId, UserRef,
};
use serenity::all::{
    ChannelId, ChannelType, Command, CommandDataOptionValue, CommandInteraction, CommandOptionType,
    ComponentInteraction, ComponentInteractionDataKind, Context, CreateActionRow,
    CreateAllowedMentions, CreateAttachment, CreateButton, CreateCommand, CreateCommandOption,
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    CreateMessage, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption, CreateThread,
    EditInteractionResponse, EditThread, EventHandler, GatewayIntents, Http, HttpBuilder,
    Interaction, Message, Nonce, Ready, User, UserId,
};

/// Discord's limit on a message's length.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// Longest thread name.
const MAX_THREAD_NAME: usize = 100;
/// Longest button label.
const MAX_LABEL: usize = 80;

/// The gateway intents the desk needs, and no more: messages in guild channels (the support
/// and staff channels, ticket threads) and in DMs, and their content. `MESSAGE_CONTENT` is
/// privileged: it must be switched on in the Developer Portal (Bot → Privileged Gateway
/// Intents → Message Content Intent). Interactions need no intent.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

/// The permissions the bot needs in the guild (the invite link asks for these): see and
/// write in channels and threads, read history, attach transcripts, create ticket threads and
/// archive or unarchive them.
pub fn permissions() -> serenity::all::Permissions {
    use serenity::all::Permissions as P;
    P::VIEW_CHANNEL
        | P::SEND_MESSAGES
        | P::SEND_MESSAGES_IN_THREADS
        | P::CREATE_PUBLIC_THREADS
        | P::MANAGE_THREADS
        | P::READ_MESSAGE_HISTORY
        | P::ATTACH_FILES
}

/// The REST client for `token`, through `api_proxy` when given.
///
/// With a proxy, serenity's own rate limiter is off (it would bypass the proxy and go to
/// discord.com): the proxy is expected to keep the limits, as shared rate-limit proxies do,
/// and a 429 that still comes back is retried by the outbox.
pub fn http(token: &str, api_proxy: Option<&str>) -> Http {
    match api_proxy {
        Some(proxy) => HttpBuilder::new(token)
            .proxy(proxy.trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build(),
        None => HttpBuilder::new(token).build(),
    }
}

/// `text` with every Markdown character escaped, so it shows exactly as written. Links are
/// left alone (an escape inside one would break it).
pub fn escape(text: &str) -> String {
    const SPECIAL: &[char] = &[
        '\\', '*', '_', '~', '`', '|', '>', '#', '-', '[', ']', '(', ')', '<', ':', '@',
    ];
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for word in text.split_inclusive(char::is_whitespace) {
        // A link runs from `http` to the end of the word, as Discord reads it: "(see
        // https://x.io/a_b)" keeps the link whole and escapes the parenthesis before it.
        let link = word.find("https://").or_else(|| word.find("http://"));
        let (plain, link) = word.split_at(link.unwrap_or(word.len()));
        for c in plain.chars() {
            if SPECIAL.contains(&c) {
                out.push('\\');
            }
            out.push(c);
        }
        out.push_str(link);
    }
    out
}

/// What a failed request means for the outbox.
fn send_error(e: serenity::Error) -> SendError {
    use serenity::all::HttpError;
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            let status = r.status_code.as_u16();
            if status == 429 {
                // serenity does not pass on Retry-After when its rate limiter is off: the
                // outbox's backoff (1 s, 2 s, 4 s …) waits instead.
                SendError::Retry {
                    after_ms: Some(1000),
                    reason: "Discord asked to slow down (429)".into(),
                }
            } else if status >= 500 {
                SendError::Retry {
                    after_ms: None,
                    reason: format!("Discord answered {status}"),
                }
            } else if r.error.code == 50007 {
                // "Cannot send messages to this user": DMs closed, or no server in common.
                SendError::Unreachable(format!("Discord refused ({status}): {}", r.error.message))
            } else {
                // 403 (no access), 404 (no such channel), 400: it will not change.
                SendError::Permanent(format!("Discord refused ({status}): {}", r.error.message))
            }
        }
        other => SendError::Retry {
            after_ms: None,
            reason: other.to_string(),
        },
    }
}

/// The components of a message's buttons: rating buttons (1–5) become one select menu, others
/// rows of buttons.
fn components(buttons: &[frontline_core::Button]) -> Vec<CreateActionRow> {
    if buttons.is_empty() {
        return Vec::new();
    }
    let rating = buttons
        .iter()
        .filter(|b| matches!(Action::decode(&b.data), Some(Action::Rate { .. })))
        .count();
    if rating >= 5 {
        let options = buttons
            .iter()
            .map(|b| CreateSelectMenuOption::new(label(&b.label), b.data.clone()))
            .collect();
        let menu = CreateSelectMenu::new("csat", CreateSelectMenuKind::String { options })
            .placeholder("1–5 ⭐");
        return vec![CreateActionRow::SelectMenu(menu)];
    }
    buttons
        .chunks(5)
        .take(5)
        .map(|row| {
            CreateActionRow::Buttons(
                row.iter()
                    .map(|b| CreateButton::new(b.data.clone()).label(label(&b.label)))
                    .collect(),
            )
        })
        .collect()
}

fn label(text: &str) -> String {
    let mut s: String = text.chars().take(MAX_LABEL).collect();
    if s.is_empty() {
        s.push('…');
    }
    s
}

/// The outbox's way to Discord.
pub struct DiscordChannel {
    http: Arc<Http>,
    store: Store,
    /// Staff channels (the agents' channel, and channels routes send tickets to): a message
    /// about a ticket goes into the ticket's thread there.
    thread_channels: std::collections::HashSet<u64>,
    /// Staff by Discord user id: a notice to one of them goes to their DMs.
    staff_users: std::collections::HashSet<u64>,
}

impl DiscordChannel {
    pub fn new(
        http: Arc<Http>,
        store: Store,
        thread_channels: std::collections::HashSet<u64>,
        staff_users: std::collections::HashSet<u64>,
    ) -> Self {
        DiscordChannel {
            http,
            store,
            thread_channels,
            staff_users,
        }
    }

    /// The thread of `about` in `channel`, created (`#N subject`) or unarchived as needed.
    async fn thread_for(&self, channel: u64, about: &TicketThread) -> Result<u64, SendError> {
        let id =
            crate::platform::thread_for(self, &self.store, &channel.to_string(), about).await?;
        channel_id(&id)
    }
}

/// A channel or thread id as recorded.
fn channel_id(id: &str) -> Result<u64, SendError> {
    id.parse::<u64>()
        .ok()
        .filter(|n| *n != 0)
        .ok_or_else(|| SendError::Permanent(format!("bad thread id `{id}`")))
}

#[async_trait]
impl crate::platform::ThreadCalls for DiscordChannel {
    const CHANNEL: ChannelKind = ChannelKind::Discord;
    const MAX_NAME: usize = MAX_THREAD_NAME;

    async fn create(&self, chat: &str, name: &str) -> Result<String, SendError> {
        let thread = ChannelId::new(channel_id(chat)?)
            .create_thread(
                &self.http,
                CreateThread::new(name).kind(ChannelType::PublicThread),
            )
            .await
            .map_err(send_error)?;
        Ok(thread.id.get().to_string())
    }

    async fn reopen(&self, _chat: &str, thread: &str) -> Result<(), SendError> {
        self.archive(thread, false).await
    }

    async fn close(&self, _chat: &str, thread: &str) -> Result<(), SendError> {
        self.archive(thread, true).await
    }
}

impl DiscordChannel {
    async fn archive(&self, thread: &str, archived: bool) -> Result<(), SendError> {
        ChannelId::new(channel_id(thread)?)
            .edit_thread(&self.http, EditThread::new().archived(archived))
            .await
            .map_err(send_error)?;
        Ok(())
    }
}

/// A message with mentions off and a nonce Discord deduplicates by (when the outbox row is
/// known): a retried send of the same part is then the same message.
fn message(text: String, delivery: Option<i64>, part: usize) -> CreateMessage {
    let m = CreateMessage::new()
        .content(text)
        .allowed_mentions(CreateAllowedMentions::new());
    match delivery {
        // Nonces are at most 25 characters.
        Some(id) => m
            .nonce(Nonce::String(format!("fl{id}.{part}")))
            .enforce_nonce(true),
        None => m,
    }
}

#[async_trait]
impl frontline_core::Channel for DiscordChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Discord
    }

    fn merge_limit(&self) -> usize {
        MAX_MESSAGE_CHARS
    }

    /// As sent: escaped.
    fn text_len(&self, text: &str) -> usize {
        escape(text).chars().count()
    }

    /// Staff channels have a thread per ticket.
    fn threads_per_ticket(&self, to: &ChatRef) -> bool {
        to.chat
            .parse::<u64>()
            .is_ok_and(|c| self.thread_channels.contains(&c))
    }

    async fn send(&self, m: &Outbound) -> Result<(), SendError> {
        if let Some(r) = &m.reaction {
            let parsed = r
                .message
                .split_once(':')
                .and_then(|(c, id)| Some((c.parse::<u64>().ok()?, id.parse::<u64>().ok()?)));
            let Some((channel, id)) = parsed.filter(|(c, id)| *c != 0 && *id != 0) else {
                return Err(SendError::Permanent(format!(
                    "`{}` is not a Discord message",
                    r.message
                )));
            };
            return self
                .http
                .create_reaction(
                    ChannelId::new(channel),
                    serenity::all::MessageId::new(id),
                    &serenity::all::ReactionType::Unicode(r.emoji.clone()),
                )
                .await
                .map_err(send_error);
        }
        let Ok(mut channel) = m.to.chat.parse::<u64>() else {
            return Err(SendError::Permanent(format!(
                "`{}` is not a Discord channel id",
                m.to.chat
            )));
        };
        if channel == 0 {
            return Err(SendError::Permanent("channel id 0".into()));
        }
        if self.staff_users.contains(&channel) {
            // A staff member by user id (an SLA warning to the assignee): their DM channel,
            // which Discord opens or returns.
            channel = UserId::new(channel)
                .create_dm_channel(&self.http)
                .await
                .map_err(send_error)?
                .id
                .get();
        }
        let about = m
            .about
            .as_ref()
            .filter(|_| self.thread_channels.contains(&channel));
        let staff_channel = channel;
        if let Some(about) = about {
            channel = self.thread_for(channel, about).await?;
        }
        let target = ChannelId::new(channel);
        let parts = crate::text::split(&escape(&m.text), MAX_MESSAGE_CHARS);
        let last = parts.len() - 1;
        let mut part_no = 0;
        for (i, part) in parts.into_iter().enumerate() {
            let mut msg = message(part, m.delivery, i);
            if i == last {
                msg = msg.components(components(&m.buttons));
            }
            target
                .send_message(&self.http, msg)
                .await
                .map_err(send_error)?;
            part_no = i + 1;
        }
        if let Some(url) = m
            .forward
            .as_ref()
            .and_then(|f| f.reference.strip_prefix("dc:"))
        {
            // A file a Discord user sent: its link shows it (Discord embeds attachments).
            target
                .send_message(&self.http, message(url.to_string(), m.delivery, part_no))
                .await
                .map_err(send_error)?;
            part_no += 1;
        }
        if let Some(file) = &m.attachment {
            let attachment =
                CreateAttachment::bytes(file.text.clone().into_bytes(), file.name.clone());
            target
                .send_message(
                    &self.http,
                    message(String::new(), m.delivery, part_no).add_file(attachment),
                )
                .await
                .map_err(send_error)?;
        }
        if let Some(about) = about {
            // The ticket is closed: its thread is archived, until it reopens.
            let (chat, thread) = (staff_channel.to_string(), channel.to_string());
            crate::platform::close_if_done(self, &self.store, &chat, about, &thread).await?;
        }
        Ok(())
    }
}

/// The ticket whose thread `thread` is, if it is one.
pub async fn ticket_of_thread(store: &Store, thread: u64) -> Option<TicketId> {
    // Discord's channel ids are unique: the thread alone names it.
    store
        .ticket_of_chat_thread(ChannelKind::Discord, None, &thread.to_string())
        .await
        .ok()?
}

fn user_ref(u: &User) -> UserRef {
    UserRef {
        channel: ChannelKind::Discord,
        id: u.id.get().to_string(),
        display: match &u.global_name {
            Some(g) if g != &u.name => format!("{g} (@{})", u.name),
            _ => u.name.clone(),
        },
    }
}

fn lang_of(locale: &str) -> Option<Lang> {
    Lang::parse(locale.split('-').next().unwrap_or(locale)).ok()
}

/// Where the adapter listens.
#[derive(Debug, Clone, Default)]
pub struct Places {
    /// The staff channel (agents).
    pub staff: Option<u64>,
    /// A guild channel users may ask in; answers move to DMs.
    pub support: Option<u64>,
    /// Other staff channels: those routes send tickets to.
    pub routed: Vec<u64>,
}

/// Where an event is answered: the chat, whether it is the user's own (a DM), and the
/// ticket a staff thread is about.
struct Route {
    chat: ChatRef,
    private: bool,
    thread: Option<TicketId>,
}

impl Route {
    fn own(chat: ChatRef) -> Route {
        Route {
            chat,
            private: true,
            thread: None,
        }
    }

    fn staff(chat: ChatRef, thread: Option<TicketId>) -> Route {
        Route {
            chat,
            private: false,
            thread,
        }
    }
}

/// Hands gateway events to the engine.
pub struct Handler {
    engine: Arc<Engine>,
    places: Places,
}

impl Handler {
    pub fn new(engine: Arc<Engine>, places: Places) -> Self {
        Handler { engine, places }
    }

    /// Where the answers to a user in `channel` go, whether that is their own (a DM), and
    /// the ticket a staff thread is about. Messages in guild channels the desk does not
    /// watch are not its business (`None`); a slash command used there (`anywhere`) is
    /// answered in the user's DMs, as in the support channel.
    async fn route(
        &self,
        http: &Http,
        user: &User,
        channel: ChannelId,
        in_guild: bool,
        anywhere: bool,
    ) -> Option<Route> {
        let id = channel.get();
        let chat = |c: u64| ChatRef::new(ChannelKind::Discord, c.to_string());
        if !in_guild {
            return Some(Route::own(chat(id)));
        }
        if self.places.staff == Some(id) || self.places.routed.contains(&id) {
            return Some(Route::staff(chat(id), None));
        }
        if self.places.support != Some(id) {
            if let Some(ticket) = ticket_of_thread(self.engine.store(), id).await {
                return Some(Route::staff(chat(id), Some(ticket)));
            }
            if !anywhere {
                return None;
            }
        }
        // The conversation continues in DMs.
        match user.id.create_dm_channel(http).await {
            Ok(dm) => Some(Route::own(chat(dm.id.get()))),
            Err(e) => {
                tracing::warn!(error = %e, "could not open a DM channel");
                None
            }
        }
    }

    /// Hands `inbound` to the engine, trying again briefly when the database fails: the
    /// gateway does not deliver an event twice.
    async fn deliver(&self, inbound: Inbound, privately: bool) -> Option<Answer> {
        for attempt in 0..3u64 {
            let result = if privately {
                self.engine.handle_privately(inbound.clone()).await
            } else {
                self.engine.handle(inbound.clone()).await.map(|h| match h {
                    frontline_core::Handled::Duplicate => Answer::Duplicate,
                    frontline_core::Handled::Done => Answer::Done,
                })
            };
            match result {
                Ok(a) => return Some(a),
                Err(e) => {
                    tracing::error!(error = %e, attempt, "handling a Discord event failed");
                    tokio::time::sleep(Duration::from_millis(500 * (attempt + 1))).await;
                }
            }
        }
        None
    }

    async fn on_message(&self, ctx: &Context, msg: &Message) {
        if msg.author.bot {
            return;
        }
        let Some(route) = self
            .route(
                &ctx.http,
                &msg.author,
                msg.channel_id,
                msg.guild_id.is_some(),
                false,
            )
            .await
        else {
            return;
        };
        let roles = msg
            .member
            .as_ref()
            .map(|m| m.roles.iter().map(|r| r.get().to_string()).collect())
            .unwrap_or_default();
        let payload = match msg.attachments.first() {
            Some(a) if crate::platform::is_article_caption(&msg.content) => {
                let text =
                    crate::platform::article_file(a.size, async { Ok(a.download().await?) }).await;
                crate::platform::article_payload(a.filename.clone(), &msg.content, text)
                    .unwrap_or_else(|| Payload::Text(msg.content.clone()))
            }
            Some(a) => Payload::Media {
                caption: msg.content.clone(),
                media: Media {
                    kind: crate::platform::MediaKind::of_content_type(a.content_type.as_deref())
                        .label()
                        .to_string(),
                    name: Some(a.filename.clone()),
                    reference: format!("dc:{}", a.url),
                },
            },
            // A sticker alone (or a poll) has no text: say what the desk reads.
            None if msg.content.trim().is_empty() && !msg.sticker_items.is_empty() => {
                Payload::Unsupported("sticker".into())
            }
            None if msg.content.trim().is_empty() && msg.poll.is_some() => {
                Payload::Unsupported("poll".into())
            }
            None => Payload::Text(msg.content.clone()),
        };
        let moved = self.places.support == Some(msg.channel_id.get());
        let inbound = Inbound {
            update_id: format!("dc:m:{}", msg.id.get()),
            from: user_ref(&msg.author),
            chat: route.chat,
            private: route.private,
            lang_hint: None,
            roles,
            message: Some(format!("{}:{}", msg.channel_id.get(), msg.id.get())),
            thread: route.thread,
            payload,
        };
        let lang = match &inbound.payload {
            Payload::Text(t) => Lang::detect(t),
            _ => None,
        };
        if self.deliver(inbound, false).await == Some(Answer::Done) && moved {
            // Say where the answer went; only the asker is mentioned.
            let text = match lang {
                Some(Lang::Ru) => "ответил вам в личных сообщениях.",
                _ => "I have answered you in direct messages.",
            };
            let note = CreateMessage::new()
                .content(format!("<@{}> {text}", msg.author.id.get()))
                .allowed_mentions(CreateAllowedMentions::new().users([msg.author.id]));
            if let Err(e) = msg.channel_id.send_message(&ctx.http, note).await {
                tracing::debug!(error = %e, "the pointer to DMs was not posted");
            }
        }
    }

    /// The engine's view of an interaction, or `None` where the desk does not answer.
    async fn interaction_inbound(
        &self,
        ctx: &Context,
        i: Interacted<'_>,
        payload: Payload,
    ) -> Option<Inbound> {
        let route = self
            .route(&ctx.http, i.user, i.channel, i.in_guild, true)
            .await?;
        Some(Inbound {
            update_id: format!("dc:i:{}", i.id),
            from: user_ref(i.user),
            chat: route.chat,
            private: route.private,
            lang_hint: lang_of(i.locale),
            roles: member_roles(i.member),
            message: None,
            thread: route.thread,
            payload,
        })
    }

    async fn on_command(&self, ctx: &Context, c: &CommandInteraction) {
        // Deferred at once, privately: the answer comes as a message, a refusal in its place.
        let defer = CreateInteractionResponse::Defer(
            CreateInteractionResponseMessage::new().ephemeral(true),
        );
        if let Err(e) = c.create_response(&ctx.http, defer).await {
            tracing::warn!(error = %e, "deferring a slash command failed");
        }
        let Some(inbound) = self
            .interaction_inbound(
                ctx,
                Interacted {
                    id: c.id.get(),
                    user: &c.user,
                    channel: c.channel_id,
                    in_guild: c.guild_id.is_some(),
                    locale: &c.locale,
                    member: c.member.as_deref(),
                },
                Payload::Text(command_text(c)),
            )
            .await
        else {
            let _ = c.delete_response(&ctx.http).await;
            return;
        };
        match self.deliver(inbound, true).await {
            Some(Answer::Refused(text)) => {
                let edit = EditInteractionResponse::new()
                    .content(escape(&text))
                    .allowed_mentions(CreateAllowedMentions::new());
                if let Err(e) = c.edit_response(&ctx.http, edit).await {
                    tracing::warn!(error = %e, "an ephemeral refusal was not shown");
                }
            }
            _ => {
                if let Err(e) = c.delete_response(&ctx.http).await {
                    tracing::debug!(error = %e, "the deferred response stayed");
                }
            }
        }
    }

    async fn on_component(&self, ctx: &Context, c: &ComponentInteraction) {
        if let Err(e) = c
            .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
            .await
        {
            tracing::warn!(error = %e, "acknowledging a button failed");
        }
        let data = match &c.data.kind {
            ComponentInteractionDataKind::StringSelect { values } => match values.first() {
                Some(v) => v.clone(),
                None => return,
            },
            _ => c.data.custom_id.clone(),
        };
        let Some(inbound) = self
            .interaction_inbound(
                ctx,
                Interacted {
                    id: c.id.get(),
                    user: &c.user,
                    channel: c.channel_id,
                    in_guild: c.guild_id.is_some(),
                    locale: &c.locale,
                    member: c.member.as_ref(),
                },
                Payload::Button(data),
            )
            .await
        else {
            return;
        };
        if let Some(Answer::Refused(text)) = self.deliver(inbound, true).await {
            let followup = CreateInteractionResponseFollowup::new()
                .content(escape(&text))
                .allowed_mentions(CreateAllowedMentions::new())
                .ephemeral(true);
            if let Err(e) = c.create_followup(&ctx.http, followup).await {
                tracing::warn!(error = %e, "an ephemeral refusal was not shown");
            }
        }
    }
}

/// What the engine needs of a command or component interaction.
struct Interacted<'a> {
    id: u64,
    user: &'a User,
    channel: ChannelId,
    in_guild: bool,
    locale: &'a str,
    member: Option<&'a serenity::all::Member>,
}

fn member_roles(member: Option<&serenity::all::Member>) -> Vec<String> {
    member
        .map(|m| m.roles.iter().map(|r| r.get().to_string()).collect())
        .unwrap_or_default()
}

/// The chat command a slash command stands for: `/status ticket:12` is `/status 12`. The
/// users' `/ask question:…` is the question itself; with a ticket it is the agents' `/ask`.
fn command_text(c: &CommandInteraction) -> String {
    let mut ticket = None;
    let mut words = Vec::new();
    for o in &c.data.options {
        match (&o.value, o.name.as_str()) {
            (CommandDataOptionValue::Integer(n), "ticket") => ticket = Some(*n),
            (CommandDataOptionValue::Integer(n), _) => words.push(n.to_string()),
            (CommandDataOptionValue::String(s), _) => words.push(s.clone()),
            (CommandDataOptionValue::Number(n), _) => words.push(n.to_string()),
            (CommandDataOptionValue::Boolean(b), _) => words.push(b.to_string()),
            _ => {}
        }
    }
    let name = c.data.name.as_str();
    if name == "ask" && ticket.is_none() {
        return words.join(" ");
    }
    let mut text = format!("/{name}");
    if let Some(t) = ticket {
        text.push_str(&format!(" {t}"));
    }
    for w in words {
        text.push(' ');
        text.push_str(&w);
    }
    text
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, shard = ?ready.shard, "Discord gateway ready");
        // Only the first shard registers the commands: they are the application's, not a
        // shard's.
        if ready.shard.is_none_or(|s| s.id.0 == 0)
            && let Err(e) = register_commands(&ctx.http, self.places.staff).await
        {
            tracing::warn!(error = %e, "registering slash commands failed");
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        self.on_message(&ctx, &msg).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match &interaction {
            Interaction::Command(c) => self.on_command(&ctx, c).await,
            Interaction::Component(c) => self.on_component(&ctx, c).await,
            _ => {}
        }
    }
}

/// The users' slash commands (everywhere) and, in the staff channel's guild, the agents'.
///
/// # Errors
/// When Discord refuses.
pub async fn register_commands(http: &Http, staff: Option<u64>) -> serenity::Result<()> {
    use frontline_core::commands::{COMMANDS, Spec, TextArg, TicketArg, Who};
    let slash = |s: &Spec| {
        let mut c = CreateCommand::new(s.name)
            .description(s.en)
            .description_localized("ru", s.ru);
        if s.ticket != TicketArg::No {
            // Optional where a ticket's thread implies it.
            c = c.add_option(
                CreateCommandOption::new(CommandOptionType::Integer, "ticket", "Ticket number")
                    .description_localized("ru", "Номер заявки")
                    .min_int_value(1)
                    .required(s.ticket == TicketArg::Required),
            );
        }
        if s.name == "lang" {
            c = c.add_option(
                CreateCommandOption::new(CommandOptionType::String, "language", "ru or en")
                    .add_string_choice("English", "en")
                    .add_string_choice("Русский", "ru")
                    .required(true),
            );
        } else if s.text != TextArg::No {
            c = c.add_option(
                CreateCommandOption::new(CommandOptionType::String, "text", s.usage)
                    .description_localized("ru", "Текст")
                    .required(s.text == TextArg::Required),
            );
        }
        c
    };
    // Discord has no /start; its users ask with /ask (the question itself, see
    // `command_text`), which only Discord needs.
    let mut users = vec![
        CreateCommand::new("ask")
            .description("Ask a question")
            .description_localized("ru", "Задать вопрос")
            .add_option(
                CreateCommandOption::new(CommandOptionType::String, "question", "Your question")
                    .description_localized("ru", "Ваш вопрос")
                    .required(true),
            ),
    ];
    users.extend(
        COMMANDS
            .iter()
            .filter(|s| s.who == Who::User && s.name != "start")
            .map(slash),
    );
    Command::set_global_commands(http, users).await?;
    let Some(staff) = staff else {
        return Ok(());
    };
    let Some(guild) = ChannelId::new(staff)
        .to_channel(http)
        .await?
        .guild()
        .map(|c| c.guild_id)
    else {
        return Ok(());
    };
    let agents: Vec<CreateCommand> = COMMANDS
        .iter()
        .filter(|s| s.who == Who::Staff)
        .map(slash)
        .collect();
    guild.set_commands(http, agents).await?;
    Ok(())
}

/// A shard range of this process: `first..=last` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shards {
    pub first: u32,
    pub last: u32,
    pub total: u32,
}

impl Shards {
    /// Reads `FIRST-LAST/TOTAL` (or `N/TOTAL`).
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(s: &str) -> Result<Shards, String> {
        let (range, total) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not FIRST-LAST/TOTAL, such as 0-1/4"))?;
        let total: u32 = total
            .trim()
            .parse()
            .map_err(|_| format!("`{total}` is not a number of shards"))?;
        let (first, last) = range.split_once('-').unwrap_or((range, range));
        let num = |v: &str| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("`{v}` is not a shard number"))
        };
        let (first, last) = (num(first)?, num(last)?);
        if total == 0 || first > last || last >= total {
            return Err(format!(
                "shards {first}-{last} of {total}: want FIRST ≤ LAST < TOTAL"
            ));
        }
        Ok(Shards { first, last, total })
    }
}

/// The gateway client, handing every event to the engine. Its REST client
/// (`client.http`) is the one the outbox should send with too: one rate limiter for the bot.
///
/// # Errors
/// When the client cannot be built.
pub async fn client(
    engine: Arc<Engine>,
    http: Http,
    places: Places,
) -> serenity::Result<serenity::Client> {
    serenity::all::ClientBuilder::new_with_http(http, intents())
        .event_handler(Handler::new(engine, places))
        .await
}

/// Connects to the gateway (through the URL the REST base gives) and runs until the
/// connection ends for good.
///
/// # Errors
/// When the gateway refuses for good (a bad token, intents not enabled).
pub async fn run_gateway(
    mut client: serenity::Client,
    shards: Option<Shards>,
) -> anyhow::Result<()> {
    match shards {
        Some(s) => {
            client
                .start_shard_range(s.first..s.last + 1, s.total)
                .await?
        }
        None => client.start().await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_markdown_literal_and_links_whole() {
        let text =
            "**bold** _it_ `code` ||spoiler|| > quote # h [a](b) @everyone (https://x.io/a_b)";
        let escaped = escape(text);
        assert!(escaped.contains(r"\*\*bold\*\*"));
        assert!(escaped.contains(r"\|\|spoiler\|\|"));
        assert!(escaped.contains(r"\@everyone"));
        assert!(escaped.ends_with(r" \(https://x.io/a_b)"), "{escaped}");
        // Dropping the escapes gives the text back.
        let mut back = String::new();
        let mut chars = escaped.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                back.extend(chars.next());
            } else {
                back.push(c);
            }
        }
        assert_eq!(back, text);
    }

    #[test]
    fn the_readme_invite_link_asks_for_the_permissions_needed() {
        let readme = include_str!("../../README.md");
        let wanted = format!("permissions={}", permissions().bits());
        assert!(readme.contains(&wanted), "README should say {wanted}");
    }

    #[test]
    fn shard_ranges_parse_and_bad_ones_say_why() {
        assert_eq!(
            Shards::parse("0-1/4"),
            Ok(Shards {
                first: 0,
                last: 1,
                total: 4
            })
        );
        assert_eq!(
            Shards::parse("3/4"),
            Ok(Shards {
                first: 3,
                last: 3,
                total: 4
            })
        );
        for bad in ["", "1-0/4", "0-4/4", "a/4", "0-1/0", "0-1"] {
            assert!(Shards::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ratings_are_one_select_menu_and_other_choices_buttons() {
        let rate = frontline_core::sla::rating_buttons(TicketId::parse("7").expect("id"));
        let rows = components(&rate);
        assert_eq!(rows.len(), 1);
        assert!(matches!(rows[0], CreateActionRow::SelectMenu(_)));
        let two = vec![
            frontline_core::Button {
                label: "Yes".into(),
                data: "a".into(),
            },
            frontline_core::Button {
                label: "No".into(),
                data: "b".into(),
            },
        ];
        let rows = components(&two);
        assert_eq!(rows.len(), 1);
        assert!(matches!(rows[0], CreateActionRow::Buttons(ref b) if b.len() == 2));
    }
}
