//! Tickets: registration, their row mapping, status moves, claims, fields and time.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::{
    ChannelKind, ChatRef, Lang, Line, PersonId, Priority, Status, Ticket, TicketId, TicketKind,
};
use crate::error::{CoreError, CoreResult};

use super::{Store, corrupt};

/// Whose tickets a list takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder<'a> {
    /// Unclaimed only.
    Nobody,
    Anyone,
    Named(&'a str),
}

/// A new ticket to register.
#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    pub requester: PersonId,
    pub chat: &'a ChatRef,
    pub subject: &'a str,
    pub kind: TicketKind,
    pub priority: Priority,
    pub line: Line,
    pub lang: Lang,
    /// From the knowledge-base article the question was closest to, if any.
    pub category: Option<String>,
    /// The requester's organisation.
    pub org: Option<&'a crate::org::OrgKey>,
}

pub(crate) fn ticket_from_row(r: &AnyRow) -> CoreResult<Ticket> {
    let text = |c: &str| -> CoreResult<String> { Ok(r.try_get::<String, _>(c)?) };
    let kind = text("kind")?;
    let priority = text("priority")?;
    let status = text("status")?;
    let channel = text("channel")?;
    let lang = text("lang")?;
    Ok(Ticket {
        id: TicketId::from_db(r.try_get("id")?),
        requester: PersonId(r.try_get("requester_id")?),
        chat: ChatRef::new(
            ChannelKind::from_code(&channel).ok_or_else(|| corrupt("channel", &channel))?,
            text("chat")?,
        ),
        subject: text("subject")?,
        kind: TicketKind::from_code(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        priority: Priority::from_code(&priority).ok_or_else(|| corrupt("priority", &priority))?,
        status: Status::from_code(&status).ok_or_else(|| corrupt("status", &status))?,
        line: Line::new(r.try_get("line")?).map_err(|e| CoreError::Corrupt(e.to_string()))?,
        category: r.try_get("category")?,
        lang: Lang::parse(&lang).map_err(|_| corrupt("lang", &lang))?,
        assignee: r.try_get("assignee")?,
        created_ms: r.try_get("created_ms")?,
        first_response_ms: r.try_get("first_response_ms")?,
        resolved_ms: r.try_get("resolved_ms")?,
        closed_ms: r.try_get("closed_ms")?,
        csat: r
            .try_get::<Option<i64>, _>("csat_score")?
            .and_then(|s| u8::try_from(s).ok()),
        first_due_ms: r.try_get("first_due_ms")?,
        resolve_due_ms: r.try_get("resolve_due_ms")?,
        paused_ms: r.try_get("paused_ms")?,
        paused_at_ms: r.try_get("paused_at_ms")?,
        first_breached: r.try_get::<i64, _>("first_breached")? != 0,
        resolve_breached: r.try_get::<i64, _>("resolve_breached")? != 0,
        org: r
            .try_get::<Option<String>, _>("org_key")?
            .map(crate::org::OrgKey::from_db),
    })
}

pub(crate) const TICKET_COLUMNS: &str = "id, requester_id, channel, chat, subject, kind, priority, status, \
    line, category, lang, assignee, created_ms, first_response_ms, resolved_ms, closed_ms, csat_score, \
    first_due_ms, resolve_due_ms, paused_ms, paused_at_ms, first_breached, resolve_breached, org_key";

impl Store {
    pub async fn insert_ticket(
        conn: &mut AnyConnection,
        t: &NewTicket<'_>,
        now: i64,
    ) -> CoreResult<Ticket> {
        let row = sqlx::query(&format!(
            "INSERT INTO tickets (requester_id, channel, chat, subject, kind, priority, status, \
             line, lang, created_ms, updated_ms, category, org_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12) RETURNING {TICKET_COLUMNS}"
        ))
        .bind(t.requester.0)
        .bind(t.chat.channel.code())
        .bind(&t.chat.chat)
        .bind(t.subject)
        .bind(t.kind.code())
        .bind(t.priority.code())
        .bind(Status::New.code())
        .bind(i64::from(t.line.get()))
        .bind(t.lang.code())
        .bind(now)
        .bind(t.category.clone())
        .bind(t.org.map(|k| k.as_str().to_string()))
        .fetch_one(&mut *conn)
        .await?;
        ticket_from_row(&row)
    }

    pub async fn ticket(conn: &mut AnyConnection, id: TicketId) -> CoreResult<Option<Ticket>> {
        let row = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(ticket_from_row).transpose()
    }

    /// A person's tickets, newest first.
    pub async fn tickets_of(
        conn: &mut AnyConnection,
        person: PersonId,
        limit: i64,
    ) -> CoreResult<Vec<Ticket>> {
        let rows = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE requester_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(person.0)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(ticket_from_row).collect()
    }

    /// Changes a ticket's status if it is still `from` (one conditional update, so two
    /// changes racing cannot both win); stamps resolved/closed times. `false` if it was not.
    pub async fn set_status(
        conn: &mut AnyConnection,
        id: TicketId,
        from: Status,
        to: Status,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query(
            "UPDATE tickets SET status = $1, updated_ms = $2, \
             resolved_ms = CASE WHEN $1 = 'resolved' THEN $2 ELSE resolved_ms END, \
             closed_ms = CASE WHEN $1 = 'closed' THEN $2 ELSE closed_ms END \
             WHERE id = $3 AND status = $4",
        )
        .bind(to.code())
        .bind(now)
        .bind(id.get())
        .bind(from.code())
        .execute(&mut *conn)
        .await?;
        let changed = r.rows_affected() == 1;
        if changed && to == Status::Closed {
            metrics::counter!("frontline_tickets_closed_total").increment(1);
        }
        Ok(changed)
    }

    /// Open tickets (new, in progress, waiting) of `lines` (all when `None`) held as
    /// `holder` says, the most urgent first: those that need work before those waiting on the
    /// customer, then the nearest deadline, then priority, then number.
    pub async fn open_tickets(
        conn: &mut AnyConnection,
        lines: Option<&[crate::domain::Line]>,
        holder: Holder<'_>,
        limit: i64,
    ) -> CoreResult<Vec<Ticket>> {
        // Lines are small typed integers, so they can be written into the statement.
        let of_lines = match lines {
            None => String::new(),
            Some([]) => " AND 1 = 0".to_string(),
            Some(ls) => {
                let ls: Vec<String> = ls.iter().map(|l| l.get().to_string()).collect();
                format!(" AND line IN ({})", ls.join(", "))
            }
        };
        let (held, name) = match holder {
            Holder::Nobody => (" AND assignee IS NULL", None),
            Holder::Anyone => ("", None),
            Holder::Named(n) => (" AND assignee = $2", Some(n)),
        };
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets \
             WHERE status IN ('new', 'in_progress', 'waiting'){held}{of_lines} \
             ORDER BY CASE WHEN status = 'waiting' THEN 1 ELSE 0 END, \
             COALESCE(CASE WHEN first_response_ms IS NULL THEN first_due_ms ELSE resolve_due_ms END, \
             9223372036854775807), \
             CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 \
             WHEN 'normal' THEN 2 ELSE 3 END, id LIMIT $1"
        );
        let mut q = sqlx::query(&sql).bind(limit);
        if let Some(n) = name {
            q = q.bind(n);
        }
        let rows = q.fetch_all(&mut *conn).await?;
        rows.iter().map(ticket_from_row).collect()
    }

    /// Hands open ticket `id` from `from` (`None`: unclaimed) to `to`, a new one going in
    /// progress: one conditional update, so a hand-over and a claim at once cannot both win.
    /// `false` if the ticket was closed or changed hands first.
    pub async fn assign(
        conn: &mut AnyConnection,
        id: TicketId,
        from: Option<&str>,
        to: &str,
        now: i64,
    ) -> CoreResult<bool> {
        let held = match from {
            None => "assignee IS NULL",
            Some(_) => "assignee = $4",
        };
        let sql = format!(
            "UPDATE tickets SET assignee = $1, updated_ms = $2, \
             status = CASE WHEN status = 'new' THEN 'in_progress' ELSE status END \
             WHERE id = $3 AND status <> 'closed' AND {held}"
        );
        let mut q = sqlx::query(&sql).bind(to).bind(now).bind(id.get());
        if let Some(f) = from {
            q = q.bind(f);
        }
        let done = q.execute(&mut *conn).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives an unclaimed, unclosed ticket to `agent`, a new one going in progress: one
    /// conditional update, so of agents claiming at once exactly one wins. `false` if it
    /// was taken (or closed) first.
    pub async fn claim(
        conn: &mut AnyConnection,
        id: TicketId,
        agent: &str,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query(
            "UPDATE tickets SET assignee = $1, updated_ms = $2, \
             status = CASE WHEN status = 'new' THEN 'in_progress' ELSE status END \
             WHERE id = $3 AND assignee IS NULL AND status <> 'closed'",
        )
        .bind(agent)
        .bind(now)
        .bind(id.get())
        .execute(&mut *conn)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Takes the ticket back from `agent` (any holder, for `None`). `false` if they did not
    /// hold it.
    pub async fn release(
        conn: &mut AnyConnection,
        id: TicketId,
        agent: Option<&str>,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query(
            "UPDATE tickets SET assignee = NULL, updated_ms = $1 \
             WHERE id = $2 AND assignee IS NOT NULL AND ($3 IS NULL OR assignee = $3)",
        )
        .bind(now)
        .bind(id.get())
        .bind(agent)
        .execute(&mut *conn)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn set_priority(
        conn: &mut AnyConnection,
        id: TicketId,
        p: Priority,
        now: i64,
    ) -> CoreResult<()> {
        sqlx::query("UPDATE tickets SET priority = $1, updated_ms = $2 WHERE id = $3")
            .bind(p.code())
            .bind(now)
            .bind(id.get())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub async fn set_kind(
        conn: &mut AnyConnection,
        id: TicketId,
        k: TicketKind,
        now: i64,
    ) -> CoreResult<()> {
        sqlx::query("UPDATE tickets SET kind = $1, updated_ms = $2 WHERE id = $3")
            .bind(k.code())
            .bind(now)
            .bind(id.get())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Stamps the first response, once.
    pub async fn stamp_first_response(
        conn: &mut AnyConnection,
        id: TicketId,
        now: i64,
    ) -> CoreResult<()> {
        sqlx::query(
            "UPDATE tickets SET first_response_ms = COALESCE(first_response_ms, $1) WHERE id = $2",
        )
        .bind(now)
        .bind(id.get())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Records time spent on a ticket.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_time(
        conn: &mut AnyConnection,
        id: TicketId,
        agent: &str,
        minutes: u32,
        billable: bool,
        note: &str,
        now: i64,
    ) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO time_entries (ticket_id, agent, minutes, billable, note, at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.get())
        .bind(agent)
        .bind(i64::from(minutes))
        .bind(i64::from(billable))
        .bind(note)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Minutes recorded on a ticket: all, and billable.
    pub async fn time_total(conn: &mut AnyConnection, id: TicketId) -> CoreResult<(i64, i64)> {
        let r = sqlx::query(
            // PostgreSQL sums BIGINT as NUMERIC, which `Any` cannot read: cast back.
            "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) AS total, \
             CAST(COALESCE(SUM(CASE WHEN billable = 1 THEN minutes ELSE 0 END), 0) AS BIGINT) AS billable \
             FROM time_entries WHERE ticket_id = $1",
        )
        .bind(id.get())
        .fetch_one(&mut *conn)
        .await?;
        Ok((r.try_get("total")?, r.try_get("billable")?))
    }

    pub async fn set_line(
        conn: &mut AnyConnection,
        id: TicketId,
        line: Line,
        now: i64,
    ) -> CoreResult<()> {
        sqlx::query("UPDATE tickets SET line = $1, assignee = NULL, updated_ms = $2 WHERE id = $3")
            .bind(i64::from(line.get()))
            .bind(now)
            .bind(id.get())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Tickets created since `from_ms`, counted by status and line.
    pub async fn counts_since(
        conn: &mut AnyConnection,
        from_ms: i64,
    ) -> CoreResult<Vec<(Status, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT status, line, COUNT(*) AS n FROM tickets WHERE created_ms >= $1 \
             GROUP BY status, line ORDER BY line, status",
        )
        .bind(from_ms)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok((
                    Status::from_code(&status).ok_or_else(|| corrupt("status", &status))?,
                    r.try_get("line")?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Stores the comment of a rated ticket, once.
    pub async fn comment(
        conn: &mut AnyConnection,
        id: TicketId,
        text: &str,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query(
            "UPDATE tickets SET csat_comment = $1, updated_ms = $2 WHERE id = $3 AND csat_comment IS NULL",
        )
        .bind(text)
        .bind(now)
        .bind(id.get())
        .execute(&mut *conn)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Records the requester's rating, once. `false` if one was given already.
    pub async fn rate(
        conn: &mut AnyConnection,
        id: TicketId,
        score: u8,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query(
            "UPDATE tickets SET csat_score = $1, updated_ms = $2 WHERE id = $3 AND csat_score IS NULL",
        )
        .bind(i64::from(score))
        .bind(now)
        .bind(id.get())
        .execute(&mut *conn)
        .await?;
        Ok(r.rows_affected() == 1)
    }
}
