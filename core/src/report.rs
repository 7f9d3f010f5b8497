//! Reports over a period: tickets, billable hours, and the knowledge base's deflection.
//!
//! Each report is computed from the store in one place, so the command line and any later
//! chat command show the same figures.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use crate::error::CoreResult;
use crate::store::Store;

/// Tickets created in a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TicketReport {
    pub total: i64,
    pub by_kind: BTreeMap<String, i64>,
    pub by_priority: BTreeMap<String, i64>,
    pub by_line: BTreeMap<String, i64>,
    pub by_status: BTreeMap<String, i64>,
    /// Median business minutes from creation to the first response (tickets that have one).
    pub median_first_response_min: Option<f64>,
    /// Median business minutes from creation to resolution (tickets resolved).
    pub median_resolution_min: Option<f64>,
    pub csat_average: Option<f64>,
    pub csat_count: i64,
}

/// One agent's work on tickets created in a period. Times are business time (the desk's
/// calendar), as the service levels count them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AgentRow {
    pub agent: String,
    /// Tickets they took in the period: claimed, or handed to them.
    pub claimed: i64,
    /// Tickets they resolved in the period.
    pub resolved: i64,
    /// Median business minutes from creation to the first response, of the tickets they hold.
    pub median_first_response_min: Option<f64>,
    /// Median business minutes from creation to resolution, of the tickets they hold.
    pub median_resolution_min: Option<f64>,
    /// Of the tickets they hold with a deadline: the share with none breached.
    pub sla_met: Option<f64>,
    pub csat_average: Option<f64>,
    pub csat_count: i64,
    pub billable_hours: f64,
}

/// Billable time of one requester with one agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoursRow {
    pub requester: String,
    pub agent: String,
    pub hours: f64,
}

/// How questions ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeflectionReport {
    pub questions: i64,
    /// The user pressed Helped.
    pub helped: i64,
    /// Answered or offered articles, with no ticket and no feedback.
    pub answered_no_feedback: i64,
    pub tickets: i64,
    /// Share of questions that did not become a ticket.
    pub deflection_rate: f64,
    /// Share of questions the user confirmed were answered.
    pub confirmed_rate: f64,
    /// The questions that most often ended in a ticket: what to write next.
    pub top_unanswered: Vec<(String, i64)>,
}

/// What an agent's held tickets add up to: first-response and resolution minutes, ratings,
/// tickets with a decided deadline, and of those the ones met.
type Held = (Vec<f64>, Vec<f64>, Vec<f64>, i64, i64);

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

impl Store {
    /// Tickets created in `[from_ms, to_ms)`; the medians in business time on `calendar`.
    pub async fn ticket_report(
        &self,
        from_ms: i64,
        to_ms: i64,
        calendar: &crate::calendar::BusinessCalendar,
    ) -> CoreResult<TicketReport> {
        let rows = sqlx::query(
            "SELECT kind, priority, line, status, created_ms, first_response_ms, resolved_ms, csat_score \
             FROM tickets WHERE created_ms >= $1 AND created_ms < $2",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        let mut r = TicketReport::default();
        let (mut first, mut resolution, mut csat) = (Vec::new(), Vec::new(), Vec::new());
        for row in &rows {
            r.total += 1;
            *r.by_kind.entry(row.try_get("kind")?).or_default() += 1;
            *r.by_priority.entry(row.try_get("priority")?).or_default() += 1;
            *r.by_line
                .entry(row.try_get::<i64, _>("line")?.to_string())
                .or_default() += 1;
            *r.by_status.entry(row.try_get("status")?).or_default() += 1;
            let created: i64 = row.try_get("created_ms")?;
            if let Some(t) = row.try_get::<Option<i64>, _>("first_response_ms")? {
                first.push(calendar.business_ms(created, t) as f64 / 60_000.0);
            }
            if let Some(t) = row.try_get::<Option<i64>, _>("resolved_ms")? {
                resolution.push(calendar.business_ms(created, t) as f64 / 60_000.0);
            }
            if let Some(s) = row.try_get::<Option<i64>, _>("csat_score")? {
                csat.push(s as f64);
            }
        }
        r.median_first_response_min = median(first);
        r.median_resolution_min = median(resolution);
        r.csat_count = csat.len() as i64;
        r.csat_average = (!csat.is_empty()).then(|| csat.iter().sum::<f64>() / csat.len() as f64);
        Ok(r)
    }

    /// Per agent, over tickets created (and events in) `[from_ms, to_ms)`: what they took and
    /// resolved, their medians in business time on `calendar`, SLA met, CSAT and billable hours.
    pub async fn agents_report(
        &self,
        from_ms: i64,
        to_ms: i64,
        calendar: &crate::calendar::BusinessCalendar,
    ) -> CoreResult<Vec<AgentRow>> {
        let mut conn = self.pool().acquire().await?;
        Self::agents_figures(&mut conn, from_ms, to_ms, calendar).await
    }

    /// [`Store::agents_report`] in a connection (a chat command's transaction).
    pub async fn agents_figures(
        conn: &mut sqlx::AnyConnection,
        from_ms: i64,
        to_ms: i64,
        calendar: &crate::calendar::BusinessCalendar,
    ) -> CoreResult<Vec<AgentRow>> {
        let mut rows: BTreeMap<String, AgentRow> = BTreeMap::new();
        taken_and_resolved(conn, from_ms, to_ms, &mut rows).await?;
        let times = held(conn, from_ms, to_ms, calendar).await?;
        for (name, (first, resolution, csat, with_deadline, met)) in times {
            let row = entry(&mut rows, &name);
            row.median_first_response_min = median(first);
            row.median_resolution_min = median(resolution);
            row.sla_met = (with_deadline > 0).then(|| met as f64 / with_deadline as f64);
            row.csat_count = csat.len() as i64;
            row.csat_average =
                (!csat.is_empty()).then(|| csat.iter().sum::<f64>() / csat.len() as f64);
        }
        let hours = sqlx::query(
            "SELECT agent, CAST(SUM(minutes) AS BIGINT) AS minutes FROM time_entries \
             WHERE billable = 1 AND at_ms >= $1 AND at_ms < $2 GROUP BY agent",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&mut *conn)
        .await?;
        for h in &hours {
            let name: String = h.try_get("agent")?;
            entry(&mut rows, &name).billable_hours = h.try_get::<i64, _>("minutes")? as f64 / 60.0;
        }
        Ok(rows.into_values().collect())
    }

    /// Billable hours recorded in `[from_ms, to_ms)`, per requester and agent.
    pub async fn hours_report(&self, from_ms: i64, to_ms: i64) -> CoreResult<Vec<HoursRow>> {
        let rows = sqlx::query(
            "SELECT p.display AS requester, e.agent AS agent, \
             CAST(SUM(e.minutes) AS BIGINT) AS minutes \
             FROM time_entries e JOIN tickets t ON t.id = e.ticket_id \
             JOIN persons p ON p.id = t.requester_id \
             WHERE e.billable = 1 AND e.at_ms >= $1 AND e.at_ms < $2 \
             GROUP BY p.display, e.agent ORDER BY p.display, e.agent",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(HoursRow {
                    requester: r.try_get("requester")?,
                    agent: r.try_get("agent")?,
                    hours: r.try_get::<i64, _>("minutes")? as f64 / 60.0,
                })
            })
            .collect()
    }

    /// Billable hours recorded in `[from_ms, to_ms)` per client organisation (`""`: none), by
    /// name.
    pub async fn hours_by_org(&self, from_ms: i64, to_ms: i64) -> CoreResult<Vec<(String, f64)>> {
        let rows = sqlx::query(
            "SELECT COALESCE(o.name, '') AS org, CAST(SUM(e.minutes) AS BIGINT) AS minutes \
             FROM time_entries e JOIN tickets t ON t.id = e.ticket_id \
             LEFT JOIN orgs o ON o.org_key = t.org_key \
             WHERE e.billable = 1 AND e.at_ms >= $1 AND e.at_ms < $2 \
             GROUP BY COALESCE(o.name, '') ORDER BY 1",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("org")?,
                    r.try_get::<i64, _>("minutes")? as f64 / 60.0,
                ))
            })
            .collect()
    }

    /// Tickets created in `[from_ms, to_ms)` per client organisation (`""`: none), by name.
    pub async fn tickets_by_org(&self, from_ms: i64, to_ms: i64) -> CoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT COALESCE(o.name, '') AS org, COUNT(*) AS n FROM tickets t \
             LEFT JOIN orgs o ON o.org_key = t.org_key \
             WHERE t.created_ms >= $1 AND t.created_ms < $2 \
             GROUP BY COALESCE(o.name, '') ORDER BY 1",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("org")?, r.try_get::<i64, _>("n")?)))
            .collect()
    }

    /// How the questions asked in `[from_ms, to_ms)` ended.
    pub async fn deflection_report(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> CoreResult<DeflectionReport> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM questions WHERE created_ms >= $1 AND created_ms < $2 GROUP BY state",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        let mut r = DeflectionReport::default();
        for row in &rows {
            let state: String = row.try_get("state")?;
            let n: i64 = row.try_get("n")?;
            r.questions += n;
            match state.as_str() {
                "helped" => r.helped += n,
                "ticket" => r.tickets += n,
                "answered" | "suggested" => r.answered_no_feedback += n,
                _ => {}
            }
        }
        if r.questions > 0 {
            r.deflection_rate = (r.questions - r.tickets) as f64 / r.questions as f64;
            r.confirmed_rate = r.helped as f64 / r.questions as f64;
        }
        let top = sqlx::query(
            "SELECT LOWER(text) AS q, COUNT(*) AS n FROM questions \
             WHERE state = 'ticket' AND created_ms >= $1 AND created_ms < $2 \
             GROUP BY LOWER(text) ORDER BY COUNT(*) DESC, LOWER(text) LIMIT 10",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        r.top_unanswered = top
            .iter()
            .map(|row| Ok((row.try_get("q")?, row.try_get("n")?)))
            .collect::<CoreResult<_>>()?;
        Ok(r)
    }
}

fn entry<'r>(rows: &'r mut BTreeMap<String, AgentRow>, name: &str) -> &'r mut AgentRow {
    rows.entry(name.to_string()).or_insert_with(|| AgentRow {
        agent: name.to_string(),
        ..AgentRow::default()
    })
}

/// Tickets each agent took (claimed, or handed to them) and resolved in the period.
async fn taken_and_resolved(
    conn: &mut sqlx::AnyConnection,
    from_ms: i64,
    to_ms: i64,
    rows: &mut BTreeMap<String, AgentRow>,
) -> CoreResult<()> {
    let events = sqlx::query(
        "SELECT actor, kind, body FROM ticket_events \
         WHERE kind IN ('claimed', 'assigned', 'status_changed') AND at_ms >= $1 AND at_ms < $2",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(&mut *conn)
    .await?;
    for e in &events {
        let (kind, body): (String, String) = (e.try_get("kind")?, e.try_get("body")?);
        let actor = crate::domain::Actor::parse(&e.try_get::<String, _>("actor")?);
        match kind.as_str() {
            "claimed" => entry(rows, &body).claimed += 1,
            // `from -> to`: the new holder took it.
            "assigned" => {
                if let Some((_, to)) = body.split_once(" -> ") {
                    entry(rows, to).claimed += 1;
                }
            }
            _ => {
                if let crate::domain::Actor::Agent(name) = actor
                    && body.ends_with("-> resolved")
                {
                    entry(rows, &name).resolved += 1;
                }
            }
        }
    }
    Ok(())
}

/// What the tickets each agent holds add up to (see [`Held`]).
async fn held(
    conn: &mut sqlx::AnyConnection,
    from_ms: i64,
    to_ms: i64,
    calendar: &crate::calendar::BusinessCalendar,
) -> CoreResult<BTreeMap<String, Held>> {
    let tickets = sqlx::query(
        "SELECT assignee, created_ms, first_response_ms, resolved_ms, csat_score, \
         first_due_ms, resolve_due_ms, first_breached, resolve_breached \
         FROM tickets WHERE assignee IS NOT NULL AND created_ms >= $1 AND created_ms < $2",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(&mut *conn)
    .await?;
    let mut times: BTreeMap<String, Held> = BTreeMap::new();
    for t in &tickets {
        let name: String = t.try_get("assignee")?;
        let created: i64 = t.try_get("created_ms")?;
        let (first, resolution, csat, with_deadline, met) = times.entry(name).or_default();
        let business = |at: i64| calendar.business_ms(created, at) as f64 / 60_000.0;
        if let Some(at) = t.try_get::<Option<i64>, _>("first_response_ms")? {
            first.push(business(at));
        }
        if let Some(at) = t.try_get::<Option<i64>, _>("resolved_ms")? {
            resolution.push(business(at));
        }
        if let Some(s) = t.try_get::<Option<i64>, _>("csat_score")? {
            csat.push(s as f64);
        }
        // A deadline counts once it is decided: met or missed by the time it was done,
        // or missed while still undone (the scheduler marked the breach).
        let verdict = |done: Option<i64>, due: Option<i64>, breached: bool| match (done, due) {
            (_, None) => None,
            (Some(at), Some(due)) => Some(at <= due),
            (None, Some(_)) => breached.then_some(false),
        };
        let first_verdict = verdict(
            t.try_get("first_response_ms")?,
            t.try_get("first_due_ms")?,
            t.try_get::<i64, _>("first_breached")? != 0,
        );
        let resolve_verdict = verdict(
            t.try_get("resolved_ms")?,
            t.try_get("resolve_due_ms")?,
            t.try_get::<i64, _>("resolve_breached")? != 0,
        );
        if first_verdict.is_some() || resolve_verdict.is_some() {
            *with_deadline += 1;
            if first_verdict != Some(false) && resolve_verdict != Some(false) {
                *met += 1;
            }
        }
    }
    Ok(times)
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}

/// How tickets of one priority kept their service levels.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlaRow {
    pub priority: String,
    pub tickets: i64,
    /// Tickets whose first-response target is decided: answered, or past due unanswered.
    pub first_measured: i64,
    pub first_met: i64,
    pub resolution_measured: i64,
    pub resolution_met: i64,
    /// Tickets that missed either target.
    pub breached: i64,
}

impl SlaRow {
    /// The share met, or `None` when nothing was measured.
    pub fn first_rate(&self) -> Option<f64> {
        (self.first_measured > 0).then(|| self.first_met as f64 / self.first_measured as f64)
    }

    pub fn resolution_rate(&self) -> Option<f64> {
        (self.resolution_measured > 0)
            .then(|| self.resolution_met as f64 / self.resolution_measured as f64)
    }
}

/// Whether a target was met: `Some(true)` when done by its deadline, `Some(false)` when done
/// late or still not done past it, `None` while it can still be met (or has no deadline).
fn met(done: Option<i64>, due: Option<i64>, now: i64) -> Option<bool> {
    let due = due?;
    match done {
        Some(d) => Some(d <= due),
        None if now > due => Some(false),
        None => None,
    }
}

impl Store {
    /// Service levels of tickets created in `[from_ms, to_ms)`, per priority (most urgent
    /// first), as of `now`.
    pub async fn sla_report(&self, from_ms: i64, to_ms: i64, now: i64) -> CoreResult<Vec<SlaRow>> {
        let rows = sqlx::query(
            "SELECT priority, first_response_ms, first_due_ms, resolved_ms, resolve_due_ms, \
             first_breached, resolve_breached FROM tickets WHERE created_ms >= $1 AND created_ms < $2",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        let order = ["critical", "high", "normal", "low"];
        let mut by: BTreeMap<usize, SlaRow> = BTreeMap::new();
        for r in &rows {
            let priority: String = r.try_get("priority")?;
            let rank = order
                .iter()
                .position(|p| *p == priority)
                .unwrap_or(order.len());
            let row = by.entry(rank).or_insert_with(|| SlaRow {
                priority: priority.clone(),
                ..SlaRow::default()
            });
            row.tickets += 1;
            let first = met(
                r.try_get("first_response_ms")?,
                r.try_get("first_due_ms")?,
                now,
            );
            let resolution = met(r.try_get("resolved_ms")?, r.try_get("resolve_due_ms")?, now);
            if let Some(ok) = first {
                row.first_measured += 1;
                row.first_met += i64::from(ok);
            }
            if let Some(ok) = resolution {
                row.resolution_measured += 1;
                row.resolution_met += i64::from(ok);
            }
            let flagged = r.try_get::<i64, _>("first_breached")? != 0
                || r.try_get::<i64, _>("resolve_breached")? != 0;
            if flagged || first == Some(false) || resolution == Some(false) {
                row.breached += 1;
            }
        }
        Ok(by.into_values().collect())
    }
}
