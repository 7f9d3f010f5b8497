//! What an agent sets on a ticket: `/priority N LEVEL reason`, `/type N KIND`, and the time
//! spent, `/hours N 1.5 note` (billed when the ticket is a paid consultation).

use crate::desk::{Acting, Done};
use crate::domain::{EventKind, Priority, TicketId, TicketKind};
use crate::i18n::Msg;
use crate::i18n::staff::Ack;
use crate::store::Store;

pub(crate) async fn priority(
    a: &mut Acting<'_, '_, '_>,
    id: TicketId,
    priority: Priority,
    reason: &str,
) -> Done {
    let now = a.turn.now;
    let t = a.desk.ticket(id).await?;
    Store::set_priority(a.desk.conn, id, priority, now).await?;
    let actor = a.actor();
    let body = format!("{} -> {priority}: {reason}", t.priority);
    Store::add_event(
        a.desk.conn,
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
    a.desk.reschedule(id, now).await?;
    let moved = a.desk.ticket(id).await?;
    if moved.status.is_open()
        && let Some(promise) = a.desk.config.sla.promise(&moved, now, t.lang)
    {
        msg.push_str(&format!("\n{promise}"));
    }
    a.turn.tell_requester(&t, msg, Vec::new());
    if priority == Priority::Critical && t.priority != Priority::Critical {
        // Its organisation's manager hears when one of its tickets becomes critical.
        let note = format!(
            "{} {}: {} -> {priority}: {reason}",
            t.id, t.subject, t.priority
        );
        let notes = super::org::manager_notice(a.desk.conn, a.desk.config, &moved, &note).await?;
        a.turn.out.extend(notes);
    }
    a.turn.ack(Ack::PriorityChanged {
        ticket: id,
        from: t.priority,
        to: priority,
    });
    Ok(())
}

pub(crate) async fn kind(a: &mut Acting<'_, '_, '_>, id: TicketId, kind: TicketKind) -> Done {
    let t = a.desk.ticket(id).await?;
    Store::set_kind(a.desk.conn, id, kind, a.turn.now).await?;
    let actor = a.actor();
    let body = format!("{} -> {kind}", t.kind);
    Store::add_event(
        a.desk.conn,
        id,
        a.turn.now,
        &actor,
        EventKind::KindChanged,
        &body,
    )
    .await?;
    a.turn.ack(Ack::KindChanged {
        ticket: id,
        from: t.kind,
        to: kind,
    });
    Ok(())
}

/// Time spent on a ticket: billable when its type is (a paid consultation).
pub(crate) async fn hours(
    a: &mut Acting<'_, '_, '_>,
    id: TicketId,
    minutes: u32,
    note: &str,
) -> Done {
    let t = a.desk.ticket(id).await?;
    let billable = t.kind.billable();
    Store::add_time(
        a.desk.conn,
        id,
        &a.me.name,
        minutes,
        billable,
        note,
        a.turn.now,
    )
    .await?;
    let (total, billed) = Store::time_total(a.desk.conn, id).await?;
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
    let actor = a.actor();
    Store::add_event(a.desk.conn, id, a.turn.now, &actor, EventKind::Note, &body).await?;
    a.turn.ack(Ack::HoursLogged {
        ticket: id,
        minutes,
        billable,
        note,
        total,
        billed,
    });
    Ok(())
}

/// `LEVEL reason` of `/priority N LEVEL reason`; what is missing, if anything.
pub(crate) fn parse_priority(rest: &str) -> Result<(Priority, String), &'static str> {
    let (level, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let p = Priority::from_code(&level.to_lowercase())
        .ok_or("a priority: low, normal, high or critical")?;
    if reason.trim().is_empty() {
        return Err("a reason after the priority");
    }
    Ok((p, reason.trim().to_string()))
}

/// `KIND` of `/type N KIND` (`access request` as well as `access_request`).
pub(crate) fn parse_kind(rest: &str) -> Result<TicketKind, &'static str> {
    TicketKind::from_code(&rest.to_lowercase().replace(' ', "_")).ok_or(
        "a type: incident, consultation, access_request, licence_key, update, wish or question",
    )
}

/// `HOURS [note]` of `/hours N 1.5 note` (a comma works as the decimal point), as minutes.
pub(crate) fn parse_hours(rest: &str) -> Result<(u32, String), &'static str> {
    let (amount, note) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let hours: f64 = amount
        .replace(',', ".")
        .parse()
        .ok()
        .filter(|h: &f64| h.is_finite() && *h > 0.0 && *h <= 24.0)
        .ok_or("hours between 0 and 24, such as 1.5")?;
    Ok(((hours * 60.0).round() as u32, note.trim().to_string()))
}
