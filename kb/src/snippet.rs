//! The passage of an article that answers a question, cut to fit one chat message.

use crate::text;

/// Longest snippet, in characters: one chat message with room for buttons and a header.
pub const MAX_SNIPPET_CHARS: usize = 1_000;

/// How many of the query's stems a sentence contains. A word counts when it starts with a
/// stem: Snowball stems are prefixes of their words in all but a few forms, and this is
/// several times cheaper than running the analyzer over the whole article on every answer.
fn stems_in(sentence: &str, stems: &[&str]) -> usize {
    let words: Vec<&str> = sentence
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .collect();
    stems
        .iter()
        .filter(|s| words.iter().any(|w| folded_starts_with(w, s)))
        .count()
}

/// Whether `word`, lower-cased with `ё` as `е` (as the analyzer does), starts with `stem`;
/// a stem shorter than three letters must be the whole word, or "не" would match "несколько".
fn folded_starts_with(word: &str, stem: &str) -> bool {
    let mut chars = word.chars().map(fold);
    let prefix = stem.chars().all(|s| chars.next() == Some(s));
    prefix && (stem.chars().count() >= 3 || chars.next().is_none())
}

fn fold(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        'А'..='Я' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
        'Ё' | 'ё' => 'е',
        c if c.is_ascii() || ('а'..='я').contains(&c) => c,
        c => c.to_lowercase().next().unwrap_or(c),
    }
}

/// A cheap word-character test: `char::is_alphanumeric` searches Unicode tables for every
/// non-ASCII letter, which made snippets of Russian articles the slowest part of a search.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        !matches!(
            c,
            '«' | '»' | '—' | '–' | '“' | '”' | '„' | '‘' | '’' | '…' | '\u{a0}' | '№'
        )
    }
}

/// Picks the passage of `markdown` that holds most of the query's `terms` (stemmed, as
/// analyzed), or the opening when none does, and cuts it at a sentence or line within
/// [`MAX_SNIPPET_CHARS`].
pub fn snippet(markdown: &str, title: &str, terms: &[&str]) -> String {
    let mut blocks = text::markdown_blocks(markdown);
    // A first heading that repeats the title says nothing the answer's header does not.
    if blocks
        .first()
        .is_some_and(|b| b.eq_ignore_ascii_case(title.trim()))
    {
        blocks.remove(0);
    }
    if blocks.is_empty() {
        return String::new();
    }
    // (block, sentence start byte) of the best sentence, and its count of distinct terms.
    let mut best: Option<((usize, usize), usize)> = None;
    'scan: for (bi, block) in blocks.iter().enumerate() {
        for sentence in text::sentences(block) {
            let hits = stems_in(sentence, terms);
            if hits > best.map_or(0, |(_, h)| h) {
                let start = sentence.as_ptr() as usize - block.as_ptr() as usize;
                best = Some(((bi, start), hits));
            }
            if hits == terms.len() {
                break 'scan;
            }
        }
    }
    let (block, start) = match best {
        // Start at the block's beginning when the sentence is near it, so the passage reads
        // from where its paragraph does.
        Some(((bi, start), _)) if start < MAX_SNIPPET_CHARS / 3 => (bi, 0),
        Some(((bi, start), _)) => (bi, start),
        None => (0, 0),
    };
    let mut passage = blocks[block][start..].to_string();
    for next in &blocks[block + 1..] {
        if passage.chars().count() >= MAX_SNIPPET_CHARS {
            break;
        }
        passage.push('\n');
        passage.push_str(next);
    }
    text::cut_at_sentence(&passage, MAX_SNIPPET_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_passage_with_the_query_words_is_chosen() {
        let md = "# Printers\n\nGeneral words about the office.\n\nTo add a printer, open Settings and press Add.\n\nOther text.";
        let terms = text::terms(&mut text::analyzer(), "add printer");
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        let s = snippet(md, "Printers", &refs);
        assert!(s.starts_with("To add a printer"), "{s}");
    }

    #[test]
    fn without_matches_the_opening_is_given_and_long_text_is_cut() {
        let long = "A sentence that goes on. ".repeat(100);
        let s = snippet(&long, "", &["zzz"]);
        assert!(s.starts_with("A sentence"));
        assert!(s.chars().count() <= MAX_SNIPPET_CHARS);
        assert!(s.ends_with('.'), "cut at a sentence: {s}");
    }

    #[test]
    fn empty_body_gives_empty_snippet() {
        assert_eq!(snippet("", "", &["x"]), "");
        assert_eq!(snippet("# Title\n\nBody.", "Title", &["x"]), "Body.");
    }
}
