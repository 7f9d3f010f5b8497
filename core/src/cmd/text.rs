//! A person's text, parsed once and sent where it belongs: a staff command, a user's
//! command, the comment on a rating just given, a follow-up in their open ticket, small
//! talk, or a question for the knowledge base.

use crate::agent;
use crate::command;
use crate::desk::{Acting, Desk, Done, Turn};
use crate::domain::{EventKind, Lang};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::message::MAX_TEXT_CHARS;
use crate::store::Store;

pub(crate) async fn text(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    raw: &str,
    search: Option<Result<frontline_kb::SearchOutcome, frontline_kb::KbError>>,
) -> Done {
    let text = clean_text(raw)?;
    if let Some(cmd) = agent::parse_in(&text, turn.thread) {
        let Some(member) = turn.staff.clone() else {
            return Err(UserError::StaffOnly(command_name(&text)).into());
        };
        return crate::cmd::staff(desk, turn, &member, cmd?).await;
    }
    if let Some(cmd) = command::parse(&text) {
        return crate::cmd::user::run(desk, turn, cmd?).await;
    }
    if let Some(rated) = turn.person.comment_for {
        // The message right after a rating, within a few minutes, is its comment; a
        // later one is a new message, and the wait for a comment ends either way.
        Store::set_comment_for(desk.conn, turn.person.id, None, turn.now).await?;
        let in_time = turn.person.comment_until_ms.is_some_and(|u| turn.now <= u);
        if in_time && Store::comment(desk.conn, rated, &text, turn.now).await? {
            let actor = turn.actor();
            Store::add_event(
                desk.conn,
                rated,
                turn.now,
                &actor,
                EventKind::Rated,
                &format!("comment: {text}"),
            )
            .await?;
            turn.reply(Msg::CommentSaved.text(turn.person.lang));
            return Ok(());
        }
    }
    if let Some(ticket) = super::thread::open_current_ticket(desk, turn).await? {
        return super::thread::add_to_thread(desk, turn, &ticket, &text).await;
    }
    if let Some(talk) = crate::small_talk::classify(&text) {
        return super::talk::small_talk(desk, turn, &text, talk).await;
    }
    // The search made before the transaction stands when the text itself told its
    // language; otherwise search again with the language the user chose.
    let outcome = match search {
        Some(Ok(o)) if Lang::detect(&text).is_some() || o.lang == turn.person.lang => o,
        _ => desk.kb.search(
            crate::small_talk::question_of(&text),
            Some(turn.person.lang),
        )?,
    };
    super::ask::question(desk, turn, &text, outcome).await
}

/// A text file someone sent: with `/kb add` or `/kb edit SLUG` from an admin it is an
/// article; otherwise it is a message that names the file.
pub(crate) async fn file(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    name: &str,
    body: &str,
    caption: &str,
) -> Done {
    let n = body.chars().count();
    if n > crate::message::MAX_FILE_CHARS {
        return Err(UserError::TooLong(n).into());
    }
    let caption = caption.trim();
    if let Some(member) = turn.staff.clone()
        && let Some(args) = caption.strip_prefix("/kb")
        && args.starts_with(char::is_whitespace)
    {
        let cmd = crate::cmd::kb::parse(&format!("{}\n{text}", args.trim(), text = body))?;
        let me = &member;
        return crate::cmd::kb::run(&mut Acting { desk, turn, me }, cmd).await;
    }
    let said = format!("{caption}\n📎 {name} ({n} characters)");
    text(desk, turn, said.trim(), None).await
}

/// Text as it will be stored: control characters out (tabs and line breaks kept), trimmed,
/// and refused when empty or longer than [`MAX_TEXT_CHARS`].
pub(crate) fn clean_text(raw: &str) -> Result<String, UserError> {
    let cleaned: String = raw
        .chars()
        .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
        .collect();
    let cleaned = cleaned
        .trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
        .to_string();
    if cleaned.is_empty() {
        return Err(UserError::Empty);
    }
    let n = cleaned.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(UserError::TooLong(n));
    }
    Ok(cleaned)
}

/// The name of the command `text` starts with (`/queue 5` → `queue`), at most 32
/// characters, for telling someone it is not theirs.
pub(crate) fn command_name(text: &str) -> String {
    text.trim_start()
        .trim_start_matches('/')
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .take(32)
        .collect()
}

/// Characters that show nothing on their own: zero-width spaces and joiners, the word
/// joiner, the byte-order mark, the soft hyphen, blank fillers. Inside text they stay (a
/// joiner holds an emoji sequence together); text made only of them is empty.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_only_invisible_characters_is_empty() {
        for raw in [
            "\u{200B}\u{200B}",
            "\u{FEFF} \u{2060}",
            "\u{3164}",
            "\u{200D}\n\u{200C}",
        ] {
            assert!(
                matches!(clean_text(raw), Err(UserError::Empty)),
                "{raw:?} should be refused as empty"
            );
        }
        assert_eq!(
            clean_text("\u{200B}printer\u{200B}").ok().as_deref(),
            Some("printer")
        );
        // A joiner inside an emoji sequence is kept.
        assert_eq!(
            clean_text("👨\u{200D}💻 help").ok().as_deref(),
            Some("👨\u{200D}💻 help")
        );
    }

    #[test]
    fn text_is_cleaned_and_bounded() {
        assert_eq!(
            clean_text("  hi\u{0}\u{7} there\n "),
            Ok("hi there".to_string())
        );
        assert_eq!(clean_text(" \u{1b} "), Err(UserError::Empty));
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            clean_text(&long),
            Err(UserError::TooLong(MAX_TEXT_CHARS + 1))
        );
    }
}
