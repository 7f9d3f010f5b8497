//! Where a ticket stands: `/resolve N` (the requester is asked to confirm), `/reopen N`, and
//! `/escalate N LINE reason` up to the developers (3) or the vendor (4), or back down to 2.

use crate::action::Action;
use crate::desk::{Acting, Done};
use crate::domain::{EventKind, Line, Status, Ticket, TicketId};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::i18n::staff::{Ack, Card};
use crate::message::Button;
use crate::store::Store;

pub(crate) async fn resolve(a: &mut Acting<'_, '_, '_>, id: TicketId) -> Done {
    let t = a.desk.ticket(id).await?;
    let actor = a.actor();
    a.desk
        .transition(&t, Status::Resolved, &actor, a.turn.now)
        .await?;
    Store::stamp_first_response(a.desk.conn, id, a.turn.now).await?;
    let buttons = confirm_buttons(id, t.lang);
    a.turn
        .tell_requester(&t, Msg::ResolvedAsk { ticket: id }.text(t.lang), buttons);
    a.turn.ack(Ack::Resolved { ticket: id });
    Ok(())
}

pub(crate) async fn reopen(a: &mut Acting<'_, '_, '_>, id: TicketId) -> Done {
    let t = a.desk.ticket(id).await?;
    let actor = a.actor();
    a.desk
        .transition(&t, Status::InProgress, &actor, a.turn.now)
        .await?;
    a.turn
        .tell_requester(&t, Msg::Reopened { ticket: id }.text(t.lang), Vec::new());
    // Told through the ticket's channels, so a closed thread opens again first.
    let reopened = Ticket {
        status: Status::InProgress,
        ..t
    };
    let card = Card::ReopenedBy {
        ticket: id,
        agent: &a.me.name,
    }
    .text(a.desk.config.default_lang);
    a.desk.to_agents(a.turn, &reopened, card);
    Ok(())
}

pub(crate) async fn escalate(
    a: &mut Acting<'_, '_, '_>,
    id: TicketId,
    line: Line,
    reason: &str,
) -> Done {
    let now = a.turn.now;
    let t = a.desk.ticket(id).await?;
    if !t.status.is_open() {
        return Err(UserError::IllegalTransition {
            ticket: id,
            from: t.status,
            to: Status::InProgress,
        }
        .into());
    }
    if line == t.line {
        return Err(UserError::SameLine { ticket: id, line }.into());
    }
    Store::set_line(a.desk.conn, id, line, now).await?;
    let actor = a.actor();
    let body = format!("escalated line {} -> {line}: {reason}", t.line);
    Store::add_event(a.desk.conn, id, now, &actor, EventKind::Note, &body).await?;
    let lang = a.desk.config.default_lang;
    let left = a.desk.config.sla.sla_line(&t, now, lang);
    let card = Card::Escalated {
        ticket: &t,
        to: line,
        by: &a.me.name,
        reason,
        left: left.as_deref(),
    }
    .text(lang);
    let moved = Ticket {
        line,
        assignee: None,
        ..t.clone()
    };
    a.desk
        .to_agents_with(a.turn, &moved, card, vec![claim_button(id, lang)]);
    a.turn.tell_requester(
        &t,
        Msg::Escalated { ticket: id, line }.text(t.lang),
        Vec::new(),
    );
    a.turn.ack(Ack::Escalated {
        ticket: id,
        from: t.line,
        to: line,
    });
    Ok(())
}

/// [Yes, solved] [No, still broken] under "is it solved?", for the requester of `ticket`.
pub(crate) fn confirm_buttons(ticket: TicketId, lang: crate::domain::Lang) -> Vec<Button> {
    let confirm = |solved: bool, label: Msg<'_>| Button {
        label: label.text(lang),
        data: Action::Confirm {
            ticket: ticket.get(),
            solved,
        }
        .encode(),
    };
    vec![confirm(true, Msg::SolvedYes), confirm(false, Msg::SolvedNo)]
}

/// [Claim] under a card in the agents' channels.
pub(crate) fn claim_button(ticket: TicketId, lang: crate::domain::Lang) -> Button {
    Button {
        label: Card::ClaimButton.text(lang),
        data: Action::Claim {
            ticket: ticket.get(),
        }
        .encode(),
    }
}

/// `LINE reason` of `/escalate N LINE reason`: up to 3 or 4, or back down to 2 when the
/// developers hand it back.
pub(crate) fn parse_escalate(rest: &str) -> Result<(Line, String), &'static str> {
    let (line, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let line = line
        .parse::<i64>()
        .ok()
        .filter(|l| (2..=4).contains(l))
        .and_then(|l| Line::new(l).ok())
        .ok_or("line 3 (developers), 4 (vendors) or back to 2 (agents)")?;
    if reason.trim().is_empty() {
        return Err("a reason after the line");
    }
    Ok((line, reason.trim().to_string()))
}
