//! Duty taken over by an agent (`/duty take`), per line, until a time.

use sqlx::{AnyConnection, Row};

use crate::domain::Line;
use crate::error::CoreResult;
use crate::rota::OnDuty;

use super::Store;

impl Store {
    /// `who` is on duty for `line` until `until_ms`, whatever the rota says.
    pub async fn duty_take(
        conn: &mut AnyConnection,
        line: Line,
        who: &str,
        until_ms: i64,
    ) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO duty_taken (line, who, until_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (line) DO UPDATE SET who = $2, until_ms = $3",
        )
        .bind(i64::from(line.get()))
        .bind(who)
        .bind(until_ms)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Who took `line`'s duty, if it is still theirs at `now`.
    pub async fn duty_taken(
        conn: &mut AnyConnection,
        line: Line,
        now: i64,
    ) -> CoreResult<Option<OnDuty>> {
        let row =
            sqlx::query("SELECT who, until_ms FROM duty_taken WHERE line = $1 AND until_ms > $2")
                .bind(i64::from(line.get()))
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?;
        row.map(|r| -> CoreResult<OnDuty> {
            Ok(OnDuty {
                who: r.try_get("who")?,
                until: r.try_get("until_ms")?,
            })
        })
        .transpose()
    }

    /// Records that `line`'s duty passed from `from` (as last recorded; `None` for never) to
    /// `to`. `false` when another instance recorded it first, or nothing changed.
    pub async fn duty_changed(
        conn: &mut AnyConnection,
        line: Line,
        from: Option<&str>,
        to: &str,
    ) -> CoreResult<bool> {
        let done = match from {
            Some(from) => {
                sqlx::query(
                    "UPDATE duty_state SET who = $1 WHERE line = $2 AND who = $3 AND who <> $1",
                )
                .bind(to)
                .bind(i64::from(line.get()))
                .bind(from)
                .execute(&mut *conn)
                .await?
            }
            None => sqlx::query(
                "INSERT INTO duty_state (line, who) VALUES ($1, $2) ON CONFLICT (line) DO NOTHING",
            )
            .bind(i64::from(line.get()))
            .bind(to)
            .execute(&mut *conn)
            .await?,
        };
        Ok(done.rows_affected() == 1)
    }

    /// Who was last recorded on duty for `line`.
    pub async fn duty_last(conn: &mut AnyConnection, line: Line) -> CoreResult<Option<String>> {
        let row = sqlx::query("SELECT who FROM duty_state WHERE line = $1")
            .bind(i64::from(line.get()))
            .fetch_optional(&mut *conn)
            .await?;
        Ok(row.map(|r| r.try_get("who")).transpose()?)
    }
}
