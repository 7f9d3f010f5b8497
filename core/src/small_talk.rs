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
