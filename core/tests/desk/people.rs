//! The operator's side of people: the per-sender limit, blocking, erasing a person, and
//! retention.

use frontline_core::{Payload, Store};

use crate::harness::{Db, Desk, to};

/// 25 messages in a minute: 20 handled, one notice, the rest ignored; a minute later the
/// sender is served again. Staff are not limited.
async fn a_flooding_sender_gets_one_notice_and_nothing_else(db: Db) {
    let desk = Desk::new(&db).await;
    let mut replies = Vec::new();
    for i in 0..25 {
        let sent = desk.say("flood", &format!("/status {}", 1000 + i)).await;
        replies.push(to(&sent, "flood").len());
    }
    assert!(replies[..20].iter().all(|n| *n == 1), "{replies:?}");
    let sent = desk.new_messages();
    assert!(sent.is_empty());
    assert_eq!(replies[20], 1, "one notice: {replies:?}");
    assert!(replies[21..].iter().all(|n| *n == 0), "{replies:?}");
    let seen = desk.count("inbound_seen").await;
    assert_eq!(
        seen, 25,
        "the ignored ones are recorded as seen, not redone on redelivery"
    );
    // A platform delivering one update many times (a restart, a failed batch) does not
    // count against its sender.
    let once = desk.inbound("patient", Payload::Text("/my".into()));
    for _ in 0..30 {
        desk.send(once.clone()).await;
    }
    let sent = desk.say("patient", "I forgot my password").await;
    assert!(to(&sent, "patient")[0].starts_with("📄"), "{sent:?}");
    desk.clock.advance(61_000);
    let sent = desk.say("flood", "I forgot my password").await;
    assert!(to(&sent, "flood")[0].starts_with("📄"), "{sent:?}");
    // An agent's burst is not limited.
    for _ in 0..25 {
        desk.say("anna", "/queue").await;
    }
    let sent = desk.say("anna", "/queue").await;
    assert!(!to(&sent, "anna").is_empty());
}

/// An admin blocks a sender: no reply at all, audited; unblocked, they are served again.
/// An agent cannot block.
async fn a_blocked_sender_gets_no_reply(db: Db) {
    let desk = Desk::new(&db).await;
    desk.say("spammer", "I forgot my password").await;
    let refused = desk.say("anna", "/block console:spammer adverts").await;
    assert!(to(&refused, "anna")[0].contains("admin"), "{refused:?}");
    let ok = desk
        .say("root", "/block console:spammer adverts all day")
        .await;
    assert!(to(&ok, "root")[0].contains("blocked"), "{ok:?}");
    let sent = desk.say("spammer", "I forgot my password").await;
    assert!(sent.is_empty(), "{sent:?}");
    let audit: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM staff_audit WHERE action = 'block' AND name = 'console:spammer' \
         AND actor = 'agent:root' AND detail = 'adverts all day'",
    )
    .fetch_one(desk.store.pool())
    .await
    .expect("audit");
    assert_eq!(audit, 1);
    desk.say("root", "/unblock console:spammer").await;
    let sent = desk.say("spammer", "I forgot my password").await;
    assert!(to(&sent, "spammer")[0].starts_with("📄"), "{sent:?}");
    // An identity blocked before it ever wrote gets no reply either.
    desk.say("root", "/block console:ghost known spammer elsewhere")
        .await;
    assert!(desk.say("ghost", "hello, buy my stuff").await.is_empty());
    let again = desk.say("root", "/unblock console:spammer").await;
    assert!(
        to(&again, "root")[0].contains("was not blocked"),
        "{again:?}"
    );
}

/// An admin's /forget erases the person's name, messages and questions; the ticket stays
/// as a number; a later message from them is a new person.
async fn an_admin_erases_a_person_and_their_ticket_stays_a_number(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("olga").await;
    desk.say("olga", "my passport number is 1234 567890").await;
    let tickets_before = desk.count("tickets").await;
    let unknown = desk.say("root", "/forget console:nobody").await;
    assert!(to(&unknown, "root")[0].contains("Nobody"), "{unknown:?}");
    let done = desk.say("root", "/forget console:olga").await;
    assert!(to(&done, "root")[0].contains("erased"), "{done:?}");
    let mut conn = desk.store.pool().acquire().await.expect("conn");
    assert!(
        Store::person_record(&mut conn, frontline_core::ChannelKind::Console, "olga")
            .await
            .expect("record")
            .is_none(),
        "the identity is gone"
    );
    drop(conn);
    assert_eq!(desk.count("tickets").await, tickets_before, "tickets stay");
    for (table, column) in [
        ("ticket_events", "body"),
        ("questions", "text"),
        ("tickets", "subject"),
        ("persons", "display"),
    ] {
        let hits: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%passport%' \
             OR {column} LIKE '%coffee machine%' OR {column} = 'olga'"
        ))
        .fetch_one(desk.store.pool())
        .await
        .expect("count");
        assert_eq!(hits, 0, "{table}.{column} still holds olga's words");
    }
    let transcript = desk.say("anna", "/transcript 1").await;
    let text = to(&transcript, "anna").join("\n");
    assert!(
        text.contains("[erased]") && !text.contains("passport"),
        "{text}"
    );
    // Writing again, olga is someone new.
    let sent = desk.say("olga", "/my").await;
    assert!(!to(&sent, "olga")[0].contains("#1"), "{sent:?}");
}

/// A user's own /forget asks first; only their own press erases.
async fn a_users_own_forget_asks_for_confirmation(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("pavel").await;
    let ask = desk.say("pavel", "/forget").await;
    assert_eq!(ask.len(), 1);
    assert_eq!(ask[0].buttons.len(), 1, "{ask:?}");
    assert_eq!(
        desk.count("identities").await,
        1,
        "nothing erased before the press"
    );
    // Someone else pressing pavel's button erases nobody.
    let button = desk.button("pavel", 1);
    let stranger = desk
        .send(desk.inbound("mallory", Payload::Button(button.data.clone())))
        .await
        .1;
    assert!(
        !to(&stranger, "mallory")[0].contains("erased"),
        "{stranger:?}"
    );
    let done = desk.press("pavel", 1).await;
    assert!(to(&done, "pavel")[0].contains("erased"), "{done:?}");
    let display: String = sqlx::query_scalar("SELECT display FROM persons ORDER BY id LIMIT 1")
        .fetch_one(desk.store.pool())
        .await
        .expect("display");
    assert_eq!(display, "[erased]");
}

/// Retention prunes old sent outbox rows, seen ids and questions; recent ones and unsent
/// rows stay.
async fn retention_prunes_only_what_is_old(db: Db) {
    let desk = Desk::new(&db).await;
    desk.say("ivan", "I forgot my password").await;
    desk.say("ivan", "printer").await;
    let (outbox, seen, questions) = (
        desk.count("outbox").await,
        desk.count("inbound_seen").await,
        desk.count("questions").await,
    );
    assert!(outbox > 0 && seen > 0 && questions > 0);
    assert_eq!(
        desk.engine.prune().await.expect("prune"),
        0,
        "nothing is old yet"
    );
    // Fifteen days on: the outbox's 14 days and the seen ids' 7 are past; the questions'
    // 400 are not.
    desk.clock.advance(15 * 86_400_000);
    let pruned = desk.engine.prune().await.expect("prune");
    assert_eq!(pruned, (outbox + seen) as u64);
    assert_eq!(desk.count("outbox").await, 0);
    assert_eq!(desk.count("inbound_seen").await, 0);
    assert_eq!(desk.count("questions").await, questions);
    desk.clock.advance(400 * 86_400_000);
    desk.engine.prune().await.expect("prune");
    assert_eq!(desk.count("questions").await, 0);
}

crate::on_both_databases!(
    a_flooding_sender_gets_one_notice_and_nothing_else,
    a_blocked_sender_gets_no_reply,
    an_admin_erases_a_person_and_their_ticket_stays_a_number,
    a_users_own_forget_asks_for_confirmation,
    retention_prunes_only_what_is_old,
    groups_hear_only_what_is_theirs,
);

/// Outside private chats: in the staff's chat only staff commands count; in a stranger group
/// only /start and /help, with a pointer; a person's chat stays their private one.
async fn groups_hear_only_what_is_theirs(db: Db) {
    use frontline_core::{ChannelKind, ChatRef};
    let desk = Desk::new(&db).await;
    let in_chat = |who: &str, chat: &str, text: &str| {
        let mut i = desk.inbound(who, Payload::Text(text.into()));
        i.chat = ChatRef::new(ChannelKind::Console, chat);
        i.private = false;
        i
    };
    let agents = crate::harness::AGENTS;
    for (who, text) in [("uma", "I forgot my password"), ("anna", "coffee, anyone?")] {
        let (_, sent) = desk.send(in_chat(who, agents, text)).await;
        assert!(sent.is_empty(), "{who} in the agents' chat: {sent:?}");
    }
    let (_, sent) = desk.send(in_chat("anna", agents, "/queue")).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to.chat, agents);
    let (_, sent) = desk
        .send(in_chat("uma", "#random", "I forgot my password"))
        .await;
    assert!(sent.is_empty(), "{sent:?}");
    let (_, sent) = desk.send(in_chat("uma", "#random", "/start")).await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].text.contains("private"), "{sent:?}");
    assert_eq!(
        desk.count("persons").await,
        1,
        "only anna, who is staff, became a person"
    );
    // A ticket registered privately is answered privately, whatever group the user was in.
    desk.question_ticket("uma").await;
    desk.send(in_chat("uma", "#random", "/my")).await;
    let reply = desk.say("anna", "/reply 1 Your salary is 1234 EUR").await;
    let to_uma: Vec<_> = reply.iter().filter(|m| m.text.contains("1234")).collect();
    assert_eq!(to_uma.len(), 1, "{reply:?}");
    assert_eq!(to_uma[0].to.chat, "uma");
}
