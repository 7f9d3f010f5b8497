//! Service levels: deadlines in business time, warnings and escalation on breach, and
//! auto-close of tickets left waiting on the customer.
//!
//! Every ticket's SLA state is derived from the ticket row: after any change to a ticket the
//! engine calls [`SlaConfig::reschedule`], which recomputes its deadlines and the timers it
//! should have. Timers are rows (`timers`), so they survive restarts; [`crate::Engine::tick`] takes
//! the due ones — on PostgreSQL with the ticket row locked `FOR UPDATE SKIP LOCKED`, so two
//! instances never act on one ticket — marks them fired and acts once per ticket, however
//! many of its timers came due while the desk was down.

use std::collections::BTreeSet;

use chrono::Datelike;
use sqlx::{AnyConnection, Row};

use crate::action::Action;
use crate::calendar::BusinessCalendar;
use crate::domain::{ChatRef, Lang, Priority, Status, Ticket, TicketId, TicketKind};
use crate::error::CoreResult;
use crate::i18n::Msg;
use crate::i18n::staff::{Target, deadline_line, span, time_left};
use crate::message::Button;
use crate::store::Store;

/// Targets for tickets of one priority (and, when given, one type), in business time.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaPolicy {
    pub priority: Priority,
    pub kind: Option<TicketKind>,
    pub first_response_ms: i64,
    pub resolution_ms: i64,
}

/// A policy for the priority and type, else for the priority alone.
fn pick(policies: &[SlaPolicy], priority: Priority, kind: TicketKind) -> Option<&SlaPolicy> {
    policies
        .iter()
        .find(|p| p.priority == priority && p.kind == Some(kind))
        .or_else(|| {
            policies
                .iter()
                .find(|p| p.priority == priority && p.kind.is_none())
        })
}

/// The desk's service levels.
#[derive(Debug, Clone)]
pub struct SlaConfig {
    pub calendar: BusinessCalendar,
    /// A policy for a priority and type wins over one for the priority alone.
    pub policies: Vec<SlaPolicy>,
    /// The share of a target after which the assignee (or the line) is reminded.
    pub warn_at: f64,
    /// Business days a ticket waits on the customer (or for their confirmation) before it
    /// closes by itself; they are reminded a business day before.
    pub auto_close_days: u32,
    /// Where breaches are escalated.
    pub supervisor_chats: Vec<ChatRef>,
    /// Client organisations' contracts: their policies win over the desk's for their tickets.
    pub contracts: std::collections::BTreeMap<crate::org::OrgKey, Vec<SlaPolicy>>,
}

const HOUR_MS: i64 = 3_600_000;

impl SlaConfig {
    /// The targets of the bundled sample article "Response and resolution times": business
    /// hours Monday to Friday 09:00–18:00, a business day being 9 hours.
    pub fn standard(calendar: BusinessCalendar, supervisor_chats: Vec<ChatRef>) -> SlaConfig {
        let day = calendar.day_minutes() * 60_000;
        let policy = |priority, first_response_ms, resolution_ms| SlaPolicy {
            priority,
            kind: None,
            first_response_ms,
            resolution_ms,
        };
        SlaConfig {
            calendar,
            policies: vec![
                policy(Priority::Critical, HOUR_MS / 2, 4 * HOUR_MS),
                policy(Priority::High, 2 * HOUR_MS, day),
                policy(Priority::Normal, 4 * HOUR_MS, 3 * day),
                policy(Priority::Low, day, 10 * day),
            ],
            warn_at: 0.8,
            auto_close_days: 5,
            supervisor_chats,
            contracts: std::collections::BTreeMap::new(),
        }
    }

    pub fn policy(&self, priority: Priority, kind: TicketKind) -> Option<&SlaPolicy> {
        pick(&self.policies, priority, kind)
    }

    /// The policy ticket `t` is promised: its organisation's contract's for its priority
    /// (and type), else the desk's.
    pub fn policy_for(&self, t: &Ticket) -> Option<&SlaPolicy> {
        t.org
            .as_ref()
            .and_then(|org| self.contracts.get(org))
            .and_then(|contract| pick(contract, t.priority, t.kind))
            .or_else(|| self.policy(t.priority, t.kind))
    }

    /// A deadline as people read it, in the desk's time zone: `Tue 11:30` within the coming
    /// week, `Tue 15 Dec 11:30` further away.
    pub fn when(&self, ms: i64, now: i64, lang: Lang) -> String {
        let t = self.calendar.local(ms);
        let day = t.weekday().num_days_from_monday() as usize;
        let near = (ms - now).abs() < 6 * 24 * HOUR_MS;
        match (lang, near) {
            (Lang::Ru, true) => format!("{} {}", RU_DAYS[day], t.format("%H:%M")),
            (Lang::Ru, false) => format!("{} {}", RU_DAYS[day], t.format("%d.%m %H:%M")),
            (Lang::En, true) => t.format("%a %H:%M").to_string(),
            (Lang::En, false) => t.format("%a %-d %b %H:%M").to_string(),
        }
    }

    /// What is left until `due` (business time), or how late it is (wall time), for agents.
    pub fn left(&self, due: i64, now: i64, lang: Lang) -> String {
        if due <= now {
            return time_left(true, &span(now - due, lang), "", lang);
        }
        let by = self.when(due, now, lang);
        time_left(
            false,
            &span(self.calendar.business_ms(now, due), lang),
            &by,
            lang,
        )
    }
}

impl Default for SlaConfig {
    /// Office hours in Moscow and the standard targets; breaches go to the lines' channels.
    fn default() -> Self {
        SlaConfig::standard(
            BusinessCalendar::office(chrono_tz::Europe::Moscow),
            Vec::new(),
        )
    }
}

const RU_DAYS: [&str; 7] = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"];

/// What a timer does when it comes due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKind {
    FirstWarn,
    FirstBreach,
    ResolveWarn,
    ResolveBreach,
    CloseReminder,
    AutoClose,
}

impl TimerKind {
    const ALL: [TimerKind; 6] = [
        TimerKind::FirstWarn,
        TimerKind::FirstBreach,
        TimerKind::ResolveWarn,
        TimerKind::ResolveBreach,
        TimerKind::CloseReminder,
        TimerKind::AutoClose,
    ];

    pub(crate) fn code(self) -> &'static str {
        match self {
            TimerKind::FirstWarn => "first_warn",
            TimerKind::FirstBreach => "first_breach",
            TimerKind::ResolveWarn => "resolve_warn",
            TimerKind::ResolveBreach => "resolve_breach",
            TimerKind::CloseReminder => "close_reminder",
            TimerKind::AutoClose => "auto_close",
        }
    }

    pub(crate) fn from_code(s: &str) -> Option<TimerKind> {
        TimerKind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// SLA warnings and breaches go out once per ticket, ever; the auto-close pair is armed
    /// anew each time the ticket starts waiting.
    pub(crate) fn once_per_ticket(self) -> bool {
        !matches!(self, TimerKind::CloseReminder | TimerKind::AutoClose)
    }
}

impl SlaConfig {
    /// Recomputes ticket `id`'s deadlines and timers from its current state. Cheap when
    /// nothing changed: two reads, no writes.
    pub(crate) async fn reschedule(
        &self,
        conn: &mut AnyConnection,
        id: TicketId,
        now: i64,
    ) -> CoreResult<()> {
        if let Some(t) = Store::ticket(conn, id).await? {
            self.reschedule_ticket(conn, &t, now, false).await?;
        }
        Ok(())
    }

    /// [`Self::reschedule`] for a ticket just read, or just created (`fresh`: it has no
    /// timers yet, so there is nothing to read); returns its deadlines, first response and
    /// resolution.
    pub(crate) async fn reschedule_ticket(
        &self,
        conn: &mut AnyConnection,
        t: &Ticket,
        now: i64,
        fresh: bool,
    ) -> CoreResult<(Option<i64>, Option<i64>)> {
        let id = t.id;
        let sla = self;
        let cal = &sla.calendar;
        // The clock stops while the ticket waits on the customer.
        let waiting = t.status == Status::WaitingOnCustomer;
        let (paused_ms, paused_at) = match (waiting, t.paused_at_ms) {
            (true, None) => (t.paused_ms, Some(now)),
            (false, Some(since)) => (t.paused_ms + cal.business_ms(since, now), None),
            (_, at) => (t.paused_ms, at),
        };
        let (first_due, resolve_due, mut want) = sla.plan(t, paused_ms, paused_at, now);
        let rows = if fresh {
            Vec::new()
        } else {
            sqlx::query("SELECT kind, due_ms, fired_ms FROM timers WHERE ticket_id = $1")
                .bind(id.get())
                .fetch_all(&mut *conn)
                .await?
        };
        let mut fired = BTreeSet::new();
        let mut pending = BTreeSet::new();
        for r in &rows {
            let kind: String = r.try_get("kind")?;
            let Some(kind) = TimerKind::from_code(&kind) else {
                continue;
            };
            let due_ms: i64 = r.try_get("due_ms")?;
            match r.try_get::<Option<i64>, _>("fired_ms")? {
                Some(_) => fired.insert((kind, due_ms)),
                None => pending.insert((kind, due_ms)),
            };
        }
        // A warning goes out once per ticket; a reminder once per due time (a new wait on the
        // customer arms a new one).
        want.retain(|(k, due)| {
            !fired
                .iter()
                .any(|(f, f_due)| f == k && (k.once_per_ticket() || f_due == due))
        });
        let unchanged = want == pending
            && first_due == t.first_due_ms
            && resolve_due == t.resolve_due_ms
            && paused_ms == t.paused_ms
            && paused_at == t.paused_at_ms;
        if unchanged {
            return Ok((first_due, resolve_due));
        }
        sqlx::query(
            "UPDATE tickets SET first_due_ms = $1, resolve_due_ms = $2, paused_ms = $3, \
             paused_at_ms = $4 WHERE id = $5",
        )
        .bind(first_due)
        .bind(resolve_due)
        .bind(paused_ms)
        .bind(paused_at)
        .bind(id.get())
        .execute(&mut *conn)
        .await?;
        if want != pending {
            replace_timers(conn, id, !pending.is_empty(), &want).await?;
        }
        Ok((first_due, resolve_due))
    }

    /// What a ticket in its state is promised and which timers it should have: the first
    /// response and resolution deadlines, and the warnings, breaches, reminder and
    /// auto-close to come.
    fn plan(
        &self,
        t: &Ticket,
        paused_ms: i64,
        paused_at: Option<i64>,
        now: i64,
    ) -> (Option<i64>, Option<i64>, BTreeSet<(TimerKind, i64)>) {
        let sla = self;
        let cal = &sla.calendar;
        let policy = sla.policy_for(t);
        let due = |target: i64| cal.add_ms(t.created_ms, target + paused_ms);
        // A deadline that was met or missed stays as it was, for the report.
        let first_due = match (t.first_response_ms, policy) {
            (Some(_), _) => t.first_due_ms,
            (None, Some(p)) => Some(due(p.first_response_ms)),
            (None, None) => None,
        };
        let resolve_due = match (t.status, policy) {
            (Status::Resolved | Status::Closed, _) => t.resolve_due_ms,
            (_, Some(p)) => Some(due(p.resolution_ms)),
            (_, None) => None,
        };
        let mut want: BTreeSet<(TimerKind, i64)> = BTreeSet::new();
        match (t.status, policy) {
            (Status::New | Status::InProgress, Some(p)) => {
                let warn = |target: i64| due((target as f64 * sla.warn_at) as i64);
                if t.first_response_ms.is_none() {
                    want.insert((TimerKind::FirstWarn, warn(p.first_response_ms)));
                    want.insert((TimerKind::FirstBreach, due(p.first_response_ms)));
                }
                want.insert((TimerKind::ResolveWarn, warn(p.resolution_ms)));
                want.insert((TimerKind::ResolveBreach, due(p.resolution_ms)));
            }
            (Status::WaitingOnCustomer | Status::Resolved, _) => {
                let since = waiting_since(t, paused_at, now);
                let days = sla.auto_close_days;
                if days > 1 {
                    want.insert((
                        TimerKind::CloseReminder,
                        cal.add_business_days(since, days - 1),
                    ));
                }
                want.insert((TimerKind::AutoClose, cal.add_business_days(since, days)));
            }
            _ => {}
        }
        (first_due, resolve_due, want)
    }

    /// The deadline line of a card or a queue: the next target and the time left, for staff.
    pub(crate) fn sla_line(&self, t: &Ticket, now: i64, lang: Lang) -> Option<String> {
        if !matches!(t.status, Status::New | Status::InProgress) {
            return None;
        }
        let (due, first) = next_due(t)?;
        let target = if first {
            Target::FirstResponse
        } else {
            Target::Resolution
        };
        Some(deadline_line(target, &self.left(due, now, lang), lang))
    }

    /// The requester's view of [`next_due`]: "We will answer by Tue 15:00." or "We aim to
    /// solve it by …", in `lang`.
    pub(crate) fn promise(&self, t: &Ticket, now: i64, lang: Lang) -> Option<String> {
        let (due, first) = next_due(t)?;
        let at = self.when(due, now, lang);
        Some(Msg::Deadline { at: &at, first }.text(lang))
    }
}

/// Ticket `id`'s pending timers become `want` (the fired ones stay, for the report).
async fn replace_timers(
    conn: &mut AnyConnection,
    id: TicketId,
    had_pending: bool,
    want: &BTreeSet<(TimerKind, i64)>,
) -> CoreResult<()> {
    if had_pending {
        sqlx::query("DELETE FROM timers WHERE ticket_id = $1 AND fired_ms IS NULL")
            .bind(id.get())
            .execute(&mut *conn)
            .await?;
    }
    if !want.is_empty() {
        // One statement for all of them: a registration is on the hot path.
        let values: Vec<String> = (0..want.len())
            .map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO timers (ticket_id, kind, due_ms) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(id.get());
        for (kind, due_ms) in want {
            q = q.bind(kind.code()).bind(*due_ms);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A ticket's next promised time: the first response while it is due (`true`), else the
/// resolution.
pub(crate) fn next_due(t: &Ticket) -> Option<(i64, bool)> {
    match (t.first_response_ms, t.first_due_ms) {
        (None, Some(due)) => Some((due, true)),
        _ => t.resolve_due_ms.map(|due| (due, false)),
    }
}

/// Since when a ticket waits for its requester, which is what auto-close counts from: its
/// resolution, or the moment it started waiting on them (`paused_at`).
pub(crate) fn waiting_since(t: &Ticket, paused_at: Option<i64>, now: i64) -> i64 {
    match t.status {
        Status::Resolved => t.resolved_ms.unwrap_or(now),
        _ => paused_at.unwrap_or(now),
    }
}

/// The 1–5 rating buttons shown when a ticket closes.
pub fn rating_buttons(ticket: TicketId) -> Vec<Button> {
    (1..=5u8)
        .map(|score| Button {
            label: score.to_string(),
            data: Action::Rate {
                ticket: ticket.get(),
                score,
            }
            .encode(),
        })
        .collect()
}
