//! The decision: answer, suggest, or say "no match" — and the thresholds it is made with.
//!
//! A wrong answer costs more than a ticket: the user stops trusting the bot. So the bot answers
//! only when the best article covers most of what the question asks *and* stands clearly
//! ahead of the next one; it suggests when the evidence is real but not decisive; and it says
//! it does not know otherwise. The figures below are calibrated on the development data
//! (see docs/BENCHMARKS.md for how and with what result) and live here, in one place.

use serde::Serialize;

use crate::article::Article;
use crate::search::{BM25_K1, Candidate as ScoredCandidate};

/// The calibrated thresholds. Every figure the decision uses is here.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// Confidence at or above which the best article is given as the answer…
    pub answer: f32,
    /// …provided it leads the runner-up by at least this share of its score.
    pub answer_margin: f32,
    /// Confidence at or above which the best few articles are offered.
    pub suggest: f32,
}

/// The thresholds in force. See docs/BENCHMARKS.md, "Calibration".
pub const THRESHOLDS: Thresholds = Thresholds {
    answer: 0.55,
    answer_margin: 0.15,
    suggest: 0.35,
};

/// Suggestions offered at most.
pub const MAX_SUGGESTIONS: usize = 3;

/// The evidence about the best hit that a decision rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Features {
    /// Share of the query's information (IDF-weighted terms) that the best article contains.
    pub coverage: f32,
    /// The best article's score as a share of the most a perfect article could score.
    pub strength: f32,
    /// How far the best leads the runner-up: 1 − second/best (1 when there is no runner-up).
    pub margin: f32,
    /// The combined confidence in [0, 1].
    pub confidence: f32,
}

impl Features {
    pub(crate) fn new(idfs: &[f32], best: &ScoredCandidate, second: Option<&ScoredCandidate>) -> Self {
        let total: f32 = idfs.iter().sum::<f32>().max(f32::EPSILON);
        let covered: f32 = idfs
            .iter()
            .zip(best.tfw())
            .filter(|&(_, &tfw)| tfw > 0.0)
            .map(|(idf, _)| idf)
            .sum();
        let coverage = covered / total;
        let strength = (best.score() / (total * (BM25_K1 + 1.0))).clamp(0.0, 1.0);
        let margin = match second {
            Some(s) if best.score() > 0.0 => (1.0f32 - s.score() / best.score()).clamp(0.0, 1.0),
            _ => 1.0,
        };
        let confidence = confidence(coverage, strength);
        Features {
            coverage,
            strength,
            margin,
            confidence,
        }
    }
}

/// Coverage says whether the article is about the whole question; strength whether it says
/// so emphatically (title, repeated terms). Their geometric mean is low when either is.
fn confidence(coverage: f32, strength: f32) -> f32 {
    (coverage * strength).sqrt().clamp(0.0, 1.0)
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
    Suggest { articles: Vec<Article>, confidence: f32 },
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

/// Applies [`THRESHOLDS`] to the best hit's features.
pub(crate) fn decide(
    features: Option<&Features>,
    mut articles: Vec<Article>,
    snippet: &dyn Fn(&str) -> String,
) -> Decision {
    let Some(f) = features else {
        return Decision::NoMatch {
            reason: NoMatchReason::NothingFound,
        };
    };
    let t = THRESHOLDS;
    if f.confidence >= t.answer && f.margin >= t.answer_margin && !articles.is_empty() {
        let article = articles.swap_remove(0);
        let snippet = snippet(&article.body);
        return Decision::Answer {
            article: Box::new(article),
            confidence: f.confidence,
            snippet,
        };
    }
    if f.confidence >= t.suggest && !articles.is_empty() {
        articles.truncate(MAX_SUGGESTIONS);
        return Decision::Suggest {
            articles,
            confidence: f.confidence,
        };
    }
    Decision::NoMatch {
        reason: NoMatchReason::TooWeak {
            confidence: f.confidence,
        },
    }
}
