//! Saved replies (`/macro`): a name and its text per language.

use sqlx::{AnyConnection, Row};

use crate::domain::Lang;
use crate::error::CoreResult;

use super::{Store, corrupt};

/// One saved reply in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Macro {
    pub name: String,
    pub lang: Lang,
    pub body: String,
}

impl Store {
    /// Stores (or replaces) macro `name`'s text in `lang`.
    pub async fn macro_put(
        conn: &mut AnyConnection,
        m: &Macro,
        author: &str,
        now: i64,
    ) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO macros (name, lang, body, author, updated_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name, lang) DO UPDATE SET body = $3, author = $4, updated_ms = $5",
        )
        .bind(&m.name)
        .bind(m.lang.code())
        .bind(&m.body)
        .bind(author)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Removes macro `name` in every language; how many texts went.
    pub async fn macro_remove(conn: &mut AnyConnection, name: &str) -> CoreResult<u64> {
        let done = sqlx::query("DELETE FROM macros WHERE name = $1")
            .bind(name)
            .execute(&mut *conn)
            .await?;
        Ok(done.rows_affected())
    }

    /// Every macro's texts, by name then language.
    pub async fn macros(conn: &mut AnyConnection) -> CoreResult<Vec<Macro>> {
        let rows = sqlx::query("SELECT name, lang, body FROM macros ORDER BY name, lang")
            .fetch_all(&mut *conn)
            .await?;
        rows.iter()
            .map(|r| {
                let lang: String = r.try_get("lang")?;
                Ok(Macro {
                    name: r.try_get("name")?,
                    lang: Lang::parse(&lang).map_err(|_| corrupt("macro language", &lang))?,
                    body: r.try_get("body")?,
                })
            })
            .collect()
    }
}
