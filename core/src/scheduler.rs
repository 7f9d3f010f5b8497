//! The scheduler: the SLA timers that came due, acted on once per ticket (a close, a
//! reminder, a breach or a warning), the search index kept in step with other instances, and
//! retention. The rules it applies are [`crate::sla`]'s; this is the loop that applies them.

use std::collections::BTreeSet;

use sqlx::{AnyConnection, Row};

use crate::domain::{ChatRef, EventKind, Lang, Status, Ticket, TicketId};
use crate::engine::Engine;
use crate::error::CoreResult;
use crate::i18n::Msg;
use crate::i18n::staff::{Card, Target};
use crate::message::Outbound;
use crate::sla::{TimerKind, rating_buttons, waiting_since};
use crate::store::{Backend, Store};

/// How many tickets one tick transaction takes.
const TICK_BATCH: i64 = 50;

impl Engine {
    /// Acts on every timer that is due: one pass of the scheduler. Returns how many tickets
    /// it acted on. Safe to run from several instances at once.
    ///
    /// # Errors
    /// Database failures.
    #[tracing::instrument(skip(self))]
    pub async fn tick(&self) -> CoreResult<usize> {
        let now = self.clock().now_ms();
        let lock = match self.store().backend() {
            // Another instance's tick skips the tickets this one holds, and the other way
            // round; SQLite has one writer, so there is nothing to skip.
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let mut acted = 0;
        loop {
            let mut tx = self.store().begin().await?;
            let ids: Vec<i64> = sqlx::query(&format!(
                "SELECT id FROM tickets t WHERE EXISTS (SELECT 1 FROM timers m \
                 WHERE m.ticket_id = t.id AND m.fired_ms IS NULL AND m.due_ms <= $1) \
                 ORDER BY id LIMIT $2{lock}"
            ))
            .bind(now)
            .bind(TICK_BATCH)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
            if ids.is_empty() {
                tx.rollback().await?;
                break;
            }
            let mut out = Vec::new();
            for &id in &ids {
                if self
                    .fire(&mut tx, TicketId::from_db(id), now, &mut out)
                    .await?
                {
                    acted += 1;
                }
            }
            self.enqueue_all(&mut tx, &out, now).await?;
            tx.commit().await?;
            self.outbox_ready().notify_one();
            if (ids.len() as i64) < TICK_BATCH {
                break;
            }
        }
        Ok(acted)
    }

    /// Fires ticket `id`'s due timers (the caller holds its row) and says one thing about
    /// it: a close, a reminder, a breach or a warning, the most important. `false` when
    /// another tick fired them first.
    async fn fire(
        &self,
        conn: &mut AnyConnection,
        id: TicketId,
        now: i64,
        out: &mut Vec<Outbound>,
    ) -> CoreResult<bool> {
        let rows = sqlx::query(
            "SELECT kind FROM timers WHERE ticket_id = $1 AND fired_ms IS NULL AND due_ms <= $2",
        )
        .bind(id.get())
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
        let fired = sqlx::query(
            "UPDATE timers SET fired_ms = $1 WHERE ticket_id = $2 AND fired_ms IS NULL AND due_ms <= $1",
        )
        .bind(now)
        .bind(id.get())
        .execute(&mut *conn)
        .await?;
        if fired.rows_affected() == 0 {
            return Ok(false);
        }
        let kinds: BTreeSet<TimerKind> = rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>("kind").ok())
            .filter_map(|k| TimerKind::from_code(&k))
            .collect();
        for k in &kinds {
            metrics::counter!("frontline_sla_timers_total", "kind" => k.code()).increment(1);
        }
        let Some(t) = Store::ticket(conn, id).await? else {
            return Ok(false);
        };
        let waiting = matches!(t.status, Status::WaitingOnCustomer | Status::Resolved);
        if kinds.contains(&TimerKind::AutoClose) && waiting {
            self.auto_close(conn, &t, now, out).await?;
        } else if kinds.contains(&TimerKind::CloseReminder) && waiting {
            self.remind_close(&t, now, out);
        } else if kinds.contains(&TimerKind::FirstBreach)
            || kinds.contains(&TimerKind::ResolveBreach)
        {
            self.breach(conn, &t, &kinds, now, out).await?;
        } else if kinds.contains(&TimerKind::FirstWarn) || kinds.contains(&TimerKind::ResolveWarn) {
            self.warn(&t, &kinds, now, out);
        }
        self.config().sla.reschedule(conn, id, now).await?;
        Ok(true)
    }

    /// Closed after the wait on the requester ran out; they are asked to rate it.
    async fn auto_close(
        &self,
        conn: &mut AnyConnection,
        t: &Ticket,
        now: i64,
        out: &mut Vec<Outbound>,
    ) -> CoreResult<()> {
        let id = t.id;
        let sla = &self.config().sla;
        // Notices go to the agents' channels, read by many: in the desk's language.
        let lang = self.config().default_lang;
        let text = |to: ChatRef, text: String| Outbound::text(to, text);
        if Store::set_status(conn, id, t.status, Status::Closed, now).await? {
            Store::add_event(
                conn,
                id,
                now,
                &crate::domain::Actor::Bot,
                EventKind::StatusChanged,
                &format!(
                    "{} -> closed: no answer for {} business days",
                    t.status, sla.auto_close_days
                ),
            )
            .await?;
            let buttons = rating_buttons(id);
            out.push(Outbound {
                to: t.chat.clone(),
                text: Msg::AutoClosed {
                    ticket: id,
                    days: sla.auto_close_days,
                }
                .text(t.lang),
                buttons,
                attachment: None,
                about: None,
                forward: None,
                delivery: None,
                reaction: None,
                bulk: false,
            });
            let closed = Ticket {
                status: Status::Closed,
                ..t.clone()
            };
            let card = Card::AutoClosed {
                ticket: id,
                days: sla.auto_close_days,
            }
            .text(lang);
            for chat in self.config().chats_for(t) {
                out.push(text(chat, card.clone()).about(&closed));
            }
        }
        Ok(())
    }

    /// A day before the auto-close: the requester is reminded.
    fn remind_close(&self, t: &Ticket, now: i64, out: &mut Vec<Outbound>) {
        let id = t.id;
        let sla = &self.config().sla;
        let text = |to: ChatRef, text: String| Outbound::text(to, text);
        let since = waiting_since(t, t.paused_at_ms, now);
        let at = sla.calendar.add_business_days(since, sla.auto_close_days);
        out.push(text(
            t.chat.clone(),
            Msg::CloseReminder {
                ticket: id,
                resolved: t.status == Status::Resolved,
                at: &sla.when(at, now, t.lang),
            }
            .text(t.lang),
        ));
    }

    /// A deadline missed: recorded, and the supervisors (or the line) told.
    async fn breach(
        &self,
        conn: &mut AnyConnection,
        t: &Ticket,
        kinds: &BTreeSet<TimerKind>,
        now: i64,
        out: &mut Vec<Outbound>,
    ) -> CoreResult<()> {
        let id = t.id;
        let sla = &self.config().sla;
        // Notices go to the agents' channels, read by many: in the desk's language.
        let lang = self.config().default_lang;
        let mut missed = Vec::new();
        let due_at = |due: Option<i64>| due.map(|d| sla.when(d, now, lang)).unwrap_or_default();
        if kinds.contains(&TimerKind::FirstBreach) {
            missed.push((Target::FirstResponse, due_at(t.first_due_ms)));
            sqlx::query("UPDATE tickets SET first_breached = 1 WHERE id = $1")
                .bind(id.get())
                .execute(&mut *conn)
                .await?;
        }
        if kinds.contains(&TimerKind::ResolveBreach) {
            missed.push((Target::Resolution, due_at(t.resolve_due_ms)));
            sqlx::query("UPDATE tickets SET resolve_breached = 1 WHERE id = $1")
                .bind(id.get())
                .execute(&mut *conn)
                .await?;
        }
        let body = Card::Breach {
            ticket: t,
            missed: &missed,
        }
        .text(lang);
        // The thread's record is data, in one language whatever the desk speaks.
        let what: Vec<String> = [
            (TimerKind::FirstBreach, "first response", t.first_due_ms),
            (TimerKind::ResolveBreach, "resolution", t.resolve_due_ms),
        ]
        .iter()
        .filter(|(k, ..)| kinds.contains(k))
        .map(|(_, what, due)| {
            let due = due.map(|d| sla.when(d, now, Lang::En)).unwrap_or_default();
            format!("{what} was due {due}")
        })
        .collect();
        Store::add_event(
            conn,
            id,
            now,
            &crate::domain::Actor::Bot,
            EventKind::Note,
            &format!("SLA breach: {}", what.join(", ")),
        )
        .await?;
        let mut to = sla.supervisor_chats.clone();
        if to.is_empty() {
            to = self.config().chats_for(t);
        }
        for chat in to {
            out.push(Outbound::text(chat, body.clone()));
        }
        // Once per breach, as the breach itself: its timer fires once.
        out.extend(crate::cmd::org::manager_notice(conn, self.config(), t, &body).await?);
        Ok(())
    }

    /// A deadline near: the assignee (or the line) is reminded.
    fn warn(&self, t: &Ticket, kinds: &BTreeSet<TimerKind>, now: i64, out: &mut Vec<Outbound>) {
        let sla = &self.config().sla;
        // Notices go to the agents' channels, read by many: in the desk's language.
        let lang = self.config().default_lang;
        let text = |to: ChatRef, text: String| Outbound::text(to, text);
        let (target, due) = if kinds.contains(&TimerKind::FirstWarn) {
            (Target::FirstResponse, t.first_due_ms)
        } else {
            (Target::Resolution, t.resolve_due_ms)
        };
        let left = due.map(|d| sla.left(d, now, lang)).unwrap_or_default();
        let body = Card::Warning {
            ticket: t,
            target,
            left: &left,
        }
        .text(lang);
        let to = match t
            .assignee
            .as_deref()
            .and_then(|a| self.config().staff.chat_of(a))
        {
            Some(chat) => vec![chat],
            None => self.config().chats_for(t),
        };
        for chat in to {
            out.push(text(chat, body.clone()).about(t));
        }
    }

    /// The scheduler: ticks every `every`, and brings the search index up to date with
    /// articles changed through other instances. Runs until the task is dropped; a failed
    /// round is logged and the next one tries again.
    pub async fn run_scheduler(&self, every: std::time::Duration) {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            self.scheduler_round().await;
        }
    }

    /// At a change of shift, the open tickets of the line go to the person now on duty (in
    /// their chat when the desk knows it, else the line's channels). The first round after a
    /// desk starts only records who is on duty. Returns how many hand-overs were posted.
    ///
    /// # Errors
    /// Database failures.
    pub async fn hand_over(&self) -> CoreResult<usize> {
        let now = self.clock().now_ms();
        let mut posted = 0;
        for line in self.config().rotas.iter().map(|r| r.line) {
            let mut tx = self.store().begin().await?;
            let mut desk = self.desk(&mut tx);
            let Some(duty) = crate::cmd::duty::on_duty(&mut desk, line, now).await? else {
                tx.rollback().await?;
                continue;
            };
            let last = Store::duty_last(&mut tx, line).await?;
            if last.as_deref() == Some(duty.who.as_str())
                || !Store::duty_changed(&mut tx, line, last.as_deref(), &duty.who).await?
            {
                tx.rollback().await?;
                continue;
            }
            if last.is_some() {
                let holder = crate::store::Holder::Anyone;
                let open = Store::open_tickets(&mut tx, Some(&[line]), holder, 20).await?;
                let lang = self.config().default_lang;
                let text = Card::HandOver {
                    line,
                    who: &duty.who,
                    tickets: &open,
                }
                .text(lang);
                let to = match self.config().staff.chat_of(&duty.who) {
                    Some(chat) => vec![chat],
                    None => {
                        let c = self.config();
                        c.line_chats
                            .iter()
                            .filter(|(l, _)| *l == line)
                            .map(|(_, chat)| chat.clone())
                            .chain(
                                (line == crate::domain::Line::AGENTS)
                                    .then(|| c.agent_chats.clone())
                                    .into_iter()
                                    .flatten(),
                            )
                            .collect()
                    }
                };
                let out: Vec<Outbound> = to
                    .into_iter()
                    .map(|chat| Outbound::text(chat, text.clone()))
                    .collect();
                self.enqueue_all(&mut tx, &out, now).await?;
                posted += 1;
            }
            tx.commit().await?;
            self.outbox_ready().notify_one();
        }
        Ok(posted)
    }

    /// One round of the scheduler: due timers, shift hand-overs, the index catching up with
    /// other instances, retention. A failed step is logged; the next round tries again.
    pub async fn scheduler_round(&self) {
        if let Err(e) = self.hand_over().await {
            tracing::error!(error = %e, "shift hand-over failed");
        }
        if let Err(e) = self.tick().await {
            tracing::error!(error = %e, "scheduler tick failed");
        }
        if let Err(e) = self.sync_kb().await {
            tracing::error!(error = %e, "search index sync failed");
        }
        if let Err(e) = self.prune().await {
            tracing::error!(error = %e, "pruning old rows failed");
        }
    }

    /// Retention: removes what `[retention]` no longer keeps, a few small batches per call
    /// (the scheduler calls it every tick, so a backlog goes down over a few ticks without
    /// holding the database). Returns how many rows went.
    ///
    /// # Errors
    /// Database failures.
    #[tracing::instrument(skip(self))]
    pub async fn prune(&self) -> CoreResult<u64> {
        use crate::limits::Retention;
        const BATCH: i64 = 500;
        const BATCHES: usize = 8;
        let r = self.config().retention;
        let now = self.clock().now_ms();
        let mut total = 0;
        for _ in 0..BATCHES {
            let mut conn = self.store().pool().acquire().await?;
            let pruned = Store::prune(
                &mut conn,
                Retention::cutoff(r.outbox_days, now),
                Retention::cutoff(r.seen_days, now),
                Retention::cutoff(r.questions_days, now),
                BATCH,
            )
            .await?;
            total += pruned.total();
            if pruned.outbox < BATCH as u64
                && pruned.seen < BATCH as u64
                && pruned.questions < BATCH as u64
            {
                break;
            }
        }
        if total > 0 {
            tracing::info!(rows = total, "pruned rows past their retention");
        }
        Ok(total)
    }
}
