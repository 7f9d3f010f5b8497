//! Text analysis shared by indexing and search: one analyzer for both languages, Markdown to
//! plain text, and sentence cutting for snippets.
//!
//! Why one analyzer and not one per language: users mix scripts ("не работает VPN"), and
//! Russian articles name English products. Each token is stemmed by the stemmer of its own
//! script — Snowball Russian for Cyrillic, Snowball English for Latin — so a Latin word in a
//! Russian article matches the same word in an English query, and a query never has to be
//! routed to the "right" field before we know what it is.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// The name the analyzer is registered under in the index. It is part of the schema, so a
/// change to what the analyzer does changes the name, and an index built by the old one is
/// rebuilt on open (2: hyphenated words also joined).
pub const ANALYZER: &str = "desk-2";

/// Longest token kept; longer "words" are hashes, URLs or keyboard mashing.
const MAX_TOKEN_BYTES: usize = 60;

pub fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}')
}

/// Function words of both languages: they carry no topic, and leaving them in would let
/// chit-chat ("what are you doing?") look like it matches something. Particles that change a
/// help request's meaning (on, off, up, out, not, не, нет) are deliberately kept.
static STOP_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    const EN: &str = "a about above after again against am an and any are aren as at be because \
        been before being below between both but by can could couldn did didn do does doesn doing \
        don during each for from further had hadn has hasn have haven having he her here hers \
        herself him himself his how i if in into is isn it its itself just let ll me might mine \
        my myself nor now of once only or other our ours ourselves own re s same shall she should \
        so some such t than that the their theirs them themselves then there these they this \
        those through to too until ve very was wasn we were weren what when where which while who \
        whom why will with would you your yours yourself yourselves";
    // "делать" is Russian's "do": "что делать?" asks for help, it does not say about what.
    const RU: &str = "а без более бы был была были было быть в вам вас ведь весь во вот все \
        делать сделать делаю делает \
        всего всех вы где да даже для до его ее ей ему если есть еще же за здесь и из или им их \
        к как какая какой когда кто ли либо меня мне мной мы на над наш него нее ней неё ним них \
        но ну о об однако он она они оно от перед по под после при про с сам свой себе себя со \
        так также такой там тебе тебя тем то того тоже той только том ты у уж уже хоть чего чей \
        чем что чтоб чтобы чье чья эта эти это этого этой этом этот эту я";
    EN.split_whitespace().chain(RU.split_whitespace()).collect()
});

/// Builds the desk analyzer: words (and hyphenated words joined), lower case, `ё`→`е`, stop
/// words out, stemmed by script.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(CompoundTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(ScriptStemmer::default())
        .build()
}

/// Words as [`SimpleTokenizer`] cuts them, plus each hyphenated word joined: "Wi-Fi" gives
/// `wi`, `fi` and `wifi`, "e-mail" gives `e`, `mail` and `email`, so the spelling a user
/// types without the hyphen finds the article that has it, and the other way round.
#[derive(Clone, Default)]
pub struct CompoundTokenizer {
    words: SimpleTokenizer,
    tokens: Vec<Token>,
}

/// Joined words longer than this many parts are not compounds but lists ("a-b-c-d-e").
const MAX_COMPOUND_PARTS: usize = 4;

impl Tokenizer for CompoundTokenizer {
    type TokenStream<'a> = CompoundStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CompoundStream<'a> {
        self.tokens.clear();
        let mut words = self.words.token_stream(text);
        // The run of hyphen-joined words in progress: its first token's index.
        let mut run_start = 0;
        let mut position = 0;
        let push_compound = |tokens: &mut Vec<Token>, start: usize, position: &mut usize| {
            let parts = tokens.len() - start;
            if (2..=MAX_COMPOUND_PARTS).contains(&parts) {
                let joined: String = tokens[start..].iter().map(|t| t.text.as_str()).collect();
                let token = Token {
                    offset_from: tokens[start].offset_from,
                    offset_to: tokens[tokens.len() - 1].offset_to,
                    position: *position,
                    text: joined,
                    position_length: 1,
                };
                tokens.push(token);
                *position += 1;
            }
        };
        while words.advance() {
            let mut t = words.token().clone();
            let joined = self
                .tokens
                .last()
                .is_some_and(|prev| text.get(prev.offset_to..t.offset_from) == Some("-"));
            if !joined {
                push_compound(&mut self.tokens, run_start, &mut position);
                run_start = self.tokens.len();
            }
            t.position = position;
            position += 1;
            self.tokens.push(t);
        }
        push_compound(&mut self.tokens, run_start, &mut position);
        CompoundStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

pub struct CompoundStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl TokenStream for CompoundStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

thread_local! {
    /// One analyzer per thread: building one sets up two Snowball stemmers, which costs more
    /// than analyzing a question.
    static ANALYZER_CACHE: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(analyzer());
}

/// Analyzes `text` into its terms with this thread's desk analyzer.
pub fn analyze(text: &str) -> Vec<String> {
    ANALYZER_CACHE.with_borrow_mut(|a| terms(a, text))
}

/// Analyzes `text` into its terms, in order.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// Stop words out, then Snowball stemming chosen by the token's script.
#[derive(Clone)]
pub struct ScriptStemmer {
    ru: Arc<frostem::Stemmer>,
    en: Arc<frostem::Stemmer>,
}

impl Default for ScriptStemmer {
    fn default() -> Self {
        ScriptStemmer {
            ru: Arc::new(frostem::Stemmer::new(frostem::Algorithm::Russian)),
            en: Arc::new(frostem::Stemmer::new(frostem::Algorithm::English)),
        }
    }
}

impl TokenFilter for ScriptStemmer {
    type Tokenizer<T: Tokenizer> = ScriptStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> ScriptStemmerFilter<T> {
        ScriptStemmerFilter {
            stemmer: self,
            inner: tokenizer,
        }
    }
}

#[derive(Clone)]
pub struct ScriptStemmerFilter<T> {
    stemmer: ScriptStemmer,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for ScriptStemmerFilter<T> {
    type TokenStream<'a> = ScriptStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        ScriptStemmerStream {
            tail: self.inner.token_stream(text),
            stemmer: &self.stemmer,
        }
    }
}

pub struct ScriptStemmerStream<'a, T> {
    tail: T,
    stemmer: &'a ScriptStemmer,
}

impl<T: TokenStream> TokenStream for ScriptStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        loop {
            if !self.tail.advance() {
                return false;
            }
            let token = self.tail.token_mut();
            if token.text.contains('ё') {
                token.text = token.text.replace('ё', "е");
            }
            if STOP_WORDS.contains(token.text.as_str()) {
                continue;
            }

            let stemmer = if token.text.chars().any(is_cyrillic) {
                &self.stemmer.ru
            } else if token.text.bytes().any(|b| b.is_ascii_alphabetic()) {
                &self.stemmer.en
            } else {
                return true;
            };
            if let Cow::Owned(stemmed) = stemmer.stem(&token.text) {
                token.text = stemmed;
            }
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The plain text of each block of a Markdown document: paragraphs, headings, list items
/// (with their bullet or number), code blocks, table rows (cells joined by ` | `); inline
/// markup is dropped, link and image text kept.
pub fn markdown_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    // Ordered-list counters, innermost last; `None` for a bulleted list.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut marker: Option<String> = None;
    let flush = |current: &mut String, blocks: &mut Vec<String>| {
        let text = squeeze_spaces(current);
        if !text.is_empty() {
            blocks.push(text);
        }
        current.clear();
    };
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Text(t) | Event::Code(t) => {
                if let Some(m) = marker.take() {
                    current.push_str(&m);
                }
                current.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak => current.push(' '),
            Event::Start(Tag::List(start)) => lists.push(start),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut current, &mut blocks);
                marker = Some(match lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "• ".to_string(),
                });
            }
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::CodeBlock(_)) => {
                flush(&mut current, &mut blocks)
            }
            Event::End(TagEnd::TableCell) => current.push_str(" | "),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => {
                let row = current.trim_end().trim_end_matches('|').to_string();
                current = row;
                flush(&mut current, &mut blocks);
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => flush(&mut current, &mut blocks),
            // Raw HTML is shown as written in chat, but it is markup, not words to search.
            _ => {}
        }
    }
    flush(&mut current, &mut blocks);
    blocks
}

/// Collapses runs of white space to one space and trims the ends. Checks ASCII white space
/// and no-break space only: `split_whitespace` consults Unicode tables for every Cyrillic
/// letter, which made it the dearest step of a Russian snippet.
fn squeeze_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_ascii_whitespace() || c == '\u{a0}' {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// The whole Markdown document as plain text, a block a line.
pub fn markdown_to_plain(markdown: &str) -> String {
    markdown_blocks(markdown).join("\n")
}

/// Splits plain text into sentences, keeping each sentence's closing punctuation.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = matches!(c, '.' | '!' | '?' | '…' | '\n')
            && chars.peek().is_none_or(|&(_, n)| n.is_whitespace());
        if ends {
            let end = i + c.len_utf8();
            let s = text[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Cuts `text` to at most `max` characters, at the last sentence end or line break that fits,
/// else at a word boundary with an ellipsis.
pub fn cut_at_sentence(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let byte_max = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let head = &text[..byte_max];
    let sentence_end = head
        .char_indices()
        .rev()
        .find(|&(i, c)| {
            matches!(c, '.' | '!' | '?' | '…' | '\n')
                && head[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
        })
        .map(|(i, c)| i + c.len_utf8());
    match sentence_end {
        // A cut that keeps less than a third reads worse than a word cut with an ellipsis.
        Some(end) if end * 3 >= head.len() => head[..end].trim_end().to_string(),
        _ => {
            let word_end = head.rfind(char::is_whitespace).unwrap_or(head.len());
            format!("{}…", head[..word_end].trim_end())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyze(text: &str) -> Vec<String> {
        terms(&mut analyzer(), text)
    }

    #[test]
    fn russian_forms_share_a_stem() {
        let forms = analyze("заявка заявки заявкой заявку");
        assert_eq!(forms.len(), 4);
        assert!(forms.iter().all(|f| f == &forms[0]), "{forms:?}");
        let forms = analyze("обращения обращение обращений");
        assert!(forms.iter().all(|f| f == &forms[0]), "{forms:?}");
    }

    #[test]
    fn english_forms_share_a_stem() {
        assert_eq!(analyze("password passwords"), vec!["password", "password"]);
        assert_eq!(analyze("printing printers")[0], analyze("print")[0]);
    }

    #[test]
    fn each_script_gets_its_own_stemmer_and_yo_is_e() {
        let t = analyze("Не подключается VPN connections ёлка");
        assert_eq!(t, vec!["не", "подключа", "vpn", "connect", "елк"]);
    }

    #[test]
    fn stop_words_are_dropped_in_both_languages() {
        assert!(
            analyze("what are you doing and what is this")
                .iter()
                .all(|t| t == "do")
        );
        assert!(analyze("что это и как").is_empty());
    }

    #[test]
    fn markdown_becomes_blocks_of_plain_text() {
        let md = "# Title\n\nSome *bold* [link](http://x) text\nwrapped.\n\n- one\n- two\n\n```\ncode here\n```\n<b>html</b>";
        let blocks = markdown_blocks(md);
        assert_eq!(
            blocks,
            vec![
                "Title",
                "Some bold link text wrapped.",
                "• one",
                "• two",
                "code here",
                "html"
            ]
        );
    }

    #[test]
    fn numbered_lists_and_tables_read_as_lines() {
        let md = "1. first\n2. second\n\n| a | b |\n|---|---|\n| x | y |\n";
        assert_eq!(
            markdown_blocks(md),
            vec!["1. first", "2. second", "a | b", "x | y"]
        );
    }

    #[test]
    fn sentences_and_cuts() {
        assert_eq!(
            sentences("One. Two! Three? v1.2 four"),
            vec!["One.", "Two!", "Three?", "v1.2 four"]
        );
        let text = "First sentence here. Second sentence is longer than that.";
        assert_eq!(cut_at_sentence(text, 30), "First sentence here.");
        assert_eq!(cut_at_sentence("word word word word", 12), "word word…");
        assert_eq!(cut_at_sentence("short", 100), "short");
    }
}
