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

crate::on_both_databases!(
    bad_input_is_answered_and_changes_nothing,
    query_syntax_and_mixed_scripts_are_just_questions,
);
