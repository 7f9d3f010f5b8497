//! Conversation ("hi", "thanks", "anyone there?") answered as such, before any search;
//! asking for a person goes straight to registering a ticket.

use crate::classify;
use crate::desk::{Desk, Done, Turn};
use crate::i18n::Msg;
use crate::store::{NewQuestion, QuestionState, Store};

/// Conversation, answered before any search: nothing is logged as a question, except
/// asking for a person, which goes straight to registering a ticket.
pub(crate) async fn small_talk(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    text: &str,
    talk: crate::small_talk::SmallTalk,
) -> Done {
    use crate::small_talk::SmallTalk;
    let lang = turn.person.lang;
    metrics::counter!("frontline_small_talk_total", "kind" => format!("{talk:?}").to_lowercase())
        .increment(1);
    let reply = match talk {
        SmallTalk::Greeting => Msg::TalkGreeting,
        SmallTalk::Thanks => Msg::GladItHelped,
        SmallTalk::Presence => Msg::TalkPresence,
        SmallTalk::Ack | SmallTalk::Emoji => Msg::TalkAck,
        SmallTalk::Operator => {
            let guessed_kind = classify::guess_kind(text);
            let q = NewQuestion {
                person: turn.person.id,
                text,
                lang,
                decision: "operator",
                state: QuestionState::ChoosingKind,
                article: None,
                suggested: Vec::new(),
                confidence: None,
                guessed_kind,
            };
            let id = Store::insert_question(desk.conn, &q, turn.now).await?;
            turn.reply_with(
                Msg::AskKind {
                    after_no_match: false,
                }
                .text(lang),
                super::register::kind_buttons(id, guessed_kind, lang),
            );
            return Ok(());
        }
    };
    turn.reply(reply.text(lang));
    Ok(())
}
