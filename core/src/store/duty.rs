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
}
