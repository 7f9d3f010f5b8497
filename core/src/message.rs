//! What flows through the desk: an [`Inbound`] event an adapter reports, and the
//! [`Outbound`] messages the outbox hands back to it. Plain data, so the engine, the outbox,
//! the texts and the adapters share it without depending on each other.

use serde::{Deserialize, Serialize};

use crate::domain::{ChatRef, Lang, Status, Ticket, TicketId, UserRef};
use crate::error::CoreResult;

/// Longest message accepted, in characters; longer ones are refused with a clear message
/// rather than cut, so nothing the user wrote is silently lost.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// Something a user did, as an adapter reports it.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// The platform's id of this update; a second delivery of the same id does nothing.
    pub update_id: String,
    pub from: UserRef,
    /// Where the message was written, and where to answer.
    pub chat: ChatRef,
    /// Whether `chat` is the sender's own: a private chat, a DM, or a place whose answers
    /// the adapter moves to one (Discord's support channel). Anywhere else (a group, a
    /// channel, the agents' group) the engine listens only to staff in the staff's chats
    /// and answers `/start` and `/help` elsewhere with a pointer to the private chat, so
    /// nothing of a ticket is ever said where others read.
    pub private: bool,
    /// The language the platform says the user uses, for first contact.
    pub lang_hint: Option<Lang>,
    /// The ticket whose thread (a forum topic, a Discord thread) the message was written in:
    /// there, staff may leave out the ticket number, and plain text is a reply.
    pub thread: Option<TicketId>,
    /// The sender's roles on the platform (Discord guild roles): staff can be recognised by
    /// a role as well as by identity.
    pub roles: Vec<String>,
    /// The platform's reference to the message itself, when it is one (Telegram's message
    /// id, Discord's): what a reaction acknowledging it is put on.
    pub message: Option<String>,
    pub payload: Payload,
}

impl Payload {
    /// The kind of payload, for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::Text(_) => "text",
            Payload::Button(_) => "button",
            Payload::Unsupported(_) => "unsupported",
            Payload::Media { .. } => "media",
            Payload::File { .. } => "file",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Payload {
    Text(String),
    /// The data of a pressed button.
    Button(String),
    /// A photo or file a person sent, with its caption: it joins their ticket's thread and
    /// is passed on to whoever reads the thread.
    Media {
        caption: String,
        media: Media,
    },
    /// Something the desk cannot read (a sticker, a location, a contact, a poll…), by
    /// kind: the person is told what it can read.
    Unsupported(String),
    /// A text file the person sent (the adapter has downloaded and decoded it), with the
    /// message written with it. An admin's `/kb add` or `/kb edit SLUG` with a Markdown file
    /// stores the article.
    File {
        name: String,
        text: String,
        caption: String,
    },
}

/// A photo or file as the platform knows it: what it is, and the platform's reference to it
/// (for Telegram `tg:CHAT:MESSAGE`, which the adapter can copy to another chat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// `photo`, `document`, `video`, `voice`…
    pub kind: String,
    pub name: Option<String>,
    pub reference: String,
}

impl Media {
    /// How it shows in a thread: `📎 photo` or `📎 document report.pdf`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("📎 {} {n}", self.kind),
            None => format!("📎 {}", self.kind),
        }
    }
}

/// Longest text file accepted, in characters.
pub const MAX_FILE_CHARS: usize = 500_000;

/// A text file sent with a message (a long transcript, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    pub text: String,
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbound {
    pub to: ChatRef,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
    /// The ticket a message to staff is about, so a platform with threads (Telegram forum
    /// topics, Discord threads) can post it in the ticket's own thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<TicketThread>,
    /// A photo or file to pass on with the text, when the platform can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward: Option<Media>,
    /// The outbox row being delivered (set by the dispatcher, never stored): the same on every
    /// retry, so a platform that deduplicates by a key (Discord's message nonce) can make a
    /// retried send after a lost answer a no-op.
    #[serde(skip)]
    pub delivery: Option<i64>,
    /// Instead of text: a reaction on a message the person sent (their follow-up that joined
    /// their ticket), which says "got it" without another message in their chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<Reaction>,
    /// One of many of the same (an announcement): sent after whatever else waits for the
    /// platform's overall limit, so it never holds up an answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bulk: bool,
}

/// A reaction on a person's own message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    /// The platform's reference to the message (as [`Inbound::message`] gave it).
    pub message: String,
    pub emoji: String,
}

/// What a platform needs to keep a thread per ticket: its name and whether it is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketThread {
    pub ticket: i64,
    /// `#N subject`.
    pub title: String,
    /// `false` once the ticket is closed: the thread is closed too (and reopened with it).
    pub open: bool,
}

impl TicketThread {
    pub fn of(t: &Ticket) -> TicketThread {
        TicketThread {
            ticket: t.id.get(),
            title: format!("{} {}", t.id, t.subject),
            open: t.status != Status::Closed,
        }
    }
}

impl Outbound {
    /// A message of text only.
    pub fn text(to: ChatRef, text: String) -> Outbound {
        Outbound {
            to,
            text,
            buttons: Vec::new(),
            attachment: None,
            about: None,
            forward: None,
            delivery: None,
            reaction: None,
            bulk: false,
        }
    }

    /// This message, marked as being about `ticket`.
    pub fn about(mut self, ticket: &Ticket) -> Outbound {
        self.about = Some(TicketThread::of(ticket));
        self
    }
}

/// A button under a message: its label and the encoded [`Action`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub label: String,
    pub data: String,
}

/// What [`crate::Engine::handle`] returns.
pub type HandleResult = CoreResult<Handled>;

/// What handling an inbound event came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    Done,
    /// The update id was seen before; nothing was done.
    Duplicate,
}

/// What handling an event came to, when a user's mistake is answered privately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Done,
    Duplicate,
    /// A user's mistake: nothing changed; this is the message for them alone.
    Refused(String),
}
