//! The store: SQLite or PostgreSQL through sqlx's `Any` driver, one code path for both.
//!
//! Why `Any` and not a `Store` trait with one implementation per database: every query here
//! is plain SQL that both databases accept (`$1` placeholders, `RETURNING`, `ON CONFLICT`), so
//! one implementation means one place to get each rule right. The price is `Any`'s narrow
//! type mapping — no booleans, no timestamps — so times are unix milliseconds (`BIGINT`) and
//! enums are their codes (`TEXT`), converted at this edge.
//!
//! SQLite runs with one connection: it has one writer anyway, and a single connection turns
//! "database is locked" races into an orderly queue. PostgreSQL gets a pool.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Executor, Row};

use crate::domain::{
    ChannelKind, ChatRef, EventKind, Lang, Line, PersonId, Priority, Status, Ticket, TicketEvent,
    TicketId, TicketKind, UserRef,
};
use crate::error::{CoreError, CoreResult};

mod outbox;
mod people;
pub use crate::domain::{Person, Question, QuestionState};
pub use outbox::{LeasedChat, PARKED, PendingRow, ReleasedChat};
pub use people::{ERASED, Erased, PersonRecord, Pruned, identity};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The desk's database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

fn staff_from(
    name: Option<String>,
    role: Option<String>,
    lines: Option<String>,
) -> Option<crate::staff::StaffMember> {
    let role = match role?.as_str() {
        "admin" => crate::staff::Role::Admin,
        _ => crate::staff::Role::Agent,
    };
    Some(crate::staff::StaffMember {
        name: name?,
        role,
        lines: lines
            .unwrap_or_default()
            .split(',')
            .filter_map(|l| l.trim().parse::<i64>().ok())
            .filter_map(|l| Line::new(l).ok())
            .collect(),
    })
}

/// The ticket references a conversation row keeps.
#[derive(Debug, Clone, Copy)]
enum ConversationField {
    /// The open ticket the person's messages go to.
    CurrentTicket,
    /// A ticket just rated, whose comment the next message is.
    CommentFor,
}

/// A ticket's thread on a chat platform, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatThread {
    /// The platform's id of the thread.
    pub thread: String,
    /// Closed (archived) with its ticket.
    pub closed: bool,
}

/// A staff member added from chat.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStaff {
    pub member: crate::staff::StaffMember,
    pub channel: ChannelKind,
    pub external_id: String,
}

/// A new question to log.
#[derive(Debug, Clone)]
pub struct NewQuestion<'a> {
    pub person: PersonId,
    pub text: &'a str,
    pub lang: Lang,
    pub decision: &'a str,
    pub state: QuestionState,
    pub article: Option<crate::domain::ArticleKey>,
    pub suggested: Vec<crate::domain::ArticleKey>,
    /// Stored in thousandths: sqlx's `Any` driver fails on PostgreSQL when a float parameter
    /// is NULL in one execution and set in the next.
    pub confidence: Option<f32>,
    pub guessed_kind: TicketKind,
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
}

pub(crate) fn corrupt(what: &str, value: &str) -> CoreError {
    CoreError::Corrupt(format!("{what} `{value}`"))
}

fn ticket_from_row(r: &AnyRow) -> CoreResult<Ticket> {
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
    })
}

/// How long after a rating the person's next message is taken as its comment: long enough to
/// type one, short enough that a new question tomorrow is not swallowed as a comment.
pub const COMMENT_WINDOW_MS: i64 = 10 * 60 * 1000;

const TICKET_COLUMNS: &str = "id, requester_id, channel, chat, subject, kind, priority, status, \
    line, category, lang, assignee, created_ms, first_response_ms, resolved_ms, closed_ms, csat_score, \
    first_due_ms, resolve_due_ms, paused_ms, paused_at_ms, first_breached, resolve_breached";

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`) and applies the migrations.
    ///
    /// # Errors
    /// [`CoreError::UnsupportedDatabase`] for another scheme; database errors otherwise.
    #[tracing::instrument(skip_all, fields(backend))]
    pub async fn connect(url: &str) -> CoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            let scheme = url.split(':').next().unwrap_or("").to_string();
            return Err(CoreError::UnsupportedDatabase(scheme));
        };
        tracing::Span::current().record("backend", backend.name());
        let options = AnyConnectOptions::from_str(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        match backend {
            Backend::Sqlite => {
                // sqlx takes no lock on SQLite: two processes opening a new file at once
                // both find a migration pending, and the second's fails on what the first
                // created. Each migration is one transaction, so running the migrator again
                // finds it applied and goes on.
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    match SQLITE_MIGRATIONS.run(&pool).await {
                        Ok(()) => break,
                        Err(sqlx::migrate::MigrateError::ExecuteMigration(e, version))
                            if attempt < 5 =>
                        {
                            tracing::debug!(error = %e, version, "migration raced another process; again");
                            tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            // sqlx holds an advisory lock while it migrates PostgreSQL.
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction: everything one inbound event changes is written in one.
    pub async fn begin(&self) -> CoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(self.pool.begin().await?)
    }

    /// Records an inbound update; `false` if it was seen before (a platform's redelivery).
    pub async fn mark_inbound(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        update_id: &str,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query(
            "INSERT INTO inbound_seen (channel, update_id, at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (channel, update_id) DO NOTHING",
        )
        .bind(channel.code())
        .bind(update_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(r.rows_affected() == 1)
    }

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
        if let Some(found) = Self::person_of_identity(conn, user, chat).await? {
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
            "INSERT INTO identities (channel, external_id, person_id, chat) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (channel, external_id) DO NOTHING",
        )
        .bind(user.channel.code())
        .bind(&user.id)
        .bind(id)
        .bind(chat.unwrap_or(""))
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
            return Self::person_of_identity(conn, user, chat)
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
            blocked,
        })
    }

    /// The person an identity belongs to, if it is known; their chat follows `chat`.
    async fn person_of_identity(
        conn: &mut AnyConnection,
        user: &UserRef,
        chat: Option<&str>,
    ) -> CoreResult<Option<Person>> {
        // One query for the person and the ticket they talk in: every event needs both.
        let found = sqlx::query(
            "SELECT p.id, p.lang, p.display, i.chat, c.current_ticket, c.comment_for, \
             c.comment_until_ms, \
             s.name AS staff_name, s.role AS staff_role, s.lines AS staff_lines, \
             b.reason AS blocked FROM identities i \
             JOIN persons p ON p.id = i.person_id \
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
        if let Some(chat) = chat
            && old_chat != chat
        {
            sqlx::query("UPDATE identities SET chat = $1 WHERE channel = $2 AND external_id = $3")
                .bind(chat)
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
            blocked: r.try_get("blocked")?,
        }))
    }

    /// The staff member an admin added for this identity, if any.
    pub async fn staff_of_identity(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        external_id: &str,
    ) -> CoreResult<Option<crate::staff::StaffMember>> {
        let staff = sqlx::query(
            "SELECT name, role, lines FROM staff_members WHERE channel = $1 AND external_id = $2",
        )
        .bind(channel.code())
        .bind(external_id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(match staff {
            Some(r) => staff_from(r.try_get("name")?, r.try_get("role")?, r.try_get("lines")?),
            None => None,
        })
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

    pub async fn insert_question(
        conn: &mut AnyConnection,
        q: &NewQuestion<'_>,
        now: i64,
    ) -> CoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO questions (person_id, text, lang, decision, state, article, suggested, \
             confidence_pm, guessed_kind, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(q.person.0)
        .bind(q.text)
        .bind(q.lang.code())
        .bind(q.decision)
        .bind(q.state.code())
        .bind(q.article.as_ref().map(ToString::to_string))
        .bind((!q.suggested.is_empty()).then(|| {
            let keys: Vec<String> = q.suggested.iter().map(ToString::to_string).collect();
            keys.join(",")
        }))
        .bind(q.confidence.map(|c| (c * 1000.0).round() as i64))
        .bind(q.guessed_kind.code())
        .bind(now)
        .fetch_one(&mut *conn)
        .await?)
    }

    pub async fn question(conn: &mut AnyConnection, id: i64) -> CoreResult<Option<Question>> {
        let Some(r) = sqlx::query(
            "SELECT id, person_id, text, lang, state, article, suggested, guessed_kind, ticket_id \
             FROM questions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        else {
            return Ok(None);
        };
        let state: String = r.try_get("state")?;
        let lang: String = r.try_get("lang")?;
        let kind: String = r.try_get("guessed_kind")?;
        let suggested: Option<String> = r.try_get("suggested")?;
        let key =
            |s: &str| crate::domain::ArticleKey::parse(s).ok_or_else(|| corrupt("article key", s));
        let article: Option<String> = r.try_get("article")?;
        Ok(Some(Question {
            id: r.try_get("id")?,
            person: PersonId(r.try_get("person_id")?),
            text: r.try_get("text")?,
            lang: Lang::parse(&lang).map_err(|_| corrupt("lang", &lang))?,
            state: QuestionState::from_code(&state)
                .ok_or_else(|| corrupt("question state", &state))?,
            article: article.as_deref().map(key).transpose()?,
            suggested: suggested
                .as_deref()
                .map(|s| s.split(',').map(key).collect::<CoreResult<Vec<_>>>())
                .transpose()?
                .unwrap_or_default(),
            guessed_kind: TicketKind::from_code(&kind).ok_or_else(|| corrupt("kind", &kind))?,
            ticket: r
                .try_get::<Option<i64>, _>("ticket_id")?
                .map(TicketId::from_db),
        }))
    }

    /// Moves a question from `from` to `to` if it is still in `from`; `false` if it was not
    /// (a second press of the same button).
    pub async fn advance_question(
        conn: &mut AnyConnection,
        id: i64,
        from: QuestionState,
        to: QuestionState,
        article: Option<&crate::domain::ArticleKey>,
        ticket: Option<TicketId>,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query(
            "UPDATE questions SET state = $1, article = COALESCE($2, article), \
             ticket_id = COALESCE($3, ticket_id), updated_ms = $4 WHERE id = $5 AND state = $6",
        )
        .bind(to.code())
        .bind(article.map(ToString::to_string))
        .bind(ticket.map(TicketId::get))
        .bind(now)
        .bind(id)
        .bind(from.code())
        .execute(&mut *conn)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Drops every question of `person` still waiting for them; returns how many.
    pub async fn drop_pending_questions(
        conn: &mut AnyConnection,
        person: PersonId,
        now: i64,
    ) -> CoreResult<u64> {
        let r = sqlx::query(
            "UPDATE questions SET state = 'dropped', updated_ms = $1 \
             WHERE person_id = $2 AND state IN ('answered', 'suggested', 'choosing_kind')",
        )
        .bind(now)
        .bind(person.0)
        .execute(&mut *conn)
        .await?;
        Ok(r.rows_affected())
    }

    pub async fn insert_ticket(
        conn: &mut AnyConnection,
        t: &NewTicket<'_>,
        now: i64,
    ) -> CoreResult<Ticket> {
        let row = sqlx::query(&format!(
            "INSERT INTO tickets (requester_id, channel, chat, subject, kind, priority, status, \
             line, lang, created_ms, updated_ms, category) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING {TICKET_COLUMNS}"
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

    /// Open tickets nobody has claimed, most urgent first, then oldest.
    pub async fn queue(
        conn: &mut AnyConnection,
        lines: Option<&[crate::domain::Line]>,
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
        let rows = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets \
             WHERE assignee IS NULL AND status IN ('new', 'in_progress', 'waiting'){of_lines} \
             ORDER BY CASE WHEN status = 'waiting' THEN 1 ELSE 0 END, \
             COALESCE(CASE WHEN first_response_ms IS NULL THEN first_due_ms ELSE resolve_due_ms END, \
             9223372036854775807), \
             CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 \
             WHEN 'normal' THEN 2 ELSE 3 END, id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(ticket_from_row).collect()
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

    /// Staff added from chat, by name.
    pub async fn staff_list(conn: &mut AnyConnection) -> CoreResult<Vec<StoredStaff>> {
        let rows = sqlx::query(
            "SELECT name, role, lines, channel, external_id FROM staff_members ORDER BY name",
        )
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let channel: String = r.try_get("channel")?;
                Ok(StoredStaff {
                    member: staff_from(r.try_get("name")?, r.try_get("role")?, r.try_get("lines")?)
                        .ok_or_else(|| corrupt("staff member", "incomplete"))?,
                    channel: ChannelKind::from_code(&channel)
                        .ok_or_else(|| corrupt("channel", &channel))?,
                    external_id: r.try_get("external_id")?,
                })
            })
            .collect()
    }

    /// Adds a staff member and audits it. `false` if the name or identity is taken.
    pub async fn staff_add(
        conn: &mut AnyConnection,
        s: &StoredStaff,
        actor: &crate::domain::Actor,
        now: i64,
    ) -> CoreResult<bool> {
        let role = match s.member.role {
            crate::staff::Role::Admin => "admin",
            crate::staff::Role::Agent => "agent",
        };
        let lines: Vec<String> = s.member.lines.iter().map(|l| l.get().to_string()).collect();
        let r = sqlx::query(
            "INSERT INTO staff_members (name, role, lines, channel, external_id, added_by, added_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(&s.member.name)
        .bind(role)
        .bind(lines.join(","))
        .bind(s.channel.code())
        .bind(&s.external_id)
        .bind(actor.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        Store::staff_audit(
            conn,
            actor,
            "add",
            &s.member.name,
            &format!(
                "{role} {}:{} lines {}",
                s.channel,
                s.external_id,
                lines.join(",")
            ),
            now,
        )
        .await?;
        Ok(true)
    }

    /// Removes a staff member added from chat and audits it. `false` if there was none.
    pub async fn staff_remove(
        conn: &mut AnyConnection,
        name: &str,
        actor: &crate::domain::Actor,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query("DELETE FROM staff_members WHERE name = $1")
            .bind(name)
            .execute(&mut *conn)
            .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        Store::staff_audit(conn, actor, "remove", name, "", now).await?;
        Ok(true)
    }

    pub(crate) async fn staff_audit(
        conn: &mut AnyConnection,
        actor: &crate::domain::Actor,
        action: &str,
        name: &str,
        detail: &str,
        now: i64,
    ) -> CoreResult<()> {
        sqlx::query("INSERT INTO staff_audit (at_ms, actor, action, name, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind(now)
            .bind(actor.to_string())
            .bind(action)
            .bind(name)
            .bind(detail)
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
