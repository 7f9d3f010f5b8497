//! Service levels through the engine: deadlines told and moved, the clock paused while the
//! ticket waits on the customer, warnings and breaches once (across restarts and downtime),
//! auto-close on the 5th business day, and two engines ticking on one database.
//!
//! The desk's calendar is office hours in Moscow (Mon–Fri 09:00–18:00); the clock starts on
//! Tuesday 2026-12-01 11:00 there.

use frontline_core::calendar::BusinessCalendar;
use frontline_core::store::Store;
use frontline_core::{Status, Ticket, TicketId};

use crate::harness::{AGENTS, Db, Desk, SUPERVISORS, to};

fn cal() -> BusinessCalendar {
    BusinessCalendar::office(chrono_tz::Europe::Moscow)
}

/// A Moscow wall-clock time as UTC ms.
fn at(local: &str) -> i64 {
    cal()
        .at_local(chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").expect("datetime"))
}

fn one() -> TicketId {
    TicketId::parse("1").expect("id")
}

async fn ticket(desk: &Desk, n: &str) -> Ticket {
    let mut conn = desk.store.pool().acquire().await.expect("conn");
    Store::ticket(&mut conn, TicketId::parse(n).expect("id"))
        .await
        .expect("db")
        .expect("ticket")
}

/// A question ticket (normal priority: first response 4 h, resolution 3 business days)
/// from `who`; returns what the user was told.
async fn question_ticket(desk: &Desk, who: &str, text: &str) -> String {
    desk.say(who, text).await;
    let out = desk.press(who, 1).await;
    to(&out, who).join("\n")
}

/// Moves the clock to `local` and runs the scheduler; returns what was sent.
async fn tick_at(desk: &Desk, local: &str) -> Vec<frontline_core::Outbound> {
    desk.clock.set(at(local));
    desk.engine.tick().await.expect("tick");
    desk.dispatcher.drain().await.expect("delivered");
    desk.new_messages()
}

const COFFEE: &str = "the coffee machine on the third floor makes strange noises";
/// Another question the sample has no answer to, unlike COFFEE whatever number follows it.
const KITCHEN: &str = "the coffee machine in the kitchen makes strange noises";

async fn deadlines_are_told_and_follow_priority_and_waiting(db: Db) {
    let desk = Desk::new(&db).await;
    let told = question_ticket(&desk, "uma", COFFEE).await;
    assert!(told.contains("We will answer by Tue 15:00."), "{told}");
    let t = ticket(&desk, "1").await;
    assert_eq!(t.first_due_ms, Some(at("2026-12-01 15:00")));
    // 3 business days of 9 hours: 27 h from Tue 11:00 is Fri 11:00.
    assert_eq!(t.resolve_due_ms, Some(at("2026-12-04 11:00")));

    let out = desk
        .say("anna", "/priority 1 high the whole floor has no coffee")
        .await;
    assert_eq!(
        to(&out, "uma"),
        [
            "The priority of ticket #1 is now high: the whole floor has no coffee\nWe will answer by Tue 13:00."
        ]
    );
    let t = ticket(&desk, "1").await;
    assert_eq!(t.first_due_ms, Some(at("2026-12-01 13:00")), "2 h for high");
    assert_eq!(
        t.resolve_due_ms,
        Some(at("2026-12-02 11:00")),
        "1 business day"
    );

    let out = desk.say("anna", "/ask 1 Which model is it?").await;
    assert!(
        to(&out, "uma")[1].contains("anna asks:\nWhich model is it?"),
        "{out:?}"
    );
    let t = ticket(&desk, "1").await;
    assert_eq!(t.status, Status::WaitingOnCustomer);
    assert_eq!(t.paused_at_ms, Some(at("2026-12-01 11:00")));
    // Waiting over the night: 7 business hours on Tuesday, 1 on Wednesday.
    desk.clock.set(at("2026-12-02 10:00"));
    desk.say("uma", "It is a Jura E8").await;
    let t = ticket(&desk, "1").await;
    assert_eq!(t.status, Status::InProgress);
    assert_eq!(t.paused_ms, 8 * 3_600_000);
    assert_eq!(t.paused_at_ms, None);
    assert_eq!(
        t.resolve_due_ms,
        Some(at("2026-12-03 10:00")),
        "the deadline moved by the 8 business hours it waited"
    );
    assert!(
        desk.say("anna", "/queue").await[0]
            .text
            .contains("The queue is empty")
    );
}

async fn a_warning_and_a_breach_go_out_once_even_across_a_restart(db: Db) {
    let desk = Desk::new(&db).await;
    question_ticket(&desk, "uma", COFFEE).await;
    desk.new_messages();
    assert!(tick_at(&desk, "2026-12-01 14:00").await.is_empty());
    // 80 % of 4 h is 3 h 12 m: 14:12.
    let out = tick_at(&desk, "2026-12-01 14:15").await;
    assert_eq!(
        to(&out, AGENTS),
        [
            "⏰ #1: first response ⏱ 45m left (by Tue 15:00) · normal · the coffee machine on the third floor makes strange noises"
        ]
    );
    assert!(tick_at(&desk, "2026-12-01 14:30").await.is_empty());

    // A restart: a new engine on the same database warns no one again.
    let again = Desk::new(&db).await;
    again.clock.set(at("2026-12-01 14:40"));
    again.engine.tick().await.expect("tick");
    again.dispatcher.drain().await.expect("drain");
    assert!(again.new_messages().is_empty());

    let out = tick_at(&desk, "2026-12-01 15:01").await;
    assert_eq!(
        to(&out, SUPERVISORS),
        [
            "🔴 SLA breach #1: first response was due Tue 15:00 · normal · question · unclaimed · the coffee machine on the third floor makes strange noises"
        ]
    );
    assert!(ticket(&desk, "1").await.first_breached);
    assert!(tick_at(&desk, "2026-12-01 16:00").await.is_empty());
    // Once claimed, the resolution warning reaches the assignee, not the channel.
    desk.say("anna", "/claim 1").await;
    desk.new_messages();
    // Resolution: 27 business hours from Tue 11:00 is Fri 11:00; 80 % is Thu 14:36.
    let out = tick_at(&desk, "2026-12-03 14:40").await;
    assert_eq!(
        to(&out, "anna"),
        [
            "⏰ #1: resolution ⏱ 5h 20m left (by Fri 11:00) · normal · the coffee machine on the third floor makes strange noises"
        ]
    );
    assert!(to(&out, AGENTS).is_empty());
}

async fn after_downtime_each_ticket_gets_one_message_not_one_per_tick(db: Db) {
    let desk = Desk::new(&db).await;
    question_ticket(&desk, "uma", COFFEE).await;
    question_ticket(&desk, "vera", KITCHEN).await;
    desk.new_messages();
    // Down for a week: both warnings and both breaches of each ticket are due at once.
    let out = tick_at(&desk, "2026-12-08 12:00").await;
    let breaches = to(&out, SUPERVISORS);
    assert_eq!(breaches.len(), 2, "{out:?}");
    assert!(
        breaches[0].starts_with(
            "🔴 SLA breach #1: first response was due Tue 1 Dec 15:00, resolution was due Fri 11:00"
        ),
        "{}",
        breaches[0]
    );
    assert!(breaches[1].starts_with("🔴 SLA breach #2: "));
    assert_eq!(out.len(), 2, "no warnings after the breach: {out:?}");
    assert!(tick_at(&desk, "2026-12-09 12:00").await.is_empty());
    let t = ticket(&desk, "2").await;
    assert!(t.first_breached && t.resolve_breached);
}

async fn a_ticket_waiting_on_the_customer_closes_on_the_fifth_business_day(db: Db) {
    let desk = Desk::new(&db).await;
    question_ticket(&desk, "uma", COFFEE).await;
    desk.clock.set(at("2026-12-04 10:00")); // a Friday
    desk.say("anna", "/ask 1 Is it plugged in?").await;
    desk.new_messages();
    // The 5th calendar day (Wednesday) is only the 3rd business day.
    assert!(tick_at(&desk, "2026-12-09 10:00").await.is_empty());
    let out = tick_at(&desk, "2026-12-10 10:00").await;
    assert_eq!(
        to(&out, "uma"),
        [
            "Ticket #1 is waiting for your answer. Without one it closes by itself on Fri 10:00. Just write here to go on."
        ]
    );
    let early = tick_at(&desk, "2026-12-11 09:59").await;
    assert!(early.is_empty(), "{early:?}");
    assert_eq!(ticket(&desk, "1").await.status, Status::WaitingOnCustomer);
    let out = tick_at(&desk, "2026-12-11 10:00").await;
    let closed = out
        .iter()
        .find(|m| m.to.chat == "uma")
        .expect("told the user");
    assert!(
        closed
            .text
            .contains("Ticket #1 is closed: there was no answer for 5 business days")
    );
    assert_eq!(closed.buttons.len(), 5, "the CSAT question");
    assert!(
        to(&out, AGENTS)[0].starts_with("⚫ #1 closed by itself"),
        "{out:?}"
    );
    let t = ticket(&desk, "1").await;
    assert_eq!(t.status, Status::Closed);
    // The rating buttons work.
    let rated = desk.press("uma", 4).await;
    assert_eq!(ticket(&desk, "1").await.csat, Some(4), "{rated:?}");
}

async fn a_reply_cancels_the_auto_close_and_a_resolved_ticket_closes_the_same_way(db: Db) {
    let desk = Desk::new(&db).await;
    question_ticket(&desk, "uma", COFFEE).await;
    desk.say("anna", "/ask 1 Is it plugged in?").await;
    desk.clock.set(at("2026-12-03 12:00"));
    desk.say("uma", "yes it is").await;
    desk.new_messages();
    let out = tick_at(&desk, "2026-12-21 12:00").await;
    assert!(to(&out, "uma").is_empty(), "{out:?}");
    assert_eq!(ticket(&desk, "1").await.status, Status::InProgress);

    // Resolved on Monday but never confirmed: the same 5 business days.
    desk.say("anna", "/resolve 1").await;
    desk.new_messages();
    assert!(to(&tick_at(&desk, "2026-12-24 12:00").await, "uma").is_empty());
    let out = tick_at(&desk, "2026-12-25 12:00").await;
    assert_eq!(
        to(&out, "uma"),
        [
            "Ticket #1 is resolved and waits for you to confirm it. Without an answer it closes by itself on Mon 12:00."
        ]
    );
    assert!(to(&tick_at(&desk, "2026-12-28 11:59").await, "uma").is_empty());
    let out = tick_at(&desk, "2026-12-28 12:00").await;
    assert!(to(&out, "uma")[0].contains("is closed: there was no answer"));
    let t = ticket(&desk, "1").await;
    assert_eq!((t.status, t.id), (Status::Closed, one()));
}

/// Figures computed by hand: #1 (normal) answered at 12:00 and resolved at 12:30, in time;
/// #2 (made high: due 13:00) answered at 14:00, late; #3 (normal) opened Wednesday 09:30,
/// not yet due at 10:00, so not measured.
async fn the_sla_report_counts_met_and_missed_targets_per_priority(db: Db) {
    let desk = Desk::new(&db).await;
    question_ticket(&desk, "uma", COFFEE).await;
    question_ticket(&desk, "vera", KITCHEN).await;
    desk.say("anna", "/priority 2 high no coffee at all").await;
    desk.clock.set(at("2026-12-01 12:00"));
    desk.say("anna", "/reply 1 Descale it.").await;
    desk.clock.set(at("2026-12-01 12:30"));
    desk.say("anna", "/resolve 1").await;
    desk.clock.set(at("2026-12-01 14:00"));
    desk.say("boris", "/reply 2 On my way.").await;
    desk.clock.set(at("2026-12-02 09:30"));
    question_ticket(
        &desk,
        "walt",
        "the coffee machine on the fifth floor makes strange noises",
    )
    .await;
    let rows = desk
        .store
        .sla_report(0, at("2026-12-31 00:00"), at("2026-12-02 10:00"))
        .await
        .expect("report");
    let shown: Vec<(String, i64, i64, i64, i64, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.priority.clone(),
                r.tickets,
                r.first_measured,
                r.first_met,
                r.resolution_measured,
                r.resolution_met,
                r.breached,
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("high".to_string(), 1, 1, 0, 0, 0, 1),
            ("normal".to_string(), 2, 1, 1, 1, 1, 0),
        ]
    );
    assert_eq!(rows[1].first_rate(), Some(1.0));
    assert_eq!(rows[0].resolution_rate(), None);
}

crate::on_both_databases!(
    the_sla_report_counts_met_and_missed_targets_per_priority,
    deadlines_are_told_and_follow_priority_and_waiting,
    a_warning_and_a_breach_go_out_once_even_across_a_restart,
    after_downtime_each_ticket_gets_one_message_not_one_per_tick,
    a_ticket_waiting_on_the_customer_closes_on_the_fifth_business_day,
    a_reply_cancels_the_auto_close_and_a_resolved_ticket_closes_the_same_way,
);

/// Two engines on one PostgreSQL database tick at the same moment, many times over: each
/// ticket is closed once and warned once.
#[tokio::test]
async fn two_engines_on_one_postgres_database_act_once() {
    let Some(db) = Db::postgres().await else {
        eprintln!("FRONTLINE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    let a = Desk::new(&db).await;
    let b = Desk::new(&db).await;
    let n = 20;
    for i in 0..n {
        let who = format!("user{i}");
        // The same question from each user: a number after it could match an article.
        a.say(&who, KITCHEN).await;
        a.press(&who, 1).await;
        if i % 2 == 0 {
            // Half wait on the customer (auto-close), half do not (warnings).
            a.say("anna", &format!("/ask {} Is it plugged in?", i + 1))
                .await;
        }
    }
    for (when, what) in [
        ("2026-12-01 14:15", "first response warnings"),
        ("2026-12-07 12:00", "breaches and auto-close reminders"),
        ("2026-12-09 12:00", "auto-close"),
    ] {
        a.clock.set(at(when));
        b.clock.set(at(when));
        let (x, y) = tokio::join!(a.engine.tick(), b.engine.tick());
        let acted = x.expect("tick a") + y.expect("tick b");
        assert!(acted > 0, "{what}: nothing acted");
    }
    let pool = a.store.pool().clone();
    let count = |pattern: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox WHERE payload LIKE $1")
                .bind(pattern)
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    assert_eq!(
        count("%⏰ #%first response%").await,
        n / 2,
        "one warning per ticket that did not wait"
    );
    assert_eq!(count("%SLA breach%").await, n / 2);
    assert_eq!(count("%is closed: there was no answer%").await, n / 2);
    assert_eq!(count("%is waiting for your answer%").await, n / 2);
    let closed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ticket_events WHERE kind = 'status_changed' AND body LIKE '%-> closed%'",
    )
    .fetch_one(a.store.pool())
    .await
    .expect("count");
    assert_eq!(closed, n / 2);
}
