//! Announcements: an admin's preview and [Send], each user once in their language, the muted
//! skipped, the blocked counted and not tried again, paused and resumed, two instances
//! pumping at once, a known issue's update in one step, and bad input answered.

use std::sync::Arc;

use frontline_core::{ChannelKind, Dispatcher};

use crate::harness::{Db, Desk, to};

/// Users who have written once; `ru` of them switched to Russian.
async fn users(desk: &Desk, names: &[&str], ru: &[&str]) {
    for n in names {
        desk.say(n, "hello").await;
    }
    for n in ru {
        desk.say(n, "/lang ru").await;
    }
    desk.new_messages();
}

/// The texts `who` got that carry `phrase`.
fn got<'a>(out: &'a [frontline_core::Outbound], who: &str, phrase: &str) -> Vec<&'a str> {
    to(out, who)
        .into_iter()
        .filter(|t| t.contains(phrase))
        .collect()
}

async fn each_user_gets_it_once_in_their_language_and_the_muted_none(db: Db) {
    let desk = Desk::new(&db).await;
    users(&desk, &["u1", "u2", "u3", "u4", "u5"], &["u3", "u4"]).await;
    // Staff who wrote are not the audience.
    desk.say("anna", "/queue").await;
    let out = desk.say("u5", "/mute").await;
    assert_eq!(
        to(&out, "u5"),
        ["You will get no more announcements. /unmute turns them back on."]
    );
    let out = desk.say("u5", "/mute").await;
    assert!(to(&out, "u5")[0].starts_with("Announcements are already off"));

    let out = desk
        .say(
            "root",
            "/announce all\nen: Version 2.0 is out.\nru: Вышла версия 2.0.",
        )
        .await;
    let preview = to(&out, "root");
    assert_eq!(preview.len(), 1, "{out:?}");
    assert!(
        preview[0].starts_with("Announcement #1 — audience “all”: 4 people."),
        "{}",
        preview[0]
    );
    assert!(
        preview[0].contains("1 who muted announcements"),
        "{}",
        preview[0]
    );
    assert!(
        preview[0].contains("[ru]\nВышла версия 2.0."),
        "{}",
        preview[0]
    );
    // Nothing goes before [Send].
    assert!(desk.pump_announcements().await.is_empty());
    assert_eq!(desk.button("root", 1).label, "Send");
    let out = desk.press("root", 1).await;
    assert_eq!(
        to(&out, "root"),
        [
            "Announcement #1 is being sent to 4 people. Progress comes here; /announce stop pauses it."
        ]
    );
    let out = desk.pump_announcements().await;
    for (user, text) in [
        ("u1", "Version 2.0 is out."),
        ("u2", "Version 2.0 is out."),
        ("u3", "Вышла версия 2.0."),
        ("u4", "Вышла версия 2.0."),
    ] {
        let mine = to(&out, user);
        assert_eq!(mine.len(), 1, "{user}: {out:?}");
        assert!(mine[0].starts_with(text), "{user}: {}", mine[0]);
        assert!(
            mine[0].contains("/mute"),
            "the footer says how to stop them"
        );
    }
    assert!(to(&out, "u5").is_empty(), "muted");
    assert!(to(&out, "anna").is_empty(), "staff");
    assert_eq!(
        to(&out, "root"),
        ["Announcement #1 is done: sent 4 of 4; 1 muted announcements."]
    );
    // A second press, and more rounds, send nothing again.
    let out = desk.press("root", 1).await;
    assert_eq!(
        to(&out, "root"),
        ["Announcement #1 is sent: that cannot be done to it now."]
    );
    assert!(desk.pump_announcements().await.is_empty());
    let report = desk
        .store
        .announcement_report(0, i64::MAX)
        .await
        .expect("report");
    assert_eq!(report.len(), 1);
    let c = report[0].1;
    assert_eq!(
        (c.total, c.sent, c.muted, c.blocked, c.failed),
        (5, 4, 1, 0, 0)
    );

    // Unmuted, u5 is in the next one; lang ru reaches only the Russian readers.
    let out = desk.say("u5", "/unmute").await;
    assert_eq!(to(&out, "u5"), ["Announcements are on again."]);
    let out = desk
        .say("root", "/announce lang ru\nТолько по-русски")
        .await;
    assert!(to(&out, "root")[0].contains("2 people"), "{out:?}");
    desk.press("root", 1).await;
    let out = desk.pump_announcements().await;
    assert_eq!(got(&out, "u3", "Только по-русски").len(), 1);
    assert!(got(&out, "u1", "Только по-русски").is_empty());
}

async fn the_blocked_are_counted_not_retried_and_stop_pauses(db: Db) {
    let desk = Desk::new(&db).await;
    let names: Vec<String> = (1..=60).map(|i| format!("p{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    users(&desk, &refs, &[]).await;
    desk.recorder
        .unreachable
        .lock()
        .expect("lock")
        .insert("p7".into());

    desk.say("root", "/announce platform console\nMaintenance tonight.")
        .await;
    desk.press("root", 1).await;
    // Paused before the pump ran: nothing goes.
    let out = desk.say("root", "/announce stop").await;
    assert_eq!(
        to(&out, "root"),
        ["Announcement #1 is paused: sent 0 of 60. /announce resume 1 goes on."]
    );
    assert!(desk.pump_announcements().await.is_empty());
    let out = desk.say("root", "/announce stop").await;
    assert_eq!(to(&out, "root"), ["No announcement is being sent now."]);

    // One round queues one window (fewer than everyone); stopped, the rest waits.
    desk.say("root", "/announce resume 1").await;
    desk.engine
        .announce_round(&[ChannelKind::Console])
        .await
        .expect("round");
    desk.dispatcher.drain().await.expect("drain");
    desk.say("root", "/announce stop 1").await;
    assert!(desk.pump_announcements().await.is_empty());
    let report = desk
        .store
        .announcement_report(0, i64::MAX)
        .await
        .expect("r");
    let c = report[0].1;
    // The window went out, and a paused announcement's counts follow it.
    assert_eq!(c.queued, 0);
    assert_eq!(c.sent + c.blocked, frontline_core::announce::WINDOW);
    assert_eq!(c.pending, 60 - frontline_core::announce::WINDOW);

    desk.say("root", "/announce resume 1").await;
    let out = desk.pump_announcements().await;
    assert_eq!(
        to(&out, "root"),
        ["Announcement #1 is done: sent 59 of 60; 1 blocked the bot."]
    );
    let refused = desk.recorder.refused.lock().expect("lock").clone();
    assert_eq!(refused.get("p7"), Some(&1), "tried once, never again");
    let delivered: usize = names
        .iter()
        .map(|n| got(&desk.recorder.sent.lock().expect("lock"), n, "Maintenance").len())
        .sum();
    assert_eq!(delivered, 59, "each of the others exactly once");

    // Known to have blocked the bot, p7 is not tried by the next announcement…
    let out = desk.say("root", "/announce all\nSecond notice.").await;
    assert!(
        to(&out, "root")[0].contains("0 who muted announcements, 1 who blocked the bot"),
        "{out:?}"
    );
    desk.press("root", 1).await;
    desk.pump_announcements().await;
    assert_eq!(
        desk.recorder.refused.lock().expect("lock").get("p7"),
        Some(&1)
    );
    // …until they write again.
    desk.recorder.unreachable.lock().expect("lock").clear();
    desk.say("p7", "hello again").await;
    let out = desk.say("root", "/announce all\nThird notice.").await;
    assert!(to(&out, "root")[0].contains("60 people."), "{out:?}");
    let out = desk.say("root", "/announce list").await;
    assert!(
        to(&out, "root")[0].contains("#2 · all · sent · sent 59 of 60; 1 blocked the bot"),
        "{out:?}"
    );
}

async fn two_instances_pumping_at_once_send_each_once(db: Db) {
    let a = Desk::new(&db).await;
    let names: Vec<String> = (1..=120).map(|i| format!("q{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    users(&a, &refs, &[]).await;
    a.say("root", "/announce all\nSame for everyone.").await;
    a.press("root", 1).await;
    // A second instance on the same database, with its own outbox channel; each dispatcher
    // named as instances are (one name would let both lease the same chat).
    let b = Desk::new(&db).await;
    let named = |d: &Desk, name: &str| {
        let channel: Arc<dyn frontline_core::Channel> = d.recorder.clone();
        Dispatcher::new(d.store.clone(), Arc::new(d.clock.clone()), vec![channel]).with_holder(name)
    };
    let (send_a, send_b) = (named(&a, "a"), named(&b, "b"));
    let kinds = [ChannelKind::Console];
    loop {
        let (x, y) = tokio::join!(
            a.engine.announce_round(&kinds),
            b.engine.announce_round(&kinds)
        );
        let (da, db_) = tokio::join!(send_a.drain(), send_b.drain());
        da.expect("drain a");
        db_.expect("drain b");
        if !x.expect("a") && !y.expect("b") {
            break;
        }
    }
    let sa = a.recorder.sent.lock().expect("lock").clone();
    let sb = b.recorder.sent.lock().expect("lock").clone();
    for n in &names {
        let times = got(&sa, n, "Same for everyone").len() + got(&sb, n, "Same for everyone").len();
        assert_eq!(times, 1, "{n}");
    }
    let done = [to(&sa, "root"), to(&sb, "root")].concat();
    let done: Vec<_> = done.iter().filter(|t| t.contains("is done")).collect();
    assert_eq!(done.len(), 1, "the summary once: {done:?}");
}

async fn bad_audiences_and_texts_are_answered_and_change_nothing(db: Db) {
    let desk = Desk::new(&db).await;
    users(&desk, &["u1"], &[]).await;
    for (who, text, answer) in [
        ("root", "/announce", "Who is it for? /announce AUDIENCE"),
        (
            "root",
            "/announce everyone\nhi",
            "“everyone” is not an audience. Use all, org KEY",
        ),
        (
            "root",
            "/announce active 0d\nhi",
            "“active 0d” is not an audience.",
        ),
        (
            "root",
            "/announce all",
            "There is no text. Write it on the lines after",
        ),
        (
            "root",
            "/announce all\nhello\nru: привет",
            "There is text before the first ru:/en: block",
        ),
        (
            "root",
            "/announce all\nen: one\nen: two",
            "There are two en: blocks.",
        ),
        (
            "root",
            "/announce all\nru:\nen: hi",
            "The ru: block is empty.",
        ),
        (
            "root",
            "/announce org nope\nhi",
            "There is no organisation nope",
        ),
        ("root", "/announce send 99", "There is no announcement #99"),
        (
            "root",
            "/announce resume 99",
            "There is no announcement #99",
        ),
        (
            "root",
            "/announce stop",
            "No announcement is being sent now.",
        ),
        (
            "anna",
            "/announce all\nhi",
            "Only admins send announcements.",
        ),
        ("u1", "/announce all\nhi", "staff"),
    ] {
        let out = desk.say(who, text).await;
        let said = to(&out, who);
        assert_eq!(said.len(), 1, "{text}: {out:?}");
        assert!(said[0].contains(answer), "{text}: {}", said[0]);
    }
    let long = format!("/announce all\n{}", "x".repeat(3_600));
    let out = desk.say("root", &long).await;
    assert!(
        to(&out, "root")[0].contains("longer than 3,500 characters"),
        "{out:?}"
    );
    assert_eq!(desk.count("announcements").await, 0);
    // A cancelled draft cannot be sent.
    desk.say("root", "/announce all\nhi").await;
    let out = desk.press("root", 2).await;
    assert_eq!(
        to(&out, "root"),
        ["Announcement #1 is cancelled; nobody got it."]
    );
    let out = desk.say("root", "/announce send 1").await;
    assert!(
        to(&out, "root")[0].contains("is cancelled: that cannot be done"),
        "{out:?}"
    );
    assert!(desk.pump_announcements().await.is_empty());
}

async fn a_known_issue_update_is_announced_in_one_step(db: Db) {
    let desk = Desk::new(&db).await;
    users(&desk, &["u1", "u2"], &[]).await;
    desk.question_ticket("linked").await;
    desk.say("anna", "/problem new Payroll portal is down")
        .await;
    desk.say("anna", "/link 1 P1").await;
    desk.new_messages();
    let out = desk
        .say("root", "/problem announce P1 all\nA fix is being deployed.")
        .await;
    let ticket_news = to(&out, "linked");
    assert_eq!(ticket_news.len(), 1, "{out:?}");
    assert!(ticket_news[0].contains("A fix is being deployed."));
    let preview = to(&out, "root")[0];
    assert!(
        preview.contains("2 people"),
        "the linked requester is left out: {preview}"
    );
    assert!(
        preview.contains("1 linked requesters were told"),
        "{preview}"
    );
    desk.press("root", 1).await;
    let out = desk.pump_announcements().await;
    let news = got(
        &out,
        "u1",
        "News of the known issue “Payroll portal is down”",
    );
    assert_eq!(news.len(), 1, "{out:?}");
    assert!(news[0].contains("A fix is being deployed."));
    assert!(to(&out, "linked").is_empty());
}

crate::on_both_databases!(
    each_user_gets_it_once_in_their_language_and_the_muted_none,
    the_blocked_are_counted_not_retried_and_stop_pauses,
    two_instances_pumping_at_once_send_each_once,
    bad_audiences_and_texts_are_answered_and_change_nothing,
    a_known_issue_update_is_announced_in_one_step,
);
