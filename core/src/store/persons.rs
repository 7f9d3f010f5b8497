//! People as the desk knows them: found or created by their platform identity, their
//! language, and where their conversation stands (the open ticket, a rating awaiting its comment).

use sqlx::{AnyConnection, Row};

use crate::domain::{Lang, PersonId, TicketId, UserRef};
use crate::error::CoreResult;

use super::staff::staff_from;
use super::{COMMENT_WINDOW_MS, Store, corrupt};
use crate::domain::Person;

/// How stale an identity's `seen_ms` may get before a message writes it again.
const SEEN_EVERY_MS: i64 = 3_600_000;

/// The ticket references a conversation row keeps.
#[derive(Debug, Clone, Copy)]
pub(super) enum ConversationField {
    /// The open ticket the person's messages go to.
    CurrentTicket,
    /// A ticket just rated, whose comment the next message is.
    CommentFor,
}

impl Store {
    /// The person behind `user`, created on first contact with `lang`. `chat` is where they
    /// are answered (their private chat); `None` leaves the one they last wrote from.
    ///
    /// First contact is race-free: two instances handling a new user's first two messages
    /// at once both insert a person, one identity wins (`ON CONFLICT DO NOTHING`), and the
    /// other drops its person and takes the winner's.
    pub async fn person_for(
        conn: &mut AnyConnection,
        user: &UserRef,
        chat: Option<&str>,
        lang: Lang,
        now: i64,
    ) -> CoreResult<Person> {
        if let Some(found) = Self::person_of_identity(conn, user, chat, now).await? {
            return Ok(found);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO persons (lang, display, created_ms) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(lang.code())
        .bind(&user.display)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO identities (channel, external_id, person_id, chat, seen_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel, external_id) DO NOTHING",
        )
        .bind(user.channel.code())
        .bind(&user.id)
        .bind(id)
        .bind(chat.unwrap_or(""))
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if inserted == 0 {
            // Another transaction created them first (and has committed: PostgreSQL waited
            // for it before doing nothing).
            sqlx::query("DELETE FROM persons WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            return Self::person_of_identity(conn, user, chat, now)
                .await?
                .ok_or_else(|| corrupt("identity", &user.id));
        }
        let staff = Self::staff_of_identity(conn, user.channel, &user.id).await?;
        // An admin may block an identity before it ever wrote.
        let blocked = Self::blocked(conn, user.channel, &user.id).await?;
        Ok(Person {
            id: PersonId(id),
            lang,
            display: user.display.clone(),
            current_ticket: None,
            staff,
            comment_for: None,
            comment_until_ms: None,
            came_from: None,
            blocked,
            // An admin may add an identity to an organisation before it ever wrote.
            org: Self::org_ref_of_identity(conn, user.channel, &user.id).await?,
        })
    }

    /// The person an identity belongs to, if it is known; their chat follows `chat`, and
    /// they are seen now: at most hourly written (`active 30d` needs no finer), and a person
    /// known to have blocked the bot who writes has evidently unblocked it.
    async fn person_of_identity(
        conn: &mut AnyConnection,
        user: &UserRef,
        chat: Option<&str>,
        now: i64,
    ) -> CoreResult<Option<Person>> {
        // One query for the person and the ticket they talk in: every event needs both.
        let found = sqlx::query(
            "SELECT p.id, p.lang, p.display, i.chat, i.seen_ms, i.unreachable_ms, c.current_ticket, c.comment_for, \
             c.comment_until_ms, c.came_from, \
             s.name AS staff_name, s.role AS staff_role, s.lines AS staff_lines, \
             b.reason AS blocked, o.org_key AS org_key, o.name AS org_name FROM identities i \
             JOIN persons p ON p.id = i.person_id \
             LEFT JOIN org_members m ON m.channel = i.channel AND m.external_id = i.external_id \
             LEFT JOIN orgs o ON o.org_key = m.org_key \
             LEFT JOIN conversations c ON c.person_id = p.id \
             LEFT JOIN staff_members s ON s.channel = i.channel AND s.external_id = i.external_id \
             LEFT JOIN blocks b ON b.channel = i.channel AND b.external_id = i.external_id \
             WHERE i.channel = $1 AND i.external_id = $2",
        )
        .bind(user.channel.code())
        .bind(&user.id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(r) = found else {
            return Ok(None);
        };
        let id = PersonId(r.try_get("id")?);
        let lang_code: String = r.try_get("lang")?;
        let old_chat: String = r.try_get("chat")?;
        let seen: i64 = r.try_get("seen_ms")?;
        let unreachable: Option<i64> = r.try_get("unreachable_ms")?;
        let new_chat = chat.filter(|c| *c != old_chat);
        if new_chat.is_some() || unreachable.is_some() || now - seen >= SEEN_EVERY_MS {
            sqlx::query(
                "UPDATE identities SET chat = $1, seen_ms = $2, unreachable_ms = NULL \
                 WHERE channel = $3 AND external_id = $4",
            )
            .bind(new_chat.unwrap_or(&old_chat))
            .bind(now.max(seen))
            .bind(user.channel.code())
            .bind(&user.id)
            .execute(&mut *conn)
            .await?;
        }
        Ok(Some(Person {
            id,
            lang: Lang::parse(&lang_code).map_err(|_| corrupt("lang", &lang_code))?,
            display: r.try_get("display")?,
            current_ticket: r
                .try_get::<Option<i64>, _>("current_ticket")?
                .map(TicketId::from_db),
            staff: staff_from(
                r.try_get("staff_name")?,
                r.try_get("staff_role")?,
                r.try_get("staff_lines")?,
            ),
            comment_for: r
                .try_get::<Option<i64>, _>("comment_for")?
                .map(TicketId::from_db),
            comment_until_ms: r.try_get("comment_until_ms")?,
            came_from: r.try_get("came_from")?,
            blocked: r.try_get("blocked")?,
            org: match (
                r.try_get::<Option<String>, _>("org_key")?,
                r.try_get::<Option<String>, _>("org_name")?,
            ) {
                (Some(key), Some(name)) => Some(crate::org::OrgRef {
                    key: crate::org::OrgKey::from_db(key),
                    name,
                }),
                _ => None,
            },
        }))
    }

    /// The name a person shows (`{name}` in a saved reply); `None` for nobody.
    pub async fn person_display(
        conn: &mut AnyConnection,
        person: crate::domain::PersonId,
    ) -> CoreResult<Option<String>> {
        let row = sqlx::query("SELECT display FROM persons WHERE id = $1")
            .bind(person.get())
            .fetch_optional(&mut *conn)
            .await?;
        Ok(row.map(|r| r.try_get("display")).transpose()?)
    }

    pub async fn set_person_lang(
        conn: &mut AnyConnection,
        person: PersonId,
        lang: Lang,
    ) -> CoreResult<()> {
        sqlx::query("UPDATE persons SET lang = $1 WHERE id = $2")
            .bind(lang.code())
            .bind(person.0)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub async fn set_current_ticket(
        conn: &mut AnyConnection,
        person: PersonId,
        ticket: Option<TicketId>,
        now: i64,
    ) -> CoreResult<()> {
        Store::set_conversation(conn, person, ConversationField::CurrentTicket, ticket, now).await
    }

    /// Sets one ticket reference of a person's conversation row, creating the row if needed.
    async fn set_conversation(
        conn: &mut AnyConnection,
        person: PersonId,
        field: ConversationField,
        ticket: Option<TicketId>,
        now: i64,
    ) -> CoreResult<()> {
        let column = match field {
            ConversationField::CurrentTicket => "current_ticket",
            ConversationField::CommentFor => "comment_for",
        };
        sqlx::query(&format!(
            "INSERT INTO conversations (person_id, {column}, updated_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id) DO UPDATE SET {column} = $2, updated_ms = $3"
        ))
        .bind(person.0)
        .bind(ticket.map(TicketId::get))
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Records (or, with `None`, clears) the help centre's article the person came from.
    pub async fn set_came_from(
        conn: &mut AnyConnection,
        person: PersonId,
        slug: Option<&str>,
        now: i64,
    ) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO conversations (person_id, came_from, updated_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id) DO UPDATE SET came_from = $2, updated_ms = $3",
        )
        .bind(person.0)
        .bind(slug)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Marks (or, with `None`, clears) the ticket whose rating waits for a comment, which
    /// the person's next message is taken as until `now + COMMENT_WINDOW_MS`.
    pub async fn set_comment_for(
        conn: &mut AnyConnection,
        person: PersonId,
        ticket: Option<TicketId>,
        now: i64,
    ) -> CoreResult<()> {
        Store::set_conversation(conn, person, ConversationField::CommentFor, ticket, now).await?;
        sqlx::query("UPDATE conversations SET comment_until_ms = $1 WHERE person_id = $2")
            .bind(ticket.map(|_| now + COMMENT_WINDOW_MS))
            .bind(person.0)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}
