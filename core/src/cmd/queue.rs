//! What is waiting: `/queue` (unclaimed tickets of the agent's lines, most urgent first) and
//! `/stats` (today's tickets by status and line).

use crate::desk::{Acting, Done};
use crate::i18n::staff::Ack;
use crate::store::Store;

/// Tickets `/queue` shows at most.
const QUEUE_LIMIT: i64 = 20;

pub(crate) async fn queue(a: &mut Acting<'_, '_, '_>) -> Done {
    let tickets = Store::queue(a.desk.conn, a.me.queue_lines(), QUEUE_LIMIT).await?;
    let lang = a.turn.person.lang;
    let left: Vec<Option<String>> = tickets
        .iter()
        .map(|t| a.desk.config.sla.sla_line(t, a.turn.now, lang))
        .collect();
    a.turn.ack(Ack::Queue {
        tickets: &tickets,
        left: &left,
    });
    Ok(())
}

pub(crate) async fn stats(a: &mut Acting<'_, '_, '_>) -> Done {
    // "Today" is the UTC day of the engine's clock.
    let day = a.turn.now - a.turn.now.rem_euclid(86_400_000);
    let counts = Store::counts_since(a.desk.conn, day).await?;
    a.turn.ack(Ack::Today { counts: &counts });
    Ok(())
}
