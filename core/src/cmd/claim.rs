//! `/claim N`, `/release N` and `/assign N NAME`: an agent takes a ticket from the queue,
//! gives it back, or hands it to a colleague.

use crate::action::Action;
use crate::desk::{Acting, Done, Stop};
use crate::domain::{EventKind, TicketId};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::i18n::staff::{Ack, Card};
use crate::message::{Button, Outbound};
use crate::staff::{Role, StaffMember};
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

/// Hands ticket `id` to colleague `name`: its holder or an admin may, to someone who works
/// the ticket's line. The new holder and the requester are told; the thread records it.
pub(crate) async fn assign(a: &mut Acting<'_, '_, '_>, id: TicketId, name: &str) -> Done {
    let t = a.desk.ticket(id).await?;
    let holder = t.assignee.as_deref();
    if a.me.role != Role::Admin && holder != Some(a.me.name.as_str()) {
        return Err(UserError::NotYoursToAssign(id).into());
    }
    let to = colleague(a, name).await?;
    if !to.works(t.line) {
        let (name, line) = (to.name, t.line);
        return Err(UserError::ColleagueNotOnLine { name, line }.into());
    }
    if !Store::assign(a.desk.conn, id, holder, &to.name, a.turn.now).await? {
        // Closed, or it changed hands since it was read.
        return Err(UserError::NotYoursToAssign(id).into());
    }
    let body = format!("{} -> {}", holder.unwrap_or("-"), to.name);
    let actor = a.actor();
    Store::add_event(
        a.desk.conn,
        id,
        a.turn.now,
        &actor,
        EventKind::Assigned,
        &body,
    )
    .await?;
    let msg = Msg::TookYourTicket {
        ticket: id,
        agent: &to.name,
    };
    a.turn.tell_requester(&t, msg.text(t.lang), Vec::new());
    let lang = a.desk.config.default_lang;
    let by = a.me.name.clone();
    let card = Card::Assigned {
        ticket: id,
        to: &to.name,
        by: &by,
    }
    .text(lang);
    // In the ticket's thread for everyone, and to the new holder directly when the desk
    // knows where to write to them.
    if let Some(chat) = a.desk.config.staff.chat_of(&to.name) {
        a.turn.out.push(Outbound::text(chat, card.clone()));
    }
    let moved = crate::domain::Ticket {
        assignee: Some(to.name.clone()),
        ..t
    };
    a.desk.to_agents(a.turn, &moved, card);
    a.turn.ack(Ack::Assigned {
        ticket: id,
        to: &to.name,
    });
    Ok(())
}

/// A colleague by name: from the configuration, or added from chat.
async fn colleague(a: &mut Acting<'_, '_, '_>, name: &str) -> Result<StaffMember, Stop> {
    if let Some(m) = a.desk.config.staff.named(name) {
        return Ok(m.clone());
    }
    let added = Store::staff_list(a.desk.conn).await?;
    added
        .into_iter()
        .map(|s| s.member)
        .find(|m| m.name == name)
        .ok_or_else(|| UserError::UnknownColleague(name.to_string()).into())
}
