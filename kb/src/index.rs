//! The tantivy index: schema, the one writer, the reader, upsert, delete and rebuild.
//!
//! The index is derived data — the articles' source of truth lives elsewhere (files, or the
//! desk's database) — so an index whose schema does not match this build is simply rebuilt.

use std::path::Path;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tantivy::directory::MmapDirectory;
use tantivy::query::{Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::article::{Article, Lang, Slug};
use crate::error::KbError;
use crate::text::{self, ANALYZER};

/// Memory for the one index writer. Enough to index 100,000 articles without a flush storm,
/// small enough to stay well inside the desk's memory budget.
const WRITER_MEMORY: usize = 128 * 1024 * 1024;

/// The searchable fields, in the order [`crate::search`] weighs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Title,
    Questions,
    /// Learned phrasings: users' questions the article answered.
    Learned,
    Lead,
    Body,
    Meta,
}

impl TextField {
    pub const ALL: [TextField; 6] = [
        TextField::Title,
        TextField::Questions,
        TextField::Learned,
        TextField::Lead,
        TextField::Body,
        TextField::Meta,
    ];
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub key: Field,
    pub slug: Field,
    pub lang: Field,
    pub lang_id: Field,
    pub slug_key: Field,
    pub title: Field,
    pub questions: Field,
    pub learned: Field,
    pub lead: Field,
    pub body: Field,
    pub meta: Field,
    pub article: Field,
}

impl Fields {
    pub fn text(&self, f: TextField) -> Field {
        match f {
            TextField::Title => self.title,
            TextField::Questions => self.questions,
            TextField::Learned => self.learned,
            TextField::Lead => self.lead,
            TextField::Body => self.body,
            TextField::Meta => self.meta,
        }
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        slug: b.add_text_field("slug", STRING | FAST),
        lang: b.add_text_field("lang", STRING),
        lang_id: b.add_u64_field("lang_id", INDEXED | FAST),
        slug_key: b.add_u64_field("slug_key", FAST),
        title: b.add_text_field("title", text.clone()),
        questions: b.add_text_field("questions", text.clone()),
        learned: b.add_text_field("learned", text.clone()),
        lead: b.add_text_field("lead", text.clone()),
        body: b.add_text_field("body", text.clone()),
        meta: b.add_text_field("meta", text),
        article: b.add_text_field("article", STORED),
    };
    (b.build(), fields)
}

/// The unique key of one article in one language.
fn key(slug: &Slug, lang: Lang) -> String {
    format!("{}\u{1f}{}", slug.as_str(), lang.code())
}

/// A 64-bit key of a slug (FNV-1a), so search can tell the languages of one article apart
/// from other articles without reading the slug's text.
pub(crate) fn slug_key(slug: &Slug) -> u64 {
    slug.as_str().bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The opening of an article's text: help pages open with what the page is for, which is how
/// users phrase their questions, so it is indexed again as a field of its own.
pub(crate) fn lead_of(plain: &str) -> String {
    const LEAD_CHARS: usize = 240;
    let mut lead = String::new();
    for s in text::sentences(plain) {
        if !lead.is_empty() && lead.chars().count() + s.chars().count() > LEAD_CHARS {
            break;
        }
        if !lead.is_empty() {
            lead.push(' ');
        }
        lead.push_str(s);
    }
    lead
}

/// A knowledge base: one tantivy index, one writer, one reader for the program's life.
pub struct KnowledgeBase {
    pub(crate) reader: IndexReader,
    /// One writer; tantivy allows no more, and the lock orders upserts from many tasks.
    writer: Mutex<IndexWriter>,
    pub(crate) fields: Fields,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase")
            .field("articles", &self.len())
            .finish()
    }
}

impl KnowledgeBase {
    /// An empty knowledge base in memory, for tests and evaluation.
    ///
    /// # Errors
    /// [`KbError::Index`] if tantivy cannot start a writer.
    pub fn in_ram() -> Result<Self, KbError> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    /// Opens the index in `dir`, creating it (or recreating it, if its schema is from another
    /// version) as needed.
    ///
    /// # Errors
    /// [`KbError::Io`] when the folder cannot be created, [`KbError::Index`] otherwise.
    pub fn open(dir: &Path) -> Result<Self, KbError> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir).map_err(|source| KbError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let index = match Index::open_in_dir(dir) {
            Ok(existing) if existing.schema() == schema => existing,
            Ok(_) => {
                tracing::info!(dir = %dir.display(), "index schema changed; rebuilding from scratch");
                Self::wipe(dir)?;
                Index::create(MmapDirectory::open(dir)?, schema, Default::default())?
            }
            Err(_) => {
                Self::wipe(dir)?;
                Index::create(MmapDirectory::open(dir)?, schema, Default::default())?
            }
        };
        Self::with_index(index, fields)
    }

    fn wipe(dir: &Path) -> Result<(), KbError> {
        let io = |source| KbError::Io {
            path: dir.to_path_buf(),
            source,
        };
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.map_err(|source| KbError::Io { path, source })?;
        }
        Ok(())
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self, KbError> {
        index.tokenizers().register(ANALYZER, text::analyzer());
        let writer = index.writer(WRITER_MEMORY)?;
        // Reloads are explicit, right after each commit: a search that follows an upsert
        // always sees it, with no polling thread.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(256)
            .try_into()?;
        Ok(KnowledgeBase {
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    /// How many articles (counting each language) the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Which state of the index searches see: it grows with every commit, so a view built
    /// from the articles (the help centre's) knows when to look again, without a query.
    pub fn generation(&self) -> u64 {
        self.reader.searcher().generation().generation_id()
    }

    fn document(&self, article: &Article) -> TantivyDocument {
        let f = &self.fields;
        let plain = text::markdown_to_plain(&article.body);
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, key(&article.slug, article.lang));
        doc.add_text(f.slug, article.slug.as_str());
        doc.add_text(f.lang, article.lang.code());
        doc.add_u64(f.lang_id, article.lang.id());
        doc.add_u64(f.slug_key, slug_key(&article.slug));
        doc.add_text(f.title, &article.title);
        for q in &article.questions {
            doc.add_text(f.questions, q);
        }
        for l in &article.learned {
            doc.add_text(f.learned, &l.text);
        }
        doc.add_text(f.lead, lead_of(&plain));
        doc.add_text(f.body, &plain);
        for t in &article.tags {
            doc.add_text(f.meta, t);
        }
        if let Some(c) = &article.category {
            doc.add_text(f.meta, c);
        }
        doc.add_text(
            f.article,
            serde_json::to_string(article).unwrap_or_default(),
        );
        doc
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        // A panic while holding the lock leaves the writer usable: tantivy's own state is
        // consistent between calls, so a poisoned lock is taken over rather than propagated.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn commit(&self, writer: &mut IndexWriter) -> Result<(), KbError> {
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Adds an article, or replaces the one with the same slug and language. Commits.
    ///
    /// Blocking (a tantivy commit writes files): call it off the async threads.
    ///
    /// # Errors
    /// [`KbError::Index`] when the index cannot be written.
    #[tracing::instrument(skip(self, article), fields(slug = %article.slug, lang = %article.lang))]
    pub fn upsert(&self, article: &Article) -> Result<(), KbError> {
        let mut w = self.writer();
        w.delete_term(Term::from_field_text(
            self.fields.key,
            &key(&article.slug, article.lang),
        ));
        w.add_document(self.document(article))?;
        self.commit(&mut w)
    }

    /// Applies a batch of changes in one commit that also records `mark`, the position of
    /// the last change applied (read back with [`Self::mark`]). This is how the index follows
    /// the articles' table: the mark says where to resume after a restart.
    ///
    /// # Errors
    /// [`KbError::Index`] when the index cannot be written.
    #[tracing::instrument(skip_all, fields(upserts = upserts.len(), removals = removals.len(), mark))]
    pub fn apply(
        &self,
        upserts: &[Article],
        removals: &[(Slug, Lang)],
        mark: &str,
    ) -> Result<(), KbError> {
        let mut w = self.writer();
        for (slug, lang) in removals {
            w.delete_term(Term::from_field_text(self.fields.key, &key(slug, *lang)));
        }
        for article in upserts {
            w.delete_term(Term::from_field_text(
                self.fields.key,
                &key(&article.slug, article.lang),
            ));
            w.add_document(self.document(article))?;
        }
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(mark);
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The mark of the last commit made by [`Self::apply`] or [`Self::rebuild_marked`].
    ///
    /// # Errors
    /// [`KbError::Index`] when the index's metadata cannot be read.
    pub fn mark(&self) -> Result<Option<String>, KbError> {
        Ok(self.writer().index().load_metas()?.payload)
    }

    /// Removes every language of the article `slug`. Commits.
    ///
    /// # Errors
    /// [`KbError::UnknownSlug`] when no such article exists.
    #[tracing::instrument(skip(self))]
    pub fn delete(&self, slug: &Slug) -> Result<(), KbError> {
        let term = Term::from_field_text(self.fields.slug, slug.as_str());
        let found = TermQuery::new(term.clone(), IndexRecordOption::Basic)
            .count(&self.reader.searcher())?;
        if found == 0 {
            return Err(KbError::UnknownSlug(slug.to_string()));
        }
        let mut w = self.writer();
        w.delete_term(term);
        self.commit(&mut w)
    }

    /// Replaces the whole index with `articles`, in one commit.
    ///
    /// With `progress`, draws a progress bar on stderr (indicatif hides it when stderr is not
    /// a terminal).
    ///
    /// # Errors
    /// [`KbError::Index`] when the index cannot be written.
    pub fn rebuild(&self, articles: &[Article], progress: bool) -> Result<(), KbError> {
        self.rebuild_from(
            articles.iter().cloned(),
            Some(articles.len() as u64),
            progress,
        )
    }

    /// [`Self::rebuild`] from a stream, so a large knowledge base never has to be held in
    /// memory whole. `total`, when known, sizes the progress bar.
    ///
    /// # Errors
    /// [`KbError::Index`] when the index cannot be written.
    pub fn rebuild_from(
        &self,
        articles: impl IntoIterator<Item = Article>,
        total: Option<u64>,
        progress: bool,
    ) -> Result<(), KbError> {
        self.rebuild_marked(articles, total, progress, None)
    }

    /// [`Self::rebuild_from`], recording `mark` with the commit (see [`Self::apply`]).
    ///
    /// # Errors
    /// [`KbError::Index`] when the index cannot be written.
    #[tracing::instrument(skip_all, fields(total, mark))]
    pub fn rebuild_marked(
        &self,
        articles: impl IntoIterator<Item = Article>,
        total: Option<u64>,
        progress: bool,
        mark: Option<&str>,
    ) -> Result<(), KbError> {
        let bar = if progress {
            ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template("indexing {bar:40} {pos}/{len} articles ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let mut w = self.writer();
        w.delete_all_documents()?;
        let mut count = 0u64;
        for article in articles {
            w.add_document(self.document(&article))?;
            count += 1;
            if count.is_multiple_of(256) {
                bar.set_position(count);
            }
        }
        bar.set_position(count);
        let mut prepared = w.prepare_commit()?;
        if let Some(mark) = mark {
            prepared.set_payload(mark);
        }
        prepared.commit()?;
        // A full rebuild ends in one segment: a search then looks each term up once instead
        // of once per segment, which is most of its cost in a large index.
        let segments = w.index().searchable_segment_ids()?;
        if segments.len() > 1 {
            bar.set_message("merging");
            w.merge(&segments).wait()?;
        }
        self.reader.reload()?;
        bar.finish_and_clear();
        tracing::info!(count, "index rebuilt");
        Ok(())
    }

    /// The article `slug` in `lang`, if indexed.
    ///
    /// # Errors
    /// [`KbError::Index`] when the index cannot be read.
    pub fn get(&self, slug: &Slug, lang: Lang) -> Result<Option<Article>, KbError> {
        let searcher = self.reader.searcher();
        let q = TermQuery::new(
            Term::from_field_text(self.fields.key, &key(slug, lang)),
            IndexRecordOption::Basic,
        );
        let top = searcher.search(
            &q,
            &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
        )?;
        match top.first() {
            Some((_, addr)) => self.article_at(&searcher, *addr).map(Some),
            None => Ok(None),
        }
    }

    pub(crate) fn article_at(
        &self,
        searcher: &tantivy::Searcher,
        addr: tantivy::DocAddress,
    ) -> Result<Article, KbError> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let json = doc
            .get_first(self.fields.article)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        serde_json::from_str(json).map_err(|e| {
            KbError::Index(tantivy::TantivyError::InternalError(format!(
                "stored article does not parse: {e}"
            )))
        })
    }
}
