//! The knowledge base's one error type.
//!
//! Problems with one article file are not errors of the whole operation: they are reported as
//! [`crate::LoadProblem`]s and the good files still load. `KbError` is for what stops an
//! operation outright.

use std::path::PathBuf;

/// What can go wrong in the knowledge base.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    /// An article failed validation (bad front matter, missing slug, …).
    #[error("{0}")]
    Article(#[from] ArticleError),
    /// A file or folder could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The search index failed; internal, never caused by what a user typed.
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index directory could not be opened.
    #[error("cannot open the index directory: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    /// An article with this slug (in any language) is not in the knowledge base.
    #[error("no article with slug `{0}`")]
    UnknownSlug(String),
}

/// Why one article is refused. These messages are shown to the admin who wrote the article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArticleError {
    #[error("missing front matter: the file must start with a line `---`")]
    MissingFrontMatter,
    #[error("front matter is not closed: add a line `---` after it")]
    UnclosedFrontMatter,
    #[error("bad front matter: {0}")]
    BadFrontMatter(String),
    #[error("missing slug")]
    MissingSlug,
    #[error("bad slug `{0}`: use 1-100 characters, letters, digits, `-`, `_` or `.`")]
    BadSlug(String),
    #[error("duplicate slug `{slug}` (language {lang}), first seen in {first}")]
    DuplicateSlug {
        slug: String,
        lang: String,
        first: String,
    },
    #[error("unknown lang `{0}`: use `ru` or `en`")]
    UnknownLang(String),
    #[error("the article has no text: give it a title or a body")]
    Empty,
    #[error("bad JSON: {0}")]
    BadJson(String),
}
