//! Typo tolerance: a query word the index has never seen is matched against the index's own
//! vocabulary (the words of article bodies, where nearly every title word recurs), within one
//! edit, and the correction found in most articles is searched
//! instead, at a discount. (Two edits for long words were tried: no better on the dev data,
//! and walking the vocabulary with a two-edit automaton doubled the search's p99.)
//!
//! Only unknown words are corrected: a word that some article contains is taken as typed, so
//! a correction can never replace an exact match. The discount keeps a corrected word below
//! an exact one of the same rarity, so an article matching what was typed stays ahead.

use std::sync::LazyLock;

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};
use tantivy::Searcher;
use tantivy::schema::Field;
use tantivy_fst::Automaton;

use crate::error::KbError;

/// Weight of a corrected word relative to a word found as typed.
pub(crate) const CORRECTED_WEIGHT: f32 = 0.7;
/// Words shorter than this (in characters) are not corrected: "vpn" one edit away is "vps",
/// "pin", "pen" — short words have too many neighbours to guess from.
const MIN_CHARS: usize = 4;
/// Unknown words corrected per question, in the order typed. Each costs a walk of the
/// vocabulary; a question with more unknown words than this is mostly words no article
/// uses, and correcting them all would cost more than the rest of the search.
pub(crate) const MAX_CORRECTIONS: usize = 2;

/// One edit; a transposition ("teh") counts as one.
static BUILDER: LazyLock<LevenshteinAutomatonBuilder> =
    LazyLock::new(|| LevenshteinAutomatonBuilder::new(1, true));

struct Lev<'a>(&'a DFA);

impl Automaton for Lev<'_> {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// The index term closest to `term` that most articles contain, with its article count, or
/// `None` when no term of `field` is within reach. Ties in article count go to the smaller
/// distance, then to the alphabetically first term, so a correction is repeatable.
pub(crate) fn correct(
    searcher: &Searcher,
    field: Field,
    term: &str,
) -> Result<Option<String>, KbError> {
    let chars = term.chars().count();
    if chars < MIN_CHARS || term.chars().any(|c| c.is_ascii_digit()) {
        // Codes and numbers ("809", "0x80070005") are matched exactly or not at all: one
        // digit away is another error.
        return Ok(None);
    }
    let dfa = BUILDER.build_dfa(term);
    let mut best: Option<(u64, u8, String)> = None;
    for reader in searcher.segment_readers() {
        {
            let inverted = reader.inverted_index(field)?;
            let mut stream = inverted
                .terms()
                .search(Lev(&dfa))
                .into_stream()
                .map_err(tantivy::TantivyError::from)?;
            while stream.advance() {
                let Ok(candidate) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let df = u64::from(stream.value().doc_freq);
                let distance = match dfa.eval(candidate) {
                    Distance::Exact(d) => d,
                    Distance::AtLeast(d) => d,
                };
                let better = match &best {
                    None => true,
                    Some((bdf, bd, bt)) => {
                        (
                            df,
                            std::cmp::Reverse(distance),
                            std::cmp::Reverse(candidate),
                        ) > (*bdf, std::cmp::Reverse(*bd), std::cmp::Reverse(bt.as_str()))
                    }
                };
                if better {
                    best = Some((df, distance, candidate.to_string()));
                }
            }
        }
    }
    Ok(best.map(|(_, _, t)| t))
}
