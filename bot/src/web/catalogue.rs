//! What the help centre shows: the published articles, each rendered once, grouped by
//! language and category.
//!
//! It follows the articles' table the way the search index does, from the highest change it
//! holds (`seq`), and looks again whenever the index's generation moves — which it does after
//! every change made in chat (`/kb edit`) or synced from another instance. So a page shows
//! what the bot would answer with, at once, with no export step and no query per request.

use std::collections::BTreeMap;
use std::sync::Arc;

use frontline_core::articles::ArticleState;
use frontline_core::{ArticleVersion, Lang, Store};
use frontline_kb::{Article, KnowledgeBase};

use super::render;

/// One published article, ready to serve.
#[derive(Debug)]
pub struct Entry {
    pub article: Article,
    pub version: i64,
    pub updated_ms: i64,
    /// The body as clean HTML.
    pub html: String,
    pub description: String,
}

impl Entry {
    fn of(v: ArticleVersion) -> Entry {
        let title = v.article.display_title().to_string();
        Entry {
            html: render::article_html(&v.article.body, &title),
            description: render::description(&v.article.body),
            version: v.version,
            updated_ms: v.at_ms,
            article: v.article,
        }
    }

    pub fn category(&self) -> Option<&str> {
        self.article.category.as_deref()
    }
}

/// The published articles at one generation of the index.
#[derive(Debug, Default)]
pub struct Catalogue {
    generation: u64,
    seq: i64,
    entries: BTreeMap<(Lang, String), Arc<Entry>>,
}

impl Catalogue {
    pub fn get(&self, lang: Lang, slug: &str) -> Option<&Arc<Entry>> {
        self.entries.get(&(lang, slug.to_string()))
    }

    /// Every article in `lang`, by slug.
    pub fn in_lang(&self, lang: Lang) -> impl Iterator<Item = &Arc<Entry>> {
        self.entries
            .range((lang, String::new())..)
            .take_while(move |((l, _), _)| *l == lang)
            .map(|(_, e)| e)
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<Entry>> {
        self.entries.values()
    }

    /// The articles of `lang` by category key (`None`: no category), keys in order.
    pub fn categories(&self, lang: Lang) -> BTreeMap<Option<&str>, Vec<&Arc<Entry>>> {
        let mut out: BTreeMap<Option<&str>, Vec<&Arc<Entry>>> = BTreeMap::new();
        for e in self.in_lang(lang) {
            out.entry(e.category()).or_default().push(e);
        }
        out
    }

    /// The latest change among `entries`, for `Last-Modified`.
    pub fn newest<'a>(entries: impl IntoIterator<Item = &'a Arc<Entry>>) -> Option<i64> {
        entries.into_iter().map(|e| e.updated_ms).max()
    }
}

/// The current catalogue, refreshed when the index has moved on.
pub struct Live {
    store: Store,
    kb: Arc<KnowledgeBase>,
    current: std::sync::RwLock<Arc<Catalogue>>,
    /// One refresh at a time; the others wait and take its result.
    refreshing: tokio::sync::Mutex<()>,
}

impl Live {
    pub fn new(store: Store, kb: Arc<KnowledgeBase>) -> Live {
        Live {
            store,
            kb,
            current: std::sync::RwLock::new(Arc::new(Catalogue {
                // Never a generation the index has: the first request loads everything.
                generation: u64::MAX,
                ..Catalogue::default()
            })),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    fn snapshot(&self) -> Arc<Catalogue> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The catalogue as of the index's current generation.
    ///
    /// # Errors
    /// When the articles' table cannot be read.
    pub async fn get(&self) -> frontline_core::error::CoreResult<Arc<Catalogue>> {
        let now = self.kb.generation();
        let cat = self.snapshot();
        if cat.generation == now {
            return Ok(cat);
        }
        let _one = self.refreshing.lock().await;
        let cat = self.snapshot();
        // Read before the table: a change committed meanwhile moves the generation again,
        // and the next request looks once more.
        let now = self.kb.generation();
        if cat.generation == now {
            return Ok(cat);
        }
        let next = Arc::new(self.refresh(&cat, now).await?);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = next.clone();
        Ok(next)
    }

    async fn refresh(
        &self,
        cat: &Catalogue,
        generation: u64,
    ) -> frontline_core::error::CoreResult<Catalogue> {
        let mut conn = self.store.pool().acquire().await?;
        let mut entries = cat.entries.clone();
        let (changed, seq) = if cat.generation == u64::MAX {
            let all = Store::articles_latest(&mut conn).await?;
            let top = all.iter().map(|v| v.seq).max().unwrap_or(0);
            (all, top)
        } else {
            // A little before the mark, as the index does (a PostgreSQL transaction can take
            // a lower seq and commit after a higher one).
            Store::articles_changed_since(
                &mut conn,
                cat.seq - frontline_core::kb_sync::SYNC_LOOKBACK,
            )
            .await?
        };
        drop(conn);
        let count = changed.len();
        for v in changed {
            let key = (v.article.lang, v.article.slug.as_str().to_string());
            match v.state {
                ArticleState::Published => {
                    // A re-read of the same version keeps its rendering.
                    if entries.get(&key).is_none_or(|e| e.version != v.version) {
                        entries.insert(key, Arc::new(Entry::of(v)));
                    }
                }
                ArticleState::Draft | ArticleState::Deleted => {
                    entries.remove(&key);
                }
            }
        }
        tracing::debug!(
            changed = count,
            articles = entries.len(),
            "help centre refreshed"
        );
        Ok(Catalogue {
            generation,
            seq: seq.max(cat.seq),
            entries,
        })
    }
}
