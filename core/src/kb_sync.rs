//! The knowledge base's articles and their search index: importing articles into the
//! database (as new versions), and keeping the index in step with the articles' table from
//! its mark, after each change and on every scheduler round.

use crate::articles::IndexMark;
use crate::domain::Lang;
use crate::engine::{CONFLICT_ATTEMPTS, Engine};
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

/// The author of the bundled sample's versions.
pub const SAMPLE_AUTHOR: &str = "sample";

/// What an import does to the articles it does not bring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// They stay (but the untouched sample is retired by the first import).
    Merge,
    /// They are soft-deleted: the knowledge base becomes exactly the import.
    Replace,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    /// Articles new or changed.
    pub changed: usize,
    /// Articles soft-deleted, as `slug (lang)`.
    pub retired: Vec<String>,
    /// Whether those were the bundled sample.
    pub sample_retired: bool,
}

impl Engine {
    /// Brings the search index up to date with the articles' table: applies every change
    /// after the index's mark, or rebuilds it from the table when it has no usable mark (a
    /// new index, or a database that was replaced). Returns how many articles changed.
    ///
    /// Called after each commit that changed articles and at start; the scheduler calls it
    /// too, so edits made through another instance reach this one's index.
    ///
    /// # Errors
    /// Database or index failures.
    #[tracing::instrument(skip(self))]
    pub async fn sync_kb(&self) -> CoreResult<usize> {
        let _one = self.kb_sync.lock().await;
        let kb = self.kb.clone();
        let mark = blocking(move || kb.mark()).await?;
        let mark = mark
            .as_deref()
            .and_then(crate::articles::IndexMark::parse)
            .map(|m| m.0);
        let mut conn = self.store.pool().acquire().await?;
        let top = Store::articles_seq(&mut conn).await?;
        match mark {
            Some(m) if m == top => Ok(0),
            Some(m) if m < top => {
                // A little before the mark too: on PostgreSQL a transaction can take a lower
                // seq and commit after a higher one was applied. Re-applying is harmless.
                let (changed, top) =
                    Store::articles_changed_since(&mut conn, m - SYNC_LOOKBACK).await?;
                drop(conn);
                if changed.is_empty() {
                    return Ok(0);
                }
                let count = changed.len();
                let (upserts, removals): (Vec<_>, Vec<_>) = changed
                    .into_iter()
                    .partition(|v| v.state == crate::articles::ArticleState::Published);
                let upserts: Vec<_> = upserts.into_iter().map(|v| v.article).collect();
                let removals: Vec<_> = removals
                    .into_iter()
                    .map(|v| (v.article.slug, v.article.lang))
                    .collect();
                let kb = self.kb.clone();
                blocking(move || kb.apply(&upserts, &removals, &IndexMark(top).to_string()))
                    .await?;
                Ok(count)
            }
            _ => {
                let all = Store::articles_latest(&mut conn).await?;
                drop(conn);
                let published: Vec<_> = all
                    .into_iter()
                    .filter(|v| v.state == crate::articles::ArticleState::Published)
                    .map(|v| v.article)
                    .collect();
                let count = published.len();
                tracing::info!(count, "rebuilding the search index from the database");
                let kb = self.kb.clone();
                let total = count as u64;
                blocking(move || {
                    kb.rebuild_marked(
                        published,
                        Some(total),
                        false,
                        Some(&IndexMark(top).to_string()),
                    )
                })
                .await?;
                Ok(count)
            }
        }
    }

    /// Stores `articles` as new published versions by `author` (an article whose latest
    /// version already says the same is left alone) and brings the index up to date.
    /// Returns how many were added or changed.
    ///
    /// # Errors
    /// Database or index failures.
    #[tracing::instrument(skip(self, articles), fields(count = articles.len()))]
    pub async fn import_articles(
        &self,
        articles: &[frontline_kb::Article],
        author: &str,
    ) -> CoreResult<usize> {
        Ok(self
            .import_articles_as(articles, author, ImportMode::Merge)
            .await?
            .changed)
    }

    /// [`Engine::import_articles`], saying what becomes of the articles not imported: with
    /// [`ImportMode::Replace`] they are soft-deleted (the knowledge base becomes exactly
    /// `articles`, every version kept); with [`ImportMode::Merge`] they stay — except the
    /// bundled sample, which a desk's first own import retires (it is a demo: its articles
    /// would go on answering the desk's users).
    ///
    /// # Errors
    /// Database or index failures.
    pub async fn import_articles_as(
        &self,
        articles: &[frontline_kb::Article],
        author: &str,
        mode: ImportMode,
    ) -> CoreResult<Imported> {
        let mut attempt = 0;
        let changed = loop {
            attempt += 1;
            match self.import_once(articles, author, mode).await {
                // Another instance importing the same articles at once (two started together
                // on a fresh database): done again, its versions are seen as the same.
                Err(e) if e.is_conflict() && attempt < CONFLICT_ATTEMPTS => {
                    tracing::debug!(error = %e, attempt, "conflicting import; again");
                    tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
                }
                other => break other?,
            }
        };
        self.sync_kb().await?;
        Ok(changed)
    }

    async fn import_once(
        &self,
        articles: &[frontline_kb::Article],
        author: &str,
        mode: ImportMode,
    ) -> CoreResult<Imported> {
        let now = self.clock.now_ms();
        let mut tx = self.store.begin().await?;
        let latest = Store::articles_latest(&mut tx).await?;
        let live: Vec<&crate::articles::ArticleVersion> = latest
            .iter()
            .filter(|v| v.state != crate::articles::ArticleState::Deleted)
            .collect();
        // Untouched: every article's latest version is the sample's own.
        let only_sample = author != SAMPLE_AUTHOR
            && !live.is_empty()
            && latest.iter().all(|v| v.author == SAMPLE_AUTHOR);
        let incoming: std::collections::HashSet<(&str, Lang)> =
            articles.iter().map(|a| (a.slug.as_str(), a.lang)).collect();
        let mut retired = Vec::new();
        if mode == ImportMode::Replace || only_sample {
            let note = if only_sample {
                "retired: the bundled sample, replaced by the desk's own articles"
            } else {
                "retired: not in the replacing import"
            };
            for v in live
                .iter()
                .filter(|v| !incoming.contains(&(v.article.slug.as_str(), v.article.lang)))
            {
                Store::article_put(
                    &mut tx,
                    &v.article,
                    crate::articles::ArticleState::Deleted,
                    author,
                    note,
                    now,
                )
                .await?;
                retired.push(format!("{} ({})", v.article.slug, v.article.lang));
            }
        }
        let mut changed = 0;
        for a in articles {
            // A file written before users taught the article anything (no `learned` list)
            // keeps what they taught it; `--replace` makes the article exactly the file.
            let kept;
            let a = match latest
                .iter()
                .find(|v| v.article.slug == a.slug && v.article.lang == a.lang)
            {
                Some(v) if mode == ImportMode::Merge && a.learned.is_empty() => {
                    kept = frontline_kb::Article {
                        learned: v.article.learned.clone(),
                        ..a.clone()
                    };
                    &kept
                }
                _ => a,
            };
            let stored = Store::article_put(
                &mut tx,
                a,
                crate::articles::ArticleState::Published,
                author,
                "imported",
                now,
            )
            .await?;
            changed += usize::from(stored.is_some());
        }
        tx.commit().await?;
        Ok(Imported {
            changed,
            sample_retired: only_sample && !retired.is_empty(),
            retired,
        })
    }
}

/// How many changes before its mark an index sync looks at again (see [`Engine::sync_kb`]).
pub const SYNC_LOOKBACK: i64 = 64;

/// Runs index work (which writes files) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, frontline_kb::KbError> + Send + 'static,
) -> CoreResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::Corrupt(format!("index task failed: {e}")))?
        .map_err(CoreError::from)
}
