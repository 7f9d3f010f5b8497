//! Announcements and their recipients (`announcements`, `announcement_recipients`), and
//! the identities' side of them: muted, or found to have blocked the bot.
//!
//! Every step is one conditional statement from the state it expects, so two instances
//! pumping the same announcement, or a press of [Send] and [Cancel] at once, cannot both
//! act: a draft starts once, a recipient is claimed into the outbox once.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::announce::{Announcement, Audience, AudienceSize, Counts, Recipient, Texts};
use crate::domain::{AnnounceState, ChannelKind, ChatRef, Lang, ProblemId, RecipientState};
use crate::error::CoreResult;

use super::{Backend, Store, corrupt};

/// An announcement about to be drafted.
#[derive(Debug, Clone)]
pub struct NewAnnouncement<'a> {
    pub audience: &'a Audience,
    pub texts: &'a Texts,
    pub problem: Option<ProblemId>,
    pub author: &'a str,
    pub admin: &'a ChatRef,
    pub admin_lang: Lang,
}

/// A value bound to a placeholder of a built statement.
enum Arg {
    Text(String),
    Int(i64),
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    args: &'q [Arg],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for a in args {
        q = match a {
            Arg::Text(s) => q.bind(s.as_str()),
            Arg::Int(n) => q.bind(*n),
        };
    }
    q
}

/// Who an audience is, as a condition on `identities i JOIN persons p`, with its arguments
/// numbered from `$next`. Always: people with a private chat the desk knows, who are not
/// staff and not blocked by an admin; for a known issue's update, not its linked
/// requesters (they were told in their tickets).
struct Filter {
    sql: String,
    args: Vec<Arg>,
}

impl Filter {
    fn new(
        audience: &Audience,
        problem: Option<ProblemId>,
        staff: &[(ChannelKind, String)],
        now: i64,
        mut next: usize,
    ) -> Filter {
        let mut sql = String::from(
            "i.chat <> '' \
             AND NOT EXISTS (SELECT 1 FROM staff_members s WHERE s.channel = i.channel AND s.external_id = i.external_id) \
             AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.channel = i.channel AND b.external_id = i.external_id)",
        );
        let mut args = Vec::new();
        let mut arg = |sql: &mut String, template: &str, a: Arg| {
            sql.push_str(&template.replace("$?", &format!("${next}")));
            next += 1;
            args.push(a);
        };
        match audience {
            Audience::All => {}
            Audience::Org(key) => arg(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM org_members m WHERE m.channel = i.channel \
                 AND m.external_id = i.external_id AND m.org_key = $?)",
                Arg::Text(key.to_string()),
            ),
            Audience::Lang(l) => arg(&mut sql, " AND p.lang = $?", Arg::Text(l.code().into())),
            Audience::Platform(c) => {
                arg(&mut sql, " AND i.channel = $?", Arg::Text(c.code().into()));
            }
            Audience::Active { days } => arg(
                &mut sql,
                " AND i.seen_ms >= $?",
                Arg::Int(now - i64::from(*days) * 86_400_000),
            ),
        }
        if let Some(p) = problem {
            arg(
                &mut sql,
                " AND NOT EXISTS (SELECT 1 FROM problem_links l JOIN tickets t ON t.id = l.ticket_id \
                 WHERE l.problem_id = $? AND t.requester_id = i.person_id)",
                Arg::Int(p.get()),
            );
        }
        for (channel, id) in staff {
            let (c, e) = (next, next + 1);
            sql.push_str(&format!(
                " AND NOT (i.channel = ${c} AND i.external_id = ${e})"
            ));
            next += 2;
            args.push(Arg::Text(channel.code().into()));
            args.push(Arg::Text(id.clone()));
        }
        Filter { sql, args }
    }
}

const COLUMNS: &str = "id, audience, text_en, text_ru, problem_id, author, admin_channel, admin_chat, \
     admin_lang, state, created_ms, started_ms, finished_ms, progress_ms, progress_done";

fn announcement_from(r: &AnyRow) -> CoreResult<Announcement> {
    let audience: String = r.try_get("audience")?;
    let state: String = r.try_get("state")?;
    let channel: String = r.try_get("admin_channel")?;
    let lang: String = r.try_get("admin_lang")?;
    Ok(Announcement {
        id: r.try_get("id")?,
        audience: Audience::from_code(&audience).ok_or_else(|| corrupt("audience", &audience))?,
        texts: Texts {
            en: r.try_get("text_en")?,
            ru: r.try_get("text_ru")?,
        },
        problem: r
            .try_get::<Option<i64>, _>("problem_id")?
            .map(ProblemId::from_db),
        author: r.try_get("author")?,
        admin: ChatRef::new(
            ChannelKind::from_code(&channel).ok_or_else(|| corrupt("channel", &channel))?,
            r.try_get::<String, _>("admin_chat")?,
        ),
        admin_lang: Lang::parse(&lang).map_err(|_| corrupt("lang", &lang))?,
        state: AnnounceState::from_code(&state).ok_or_else(|| corrupt("state", &state))?,
        created_ms: r.try_get("created_ms")?,
        started_ms: r.try_get("started_ms")?,
        finished_ms: r.try_get("finished_ms")?,
        progress_ms: r.try_get("progress_ms")?,
        progress_done: r.try_get("progress_done")?,
    })
}

impl Store {
    /// Drafts an announcement; returns its number.
    pub async fn announcement_add(
        conn: &mut AnyConnection,
        a: &NewAnnouncement<'_>,
        now: i64,
    ) -> CoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO announcements (audience, text_en, text_ru, problem_id, author, \
             admin_channel, admin_chat, admin_lang, state, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(a.audience.code())
        .bind(a.texts.en.as_deref())
        .bind(a.texts.ru.as_deref())
        .bind(a.problem.map(ProblemId::get))
        .bind(a.author)
        .bind(a.admin.channel.code())
        .bind(a.admin.chat.as_str())
        .bind(a.admin_lang.code())
        .bind(AnnounceState::Draft.code())
        .bind(now)
        .fetch_one(&mut *conn)
        .await?)
    }

    pub async fn announcement(
        conn: &mut AnyConnection,
        id: i64,
    ) -> CoreResult<Option<Announcement>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM announcements WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(announcement_from)
        .transpose()
    }

    /// The announcements in `state`, oldest first.
    pub async fn announcements_in(&self, state: AnnounceState) -> CoreResult<Vec<Announcement>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM announcements WHERE state = $1 ORDER BY id"
        ))
        .bind(state.code())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(announcement_from)
        .collect()
    }

    /// The latest `limit` announcements, newest first, with where their recipients stand.
    pub async fn announcements_recent(
        conn: &mut AnyConnection,
        limit: i64,
    ) -> CoreResult<Vec<(Announcement, Counts)>> {
        let list: Vec<Announcement> = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM announcements ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(announcement_from)
        .collect::<CoreResult<_>>()?;
        let mut out = Vec::with_capacity(list.len());
        for a in list {
            let counts = Self::announcement_counts(conn, a.id).await?;
            out.push((a, counts));
        }
        Ok(out)
    }

    /// The announcements drafted in `[from, to)`, oldest first, with where their recipients
    /// stand (two statements, whatever their number).
    pub async fn announcement_report(
        &self,
        from: i64,
        to: i64,
    ) -> CoreResult<Vec<(Announcement, Counts)>> {
        let list: Vec<Announcement> = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM announcements WHERE created_ms >= $1 AND created_ms < $2 ORDER BY id"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(announcement_from)
        .collect::<CoreResult<_>>()?;
        let rows = sqlx::query(
            "SELECT r.announcement_id AS id, r.state, COUNT(*) AS n \
             FROM announcement_recipients r JOIN announcements a ON a.id = r.announcement_id \
             WHERE a.created_ms >= $1 AND a.created_ms < $2 GROUP BY r.announcement_id, r.state",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        let mut counts: std::collections::HashMap<i64, Counts> = Default::default();
        for r in rows {
            let state: String = r.try_get("state")?;
            let state =
                RecipientState::from_code(&state).ok_or_else(|| corrupt("recipient", &state))?;
            counts
                .entry(r.try_get("id")?)
                .or_default()
                .add(state, r.try_get("n")?);
        }
        Ok(list
            .into_iter()
            .map(|a| {
                let c = counts.get(&a.id).copied().unwrap_or_default();
                (a, c)
            })
            .collect())
    }

    /// How many an audience is now: who would get it, who muted announcements, who is known
    /// to have blocked the bot.
    pub async fn audience_size(
        conn: &mut AnyConnection,
        audience: &Audience,
        problem: Option<ProblemId>,
        staff: &[(ChannelKind, String)],
        now: i64,
    ) -> CoreResult<AudienceSize> {
        let f = Filter::new(audience, problem, staff, now, 1);
        let sql = format!(
            "SELECT COUNT(*) AS n, COUNT(i.muted_ms) AS muted, \
             COUNT(CASE WHEN i.muted_ms IS NULL THEN i.unreachable_ms END) AS blocked \
             FROM identities i JOIN persons p ON p.id = i.person_id WHERE {}",
            f.sql
        );
        let r = bind_all(sqlx::query(&sql), &f.args)
            .fetch_one(&mut *conn)
            .await?;
        let (n, muted, blocked): (i64, i64, i64) =
            (r.try_get("n")?, r.try_get("muted")?, r.try_get("blocked")?);
        Ok(AudienceSize {
            reach: n - muted - blocked,
            muted,
            blocked,
        })
    }

    /// [Send]: the draft starts, and its audience as of now becomes its recipients (the
    /// muted and those known to have blocked the bot are recorded as such, not sent to).
    /// `false` when it is no longer a draft.
    pub async fn announcement_start(
        conn: &mut AnyConnection,
        a: &Announcement,
        staff: &[(ChannelKind, String)],
        now: i64,
    ) -> CoreResult<bool> {
        let started = sqlx::query(
            "UPDATE announcements SET state = $1, started_ms = $2, progress_ms = $2 \
             WHERE id = $3 AND state = $4",
        )
        .bind(AnnounceState::Sending.code())
        .bind(now)
        .bind(a.id)
        .bind(AnnounceState::Draft.code())
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1;
        if !started {
            return Ok(false);
        }
        let f = Filter::new(&a.audience, a.problem, staff, now, 2);
        let sql = format!(
            "INSERT INTO announcement_recipients (announcement_id, channel, chat, external_id, lang, state) \
             SELECT $1, i.channel, i.chat, i.external_id, p.lang, \
             CASE WHEN i.muted_ms IS NOT NULL THEN 'muted' \
             WHEN i.unreachable_ms IS NOT NULL THEN 'blocked' ELSE 'pending' END \
             FROM identities i JOIN persons p ON p.id = i.person_id WHERE {} \
             ON CONFLICT (announcement_id, channel, chat) DO NOTHING",
            f.sql
        );
        bind_all(sqlx::query(&sql).bind(a.id), &f.args)
            .execute(&mut *conn)
            .await?;
        Ok(true)
    }

    /// Moves announcements from `from` to `to` (`id`: that one only); returns those moved.
    pub async fn announcement_move(
        conn: &mut AnyConnection,
        id: Option<i64>,
        from: AnnounceState,
        to: AnnounceState,
    ) -> CoreResult<Vec<i64>> {
        let one = if id.is_some() { " AND id = $3" } else { "" };
        let sql = format!("UPDATE announcements SET state = $1 WHERE state = $2{one} RETURNING id");
        let mut q = sqlx::query_scalar(&sql).bind(to.code()).bind(from.code());
        if let Some(id) = id {
            q = q.bind(id);
        }
        let mut ids: Vec<i64> = q.fetch_all(&mut *conn).await?;
        ids.sort_unstable();
        Ok(ids)
    }

    /// Where announcement `id`'s recipients stand.
    pub async fn announcement_counts(conn: &mut AnyConnection, id: i64) -> CoreResult<Counts> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM announcement_recipients \
             WHERE announcement_id = $1 GROUP BY state",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let mut counts = Counts::default();
        for r in rows {
            let state: String = r.try_get("state")?;
            let state =
                RecipientState::from_code(&state).ok_or_else(|| corrupt("recipient", &state))?;
            counts.add(state, r.try_get("n")?);
        }
        Ok(counts)
    }

    /// Settles the recipients whose message the outbox has sent or given up on: sent,
    /// blocked (the platform said they blocked the bot or are gone; their identity is then
    /// known unreachable until they write again) or failed. A queued recipient whose
    /// message is gone from the outbox (erased with its person) counts as failed.
    pub async fn announcement_settle(
        conn: &mut AnyConnection,
        id: i64,
        now: i64,
    ) -> CoreResult<()> {
        let same = "o.announcement = announcement_recipients.announcement_id \
             AND o.channel = announcement_recipients.channel AND o.chat = announcement_recipients.chat";
        let settled = sqlx::query(&format!(
            "UPDATE announcement_recipients SET state = (SELECT CASE \
             WHEN o.sent_ms IS NOT NULL THEN 'sent' WHEN o.unreachable <> 0 THEN 'blocked' \
             ELSE 'failed' END FROM outbox o WHERE {same} ORDER BY o.id DESC LIMIT 1) \
             WHERE announcement_id = $1 AND state = 'queued' AND EXISTS (SELECT 1 FROM outbox o \
             WHERE {same} AND (o.sent_ms IS NOT NULL OR o.next_attempt_ms = {PARKED})) \
             RETURNING channel, external_id, state",
            PARKED = super::PARKED
        ))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        for r in settled {
            if r.try_get::<String, _>("state")? != RecipientState::Blocked.code() {
                continue;
            }
            sqlx::query(
                "UPDATE identities SET unreachable_ms = $1 \
                 WHERE channel = $2 AND external_id = $3 AND unreachable_ms IS NULL",
            )
            .bind(now)
            .bind(r.try_get::<String, _>("channel")?)
            .bind(r.try_get::<String, _>("external_id")?)
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query(&format!(
            "UPDATE announcement_recipients SET state = 'failed' \
             WHERE announcement_id = $1 AND state = 'queued' \
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE {same})"
        ))
        .bind(id)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Takes up to `n` pending recipients on `kinds` into the window (`queued`); the
    /// caller queues their messages in the same transaction. Of two instances, each gets
    /// different ones (`SKIP LOCKED` on PostgreSQL; SQLite has one writer).
    pub async fn announcement_claim(
        conn: &mut AnyConnection,
        id: i64,
        n: i64,
        kinds: &[ChannelKind],
        backend: Backend,
    ) -> CoreResult<Vec<Recipient>> {
        let skip = match backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let only = super::outbox::channel_filter(kinds);
        // The pick is materialized: as a plain `IN (SELECT … LIMIT n)`, PostgreSQL may run
        // the subquery more than once and take more than `n` (it took 56 of a window of 48).
        let rows = sqlx::query(&format!(
            "WITH picked AS MATERIALIZED (SELECT channel, chat FROM announcement_recipients \
             WHERE announcement_id = $1 AND state = 'pending' {only} \
             ORDER BY channel, chat LIMIT $2{skip}) \
             UPDATE announcement_recipients SET state = 'queued' \
             WHERE announcement_id = $1 AND state = 'pending' \
             AND (channel, chat) IN (SELECT channel, chat FROM picked) \
             RETURNING channel, chat, lang"
        ))
        .bind(id)
        .bind(n)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let channel: String = r.try_get("channel")?;
                let lang: String = r.try_get("lang")?;
                Ok(Recipient {
                    to: ChatRef::new(
                        ChannelKind::from_code(&channel)
                            .ok_or_else(|| corrupt("channel", &channel))?,
                        r.try_get::<String, _>("chat")?,
                    ),
                    lang: Lang::parse(&lang).map_err(|_| corrupt("lang", &lang))?,
                })
            })
            .collect()
    }

    /// Whether announcement `id` has recipients on `kinds` still to send to.
    pub async fn announcement_has_pending(
        conn: &mut AnyConnection,
        id: i64,
        kinds: &[ChannelKind],
    ) -> CoreResult<bool> {
        let only = super::outbox::channel_filter(kinds);
        Ok(sqlx::query(&format!(
            "SELECT 1 FROM announcement_recipients WHERE announcement_id = $1 \
             AND state = 'pending' {only} LIMIT 1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
    }

    /// Records progress as posted, if nobody else posted it since `last` (`false` then).
    pub async fn announcement_progress(
        conn: &mut AnyConnection,
        id: i64,
        last: i64,
        now: i64,
        done: i64,
    ) -> CoreResult<bool> {
        Ok(sqlx::query(
            "UPDATE announcements SET progress_ms = $1, progress_done = $2 \
             WHERE id = $3 AND progress_ms = $4 AND state = 'sending'",
        )
        .bind(now)
        .bind(done)
        .bind(id)
        .bind(last)
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1)
    }

    /// Marks a sending announcement done; `false` when it was not sending (stopped, or
    /// finished by another instance).
    pub async fn announcement_finish(
        conn: &mut AnyConnection,
        id: i64,
        now: i64,
    ) -> CoreResult<bool> {
        Ok(sqlx::query(
            "UPDATE announcements SET state = 'done', finished_ms = $1 WHERE id = $2 AND state = 'sending'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1)
    }

    /// `/mute` (`true`) or `/unmute`; returns whether it changed anything. Muting also
    /// skips the person in announcements still being sent.
    pub async fn set_muted(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        id: &str,
        muted: bool,
        now: i64,
    ) -> CoreResult<bool> {
        let changed = if muted {
            sqlx::query(
                "UPDATE identities SET muted_ms = $1 \
                 WHERE channel = $2 AND external_id = $3 AND muted_ms IS NULL",
            )
            .bind(now)
        } else {
            sqlx::query(
                "UPDATE identities SET muted_ms = NULL \
                 WHERE muted_ms IS NOT NULL AND $1 = $1 AND channel = $2 AND external_id = $3",
            )
            .bind(now)
        }
        .bind(channel.code())
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1;
        if muted {
            sqlx::query(
                "UPDATE announcement_recipients SET state = 'muted' \
                 WHERE channel = $1 AND external_id = $2 AND state = 'pending'",
            )
            .bind(channel.code())
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        Ok(changed)
    }
}
