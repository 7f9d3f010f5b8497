//! Bad input gets a clear reply and changes nothing.

use crate::harness::{Db, Desk};

async fn state(desk: &Desk) -> (i64, i64, i64) {
    (
        desk.count("tickets").await,
        desk.count("questions").await,
        desk.count("ticket_events").await,
    )
}

async fn bad_input_is_answered_and_changes_nothing(db: Db) {
    let desk = Desk::new(&db).await;
    let before = state(&desk).await;
    let huge = "x".repeat(100_000);
    let cases: [(&str, &str); 8] = [
        ("", "The message is empty"),
        ("   \n\t ", "The message is empty"),
        ("\u{0}\u{7}\u{1b}", "The message is empty"),
        (huge.as_str(), "The message is too long (100000 characters)"),
        ("/frobnicate", "I do not know the command /frobnicate"),
        ("/status abc", "“abc” is not a ticket number"),
        ("/status", "/status needs a ticket number"),
        ("/lang de", "Language “de” is not supported"),
    ];
    for (input, want) in cases {
        let out = desk.say("nick", input).await;
        assert_eq!(out.len(), 1, "{input:.20?}");
        assert!(
            out[0].text.starts_with(want),
            "{input:.20?}: {}",
            out[0].text
        );
        assert!(out[0].buttons.is_empty());
    }
    let out = desk.say("nick", "/cancel").await;
    assert_eq!(out[0].text, "There is nothing to cancel.");
    let out = desk.say("nick", "/close 5").await;
    assert_eq!(out[0].text, "You have no ticket #5. /my lists yours.");
    let forged = desk
        .send(desk.inbound(
            "nick",
            frontline_core::Payload::Button("1k999.incident".into()),
        ))
        .await
        .1;
    assert_eq!(
        forged[0].text,
        "That choice is no longer open. Please ask again."
    );
    let garbage = desk
        .send(desk.inbound("nick", frontline_core::Payload::Button("💣".into())))
        .await
        .1;
    assert_eq!(
        garbage[0].text,
        "That choice is no longer open. Please ask again."
    );
    assert_eq!(state(&desk).await, before);
}

async fn query_syntax_and_mixed_scripts_are_just_questions(db: Db) {
    let desk = Desk::new(&db).await;
    for q in [
        "title:(vpn",
        "\"unclosed",
        "пароль* -vpn ~2 ^3",
        "🙂🙂🙂",
        "[printer TO",
    ] {
        let out = desk.say("olga", q).await;
        assert_eq!(out.len(), 1, "{q}");
        assert!(
            !out[0].text.contains("internal error"),
            "{q}: {}",
            out[0].text
        );
    }
}

/// A platform that can answer privately (Discord's ephemeral replies) gets the refusal back
/// instead of a queued message; the event is still recorded, so a redelivery does nothing.
async fn refusals_can_be_answered_privately(db: Db) {
    use frontline_core::{Answer, Payload};
    let desk = Desk::new(&db).await;
    let before = state(&desk).await;
    let inbound = desk.inbound("nick", Payload::Text("/status 41".into()));
    let answer = desk
        .engine
        .handle_privately(inbound.clone())
        .await
        .expect("handled");
    assert_eq!(
        answer,
        Answer::Refused("You have no ticket #41. /my lists yours.".into())
    );
    desk.dispatcher.drain().await.expect("drained");
    assert!(desk.new_messages().is_empty(), "nothing queued");
    assert_eq!(
        desk.engine.handle_privately(inbound).await.expect("again"),
        Answer::Duplicate
    );
    // Staff commands from a user: refused privately too.
    let queue = desk.inbound("nick", Payload::Text("/queue".into()));
    let answer = desk.engine.handle_privately(queue).await.expect("handled");
    assert!(
        matches!(&answer, Answer::Refused(t) if t.contains("for support staff")),
        "{answer:?}"
    );
    // What succeeds is answered as usual, through the outbox.
    let ok = desk.inbound("nick", Payload::Text("/my".into()));
    assert_eq!(
        desk.engine.handle_privately(ok).await.expect("handled"),
        Answer::Done
    );
    desk.dispatcher.drain().await.expect("drained");
    assert_eq!(desk.new_messages().len(), 1);
    assert_eq!(state(&desk).await, before);
}

/// Staff can be recognised by a platform role: a holder of the role acts as staff under
/// their own name; without it, the same person is a user.
async fn staff_are_recognised_by_role(db: Db) {
    use frontline_core::domain::Line;
    use frontline_core::{ChannelKind, Payload, Role, StaffMember};
    let mut staff = crate::harness::staff();
    staff.add_role(
        ChannelKind::Console,
        "support-team",
        StaffMember {
            name: "team".into(),
            role: Role::Agent,
            lines: vec![Line::AGENTS],
        },
    );
    let desk = Desk::with_staff(&db, staff).await;
    desk.question_ticket("uma").await;
    let mut without = desk.inbound("vera", Payload::Text("/claim 1".into()));
    without.from.display = "Vera".into();
    let (_, out) = desk.send(without).await;
    assert!(out[0].text.contains("for support staff"), "{}", out[0].text);
    let mut with = desk.inbound("vera", Payload::Text("/claim 1".into()));
    with.from.display = "Vera".into();
    with.roles = vec!["other".into(), "support-team".into()];
    let (_, out) = desk.send(with).await;
    let told = crate::harness::to(&out, "uma");
    assert!(
        told.iter()
            .any(|t| t.contains("Vera has taken your ticket #1.")),
        "{out:?}"
    );
}

crate::on_both_databases!(
    bad_input_is_answered_and_changes_nothing,
    query_syntax_and_mixed_scripts_are_just_questions,
    refusals_can_be_answered_privately,
    staff_are_recognised_by_role,
);
