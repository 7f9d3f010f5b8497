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
/// Confidence is a logistic function of four pieces of evidence about the best article:
/// how much of the question it covers, how much of its title (or one of its questions) the
/// question covers, how far it leads the runner-up, and how many of the question's words it
/// contains, counted up to two. A long question covers a smaller share of its words but
/// matches more of them; the cap keeps a two-word question that says exactly what the
/// article is for ("забыл пароль", "connect VPN") from losing to a long one for being short. The weights were fitted on both kinds of
/// development data, summaries and questions as users type them, in both languages, each set
/// weighted alike, and rounded; see docs/BENCHMARKS.md, "Calibration".
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub weight_coverage: f32,
    pub weight_title_coverage: f32,
    pub weight_margin: f32,
    /// Weight of ln(1 + the number of the question's words the article contains, at most
    /// `matched_cap`).
    pub weight_matched: f32,
    pub matched_cap: usize,
    pub bias: f32,
    /// Confidence at or above which the best article is given as the answer.
    pub answer: f32,
    /// An answer needs a lead of at least this over the runner-up (`margin`); two articles
    /// closer than that are a near tie, and both are offered instead.
    pub near_tie: f32,
    /// Below `answer`, the best few are offered when the confidence is at least this…
    pub suggest: f32,
    /// …or when the best covers this share of the question with at least `suggest_words`
    /// of its words: a fair part of what was asked, worth showing before a ticket.
    pub suggest_coverage: f32,
    pub suggest_words: usize,
}

/// The model in force.
pub const THRESHOLDS: Thresholds = Thresholds {
    weight_coverage: 1.5,
    weight_title_coverage: 2.0,
    weight_margin: 3.2,
    weight_matched: 6.0,
    matched_cap: 2,
    bias: -8.6,
    answer: 0.68,
    near_tie: 0.05,
    suggest: 0.45,
    suggest_coverage: 0.5,
    suggest_words: 3,
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
        let matched = best.tfw.iter().filter(|&&w| w > 0.0).count();
        let t = THRESHOLDS;
        let z = t.weight_coverage * coverage
            + t.weight_title_coverage * best.title_coverage
            + t.weight_margin * margin
            + t.weight_matched * (matched.min(t.matched_cap) as f32).ln_1p()
            + t.bias;
        Features {
            coverage,
            title_coverage: best.title_coverage,
            margin,
            confidence: 1.0 / (1.0 + (-z).exp()),
            terms: idfs.len(),
            matched,
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
    if f.confidence >= t.answer && f.margin >= t.near_tie {
        return Verdict::Answer {
            confidence: f.confidence,
        };
    }
    let fair_part = f.coverage >= t.suggest_coverage && f.matched >= t.suggest_words;
    // A question of a word or two that an article's title has, all of it found ("printer",
    // "vpn"): the topic is clear, which article is not — offered, not sent to a ticket.
    let topic = f.terms <= 2 && f.matched == f.terms && f.title_coverage > 0.0;
    if f.confidence >= t.suggest || fair_part || topic {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn features(coverage: f32, matched: usize, confidence: f32, margin: f32) -> Features {
        Features {
            coverage,
            title_coverage: 0.0,
            margin,
            confidence,
            terms: 10,
            matched,
        }
    }

    #[test]
    fn a_weak_match_that_covers_a_fair_part_is_offered_not_dropped() {
        let fair = features(0.55, 3, 0.1, 0.5);
        assert!(matches!(judge(false, Some(&fair)), Verdict::Suggest { .. }));
        // Two shared words of a longer text are not a fair part.
        let one_word = features(0.6, 2, 0.1, 0.5);
        assert!(matches!(
            judge(false, Some(&one_word)),
            Verdict::NoMatch { .. }
        ));
        let little = features(0.3, 5, 0.1, 0.5);
        assert!(matches!(
            judge(false, Some(&little)),
            Verdict::NoMatch { .. }
        ));
    }

    #[test]
    fn a_one_word_topic_of_a_title_is_offered() {
        let topic = Features {
            title_coverage: 0.33,
            terms: 1,
            ..features(1.0, 1, 0.1, 0.5)
        };
        assert!(matches!(
            judge(false, Some(&topic)),
            Verdict::Suggest { .. }
        ));
        // Not when the word is only in a body, or only part of the question was found.
        let body_only = Features {
            terms: 1,
            ..features(1.0, 1, 0.1, 0.5)
        };
        assert!(matches!(
            judge(false, Some(&body_only)),
            Verdict::NoMatch { .. }
        ));
        let half = Features {
            title_coverage: 0.5,
            terms: 2,
            ..features(0.6, 1, 0.1, 0.5)
        };
        assert!(matches!(judge(false, Some(&half)), Verdict::NoMatch { .. }));
    }

    #[test]
    fn a_confident_near_tie_is_offered_not_answered() {
        let clear = features(0.9, 4, 0.95, 0.3);
        assert!(matches!(judge(false, Some(&clear)), Verdict::Answer { .. }));
        let tie = features(0.9, 4, 0.95, 0.01);
        assert!(matches!(judge(false, Some(&tie)), Verdict::Suggest { .. }));
    }
}
