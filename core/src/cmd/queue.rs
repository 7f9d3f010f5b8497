//! What is waiting: `/queue` (unclaimed tickets of the agent's lines, most urgent first) and
//! `/stats` (today's tickets by status and line).

use crate::desk::{Desk, Stop, Turn};
use crate::i18n::staff::Ack;
use crate::staff::StaffMember;
use crate::store::Store;

/// Tickets `/queue` shows at most.
const QUEUE_LIMIT: i64 = 20;

pub(crate) async fn queue(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    me: &StaffMember,
) -> Result<(), Stop> {
    let tickets = Store::queue(desk.conn, me.queue_lines(), QUEUE_LIMIT).await?;
    let lang = turn.person.lang;
    let left: Vec<Option<String>> = tickets
        .iter()
        .map(|t| desk.config.sla.sla_line(t, turn.now, lang))
        .collect();
    turn.ack(Ack::Queue {
        tickets: &tickets,
        left: &left,
    });
    Ok(())
}

pub(crate) async fn stats(desk: &mut Desk<'_>, turn: &mut Turn<'_>) -> Result<(), Stop> {
    // "Today" is the UTC day of the engine's clock.
    let day = turn.now - turn.now.rem_euclid(86_400_000);
    let counts = Store::counts_since(desk.conn, day).await?;
    turn.ack(Ack::Today { counts: &counts });
    Ok(())
}
