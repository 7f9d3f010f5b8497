//! The outbox's tables: `outbox` (one row per message) and `outbox_chats` (one row per chat,
//! with who sends to it and when to look at it next).
//!
//! Why chats are leased and not rows: a chat's messages must go out in order, one after
//! another, and the agents' group can have thousands waiting. With a lease per chat, one
//! sender owns a chat at a time (across instances too), reads its pending rows in id order
//! through a partial index, and nobody else needs to ask "is there an earlier unsent row?"
//! per candidate row — the question that made the old due query quadratic in the backlog.
//! Every query here reads a bounded number of index entries: the due query reads at most
//! `limit` chats (plus the few leased elsewhere), a chat's read at most `limit` rows.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{Backend, Store, corrupt};
use crate::domain::{ChannelKind, ChatRef};
use crate::error::CoreResult;

/// `next_attempt_ms` of a message that will never be sent (a permanent failure).
pub const PARKED: i64 = i64::MAX;

/// The pending-rows predicate, literally as the partial index `outbox_chat_pending` has it
/// (a planner uses a partial index only when the query implies its predicate).
const PENDING: &str = "sent_ms IS NULL AND next_attempt_ms < 9223372036854775807";

/// A chat a dispatcher has just leased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeasedChat {
    pub to: ChatRef,
    /// How many times mail was queued to it, as of the lease: given back at release, it
    /// tells whether more arrived while the chat was worked.
    pub version: i64,
}

/// A chat given back by its sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleasedChat {
    pub to: ChatRef,
    /// The chat's version when its pending rows were last read.
    pub version: i64,
    /// When its first pending row is due then (`None`: nothing was pending).
    pub next_due: Option<i64>,
}

/// One message waiting to be sent to a chat.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRow {
    pub id: i64,
    pub payload: String,
    pub attempts: i64,
    pub next_attempt_ms: i64,
}

/// The chats due by `now` that `holder` may lease, earliest first (`skip`: PostgreSQL's
/// `FOR UPDATE SKIP LOCKED`, or nothing); the arguments are the placeholders to use.
fn due_chats_sql(holder: &str, now: &str, limit: &str, only: &str, skip: &str) -> String {
    format!(
        "SELECT channel, chat FROM outbox_chats \
         WHERE next_due_ms <= {now} AND (until_ms < {now} OR holder = {holder}) {only} \
         ORDER BY next_due_ms LIMIT {limit} {skip}"
    )
}

/// One chat's first `limit` pending rows, in order (the placeholders of its channel and chat).
fn pending_sql(channel: &str, chat: &str, limit: i64) -> String {
    format!(
        "SELECT id, channel, chat, payload, attempts, next_attempt_ms FROM outbox \
         WHERE channel = {channel} AND chat = {chat} AND {PENDING} ORDER BY id LIMIT {limit}"
    )
}

/// The chat a row of `outbox` or `outbox_chats` is about.
fn chat_of(r: &AnyRow) -> CoreResult<ChatRef> {
    let channel: String = r.try_get("channel")?;
    Ok(ChatRef::new(
        ChannelKind::from_code(&channel).ok_or_else(|| corrupt("channel", &channel))?,
        r.try_get::<String, _>("chat")?,
    ))
}

/// `AND channel IN ('telegram', …)` for the channels a process can send on (codes are the
/// enum's own constants, never user text).
pub(super) fn channel_filter(channels: &[ChannelKind]) -> String {
    if channels.is_empty() {
        return "AND 1 = 0".to_string();
    }
    let codes: Vec<String> = channels.iter().map(|c| format!("'{}'", c.code())).collect();
    format!("AND channel IN ({})", codes.join(", "))
}

impl Store {
    /// Puts messages in the outbox, in the caller's transaction, in order, with one
    /// statement (each round trip to SQLite's worker thread costs more than the insert); a
    /// trigger marks their chats due in the same statement.
    pub async fn enqueue(
        conn: &mut AnyConnection,
        messages: &[(&ChatRef, String)],
        now: i64,
    ) -> CoreResult<()> {
        Self::enqueue_for(conn, messages, now, None).await
    }

    /// [`Store::enqueue`], the rows marked as announcement `announcement`'s (its pump
    /// settles its recipients from them).
    pub async fn enqueue_for(
        conn: &mut AnyConnection,
        messages: &[(&ChatRef, String)],
        now: i64,
        announcement: Option<i64>,
    ) -> CoreResult<()> {
        if messages.is_empty() {
            return Ok(());
        }
        // Grouped by chat in byte order (stably: each chat's messages keep their order), so
        // every transaction — and a dispatcher's release, which locks in the same order —
        // takes the chats' locks in one order, and none waits for another in a circle.
        let mut messages: Vec<&(&ChatRef, String)> = messages.iter().collect();
        messages.sort_by(|(a, _), (b, _)| {
            (a.channel.code(), &a.chat).cmp(&(b.channel.code(), &b.chat))
        });
        let values: Vec<String> = (0..messages.len())
            .map(|i| {
                format!(
                    "(${}, ${}, ${}, $1, $1, $2)",
                    3 * i + 3,
                    3 * i + 4,
                    3 * i + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO outbox (channel, chat, payload, created_ms, next_attempt_ms, announcement) \
             VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(now).bind(announcement);
        for (to, payload) in messages {
            q = q
                .bind(to.channel.code())
                .bind(to.chat.as_str())
                .bind(payload.as_str());
        }
        q.execute(&mut *conn).await?;
        Ok(())
    }

    /// Leases up to `limit` chats that have mail due by `now` and that nobody else holds, for
    /// `holder` until `until` (one statement; of several dispatchers, one gets each chat).
    /// A chat `holder` already holds is returned again: the caller knows which it is sending.
    pub async fn lease_chats(
        &self,
        holder: &str,
        now: i64,
        until: i64,
        limit: i64,
        channels: &[ChannelKind],
    ) -> CoreResult<Vec<LeasedChat>> {
        let only = channel_filter(channels);
        // PostgreSQL: instances skip each other's locked rows instead of waiting on them; the
        // outer condition is checked again on the locked row, so a chat leased meanwhile is
        // left alone.
        let skip = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let due = due_chats_sql("$1", "$3", "$4", &only, skip);
        let rows = sqlx::query(&format!(
            "UPDATE outbox_chats SET holder = $1, until_ms = $2, next_due_ms = $2 \
             WHERE (channel, chat) IN ({due}) \
             AND (until_ms < $3 OR holder = $1) \
             RETURNING channel, chat, version"
        ))
        .bind(holder)
        .bind(until)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LeasedChat {
                    to: chat_of(r)?,
                    version: r.try_get("version")?,
                })
            })
            .collect()
    }

    /// Extends every lease `holder` has that is still live (the chats it is sending to).
    /// On PostgreSQL a chat locked by a transaction at that moment is skipped (renewed next
    /// time, well before its lease runs out) rather than waited for: waiting on several
    /// rows in one statement is how deadlocks start.
    pub async fn renew_chats(&self, holder: &str, now: i64, until: i64) -> CoreResult<u64> {
        let skip = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let r = sqlx::query(&format!(
            "UPDATE outbox_chats SET until_ms = $1, \
             next_due_ms = CASE WHEN next_due_ms = until_ms THEN $1 ELSE next_due_ms END \
             WHERE (channel, chat) IN (SELECT channel, chat FROM outbox_chats \
                 WHERE holder = $2 AND until_ms >= $3 {skip}) \
             AND holder = $2 AND until_ms >= $3"
        ))
        .bind(until)
        .bind(holder)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }

    /// Frees at once every chat `holder` leased in an earlier run (a restart after a crash):
    /// nothing of this process is sending to them, so waiting for the lease to run out would
    /// only delay their mail.
    pub async fn reclaim_chats(&self, holder: &str, now: i64) -> CoreResult<u64> {
        let r = sqlx::query(
            "UPDATE outbox_chats SET holder = '', until_ms = 0, next_due_ms = $1 \
             WHERE holder = $2",
        )
        .bind(now)
        .bind(holder)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }

    /// How many times mail was queued to `to`: read before a chat's rows, it tells at release
    /// whether more arrived since.
    pub async fn chat_version(&self, to: &ChatRef) -> CoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT version FROM outbox_chats WHERE channel = $1 AND chat = $2")
                .bind(to.channel.code())
                .bind(to.chat.as_str())
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(0),
        )
    }

    /// The first `limit` pending (unsent, not parked) messages to `to`, in order.
    pub async fn pending_of_chat(&self, to: &ChatRef, limit: i64) -> CoreResult<Vec<PendingRow>> {
        Ok(self
            .pending_of_chats(std::slice::from_ref(to), limit)
            .await?
            .remove(to)
            .unwrap_or_default())
    }

    /// The first `limit` pending messages of each of `chats`, in order, with one statement
    /// (a bounded read per chat, through the pending index).
    pub async fn pending_of_chats(
        &self,
        chats: &[ChatRef],
        limit: i64,
    ) -> CoreResult<HashMap<ChatRef, Vec<PendingRow>>> {
        let mut out: HashMap<ChatRef, Vec<PendingRow>> = HashMap::new();
        if chats.is_empty() {
            return Ok(out);
        }
        let parts: Vec<String> = (0..chats.len())
            .map(|i| {
                let part = pending_sql(
                    &format!("${}", 2 * i + 1),
                    &format!("${}", 2 * i + 2),
                    limit,
                );
                format!("SELECT * FROM ({part}) AS c{i}")
            })
            .collect();
        let sql = parts.join(" UNION ALL ");
        let mut q = sqlx::query(&sql);
        for to in chats {
            q = q.bind(to.channel.code()).bind(to.chat.as_str());
        }
        for r in q.fetch_all(&self.pool).await? {
            out.entry(chat_of(&r)?).or_default().push(PendingRow {
                id: r.try_get("id")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
                next_attempt_ms: r.try_get("next_attempt_ms")?,
            });
        }
        for rows in out.values_mut() {
            rows.sort_by_key(|r| r.id);
        }
        Ok(out)
    }

    /// Gives chats back. Each chat is due at its `next_due` as its sender saw it at
    /// `version`; a chat whose mail was queued since (its version moved) is due now instead,
    /// so nothing waits for a poll.
    ///
    /// One statement for all. On PostgreSQL it locks the chats in the order a transaction
    /// queuing mail to several of them (the agents' group and a user) does; in any other
    /// order the two could deadlock (they did, in the relay benchmark).
    pub async fn release_chats(
        &self,
        holder: &str,
        chats: &[ReleasedChat],
        now: i64,
    ) -> CoreResult<()> {
        if chats.is_empty() {
            return Ok(());
        }
        let mut cases = String::new();
        let mut which = Vec::new();
        for i in 0..chats.len() {
            let p = 3 + 4 * i;
            cases.push_str(&format!(
                " WHEN channel = ${} AND chat = ${} AND version = ${} THEN ${}",
                p,
                p + 1,
                p + 2,
                p + 3
            ));
            which.push(format!("(channel = ${} AND chat = ${})", p, p + 1));
        }
        // PostgreSQL: the chats are locked first, in byte order — the order in which a
        // transaction queuing mail locks them (`enqueue` sorts its rows so) — so the two
        // never wait for each other in a circle.
        let lock = match self.backend {
            Backend::Postgres => format!(
                "AND (channel, chat) IN (SELECT channel, chat FROM outbox_chats \
                 WHERE holder = $1 AND ({}) \
                 ORDER BY channel COLLATE \"C\", chat COLLATE \"C\" FOR UPDATE)",
                which.join(" OR ")
            ),
            Backend::Sqlite => String::new(),
        };
        let sql = format!(
            "UPDATE outbox_chats SET holder = '', until_ms = 0, \
             next_due_ms = CASE{cases} ELSE $2 END \
             WHERE holder = $1 AND ({}) {lock}",
            which.join(" OR ")
        );
        let mut q = sqlx::query(&sql).bind(holder).bind(now);
        for c in chats {
            q = q
                .bind(c.to.channel.code())
                .bind(c.to.chat.as_str())
                .bind(c.version)
                .bind(c.next_due);
        }
        q.execute(&self.pool).await?;
        Ok(())
    }

    /// Records messages as sent, with one statement.
    pub async fn mark_sent(&self, ids: &[i64], now: i64) -> CoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        sqlx::query(&format!(
            "UPDATE outbox SET sent_ms = $1 WHERE id IN ({})",
            list.join(", ")
        ))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt of messages: tried again at `next_attempt_ms` ([`PARKED`]:
    /// never).
    pub async fn mark_failed(
        &self,
        ids: &[i64],
        next_attempt_ms: i64,
        error: &str,
    ) -> CoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        sqlx::query(&format!(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = $1, last_error = $2 \
             WHERE id IN ({})",
            list.join(", ")
        ))
        .bind(next_attempt_ms)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Parks messages whose recipient cannot be reached (blocked the bot, gone), marked so.
    pub async fn mark_unreachable(&self, ids: &[i64], error: &str) -> CoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        sqlx::query(&format!(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = $1, last_error = $2, \
             unreachable = 1 WHERE id IN ({})",
            list.join(", ")
        ))
        .bind(PARKED)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// PostgreSQL's plans (`EXPLAIN ANALYZE`, as text) of the two reads a dispatcher
    /// makes per round — the due chats, and one chat's pending rows — for checking that
    /// they read a bounded number of rows whatever the backlog. `None` on SQLite.
    pub async fn explain_outbox_reads(
        &self,
        now: i64,
        to: &ChatRef,
        limit: i64,
    ) -> CoreResult<Option<[String; 2]>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        // The very queries the dispatcher runs (without the row locks, which EXPLAIN
        // ANALYZE would take).
        let due_sql = due_chats_sql("$1", "$2", &limit.to_string(), "", "");
        let due: Vec<String> =
            sqlx::query_scalar(&format!("EXPLAIN (ANALYZE, FORMAT TEXT) {due_sql}"))
                .bind("")
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
        let pending_sql = pending_sql("$1", "$2", limit);
        let pending: Vec<String> =
            sqlx::query_scalar(&format!("EXPLAIN (ANALYZE, FORMAT TEXT) {pending_sql}"))
                .bind(to.channel.code())
                .bind(to.chat.as_str())
                .fetch_all(&self.pool)
                .await?;
        Ok(Some([due.join("\n"), pending.join("\n")]))
    }

    /// Messages not yet sent.
    /// How many rows wait to be sent (parked ones left out), and when the oldest of them
    /// was queued.
    pub async fn outbox_depth(&self) -> CoreResult<(i64, Option<i64>)> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(created_ms) AS oldest FROM outbox \
             WHERE sent_ms IS NULL AND next_attempt_ms < $1",
        )
        .bind(PARKED)
        .fetch_one(&self.pool)
        .await?;
        Ok((r.try_get("n")?, r.try_get("oldest")?))
    }

    pub async fn unsent_count(&self) -> CoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_ms IS NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
