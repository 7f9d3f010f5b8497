//! `/claim N` and `/release N`: an agent takes a ticket from the queue, or gives it back.

use crate::action::Action;
use crate::desk::{Acting, Done};
use crate::domain::{EventKind, TicketId};
use crate::error::UserError;
use crate::i18n::staff::Ack;
use crate::message::Button;
use crate::staff::Role;
use crate::store::Store;

pub(crate) async fn claim(a: &mut Acting<'_, '_, '_>, id: TicketId) -> Done {
    let t = a.desk.ticket(id).await?;
    a.desk.claim(a.turn, a.me, &t).await?;
    // [Resolve] right there: the agent answers in the thread, then presses it.
    let lang = a.turn.person.lang;
    a.turn.reply_with(
        Ack::Claimed {
            ticket: id,
            subject: &t.subject,
        }
        .text(lang),
        vec![Button {
            label: Ack::ResolveButton.text(lang),
            data: Action::Resolve { ticket: id.get() }.encode(),
        }],
    );
    Ok(())
}

pub(crate) async fn release(a: &mut Acting<'_, '_, '_>, id: TicketId) -> Done {
    a.desk.ticket(id).await?;
    // An admin may take a ticket back from whoever holds it.
    let holder = (a.me.role != Role::Admin).then_some(a.me.name.as_str());
    if !Store::release(a.desk.conn, id, holder, a.turn.now).await? {
        return Err(UserError::NotHolder(id).into());
    }
    let actor = a.actor();
    Store::add_event(a.desk.conn, id, a.turn.now, &actor, EventKind::Released, "").await?;
    a.turn.ack(Ack::Released { ticket: id });
    Ok(())
}
