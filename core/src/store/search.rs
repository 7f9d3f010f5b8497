//! Tickets by the words of their thread: every message in and out, note and subject is added
//! to the ticket's row of `ticket_search` as the knowledge base's analyzer writes it
//! (stemmed Russian and English, stop words out), so "принтеры" finds «принтер» and
//! "printing" finds "print" on both databases — SQLite's FTS5 and PostgreSQL's `tsvector`
//! over those words.

use sqlx::AnyConnection;

use crate::domain::{Ticket, TicketId};
use crate::error::CoreResult;

use super::Store;
use super::tickets::{TICKET_COLUMNS, ticket_from_row};

/// The words of `text` as the index keeps them: the analyzer's terms, letters and digits only.
pub fn search_terms(text: &str) -> Vec<String> {
    frontline_kb::text::analyze(text)
        .into_iter()
        .map(|t| {
            t.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

fn is_postgres(conn: &AnyConnection) -> bool {
    conn.backend_name().eq_ignore_ascii_case("postgresql")
}

impl Store {
    /// Adds `text`'s words to ticket `id`'s searchable words.
    pub async fn index_ticket_text(
        conn: &mut AnyConnection,
        id: TicketId,
        text: &str,
    ) -> CoreResult<()> {
        let terms = search_terms(text).join(" ");
        if terms.is_empty() {
            return Ok(());
        }
        let updated =
            sqlx::query("UPDATE ticket_search SET terms = terms || ' ' || $1 WHERE rowid = $2")
                .bind(&terms)
                .bind(id.get())
                .execute(&mut *conn)
                .await?;
        if updated.rows_affected() == 0 {
            sqlx::query("INSERT INTO ticket_search (rowid, terms) VALUES ($1, $2)")
                .bind(id.get())
                .bind(&terms)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// Tickets whose words hold every one of `query`'s, best first, newest first among
    /// equals; none when the query has no searchable word.
    pub async fn find_tickets(
        conn: &mut AnyConnection,
        query: &str,
        limit: i64,
    ) -> CoreResult<Vec<Ticket>> {
        let terms = search_terms(query);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let cols = TICKET_COLUMNS
            .split(", ")
            .map(|c| format!("t.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let (sql, q) = if is_postgres(conn) {
            (
                format!(
                    "SELECT {cols} FROM tickets t JOIN ticket_search s ON s.rowid = t.id \
                     WHERE s.doc @@ to_tsquery('simple', $1) \
                     ORDER BY ts_rank(s.doc, to_tsquery('simple', $1)) DESC, t.id DESC LIMIT $2"
                ),
                terms.join(" & "),
            )
        } else {
            let quoted: Vec<String> = terms.iter().map(|t| format!("\"{t}\"")).collect();
            (
                format!(
                    "SELECT {cols} FROM ticket_search JOIN tickets t ON t.id = ticket_search.rowid \
                     WHERE ticket_search MATCH $1 \
                     ORDER BY bm25(ticket_search), t.id DESC LIMIT $2"
                ),
                quoted.join(" "),
            )
        };
        let rows = sqlx::query(&sql)
            .bind(q)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(ticket_from_row).collect()
    }

    /// Tickets of the requester known as `who` (their name as shown, or their platform id),
    /// newest first.
    pub async fn find_tickets_of(
        conn: &mut AnyConnection,
        who: &str,
        limit: i64,
    ) -> CoreResult<Vec<Ticket>> {
        let cols = TICKET_COLUMNS
            .split(", ")
            .map(|c| format!("t.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {cols} FROM tickets t WHERE t.requester_id IN ( \
             SELECT id FROM persons WHERE LOWER(display) = LOWER($1) \
             UNION SELECT person_id FROM identities WHERE external_id = $1) \
             ORDER BY t.id DESC LIMIT $2"
        ))
        .bind(who)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(ticket_from_row).collect()
    }

    /// Forgets the searchable words of a person's tickets (`/forget`): their numbers stay,
    /// their words go.
    pub(crate) async fn unindex_tickets_of(
        conn: &mut AnyConnection,
        person: i64,
    ) -> CoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM ticket_search WHERE rowid IN (SELECT id FROM tickets WHERE requester_id = $1)",
        )
        .bind(person)
        .execute(&mut *conn)
        .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::search_terms;

    #[test]
    fn search_words_are_stemmed_in_both_languages() {
        assert_eq!(search_terms("printers"), search_terms("printer"));
        assert_eq!(search_terms("принтеры"), search_terms("принтера"));
        assert!(search_terms("the and of").is_empty());
        assert!(
            search_terms("\"quoted\" & (x)")
                .iter()
                .all(|t| t.chars().all(char::is_alphanumeric))
        );
    }
}
