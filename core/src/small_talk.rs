//! Conversation that is not a question: greetings, thanks, "anyone there?", "ok", an emoji,
//! asking for a person. Recognised before any search, so none of it is searched, logged as
//! a knowledge-base gap, or starts a registration by itself — except asking for a person,
//! which goes straight to one. The phrases themselves are in [`crate::i18n`].

use crate::i18n;

/// What a message that is only conversation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    /// "Is anyone there?"
    Presence,
    /// "ok", "got it", "понятно".
    Ack,
    /// Only emoji or punctuation.
    Emoji,
    /// Asking for a person, an operator, an agent.
    Operator,
}

/// The message as the phrase lists are written: lower case, letters, digits and single
/// spaces (punctuation and emoji dropped; `ё` as `е`).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c == 'ё' { 'е' } else { c };
        if c.is_alphanumeric() {
            out.push(c);
        } else if c == '-' && !out.ends_with(' ') && !out.is_empty() {
            // "кто-нибудь" stays one word.
            out.push(c);
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.trim_end_matches([' ', '-']).to_string()
}

/// What `text` is, when it is only conversation; `None` for anything that may be a question.
pub fn classify(text: &str) -> Option<SmallTalk> {
    let n = normalize(text);
    if n.is_empty() {
        // Nothing but emoji and punctuation (empty text never gets here).
        return text
            .chars()
            .any(|c| !c.is_whitespace())
            .then_some(SmallTalk::Emoji);
    }
    let words = n.split(' ').count();
    // Asking for a person: the phrase anywhere in a short message ("can I talk to a human
    // please"), but not in a long one that describes a problem.
    if words <= 10 && i18n::OPERATOR_PHRASES.iter().any(|p| contains_words(&n, p)) {
        return Some(SmallTalk::Operator);
    }
    if words > 8 {
        return None;
    }
    // Otherwise the whole message must be conversation: greetings, thanks and the like,
    // one after another ("hi, thanks!", "ok thank you").
    let mut rest = n.as_str();
    let mut found: Option<SmallTalk> = None;
    while !rest.is_empty() {
        let (kind, len) = i18n::SMALL_TALK
            .iter()
            .filter(|(p, _)| starts_with_words(rest, p))
            .map(|(p, k)| (*k, p.len()))
            .max_by_key(|(_, len)| *len)?;
        // The most telling kind wins: thanks over a greeting over a plain "ok".
        found = Some(match found {
            Some(prev) if rank(prev) >= rank(kind) => prev,
            _ => kind,
        });
        rest = rest[len..].trim_start();
    }
    found
}

/// The question in `text` with the conversation around it left out: greetings, politeness
/// and filler before it ("Здравствуйте! Подскажите, пожалуйста, не печатает принтер" →
/// "не печатает принтер"), thanks after it. The words are the message's own (cut at word
/// boundaries of the original), so nothing the user wrote inside the question changes.
/// Returns `text` itself when nothing is around it, or when leaving it out would leave
/// nothing.
pub fn question_of(text: &str) -> &str {
    // Word spans of the original, with their normalized forms.
    let words: Vec<(usize, usize, String)> = word_spans(text);
    if words.is_empty() {
        return text;
    }
    let norm: Vec<&str> = words.iter().map(|(_, _, w)| w.as_str()).collect();
    let phrases = i18n::SMALL_TALK
        .iter()
        .map(|(p, _)| *p)
        .chain(i18n::FILLER_PHRASES.iter().copied());
    let phrases: Vec<Vec<&str>> = phrases.map(|p| p.split(' ').collect()).collect();
    // Longest phrase at position `i` (forwards) or ending at `j` (backwards).
    let at = |i: usize| {
        phrases
            .iter()
            .filter(|p| norm[i..].starts_with(p))
            .map(Vec::len)
            .max()
    };
    let ending = |j: usize| {
        phrases
            .iter()
            .filter(|p| norm[..j].ends_with(p))
            .map(Vec::len)
            .max()
    };
    let mut start = 0;
    while start < norm.len()
        && let Some(n) = at(start)
    {
        start += n;
    }
    let mut end = norm.len();
    while end > start
        && let Some(n) = ending(end).filter(|&n| end - n >= start)
    {
        // Only thanks and the like trail a question; a trailing "no" or "ok" may be its own.
        let tail = norm[end - n..end].join(" ");
        if !i18n::SMALL_TALK
            .iter()
            .any(|(p, k)| *p == tail && *k == SmallTalk::Thanks)
            && !i18n::FILLER_PHRASES.contains(&tail.as_str())
        {
            break;
        }
        end -= n;
    }
    if start >= end || (start == 0 && end == norm.len()) {
        return text;
    }
    text[words[start].0..words[end - 1].1].trim()
}

/// The words of `text`: (start byte, end byte, normalized form).
fn word_spans(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        let part = c.is_alphanumeric() || (c == '-' && start.is_some());
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i, normalize(&text[s..i])));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len(), normalize(&text[s..])));
    }
    out.retain(|(_, _, w)| !w.is_empty());
    out
}

fn rank(k: SmallTalk) -> u8 {
    match k {
        SmallTalk::Emoji => 0,
        SmallTalk::Ack => 1,
        SmallTalk::Greeting => 2,
        SmallTalk::Presence => 3,
        SmallTalk::Thanks => 4,
        SmallTalk::Operator => 5,
    }
}

fn starts_with_words(text: &str, phrase: &str) -> bool {
    text.starts_with(phrase) && text[phrase.len()..].chars().next().is_none_or(|c| c == ' ')
}

fn contains_words(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(i, _)| {
        text[..i].chars().next_back().is_none_or(|c| c == ' ')
            && text[i + phrase.len()..]
                .chars()
                .next()
                .is_none_or(|c| c == ' ')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_is_recognised_in_both_languages() {
        for (text, want) in [
            ("hello", SmallTalk::Greeting),
            ("Hi there!!", SmallTalk::Greeting),
            ("Добрый день!", SmallTalk::Greeting),
            ("привет", SmallTalk::Greeting),
            ("thanks!", SmallTalk::Thanks),
            ("ok, thank you", SmallTalk::Thanks),
            ("Спасибо большое", SmallTalk::Thanks),
            ("is anyone there?", SmallTalk::Presence),
            ("есть кто-нибудь?", SmallTalk::Presence),
            ("ok", SmallTalk::Ack),
            ("понятно", SmallTalk::Ack),
            ("👍", SmallTalk::Emoji),
            ("🙂🙂 !!", SmallTalk::Emoji),
            ("can I talk to a human please", SmallTalk::Operator),
            ("позовите оператора", SmallTalk::Operator),
        ] {
            assert_eq!(classify(text), Some(want), "{text}");
        }
    }

    #[test]
    fn the_question_is_found_inside_the_conversation() {
        for (text, want) in [
            (
                "Здравствуйте! Подскажите, пожалуйста, не печатает принтер",
                "не печатает принтер",
            ),
            (
                "Hi, good morning! My printer does not print",
                "My printer does not print",
            ),
            (
                "hello, can you help me? the VPN drops. Thanks!",
                "the VPN drops",
            ),
            ("printer does not print", "printer does not print"),
            ("hello", "hello"),
            ("is the answer yes or no", "is the answer yes or no"),
        ] {
            assert_eq!(question_of(text), want, "{text}");
        }
    }

    #[test]
    fn questions_are_not_small_talk() {
        for text in [
            "printer",
            "hello, my printer does not print",
            "Здравствуйте, не печатает принтер",
            "thanks, but the VPN still drops every hour",
            "ok so the screen is black",
            "the machine operator manual is missing from the shared drive and nobody \
             knows where the scanned copy went",
        ] {
            assert_eq!(classify(text), None, "{text}");
        }
    }
}
