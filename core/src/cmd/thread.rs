//! What a requester writes while their ticket is open: it joins the ticket's thread, and the
//! agents hear it.

use crate::classify;
use crate::desk::{Desk, Done, Stop, Turn};
use crate::domain::{EventKind, Status, Ticket};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::i18n::staff::Card;
use crate::store::Store;

/// The ticket the user is talking in, if it is still open.
pub(crate) async fn open_current_ticket(
    desk: &mut Desk<'_>,
    turn: &Turn<'_>,
) -> Result<Option<Ticket>, Stop> {
    let Some(id) = turn.person.current_ticket else {
        return Ok(None);
    };
    Ok(Store::ticket(desk.conn, id)
        .await?
        .filter(|t| t.status.is_open()))
}

pub(crate) async fn add_to_thread(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    ticket: &Ticket,
    text: &str,
) -> Done {
    let actor = turn.actor();
    // An answer restarts a paused clock and cancels an auto-close.
    turn.touched.insert(ticket.id);
    // The ticket's row first: two follow-ups handled at once (two instances) then take
    // turns, and the second sees the first's message — else both would count themselves
    // the first and both be acknowledged in words.
    Store::touch_ticket(desk.conn, ticket.id, turn.now).await?;
    Store::add_event(
        desk.conn,
        ticket.id,
        turn.now,
        &actor,
        EventKind::MessageIn,
        text,
    )
    .await?;
    // A customer's answer takes a ticket that waited on them back to work.
    if ticket.status == Status::WaitingOnCustomer {
        // Moved meanwhile (an agent resolved it): the message still goes in the thread.
        match desk
            .transition(ticket, Status::InProgress, &actor, turn.now)
            .await
        {
            Ok(()) | Err(Stop::User(UserError::IllegalTransition { .. })) => {}
            Err(e) => return Err(e),
        }
    }
    let requester = turn.person.display.clone();
    desk.to_agents(
        turn,
        ticket,
        Card::Relay {
            ticket: ticket.id,
            requester: &requester,
            text,
        }
        .text(desk.config.default_lang),
    );
    if classify::asks_for_urgency(text) {
        Store::add_event(
            desk.conn,
            ticket.id,
            turn.now,
            &actor,
            EventKind::PriorityRequested,
            text,
        )
        .await?;
        desk.to_agents(
            turn,
            ticket,
            Card::PriorityRequest {
                ticket: ticket.id,
                requester: &requester,
            }
            .text(desk.config.default_lang),
        );
        turn.reply(Msg::PriorityRequestNoted(ticket.id).text(turn.person.lang));
    } else {
        // Said in words once (the first follow-up after registration: the question and
        // this one are the ticket's messages); after that, a reaction on the person's own
        // message says it without another message in their chat.
        let said = Store::count_events(desk.conn, ticket.id, EventKind::MessageIn).await?;
        match turn.message.filter(|_| said > 2) {
            Some(message) => turn.react(message, "👌"),
            None => turn.reply(Msg::AddedToTicket(ticket.id).text(turn.person.lang)),
        }
    }
    Ok(())
}
