//! frontline-kb: the knowledge base of the Frontline support desk.
//!
//! It knows articles and questions, and nothing of tickets or chat platforms.
//!
//! # Layout
//! - [`article`]: articles (Markdown with front matter, or JSONL), slugs, languages, loading a
//!   folder with a report of every bad file.
//! - [`text`]: the one analyzer for Russian and English, Markdown to plain text, sentences.
//! - [`index`]: the tantivy index — one writer, one reader, upsert, delete, rebuild.
//! - [`search`]: BM25F computed straight from tantivy's postings over every article that
//!   shares a word with the question, with a title-coverage bonus; unknown words corrected to
//!   the index's vocabulary first (`typo`).
//! - [`decision`]: answer, suggest or no match, with the calibrated thresholds in one place.
//! - [`snippet`]: the passage that fits one chat message.
//! - [`eval`]: the figures of `frontline kb eval`.
//! - [`sample`]: the bundled sample knowledge base of an IT service desk.

pub mod article;
pub mod decision;
pub mod error;
pub mod eval;
pub mod index;
pub mod sample;
pub mod search;
pub mod snippet;
pub mod synth;
pub mod text;
mod typo;

pub use article::{
    Article, Lang, LearnOutcome, Learned, LoadProblem, LoadReport, MAX_LEARNED_CHARS, Slug,
    load_path, parse_jsonl,
};
pub use decision::{Decision, Features, NoMatchReason, THRESHOLDS, Thresholds};
pub use error::{ArticleError, KbError};
pub use eval::{EvalQuery, EvalReport, evaluate, load_queries};
pub use index::KnowledgeBase;
pub use search::{Hit, SearchOutcome};
