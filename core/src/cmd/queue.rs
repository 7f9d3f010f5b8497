//! What is waiting: `/queue [line] [all]` (unclaimed tickets of the agent's lines, or of one
//! of them, most urgent first; `all` counts claimed ones too), `/mine` (the agent's own
//! open tickets) and `/stats` (today's tickets by status and line).

use crate::desk::{Acting, Done};
use crate::domain::Line;
use crate::error::UserError;
use crate::i18n::staff::{Ack, Listing};
use crate::store::{Holder, Store};

/// Tickets a list shows at most.
const LIST_LIMIT: i64 = 20;

/// Which tickets `/queue` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueView {
    /// One line (of the agent's); all of theirs when `None`.
    pub line: Option<Line>,
    /// Claimed tickets too.
    pub all: bool,
}

/// `[2|3|4] [all]`, in either order.
pub(crate) fn parse_view(args: &str) -> Result<QueueView, &'static str> {
    let mut view = QueueView::default();
    for word in args.split_whitespace() {
        match word.to_lowercase().as_str() {
            "all" | "все" => view.all = true,
            n => {
                let line = n
                    .parse::<i64>()
                    .ok()
                    .filter(|l| (2..=4).contains(l) && view.line.is_none())
                    .and_then(|l| Line::new(l).ok());
                view.line = Some(line.ok_or("a line (2, 3 or 4) and/or `all`")?);
            }
        }
    }
    Ok(view)
}

pub(crate) async fn queue(a: &mut Acting<'_, '_, '_>, view: QueueView) -> Done {
    let one;
    let lines = match view.line {
        Some(line) if !a.me.works(line) => return Err(UserError::LineNotYours(line).into()),
        Some(line) => {
            one = [line];
            Some(&one[..])
        }
        None => a.me.queue_lines(),
    };
    let holder = if view.all {
        Holder::Anyone
    } else {
        Holder::Nobody
    };
    let tickets = Store::open_tickets(a.desk.conn, lines, holder, LIST_LIMIT).await?;
    let listing = if view.all {
        Listing::Open
    } else {
        Listing::Unclaimed
    };
    list(a, listing, &tickets);
    Ok(())
}

/// The agent's own open tickets, on whatever line they are now.
pub(crate) async fn mine(a: &mut Acting<'_, '_, '_>) -> Done {
    let holder = Holder::Named(&a.me.name);
    let tickets = Store::open_tickets(a.desk.conn, None, holder, LIST_LIMIT).await?;
    list(a, Listing::Mine, &tickets);
    Ok(())
}

fn list(a: &mut Acting<'_, '_, '_>, listing: Listing, tickets: &[crate::domain::Ticket]) {
    let lang = a.turn.person.lang;
    let left: Vec<Option<String>> = tickets
        .iter()
        .map(|t| a.desk.config.sla.sla_line(t, a.turn.now, lang))
        .collect();
    a.turn.ack(Ack::Queue {
        listing,
        tickets,
        left: &left,
    });
}

/// How far back `/stats agents` looks.
const AGENT_STATS_DAYS: i64 = 30;

/// Each agent's figures over the last 30 days, as `frontline report agents` gives them.
pub(crate) async fn agent_stats(a: &mut Acting<'_, '_, '_>) -> Done {
    if a.me.role != crate::staff::Role::Admin {
        return Err(UserError::AdminOnly(crate::error::AdminTask::SeeAgentFigures).into());
    }
    let to = a.turn.now + 1;
    let from = to - AGENT_STATS_DAYS * 86_400_000;
    let rows = Store::agents_figures(a.desk.conn, from, to, &a.desk.config.sla.calendar).await?;
    a.turn.ack(Ack::AgentFigures {
        rows: &rows,
        days: AGENT_STATS_DAYS,
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
