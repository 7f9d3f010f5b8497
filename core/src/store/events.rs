//! A ticket's thread: every message, note and change, in order.

use sqlx::{AnyConnection, Row};

use crate::domain::{EventKind, TicketEvent, TicketId};
use crate::error::CoreResult;

use super::{Store, corrupt};

impl Store {
    pub async fn add_event(
        conn: &mut AnyConnection,
        ticket: TicketId,
        at_ms: i64,
        actor: &crate::domain::Actor,
        kind: EventKind,
        body: &str,
    ) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, at_ms, actor, kind, body) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ticket.get())
        .bind(at_ms)
        .bind(actor.to_string())
        .bind(kind.code())
        .bind(body)
        .execute(&mut *conn)
        .await?;
        // What people said in a ticket is what `/find` finds it by: the requester's messages
        // (the first is the question, whose first line is the subject), the agents' replies
        // and notes — not the bot's own wording, which every ticket shares.
        let said = match kind {
            EventKind::MessageIn | EventKind::Note => true,
            EventKind::MessageOut => actor.is_agent(),
            _ => false,
        };
        if said {
            Store::index_ticket_text(conn, ticket, body).await?;
        }
        Ok(())
    }

    /// How many events of `kind` a ticket has.
    /// Marks the ticket changed now; on PostgreSQL this also holds its row until commit,
    /// so events on one ticket are handled one after the other.
    pub async fn touch_ticket(conn: &mut AnyConnection, id: TicketId, now: i64) -> CoreResult<()> {
        sqlx::query("UPDATE tickets SET updated_ms = $1 WHERE id = $2")
            .bind(now)
            .bind(id.get())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub async fn count_events(
        conn: &mut AnyConnection,
        ticket: TicketId,
        kind: EventKind,
    ) -> CoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM ticket_events WHERE ticket_id = $1 AND kind = $2",
        )
        .bind(ticket.get())
        .bind(kind.code())
        .fetch_one(&mut *conn)
        .await?)
    }

    /// A ticket's thread, oldest first.
    pub async fn thread(&self, ticket: TicketId) -> CoreResult<Vec<TicketEvent>> {
        let mut conn = self.pool.acquire().await?;
        Store::thread_in(&mut conn, ticket).await
    }

    /// [`Store::thread`] in the caller's transaction.
    pub async fn thread_in(
        conn: &mut AnyConnection,
        ticket: TicketId,
    ) -> CoreResult<Vec<TicketEvent>> {
        let rows = sqlx::query(
            "SELECT at_ms, actor, kind, body FROM ticket_events WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket.get())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(TicketEvent {
                    ticket,
                    at_ms: r.try_get("at_ms")?,
                    actor: crate::domain::Actor::parse(&r.try_get::<String, _>("actor")?),
                    kind: EventKind::from_code(&kind)
                        .ok_or_else(|| corrupt("event kind", &kind))?,
                    body: r.try_get("body")?,
                })
            })
            .collect()
    }
}
