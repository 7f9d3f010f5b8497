//! Report figures on a fixture whose numbers are worked out by hand.

use crate::harness::{Db, Desk, T0};

const MIN: i64 = 60_000;

async fn reports_match_figures_worked_out_by_hand(db: Db) {
    let desk = Desk::new(&db).await;
    // #1: created at T0, first answer after 10 min, resolved after 30 min, rated 4.
    desk.say(
        "uma",
        "the coffee machine on the third floor makes strange noises",
    )
    .await;
    desk.press("uma", 1).await; // question
    desk.clock.advance(10 * MIN);
    desk.say("anna", "/reply 1 Descale it").await;
    desk.say("anna", "/type 1 consultation").await;
    desk.say("anna", "/hours 1 2 descaling together").await;
    desk.clock.advance(20 * MIN);
    desk.say("anna", "/resolve 1").await;
    desk.press("uma", 1).await; // yes, solved
    desk.press("uma", 4).await; // rating 4
    // #2: created at T0+60, first answer after 20 min, still open.
    desk.clock.set(T0 + 60 * MIN);
    desk.say(
        "victor",
        "the coffee machine on the third floor makes strange noises",
    )
    .await;
    desk.press("victor", 2).await; // incident
    desk.clock.advance(20 * MIN);
    desk.say("boris", "/reply 2 Looking into it").await;
    // A question the knowledge base answered, confirmed.
    desk.say("wendy", "I forgot my password").await;
    desk.press("wendy", 1).await;

    let (from, to) = (T0 - MIN, T0 + 24 * 60 * MIN);
    let r = desk
        .store
        .ticket_report(from, to, &office())
        .await
        .expect("report");
    assert_eq!(r.total, 2);
    assert_eq!(r.by_kind.get("consultation"), Some(&1));
    assert_eq!(r.by_kind.get("incident"), Some(&1));
    assert_eq!(r.by_priority.get("normal"), Some(&1));
    assert_eq!(r.by_priority.get("high"), Some(&1));
    assert_eq!(r.by_status.get("closed"), Some(&1));
    assert_eq!(r.by_status.get("in_progress"), Some(&1));
    assert_eq!(r.by_line.get("2"), Some(&2));
    assert_eq!(r.median_first_response_min, Some(15.0), "(10 + 20) / 2");
    assert_eq!(r.median_resolution_min, Some(30.0));
    assert_eq!((r.csat_average, r.csat_count), (Some(4.0), 1));

    let hours = desk.store.hours_report(from, to).await.expect("hours");
    assert_eq!(hours.len(), 1);
    assert_eq!(
        (
            hours[0].requester.as_str(),
            hours[0].agent.as_str(),
            hours[0].hours
        ),
        ("uma", "anna", 2.0)
    );

    let d = desk
        .store
        .deflection_report(from, to)
        .await
        .expect("deflection");
    assert_eq!((d.questions, d.helped, d.tickets), (3, 1, 2));
    assert!((d.deflection_rate - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        d.top_unanswered,
        vec![(
            "the coffee machine on the third floor makes strange noises".to_string(),
            2
        )]
    );
    // Outside the period, nothing.
    assert_eq!(
        desk.store
            .ticket_report(0, T0 - MIN, &office())
            .await
            .expect("report")
            .total,
        0
    );
}

crate::on_both_databases!(reports_match_figures_worked_out_by_hand);

/// The harness desk's calendar.
fn office() -> frontline_core::calendar::BusinessCalendar {
    frontline_core::calendar::BusinessCalendar::office(chrono_tz::Europe::Moscow)
}
