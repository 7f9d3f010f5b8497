//! A ticket's thread on a chat platform (a forum topic, a Discord thread) and the agents'
//! messages about it, so a reply in either finds its ticket.

use sqlx::Row;

use crate::domain::{ChannelKind, TicketId};
use crate::error::CoreResult;

use super::Store;

/// A ticket's thread on a chat platform, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatThread {
    /// The platform's id of the thread.
    pub thread: String,
    /// Closed (archived) with its ticket.
    pub closed: bool,
}

impl Store {
    /// The thread of `ticket` in `chat` on `channel` (a Telegram forum topic, a Discord
    /// thread), if one was made.
    pub async fn chat_thread(
        &self,
        channel: ChannelKind,
        chat: &str,
        ticket: i64,
    ) -> CoreResult<Option<ChatThread>> {
        let row = sqlx::query(
            "SELECT thread, closed FROM chat_threads WHERE channel = $1 AND chat = $2 AND ticket_id = $3",
        )
        .bind(channel.code())
        .bind(chat)
        .bind(ticket)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some(ChatThread {
                thread: r.try_get("thread")?,
                closed: r.try_get::<i64, _>("closed")? != 0,
            }),
            None => None,
        })
    }

    /// Records the thread made for `ticket` in `chat` (a second record for the same ticket
    /// and chat is ignored).
    pub async fn add_chat_thread(
        &self,
        channel: ChannelKind,
        chat: &str,
        ticket: i64,
        thread: &str,
    ) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO chat_threads (channel, chat, ticket_id, thread) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(channel.code())
        .bind(chat)
        .bind(ticket)
        .bind(thread)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks the thread of `ticket` in `chat` closed (or open again).
    pub async fn set_chat_thread_closed(
        &self,
        channel: ChannelKind,
        chat: &str,
        ticket: i64,
        closed: bool,
    ) -> CoreResult<()> {
        sqlx::query(
            "UPDATE chat_threads SET closed = $1 WHERE channel = $2 AND chat = $3 AND ticket_id = $4",
        )
        .bind(i64::from(closed))
        .bind(channel.code())
        .bind(chat)
        .bind(ticket)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The ticket whose thread `thread` is: in `chat` where thread ids are per chat
    /// (Telegram's topics), anywhere on the channel where they are unique (Discord's).
    pub async fn ticket_of_chat_thread(
        &self,
        channel: ChannelKind,
        chat: Option<&str>,
        thread: &str,
    ) -> CoreResult<Option<TicketId>> {
        let id: Option<i64> = match chat {
            Some(chat) => sqlx::query_scalar(
                "SELECT ticket_id FROM chat_threads WHERE channel = $1 AND chat = $2 AND thread = $3",
            )
            .bind(channel.code())
            .bind(chat)
            .bind(thread),
            None => sqlx::query_scalar(
                "SELECT ticket_id FROM chat_threads WHERE channel = $1 AND thread = $2",
            )
            .bind(channel.code())
            .bind(thread),
        }
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.and_then(|n| TicketId::from_db_checked(n).ok()))
    }

    /// Records that message `message_id` posted in `chat` is about `ticket` (a card in a group
    /// without threads: a reply to it is about that ticket).
    pub async fn add_chat_message(
        &self,
        channel: ChannelKind,
        chat: &str,
        message_id: &str,
        ticket: i64,
    ) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO chat_messages (channel, chat, message_id, ticket_id) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(channel.code())
        .bind(chat)
        .bind(message_id)
        .bind(ticket)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The ticket message `message_id` of `chat` was about, if it was recorded.
    pub async fn ticket_of_chat_message(
        &self,
        channel: ChannelKind,
        chat: &str,
        message_id: &str,
    ) -> CoreResult<Option<TicketId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT ticket_id FROM chat_messages WHERE channel = $1 AND chat = $2 AND message_id = $3",
        )
        .bind(channel.code())
        .bind(chat)
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.and_then(|n| TicketId::from_db_checked(n).ok()))
    }
}
