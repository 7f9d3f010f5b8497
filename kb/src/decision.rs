//! The decision: answer, suggest, or say "no match" — and the thresholds it is made with.
//!
//! A wrong answer costs more than a ticket: the user stops trusting the bot. So the bot answers
//! only when the best article covers most of what the question asks *and* stands clearly
//! ahead of the next one; it suggests when the evidence is real but not decisive; and it says
//! it does not know otherwise. The figures below are calibrated on the development data
//! (see docs/BENCHMARKS.md for how and with what result) and live here, in one place.

use serde::Serialize;

use crate::article::Article;
use crate::search::Candidate;

/// The calibrated decision model. Every figure the decision uses is here.
///
/// Confidence is a logistic function of three pieces of evidence about the best article:
/// how much of the question it covers, how much of its title (or one of its questions) the
/// question covers, and how far it leads the runner-up. The weights were fitted on the
/// development data (English and Russian together; each language alone gives the other
/// nearly the same figures) and rounded; see docs/BENCHMARKS.md, "Calibration".
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub weight_coverage: f32,
    pub weight_title_coverage: f32,
    pub weight_margin: f32,
    pub bias: f32,
    /// Confidence at or above which the best article is given as the answer.
    pub answer: f32,
    /// Below `answer`, the best few are offered when the best covers this share of the query…
    pub suggest_coverage: f32,
    /// …and the confidence is at least this.
    pub suggest: f32,
}

/// The model in force.
pub const THRESHOLDS: Thresholds = Thresholds {
    weight_coverage: 4.3,
    weight_title_coverage: 4.6,
    weight_margin: 2.0,
    bias: -5.5,
    answer: 0.74,
    suggest_coverage: 0.5,
    suggest: 0.3,
};

/// Suggestions offered at most.
pub const MAX_SUGGESTIONS: usize = 3;

/// The evidence about the best hit that a decision rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Features {
    /// Share of the query's information (IDF-weighted terms) that the best article contains.
    pub coverage: f32,
    /// Share of the best article's title — or of its closest listed question — that the query
    /// contains.
    pub title_coverage: f32,
    /// How far the best leads the runner-up: 1 − second/best (1 when there is no runner-up).
    pub margin: f32,
    /// The combined confidence in [0, 1].
    pub confidence: f32,
    /// Distinct searchable terms in the query, and how many the best article contains.
    pub terms: usize,
    pub matched: usize,
}

impl Features {
    pub(crate) fn new(idfs: &[f32], best: &Candidate, second: Option<&Candidate>) -> Self {
        let total: f32 = idfs.iter().sum::<f32>().max(f32::EPSILON);
        let covered: f32 = idfs
            .iter()
            .zip(&best.tfw)
            .filter(|&(_, &tfw)| tfw > 0.0)
            .map(|(idf, _)| idf)
            .sum();
        let coverage = covered / total;
        let margin = match second {
            Some(s) if best.score > 0.0 => (1.0f32 - s.score / best.score).clamp(0.0, 1.0),
            _ => 1.0,
        };
        let t = THRESHOLDS;
        let z = t.weight_coverage * coverage
            + t.weight_title_coverage * best.title_coverage
            + t.weight_margin * margin
            + t.bias;
        Features {
            coverage,
            title_coverage: best.title_coverage,
            margin,
            confidence: 1.0 / (1.0 + (-z).exp()),
            terms: idfs.len(),
            matched: best.tfw.iter().filter(|&&w| w > 0.0).count(),
        }
    }
}

/// Why no article is offered.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum NoMatchReason {
    /// The text has no searchable words (empty, emoji, only punctuation or stop words).
    NoWords,
    /// No article shares a word with the question.
    NothingFound,
    /// Articles matched, but too weakly to offer.
    TooWeak { confidence: f32 },
}

impl std::fmt::Display for NoMatchReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoMatchReason::NoWords => f.write_str("the question has no words to search for"),
            NoMatchReason::NothingFound => f.write_str("no article matches the question"),
            NoMatchReason::TooWeak { confidence } => {
                write!(f, "the best match is too weak (confidence {confidence:.2})")
            }
        }
    }
}

/// What the bot should do with a question.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Give this article as the answer.
    Answer {
        article: Box<Article>,
        confidence: f32,
        /// A passage that fits one chat message.
        snippet: String,
    },
    /// Offer these articles (best first), none decisive.
    Suggest {
        articles: Vec<Article>,
        confidence: f32,
    },
    /// Offer nothing.
    NoMatch { reason: NoMatchReason },
}

impl Decision {
    /// The short name used in reports: `answer`, `suggest`, `no_match`.
    pub fn kind(&self) -> &'static str {
        match self {
            Decision::Answer { .. } => "answer",
            Decision::Suggest { .. } => "suggest",
            Decision::NoMatch { .. } => "no_match",
        }
    }
}

/// What to do, before any article is read: [`crate::KnowledgeBase::search`] fetches only
/// what the verdict will show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Verdict {
    Answer { confidence: f32 },
    Suggest { confidence: f32 },
    NoMatch { reason: NoMatchReason },
}

/// Applies [`THRESHOLDS`] to the best hit's features.
pub(crate) fn judge(no_words: bool, features: Option<&Features>) -> Verdict {
    let Some(f) = features else {
        let reason = if no_words {
            NoMatchReason::NoWords
        } else {
            NoMatchReason::NothingFound
        };
        return Verdict::NoMatch { reason };
    };
    let t = THRESHOLDS;
    if f.confidence >= t.answer {
        return Verdict::Answer {
            confidence: f.confidence,
        };
    }
    if f.coverage >= t.suggest_coverage && f.confidence >= t.suggest {
        return Verdict::Suggest {
            confidence: f.confidence,
        };
    }
    Verdict::NoMatch {
        reason: NoMatchReason::TooWeak {
            confidence: f.confidence,
        },
    }
}
