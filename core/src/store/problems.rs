//! Known issues and the tickets linked to them.

use sqlx::{AnyConnection, Row};

use crate::domain::{ProblemId, Ticket, TicketId};
use crate::error::CoreResult;

use super::Store;
use super::tickets::{TICKET_COLUMNS, ticket_from_row};

/// A known issue, with how many tickets are linked to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub id: ProblemId,
    pub title: String,
    pub open: bool,
    pub author: String,
    pub linked: i64,
    /// The slug of the knowledge-base article with its workaround, if one is set.
    pub article: Option<String>,
}

const PROBLEM_QUERY: &str = "SELECT p.id, p.title, p.status, p.author, p.article, \
    (SELECT COUNT(*) FROM problem_links l WHERE l.problem_id = p.id) AS linked FROM problems p";

fn problem_from_row(r: &sqlx::any::AnyRow) -> CoreResult<Problem> {
    Ok(Problem {
        id: ProblemId::from_db(r.try_get("id")?),
        title: r.try_get("title")?,
        open: r.try_get::<String, _>("status")? == "open",
        author: r.try_get("author")?,
        linked: r.try_get("linked")?,
        article: r.try_get("article")?,
    })
}

impl Store {
    pub async fn problem_new(
        conn: &mut AnyConnection,
        title: &str,
        author: &str,
        now: i64,
    ) -> CoreResult<ProblemId> {
        let row = sqlx::query(
            "INSERT INTO problems (title, author, created_ms) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(title)
        .bind(author)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        Ok(ProblemId::from_db(row.try_get("id")?))
    }

    pub async fn problem(conn: &mut AnyConnection, id: ProblemId) -> CoreResult<Option<Problem>> {
        let row = sqlx::query(&format!("{PROBLEM_QUERY} WHERE p.id = $1"))
            .bind(id.get())
            .fetch_optional(&mut *conn)
            .await?;
        row.as_ref().map(problem_from_row).transpose()
    }

    /// Open known issues, newest first.
    pub async fn problems_open(conn: &mut AnyConnection) -> CoreResult<Vec<Problem>> {
        let rows = sqlx::query(&format!(
            "{PROBLEM_QUERY} WHERE p.status = 'open' ORDER BY p.id DESC"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(problem_from_row).collect()
    }

    /// Links ticket `ticket` to `problem` (instead of any other). `false` if it already was.
    pub async fn problem_link(
        conn: &mut AnyConnection,
        ticket: TicketId,
        problem: ProblemId,
        now: i64,
    ) -> CoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO problem_links (ticket_id, problem_id, linked_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (ticket_id) DO UPDATE SET problem_id = $2, linked_ms = $3 \
             WHERE problem_links.problem_id <> $2",
        )
        .bind(ticket.get())
        .bind(problem.get())
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The tickets linked to `problem`, by number.
    pub async fn problem_tickets(
        conn: &mut AnyConnection,
        problem: ProblemId,
    ) -> CoreResult<Vec<Ticket>> {
        let rows = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE id IN \
             (SELECT ticket_id FROM problem_links WHERE problem_id = $1) ORDER BY id"
        ))
        .bind(problem.get())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(ticket_from_row).collect()
    }

    /// Sets the article with `problem`'s workaround.
    pub async fn problem_set_article(
        conn: &mut AnyConnection,
        problem: ProblemId,
        slug: &str,
    ) -> CoreResult<()> {
        sqlx::query("UPDATE problems SET article = $1 WHERE id = $2")
            .bind(slug)
            .bind(problem.get())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Marks `problem` fixed. `false` if it was not open.
    pub async fn problem_resolve(
        conn: &mut AnyConnection,
        problem: ProblemId,
        now: i64,
    ) -> CoreResult<bool> {
        let done = sqlx::query(
            "UPDATE problems SET status = 'resolved', resolved_ms = $1 WHERE id = $2 AND status = 'open'",
        )
        .bind(now)
        .bind(problem.get())
        .execute(&mut *conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
