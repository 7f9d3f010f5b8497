//! `/transcript N`: a ticket's whole thread, as a message or, when long, a text file.

use crate::desk::{Acting, Done};
use crate::domain::TicketId;
use crate::i18n::staff::Ack;
use crate::message::Attachment;

/// Longest transcript sent as a message; a longer one is attached as a text file.
pub const TRANSCRIPT_INLINE_CHARS: usize = 3_500;

pub(crate) async fn transcript(a: &mut Acting<'_, '_, '_>, id: TicketId) -> Done {
    let t = a.desk.ticket(id).await?;
    let thread = crate::store::Store::thread_in(a.desk.conn, id).await?;
    let lang = a.turn.person.lang;
    let mut lines = vec![Ack::TicketLine { ticket: &t }.text(lang)];
    for e in thread {
        let at = chrono::DateTime::from_timestamp_millis(e.at_ms)
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        lines.push(format!("[{at}] {} {}: {}", e.actor, e.kind, e.body));
    }
    let text = lines.join("\n");
    // A long thread is a file: a chat message would be split into many.
    if text.chars().count() > TRANSCRIPT_INLINE_CHARS {
        let name = format!("ticket-{}.txt", id.get());
        let note = Ack::TranscriptAttached {
            ticket: id,
            entries: lines.len() - 1,
            file: &name,
        }
        .text(lang);
        a.turn.reply_file(
            note,
            Attachment {
                name,
                text: text + "\n",
            },
        );
    } else {
        a.turn.reply(text);
    }
    Ok(())
}
