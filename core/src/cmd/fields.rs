//! What an agent sets on a ticket: `/priority N LEVEL reason`, `/type N KIND`, and the time
//! spent, `/hours N 1.5 note` (billed when the ticket is a paid consultation).

use crate::desk::{Desk, Stop, Turn};
use crate::domain::{Actor, EventKind, Priority, TicketId, TicketKind};
use crate::i18n::Msg;
use crate::i18n::staff::Ack;
use crate::staff::StaffMember;
use crate::store::Store;

pub(crate) async fn priority(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    me: &StaffMember,
    id: TicketId,
    priority: Priority,
    reason: &str,
) -> Result<(), Stop> {
    let now = turn.now;
    let t = desk.ticket(id).await?;
    Store::set_priority(desk.conn, id, priority, now).await?;
    let actor = Actor::Agent(me.name.clone());
    let body = format!("{} -> {priority}: {reason}", t.priority);
    Store::add_event(
        desk.conn,
        id,
        now,
        &actor,
        EventKind::PriorityChanged,
        &body,
    )
    .await?;
    let mut msg = Msg::PriorityChanged {
        ticket: id,
        priority,
        reason,
    }
    .text(t.lang);
    // The deadlines follow the priority; the requester hears the new one.
    desk.reschedule(id, now).await?;
    let moved = desk.ticket(id).await?;
    if moved.status.is_open()
        && let Some(promise) = desk.config.sla.promise(&moved, now, t.lang)
    {
        msg.push_str(&format!("\n{promise}"));
    }
    turn.tell_requester(&t, msg, Vec::new());
    turn.ack(Ack::PriorityChanged {
        ticket: id,
        from: t.priority,
        to: priority,
    });
    Ok(())
}

pub(crate) async fn kind(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    me: &StaffMember,
    id: TicketId,
    kind: TicketKind,
) -> Result<(), Stop> {
    let t = desk.ticket(id).await?;
    Store::set_kind(desk.conn, id, kind, turn.now).await?;
    let actor = Actor::Agent(me.name.clone());
    let body = format!("{} -> {kind}", t.kind);
    Store::add_event(
        desk.conn,
        id,
        turn.now,
        &actor,
        EventKind::KindChanged,
        &body,
    )
    .await?;
    turn.ack(Ack::KindChanged {
        ticket: id,
        from: t.kind,
        to: kind,
    });
    Ok(())
}

/// Time spent on a ticket: billable when its type is (a paid consultation).
pub(crate) async fn hours(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    me: &StaffMember,
    id: TicketId,
    minutes: u32,
    note: &str,
) -> Result<(), Stop> {
    let t = desk.ticket(id).await?;
    let billable = t.kind.billable();
    Store::add_time(desk.conn, id, &me.name, minutes, billable, note, turn.now).await?;
    let (total, billed) = Store::time_total(desk.conn, id).await?;
    // The thread's record is data (read back by reports and transcripts), not a text.
    let body = format!(
        "time: {minutes} min{}{}",
        if billable { " (billable)" } else { "" },
        if note.is_empty() {
            String::new()
        } else {
            format!(": {note}")
        }
    );
    let actor = Actor::Agent(me.name.clone());
    Store::add_event(desk.conn, id, turn.now, &actor, EventKind::Note, &body).await?;
    turn.ack(Ack::HoursLogged {
        ticket: id,
        minutes,
        billable,
        note,
        total,
        billed,
    });
    Ok(())
}
