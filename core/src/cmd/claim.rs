//! `/claim N` and `/release N`: an agent takes a ticket from the queue, or gives it back.

use crate::action::Action;
use crate::desk::{Desk, Stop, Turn};
use crate::domain::{Actor, EventKind, TicketId};
use crate::error::UserError;
use crate::i18n::staff::Ack;
use crate::message::Button;
use crate::staff::{Role, StaffMember};
use crate::store::Store;

pub(crate) async fn claim(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    me: &StaffMember,
    id: TicketId,
) -> Result<(), Stop> {
    let t = desk.ticket(id).await?;
    desk.claim(turn, me, &t).await?;
    // [Resolve] right there: the agent answers in the thread, then presses it.
    let lang = turn.person.lang;
    turn.reply_with(
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

pub(crate) async fn release(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    me: &StaffMember,
    id: TicketId,
) -> Result<(), Stop> {
    desk.ticket(id).await?;
    // An admin may take a ticket back from whoever holds it.
    let holder = (me.role != Role::Admin).then_some(me.name.as_str());
    if !Store::release(desk.conn, id, holder, turn.now).await? {
        return Err(UserError::NotHolder(id).into());
    }
    let actor = Actor::Agent(me.name.clone());
    Store::add_event(desk.conn, id, turn.now, &actor, EventKind::Released, "").await?;
    turn.ack(Ack::Released { ticket: id });
    Ok(())
}
