//! Conversation through the engine: answered as such, in both languages, never searched,
//! logged or registered — except asking for a person, which goes to registration.

use crate::harness::{Db, Desk, to};

async fn small_talk_is_answered_not_searched(db: Db) {
    let desk = Desk::new(&db).await;
    for (who, text, want) in [
        ("gena", "hello!", "Tell me what is wrong"),
        ("gena", "is anyone there?", "I am here"),
        ("gena", "ok", "👍"),
        ("gena", "🙂", "👍"),
        ("gena", "thanks!", "Glad"),
        ("rita", "Здравствуйте!", "Опишите, что случилось"),
        ("rita", "есть кто-нибудь?", "я здесь"),
        ("rita", "спасибо", "Рад"),
    ] {
        let sent = desk.say(who, text).await;
        let said = to(&sent, who);
        assert_eq!(said.len(), 1, "{text}: {sent:?}");
        assert!(said[0].contains(want), "{text}: {said:?}");
        assert!(
            sent.iter().all(|m| m.buttons.is_empty()),
            "{text}: no choice offered"
        );
    }
    assert_eq!(
        desk.count("questions").await,
        0,
        "nothing logged as a question"
    );
    assert_eq!(desk.count("tickets").await, 0);
    // A real question after a greeting is answered as before.
    let sent = desk.say("gena", "I forgot my password").await;
    assert!(to(&sent, "gena")[0].starts_with("📄"), "{sent:?}");
}

async fn asking_for_a_person_goes_straight_to_registration(db: Db) {
    let desk = Desk::new(&db).await;
    for (who, text) in [
        ("ivo", "can I talk to a human please"),
        ("lev", "позовите оператора"),
    ] {
        let sent = desk.say(who, text).await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert!(
            sent[0].buttons.len() > 3,
            "the kinds to choose from: {sent:?}"
        );
        let registered = desk.press(who, 1).await;
        assert!(
            to(&registered, who)
                .iter()
                .any(|t| t.contains("#")
                    && (t.contains("registered") || t.contains("зарегистрирована"))),
            "{registered:?}"
        );
    }
    assert_eq!(desk.count("tickets").await, 2);
}

/// A question wrapped in greetings and politeness is found as the bare one is, and logged
/// as the user wrote it.
async fn a_greeting_wrapped_question_finds_the_same_article(db: Db) {
    let desk = Desk::new(&db).await;
    for (who, bare, wrapped) in [
        (
            "emil",
            "I forgot my password",
            "Hi, good morning! Sorry to bother you, I forgot my password. Thanks in advance!",
        ),
        (
            "olya",
            "забыл пароль",
            "Здравствуйте! Подскажите, пожалуйста, забыл пароль. Заранее спасибо",
        ),
    ] {
        let plain = desk.say(who, bare).await;
        let polite = desk.say(who, wrapped).await;
        let title = |m: &[frontline_core::Outbound]| {
            to(m, who)
                .first()
                .and_then(|t| t.lines().next())
                .unwrap_or("")
                .to_string()
        };
        assert!(title(&plain).starts_with("📄"), "{plain:?}");
        assert_eq!(title(&plain), title(&polite), "{wrapped}");
    }
    let logged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM questions WHERE text LIKE '%good morning%'")
            .fetch_one(desk.store.pool())
            .await
            .expect("count");
    assert_eq!(logged, 1, "the question is logged whole");
}

crate::on_both_databases!(
    a_greeting_wrapped_question_finds_the_same_article,
    small_talk_is_answered_not_searched,
    asking_for_a_person_goes_straight_to_registration,
);
