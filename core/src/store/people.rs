//! People as the operator sees them: blocked senders, what the desk keeps of a person (and
//! erasing it), and pruning what is kept only for a while.

use sqlx::{AnyConnection, Row};

use super::{Store, corrupt};
use crate::domain::{ChannelKind, TicketId};
use crate::error::CoreResult;

/// What replaces an erased text.
pub const ERASED: &str = "[erased]";

/// What the desk keeps of one person.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PersonRecord {
    pub person: i64,
    pub display: String,
    pub lang: String,
    pub created_ms: i64,
    /// `channel:id` of each identity.
    pub identities: Vec<String>,
    pub tickets: Vec<(TicketId, String, String)>,
    /// How many questions and messages of theirs are stored.
    pub questions: i64,
    pub messages: i64,
    pub blocked: Option<String>,
}

/// What erasing a person changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Erased {
    pub identities: u64,
    pub tickets: u64,
    pub messages: u64,
    pub questions: u64,
    pub outbox: u64,
    /// Learned phrasings of theirs taken out of articles (each a new article version).
    pub learned: u64,
}

/// How many rows one pruning pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub outbox: u64,
    pub seen: u64,
    pub questions: u64,
}

impl Pruned {
    pub fn total(self) -> u64 {
        self.outbox + self.seen + self.questions
    }
}

impl Store {
    /// The reason `channel:id` is blocked, if it is.
    pub async fn blocked(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        id: &str,
    ) -> CoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT reason FROM blocks WHERE channel = $1 AND external_id = $2")
                .bind(channel.code())
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?,
        )
    }

    /// Blocks `channel:id` (again: the reason is replaced), audited.
    pub async fn block(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        id: &str,
        reason: &str,
        actor: &crate::domain::Actor,
        now: i64,
    ) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO blocks (channel, external_id, reason, blocked_by, at_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel, external_id) \
             DO UPDATE SET reason = EXCLUDED.reason, blocked_by = EXCLUDED.blocked_by, \
             at_ms = EXCLUDED.at_ms",
        )
        .bind(channel.code())
        .bind(id)
        .bind(reason)
        .bind(actor.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
        let who = format!("{channel}:{id}");
        Store::staff_audit(conn, actor, "block", &who, reason, now).await
    }

    /// Unblocks `channel:id`; `false` if it was not blocked. Audited.
    pub async fn unblock(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        id: &str,
        actor: &crate::domain::Actor,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query("DELETE FROM blocks WHERE channel = $1 AND external_id = $2")
            .bind(channel.code())
            .bind(id)
            .execute(&mut *conn)
            .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        let who = format!("{channel}:{id}");
        Store::staff_audit(conn, actor, "unblock", &who, "", now).await?;
        Ok(true)
    }

    /// The person behind `channel:id`, by identity.
    async fn person_id_of(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        id: &str,
    ) -> CoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT person_id FROM identities WHERE channel = $1 AND external_id = $2",
        )
        .bind(channel.code())
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
    }

    /// Everything the desk keeps of the person behind `channel:id`.
    pub async fn person_record(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        id: &str,
    ) -> CoreResult<Option<PersonRecord>> {
        let Some(person) = Self::person_id_of(conn, channel, id).await? else {
            return Ok(None);
        };
        let p = sqlx::query("SELECT display, lang, created_ms FROM persons WHERE id = $1")
            .bind(person)
            .fetch_one(&mut *conn)
            .await?;
        let identities = sqlx::query(
            "SELECT channel, external_id FROM identities WHERE person_id = $1 ORDER BY channel",
        )
        .bind(person)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| -> CoreResult<String> {
            let c: String = r.try_get("channel")?;
            let e: String = r.try_get("external_id")?;
            Ok(format!("{c}:{e}"))
        })
        .collect::<CoreResult<Vec<_>>>()?;
        let tickets = sqlx::query(
            "SELECT id, status, subject FROM tickets WHERE requester_id = $1 ORDER BY id",
        )
        .bind(person)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| -> CoreResult<(TicketId, String, String)> {
            Ok((
                TicketId::from_db(r.try_get("id")?),
                r.try_get("status")?,
                r.try_get("subject")?,
            ))
        })
        .collect::<CoreResult<Vec<_>>>()?;
        let questions: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM questions WHERE person_id = $1")
                .bind(person)
                .fetch_one(&mut *conn)
                .await?;
        let messages: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM ticket_events WHERE actor = $1")
                .bind(format!("user:{person}"))
                .fetch_one(&mut *conn)
                .await?;
        Ok(Some(PersonRecord {
            person,
            display: p.try_get("display")?,
            lang: p.try_get("lang")?,
            created_ms: p.try_get("created_ms")?,
            identities,
            tickets,
            questions,
            messages,
            blocked: Self::blocked(conn, channel, id).await?,
        }))
    }

    /// Erases the person behind `channel:id`: their identities go (a later message from
    /// them is a new person), their name, their messages in tickets, their questions and
    /// rating comments become [`ERASED`], messages queued to their chats are dropped. Their
    /// tickets stay, as numbers with a type, a priority and times, for the reports. Audited
    /// with the counts, not the data. `None` if nobody has that identity.
    pub async fn forget(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        id: &str,
        actor: &crate::domain::Actor,
        now: i64,
    ) -> CoreResult<Option<Erased>> {
        let Some(person) = Self::person_id_of(conn, channel, id).await? else {
            return Ok(None);
        };
        let chats: Vec<(String, String)> = sqlx::query(
            "SELECT channel, chat FROM identities WHERE person_id = $1 \
             UNION SELECT channel, chat FROM tickets WHERE requester_id = $1",
        )
        .bind(person)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| -> CoreResult<(String, String)> { Ok((r.try_get(0)?, r.try_get(1)?)) })
        .collect::<CoreResult<Vec<_>>>()?;
        let mut erased = Erased::default();
        for (channel, chat) in chats.iter().filter(|(_, chat)| !chat.is_empty()) {
            erased.outbox += sqlx::query("DELETE FROM outbox WHERE channel = $1 AND chat = $2")
                .bind(channel)
                .bind(chat)
                .execute(&mut *conn)
                .await?
                .rows_affected();
        }
        // Their tickets' words go from the search too (the numbers stay).
        Self::unindex_tickets_of(conn, person).await?;
        let exec = |sql: &'static str| sqlx::query(sql).bind(ERASED).bind(person);
        // Their own messages, and the bot's in their tickets (which repeat the subject).
        erased.messages = sqlx::query(
            "UPDATE ticket_events SET body = $1 WHERE actor = $2 OR (actor = 'bot' AND \
             ticket_id IN (SELECT id FROM tickets WHERE requester_id = $3))",
        )
        .bind(ERASED)
        .bind(format!("user:{person}"))
        .bind(person)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        erased.tickets = exec(
            "UPDATE tickets SET subject = $1, chat = '', csat_comment = \
             CASE WHEN csat_comment IS NULL THEN NULL ELSE $1 END WHERE requester_id = $2",
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
        erased.questions = exec("UPDATE questions SET text = $1 WHERE person_id = $2")
            .execute(&mut *conn)
            .await?
            .rows_affected();
        erased.learned = Self::unlearn_person(conn, person, actor, now).await?;
        exec("UPDATE persons SET display = $1 WHERE id = $2")
            .execute(&mut *conn)
            .await?;
        Self::org_memberships_forget(conn, person).await?;
        // Where announcements went to them, or were about to.
        sqlx::query(
            "DELETE FROM announcement_recipients WHERE (channel, external_id) IN \
             (SELECT channel, external_id FROM identities WHERE person_id = $1)",
        )
        .bind(person)
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM conversations WHERE person_id = $1")
            .bind(person)
            .execute(&mut *conn)
            .await?;
        erased.identities = sqlx::query("DELETE FROM identities WHERE person_id = $1")
            .bind(person)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        let detail =
            serde_json::to_string(&erased).map_err(|e| corrupt("erased", &e.to_string()))?;
        Store::staff_audit(
            conn,
            actor,
            "forget",
            &format!("person {person}"),
            &detail,
            now,
        )
        .await?;
        Ok(Some(erased))
    }

    /// Takes the person's learned phrasings out of every article, as new versions; the
    /// index follows with the next sync. Returns how many were removed.
    async fn unlearn_person(
        conn: &mut AnyConnection,
        person: i64,
        actor: &crate::domain::Actor,
        now: i64,
    ) -> CoreResult<u64> {
        let by = crate::articles::learned_by(person);
        let mut removed = 0;
        for mut v in Store::articles_latest(conn).await? {
            let before = v.article.learned.len();
            v.article.learned.retain(|l| l.by != by);
            let gone = before - v.article.learned.len();
            if gone > 0 {
                Store::article_put(
                    conn,
                    &v.article,
                    v.state,
                    &actor.to_string(),
                    "forgot a person's phrasings",
                    now,
                )
                .await?;
                removed += gone as u64;
            }
        }
        Ok(removed)
    }

    /// One pass of retention: at most `batch` rows of each kind older than its cutoff
    /// (sent outbox rows, seen update ids, logged questions). Small batches keep each
    /// statement short, so the desk's own writes never wait long behind it.
    pub async fn prune(
        conn: &mut AnyConnection,
        outbox_before: i64,
        seen_before: i64,
        questions_before: i64,
        batch: i64,
    ) -> CoreResult<Pruned> {
        let outbox = sqlx::query(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox \
             WHERE sent_ms IS NOT NULL AND sent_ms < $1 ORDER BY sent_ms LIMIT $2)",
        )
        .bind(outbox_before)
        .bind(batch)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        let seen = sqlx::query(
            "DELETE FROM inbound_seen WHERE at_ms < $1 AND update_id IN \
             (SELECT update_id FROM inbound_seen WHERE at_ms < $1 ORDER BY at_ms LIMIT $2)",
        )
        .bind(seen_before)
        .bind(batch)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        let questions = sqlx::query(
            "DELETE FROM questions WHERE id IN (SELECT id FROM questions \
             WHERE created_ms < $1 ORDER BY created_ms LIMIT $2)",
        )
        .bind(questions_before)
        .bind(batch)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        Ok(Pruned {
            outbox,
            seen,
            questions,
        })
    }
}

/// Parses `CHANNEL:ID` (`telegram:123`, `discord:456`, `console:ann`).
pub fn identity(s: &str) -> Option<(ChannelKind, String)> {
    let (channel, id) = s.trim().split_once(':')?;
    let channel = ChannelKind::from_code(&channel.to_lowercase())?;
    let id = id.trim();
    (!id.is_empty() && id.len() <= 64 && !id.contains(char::is_whitespace))
        .then(|| (channel, id.to_string()))
}
