//! Knowledge-base articles in the database: the source of truth the search index follows.
//!
//! Every change is a new row of `article_versions` (author, time, note); the latest version
//! of a (slug, lang) is the article, and its `state` says whether it is published, a draft or
//! deleted. Nothing is ever overwritten, so any version can be restored. The search index is
//! a cache of the published articles: it records the `seq` of the last change it applied and
//! catches up from there (see [`crate::engine::Engine::sync_kb`]).

use std::fmt;

use frontline_kb::{Article, Lang, Slug};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::{CoreError, CoreResult};
use crate::store::Store;

/// Where an article's latest version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleState {
    /// Indexed and offered to users.
    Published,
    /// Written (by hand or from a ticket) and waiting for an admin to publish it.
    Draft,
    /// Removed from the index; its versions stay, and a revert brings it back.
    Deleted,
}

impl ArticleState {
    pub fn code(self) -> &'static str {
        match self {
            ArticleState::Published => "published",
            ArticleState::Draft => "draft",
            ArticleState::Deleted => "deleted",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Some(match s {
            "published" => ArticleState::Published,
            "draft" => ArticleState::Draft,
            "deleted" => ArticleState::Deleted,
            _ => return None,
        })
    }
}

impl fmt::Display for ArticleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One stored version of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleVersion {
    /// The position of this change among all changes.
    pub seq: i64,
    pub version: i64,
    pub state: ArticleState,
    pub article: Article,
    pub author: String,
    pub at_ms: i64,
    /// What the change was: "added", "edited", "deleted", "reverted to v2", …
    pub note: String,
}

/// The category of a known issue's article (the workbench's `/problem`).
pub const KNOWN_ISSUE_CATEGORY: &str = "known-issue";

/// The author of a version that only added a learned phrasing.
pub const LEARNED_AUTHOR: &str = "learned";

/// How a learned phrasing names the person who asked: as ticket events name users.
pub fn learned_by(person: i64) -> String {
    format!("user:{person}")
}

const COLUMNS: &str = "seq, slug, lang, version, state, title, body, tags, category, questions, learned, author, \
     at_ms, note";

fn corrupt(what: &str, value: &str) -> CoreError {
    CoreError::Corrupt(format!("{what}: {value:?}"))
}

fn version_from(r: &AnyRow) -> CoreResult<ArticleVersion> {
    let slug: String = r.try_get("slug")?;
    let lang: String = r.try_get("lang")?;
    let state: String = r.try_get("state")?;
    let tags: String = r.try_get("tags")?;
    let questions: String = r.try_get("questions")?;
    let learned: String = r.try_get("learned")?;
    let list = |what: &str, json: &str| -> CoreResult<Vec<String>> {
        serde_json::from_str(json).map_err(|_| corrupt(what, json))
    };
    Ok(ArticleVersion {
        seq: r.try_get("seq")?,
        version: r.try_get("version")?,
        state: ArticleState::from_code(&state).ok_or_else(|| corrupt("article state", &state))?,
        article: Article {
            slug: Slug::parse(&slug).map_err(|_| corrupt("slug", &slug))?,
            lang: Lang::parse(&lang).map_err(|_| corrupt("lang", &lang))?,
            title: r.try_get("title")?,
            tags: list("tags", &tags)?,
            category: r.try_get("category")?,
            questions: list("questions", &questions)?,
            learned: serde_json::from_str(&learned).map_err(|_| corrupt("learned", &learned))?,
            body: r.try_get("body")?,
        },
        author: r.try_get("author")?,
        at_ms: r.try_get("at_ms")?,
        note: r.try_get("note")?,
    })
}

/// The same content, ignoring who wrote it and when (an import that changes nothing adds no
/// version).
fn same_content(a: &Article, b: &Article) -> bool {
    a.title == b.title
        && a.body.trim_end() == b.body.trim_end()
        && a.tags == b.tags
        && a.category == b.category
        && a.questions == b.questions
        && a.learned == b.learned
}

impl Store {
    /// The latest version of `slug` in `lang`, whatever its state.
    pub async fn article_latest(
        conn: &mut AnyConnection,
        slug: &Slug,
        lang: Lang,
    ) -> CoreResult<Option<ArticleVersion>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM article_versions WHERE slug = $1 AND lang = $2 \
             ORDER BY version DESC LIMIT 1"
        ))
        .bind(slug.as_str())
        .bind(lang.code())
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(version_from).transpose()
    }

    /// The latest version of `slug` in each language it has.
    pub async fn article_langs(
        conn: &mut AnyConnection,
        slug: &Slug,
    ) -> CoreResult<Vec<ArticleVersion>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM article_versions a WHERE slug = $1 AND version = \
             (SELECT MAX(version) FROM article_versions b WHERE b.slug = a.slug AND b.lang = a.lang) \
             ORDER BY lang"
        ))
        .bind(slug.as_str())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(version_from).collect()
    }

    /// One version of `slug` in `lang`.
    pub async fn article_version(
        conn: &mut AnyConnection,
        slug: &Slug,
        lang: Lang,
        version: i64,
    ) -> CoreResult<Option<ArticleVersion>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM article_versions WHERE slug = $1 AND lang = $2 AND version = $3"
        ))
        .bind(slug.as_str())
        .bind(lang.code())
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(version_from).transpose()
    }

    /// Every version of `slug` in `lang`, newest first.
    pub async fn article_history(
        conn: &mut AnyConnection,
        slug: &Slug,
        lang: Lang,
    ) -> CoreResult<Vec<ArticleVersion>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM article_versions WHERE slug = $1 AND lang = $2 \
             ORDER BY version DESC"
        ))
        .bind(slug.as_str())
        .bind(lang.code())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(version_from).collect()
    }

    /// The latest version of every article, by slug and language.
    pub async fn articles_latest(conn: &mut AnyConnection) -> CoreResult<Vec<ArticleVersion>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM article_versions a WHERE version = \
             (SELECT MAX(version) FROM article_versions b WHERE b.slug = a.slug AND b.lang = a.lang) \
             ORDER BY slug, lang"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(version_from).collect()
    }

    /// The latest version of every article changed after `seq`, and the highest seq seen.
    pub async fn articles_changed_since(
        conn: &mut AnyConnection,
        seq: i64,
    ) -> CoreResult<(Vec<ArticleVersion>, i64)> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM article_versions a WHERE version = \
             (SELECT MAX(version) FROM article_versions b WHERE b.slug = a.slug AND b.lang = a.lang) \
             AND EXISTS (SELECT 1 FROM article_versions c WHERE c.slug = a.slug AND c.lang = a.lang \
             AND c.seq > $1) ORDER BY seq"
        ))
        .bind(seq)
        .fetch_all(&mut *conn)
        .await?;
        let changed: Vec<ArticleVersion> =
            rows.iter().map(version_from).collect::<CoreResult<_>>()?;
        let top = changed.iter().map(|v| v.seq).max().unwrap_or(seq);
        Ok((changed, top))
    }

    /// The seq of the latest change, 0 when there are no articles.
    pub async fn articles_seq(conn: &mut AnyConnection) -> CoreResult<i64> {
        let row =
            sqlx::query("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) AS s FROM article_versions")
                .fetch_one(&mut *conn)
                .await?;
        Ok(row.try_get("s")?)
    }

    /// Stores `article` as its next version in `state`. Returns the new version, or `None`
    /// when the latest version already has this content and state (nothing to record).
    pub async fn article_put(
        conn: &mut AnyConnection,
        article: &Article,
        state: ArticleState,
        author: &str,
        note: &str,
        now: i64,
    ) -> CoreResult<Option<ArticleVersion>> {
        let latest = Store::article_latest(conn, &article.slug, article.lang).await?;
        if let Some(l) = &latest
            && l.state == state
            && same_content(&l.article, article)
        {
            return Ok(None);
        }
        let version = latest.map_or(1, |l| l.version + 1);
        let json = |items: &[String]| serde_json::to_string(items).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO article_versions \
             (slug, lang, version, state, title, body, tags, category, questions, learned, author, \
              at_ms, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(article.slug.as_str())
        .bind(article.lang.code())
        .bind(version)
        .bind(state.code())
        .bind(&article.title)
        .bind(&article.body)
        .bind(json(&article.tags))
        .bind(article.category.clone())
        .bind(json(&article.questions))
        .bind(serde_json::to_string(&article.learned).unwrap_or_else(|_| "[]".into()))
        .bind(author)
        .bind(now)
        .bind(note)
        .execute(&mut *conn)
        .await?;
        Store::article_version(conn, &article.slug, article.lang, version).await
    }
}

/// How far the search index has followed the articles' table: the highest change (`seq`)
/// it holds, kept in the index as `seq:N` so a restarted or second instance knows where to
/// catch up from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexMark(pub i64);

impl IndexMark {
    /// The mark an index carries, if it is one of ours (an index written before marks, or
    /// by another tool, has none and is rebuilt).
    pub fn parse(s: &str) -> Option<IndexMark> {
        s.strip_prefix("seq:")?.parse().ok().map(IndexMark)
    }
}

impl std::fmt::Display for IndexMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "seq:{}", self.0)
    }
}

#[cfg(test)]
mod mark_tests {
    use super::IndexMark;

    #[test]
    fn index_marks_read_back_what_they_write() {
        assert_eq!(
            IndexMark::parse(&IndexMark(42).to_string()),
            Some(IndexMark(42))
        );
        assert_eq!(IndexMark::parse("seq:x"), None);
        assert_eq!(IndexMark::parse("42"), None);
    }
}
