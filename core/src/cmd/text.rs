//! A person's text, parsed once and sent where it belongs: a staff command, a user's
//! command, the comment on a rating just given, a follow-up in their open ticket, small
//! talk, or a question for the knowledge base.

use crate::agent;
use crate::command;
use crate::desk::{Desk, Stop, Turn};
use crate::domain::{EventKind, Lang};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::store::Store;

pub(crate) async fn text(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    raw: &str,
    search: Option<Result<frontline_kb::SearchOutcome, frontline_kb::KbError>>,
) -> Result<(), Stop> {
    let text = crate::engine::clean_text(raw)?;
    if let Some(cmd) = agent::parse_in(&text, turn.thread) {
        let Some(member) = turn.staff.clone() else {
            return Err(UserError::StaffOnly(crate::engine::command_name(&text)).into());
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
) -> Result<(), Stop> {
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
        return crate::cmd::kb::run(desk, turn, &member, cmd).await;
    }
    let said = format!("{caption}\n📎 {name} ({n} characters)");
    text(desk, turn, said.trim(), None).await
}
