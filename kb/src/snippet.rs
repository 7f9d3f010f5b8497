//! The passage of an article that answers a question, cut to fit one chat message.

use crate::text;

/// Longest snippet, in characters: one chat message with room for buttons and a header.
pub const MAX_SNIPPET_CHARS: usize = 1_000;

/// Where each stem starts a word in `text`, by byte offset, for every stem.
///
/// A word counts when it starts with a stem: Snowball stems are prefixes of their words in
/// all but a few forms, and one pass over the text is several times cheaper than running the
/// analyzer over the whole article on every answer. A stem shorter than three letters must be
/// the whole word, or "не" would match "несколько".
fn stem_positions(text: &str, stems: &[&str]) -> Vec<Vec<usize>> {
    let folded = fold_same_len(text);
    stems
        .iter()
        .map(|stem| {
            if stem.is_empty() {
                return Vec::new();
            }
            let short = stem.chars().count() < 3;
            memchr::memmem::find_iter(folded.as_bytes(), stem.as_bytes())
                .filter(|&i| {
                    let starts = folded[..i]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !is_word_char(c));
                    let ends = folded[i + stem.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !is_word_char(c));
                    starts && (!short || ends)
                })
                .collect()
        })
        .collect()
}

/// Lower-cases as the analyzer does (and `ё` as `е`), keeping every character's byte length
/// so that offsets into the result are offsets into the original.
fn fold_same_len(text: &str) -> String {
    text.chars()
        .map(|c| {
            let f = match c {
                'A'..='Z' => c.to_ascii_lowercase(),
                'А'..='Я' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
                'Ё' | 'ё' => 'е',
                c if c.is_ascii() || ('а'..='я').contains(&c) => c,
                c => c.to_lowercase().next().unwrap_or(c),
            };
            if f.len_utf8() == c.len_utf8() { f } else { c }
        })
        .collect()
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
/// [`MAX_SNIPPET_CHARS`]. A first heading that repeats `title` is skipped.
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
    let joined = blocks.join("\n");
    let positions = stem_positions(&joined, terms);
    // (block, sentence start within the block) of the best sentence, and its distinct terms.
    let mut best: Option<((usize, usize), usize)> = None;
    let mut block_start = 0;
    'scan: for (bi, block) in blocks.iter().enumerate() {
        for sentence in text::sentences(block) {
            let start = sentence.as_ptr() as usize - block.as_ptr() as usize;
            let range = block_start + start..block_start + start + sentence.len();
            let hits = positions
                .iter()
                .filter(|p| {
                    let i = p.partition_point(|&x| x < range.start);
                    p.get(i).is_some_and(|&x| x < range.end)
                })
                .count();
            if hits > best.map_or(0, |(_, h)| h) {
                best = Some(((bi, start), hits));
            }
            if hits == terms.len() {
                break 'scan;
            }
        }
        block_start += block.len() + 1;
    }
    let (block, start) = match best {
        // A step of a procedure: the answer starts at its first step (and the sentence that
        // introduces the steps), not in the middle of the list.
        Some(((bi, _), _)) if step_number(&blocks[bi]).is_some_and(|n| n > 1) => {
            (first_step(&blocks, bi), 0)
        }
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

/// The number of a numbered step (`3. Open Settings`), as [`text::markdown_blocks`] writes
/// ordered list items.
fn step_number(block: &str) -> Option<u64> {
    let (n, rest) = block.split_once(". ")?;
    (!rest.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .then(|| n.parse().ok())
        .flatten()
}

/// The block where the procedure holding step `at` starts: its step 1, or the sentence
/// before it that introduces the steps ("To add a printer:").
fn first_step(blocks: &[String], at: usize) -> usize {
    let mut i = at;
    while i > 0 {
        match (step_number(&blocks[i]), step_number(&blocks[i - 1])) {
            (Some(n), Some(m)) if m + 1 == n => i -= 1,
            _ => break,
        }
    }
    if step_number(&blocks[i]) == Some(1)
        && i > 0
        && step_number(&blocks[i - 1]).is_none()
        && blocks[i - 1].trim_end().ends_with(':')
    {
        i -= 1;
    }
    i
}

/// The snippet of `article` for a user's `question`, as [`crate::KnowledgeBase::search`]
/// makes it: for when the user picks an article from suggestions.
pub fn for_question(article: &crate::Article, question: &str) -> String {
    let stems = text::analyze(question);
    let refs: Vec<&str> = stems.iter().map(String::as_str).collect();
    snippet(&article.body, &article.title, &refs)
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
    fn a_procedure_is_given_from_its_first_step() {
        let md = "# Scanner\n\nSome words about scanners.\n\nTo scan to e-mail:\n\n\
                  1. Put the paper in the feeder.\n2. Press Scan on the panel.\n\
                  3. Choose your e-mail address and press Send.\n\nOther text.";
        let terms = text::terms(&mut text::analyzer(), "choose e-mail address send");
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        let s = snippet(md, "Scanner", &refs);
        assert!(s.starts_with("To scan to e-mail:\n1. Put the paper"), "{s}");
        assert!(s.contains("3. Choose your e-mail"), "{s}");
        // A step list without an introduction starts at step 1.
        let md = "Intro.\n\n1. Open Settings.\n2. Press Printers.\n3. Press Add printer.";
        let terms = text::terms(&mut text::analyzer(), "add printer");
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        assert!(snippet(md, "", &refs).starts_with("1. Open Settings."));
        assert_eq!(step_number("12. Do it"), Some(12));
        assert_eq!(step_number("1.5 GHz is the speed"), None);
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
    fn stems_match_word_starts_in_either_case_and_short_stems_whole_words() {
        let p = stem_positions(
            "Не несколько ПРИНТЕРОВ, принтер; ёлка",
            &["не", "принтер", "елк"],
        );
        assert_eq!(p[0], vec![0], "не only as a word of its own");
        assert_eq!(p[1].len(), 2);
        assert_eq!(p[2].len(), 1);
    }

    #[test]
    fn empty_body_gives_empty_snippet() {
        assert_eq!(snippet("", "", &["x"]), "");
        assert_eq!(snippet("# Title\n\nBody.", "Title", &["x"]), "Body.");
    }
}
