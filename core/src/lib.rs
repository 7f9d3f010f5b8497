//! frontline-core: the desk every channel shares. It knows no chat platform.
//!
//! # Layout
//! - [`domain`]: tickets, kinds, priorities, statuses (with their colours and legal
//!   transitions), lines, people and chats.
//! - [`engine`]: one inbound event → one transaction: the user's path through lines 0 and 1.
//! - [`line2`]: agents' commands and the requester's confirmation and rating.
//! - [`command`]: the users' command grammar; [`agent`]: the agents'; [`action`]: what
//!   buttons carry.
//! - [`staff`]: who is an agent or admin.
//! - [`articles`]: knowledge-base articles with versions in the database;
//!   [`kb_admin`]: the `/kb` commands that keep them current from chat.
//! - [`classify`]: line 1's guesses (kind, urgency).
//! - [`i18n`]: every text in Russian and English.
//! - [`store`]: SQLite or PostgreSQL through sqlx; migrations in `migrations/`.
//! - [`report`]: tickets, billable hours and deflection over a period.
//! - [`outbox`]: the dispatcher that sends what the engine queued, with retries.
//! - [`calendar`]: business time; [`sla`]: deadlines, warnings, breaches, auto-close.
//! - [`clock`]: injected time.
//! - [`error`]: user mistakes apart from internal failures.

pub mod action;
pub mod agent;
pub mod announce;
pub mod articles;
pub mod calendar;
pub mod classify;
pub mod clock;
pub mod cmd;
pub mod command;
pub mod commands;
pub mod config;
pub mod desk;
pub mod domain;
pub mod engine;
pub mod error;
pub mod i18n;
pub mod kb_sync;
pub mod limits;
pub mod message;
pub mod org;
pub mod outbox;
pub mod report;
pub mod rota;
pub mod scheduler;
pub mod sla;
pub mod small_talk;
pub mod staff;
pub mod store;

pub use action::Action;
pub use articles::{ArticleState, ArticleVersion};
pub use clock::{Clock, ManualClock, SystemClock};
pub use domain::{
    ChannelKind, ChatRef, Lang, Priority, Status, Ticket, TicketId, TicketKind, UserRef,
};
pub use engine::{
    Answer, Attachment, Button, Engine, EngineConfig, Handled, Inbound, Media, Outbound, Payload,
    Reaction,
};
pub use error::{CoreError, UserError};
pub use outbox::{Channel, Dispatcher, SendError};
pub use staff::{Role, Staff, StaffMember};
pub use store::{Backend, Store};
