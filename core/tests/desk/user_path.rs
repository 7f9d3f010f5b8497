//! Lines 0 and 1: answer, suggest, register; the thread; the user's commands.

use frontline_core::store::Store;
use frontline_core::{Status, TicketId};

use crate::harness::{AGENTS, Db, Desk, to};

async fn an_answer_that_helped_ends_without_a_ticket(db: Db) {
    let desk = Desk::new(&db).await;
    let out = desk.say("alice", "I forgot my password").await;
    assert_eq!(out.len(), 1);
    assert!(
        out[0].text.starts_with("📄 Reset a forgotten password"),
        "{}",
        out[0].text
    );
    let labels: Vec<&str> = out[0].buttons.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["Helped", "Not helped"]);
    let out = desk.press("alice", 1).await;
    assert!(to(&out, "alice")[0].starts_with("Glad it helped"));
    assert_eq!(desk.count("tickets").await, 0);
    let d = desk
        .store
        .deflection_report(0, i64::MAX)
        .await
        .expect("outcomes");
    assert_eq!((d.questions, d.helped, d.tickets), (1, 1, 0));
}

async fn not_helped_registers_a_ticket_of_the_chosen_kind_and_tells_line_2(db: Db) {
    let desk = Desk::new(&db).await;
    desk.say("bob", "The printer does not print, paper jam light is on")
        .await;
    let out = desk.press("bob", 2).await; // Not helped
    let ask = &out[0];
    assert!(ask.text.contains("What kind of request"), "{}", ask.text);
    assert_eq!(
        ask.buttons[0].label, "✓ incident",
        "the guess comes first, marked"
    );
    let out = desk.press("bob", 1).await;
    let user = to(&out, "bob");
    assert_eq!(user.len(), 1);
    assert!(
        user[0].starts_with("Ticket #1 is registered."),
        "{}",
        user[0]
    );
    assert!(user[0].contains("Type: incident") && user[0].contains("Priority: high"));
    assert!(user[0].contains("Status: 🆕 new"), "{}", user[0]);
    let card = to(&out, AGENTS);
    assert_eq!(card.len(), 1);
    assert!(card[0].starts_with("🆕 #1 incident · high"), "{}", card[0]);
    assert!(
        card[0].contains("answered with printer-troubleshoot:en, did not help"),
        "{}",
        card[0]
    );

    let mut conn = desk.store.pool().acquire().await.expect("conn");
    let t = Store::ticket(&mut conn, TicketId::parse("1").expect("id"))
        .await
        .expect("db")
        .expect("ticket");
    assert_eq!(
        t.subject,
        "The printer does not print, paper jam light is on"
    );
    assert_eq!(t.status, Status::New);
    assert_eq!(t.line.get(), 2);
}

async fn no_match_goes_straight_to_registration(db: Db) {
    let desk = Desk::new(&db).await;
    let out = desk
        .say("carol", "my coffee machine makes strange noises")
        .await;
    assert!(
        out[0].text.starts_with("The knowledge base has no answer"),
        "{}",
        out[0].text
    );
    assert_eq!(out[0].buttons.len(), 7);
    desk.press("carol", 3).await;
    assert_eq!(desk.count("tickets").await, 1);
}

async fn suggestions_lead_to_an_article_or_to_a_ticket(db: Db) {
    let desk = Desk::new(&db).await;
    let out = desk.say("dave", "my email does not work").await;
    assert!(
        out[0].text.starts_with("One of these articles"),
        "{}",
        out[0].text
    );
    let n = out[0].buttons.len();
    assert!(
        (2..=4).contains(&n),
        "up to 3 articles and None of these: {n}"
    );
    assert_eq!(out[0].buttons[n - 1].label, "None of these");
    let picked = desk.press("dave", 1).await;
    assert!(picked[0].text.starts_with("📄 "), "{}", picked[0].text);
    assert_eq!(picked[0].buttons.len(), 2, "Helped / Not helped");

    desk.say("dave", "my email does not work").await;
    let last = desk.button("dave", n).label;
    assert_eq!(last, "None of these");
    let out = desk.press("dave", n).await;
    assert!(out[0].text.contains("What kind of request"));
}

async fn follow_ups_join_the_thread_and_reach_line_2(db: Db) {
    let desk = Desk::new(&db).await;
    desk.say("erin", "my coffee machine makes strange noises")
        .await;
    desk.press("erin", 1).await;
    let out = desk.say("erin", "It also smells of smoke").await;
    assert_eq!(to(&out, "erin"), ["Added to ticket #1."]);
    assert_eq!(to(&out, AGENTS), ["💬 #1 erin: It also smells of smoke"]);
    let out = desk.say("erin", "this is urgent, please").await;
    assert!(to(&out, "erin")[0].starts_with("Your request for urgency is recorded in ticket #1"));
    assert!(
        to(&out, AGENTS)
            .iter()
            .any(|t| t.starts_with("⚠️ #1 erin asks for a higher priority"))
    );
    let thread = desk
        .store
        .thread(TicketId::parse("1").expect("id"))
        .await
        .expect("thread");
    let kinds: Vec<&str> = thread.iter().map(|e| e.kind.code()).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "message_in",
            "message_out",
            "message_in",
            "message_in",
            "priority_requested"
        ]
    );
    let out = desk.say("erin", "/status 1").await;
    assert!(out[0].text.contains("Priority: normal") || out[0].text.contains("Priority: high"));
    assert!(
        !out[0].text.contains("critical"),
        "a request alone never raises the priority"
    );

    // /new starts another question instead of adding to the ticket.
    desk.say("erin", "/new").await;
    let out = desk.say("erin", "I forgot my password").await;
    assert!(out[0].text.starts_with("📄 Reset a forgotten password"));
}

async fn my_status_and_close_work_on_own_tickets_only(db: Db) {
    let desk = Desk::new(&db).await;
    desk.say("frank", "my coffee machine makes strange noises")
        .await;
    desk.press("frank", 1).await;
    let out = desk.say("frank", "/my").await;
    assert!(
        out[0].text.starts_with("Your tickets:\n#1 🆕 new"),
        "{}",
        out[0].text
    );

    // Someone else's ticket is refused exactly like one that does not exist.
    let other = desk.say("grace", "/status 1").await;
    let missing = desk.say("grace", "/status 99").await;
    assert_eq!(other[0].text, "You have no ticket #1. /my lists yours.");
    assert_eq!(missing[0].text, "You have no ticket #99. /my lists yours.");
    desk.say("grace", "/close 1").await;

    let out = desk.say("frank", "/close 1").await;
    assert_eq!(to(&out, "frank"), ["Ticket #1 is closed. Thank you!"]);
    assert_eq!(to(&out, AGENTS), ["⚫ #1 closed by frank"]);
    let again = desk.say("frank", "/close 1").await;
    assert!(
        again[0]
            .text
            .starts_with("Ticket #1 cannot go from “⚫ closed” to “⚫ closed”"),
        "{}",
        again[0].text
    );
    // With the ticket closed, text is a new question again.
    let out = desk.say("frank", "I forgot my password").await;
    assert!(out[0].text.starts_with("📄"));
}

async fn the_bot_speaks_the_users_language(db: Db) {
    let desk = Desk::new(&db).await;
    let out = desk.say("ivan", "Забыл пароль, что делать?").await;
    assert!(
        out[0].text.starts_with("📄 Сброс забытого пароля"),
        "{}",
        out[0].text
    );
    assert_eq!(out[0].buttons[0].label, "Помогло");
    // A missing argument is explained in Russian throughout (it once read "…аргумент: a
    // ticket number").
    let out = desk.say("ivan", "/status").await;
    assert_eq!(
        out[0].text,
        "Команде /status нужны аргументы: /status N (состояние заявки N)."
    );
    let out = desk.say("ivan", "/lang en").await;
    assert_eq!(out[0].text, "Language: English.");
    let out = desk.say("ivan", "/help").await;
    assert!(out[0].text.starts_with("Commands:"));
}

async fn a_button_pressed_twice_registers_one_ticket(db: Db) {
    let desk = Desk::new(&db).await;
    desk.say("judy", "my coffee machine makes strange noises")
        .await;
    desk.press("judy", 1).await;
    let out = desk.press("judy", 1).await;
    assert_eq!(
        out[0].text,
        "That choice is no longer open. Please ask again."
    );
    assert_eq!(desk.count("tickets").await, 1);
}

async fn a_repeated_inbound_id_does_nothing(db: Db) {
    let desk = Desk::new(&db).await;
    let inbound = desk.inbound(
        "kate",
        frontline_core::Payload::Text("my coffee machine makes strange noises".into()),
    );
    let (first, out) = desk.send(inbound.clone()).await;
    assert_eq!(first, frontline_core::Handled::Done);
    assert_eq!(out.len(), 1);
    let (second, out) = desk.send(inbound).await;
    assert_eq!(second, frontline_core::Handled::Duplicate);
    assert!(out.is_empty());
    assert_eq!(desk.count("questions").await, 1);
}

async fn a_user_cannot_press_another_users_buttons(db: Db) {
    let desk = Desk::new(&db).await;
    desk.say("leo", "my coffee machine makes strange noises")
        .await;
    let data = desk.button("leo", 1).data;
    let (_, out) = desk
        .send(desk.inbound("mallory", frontline_core::Payload::Button(data)))
        .await;
    assert_eq!(
        to(&out, "mallory"),
        ["That choice is no longer open. Please ask again."]
    );
    assert_eq!(desk.count("tickets").await, 0);
}

/// The help centre's deep link (`/start kb-SLUG`): the bot greets the reader with the article
/// they read, and the ticket their question leads to names it on its card, once.
async fn a_reader_from_the_help_centre_is_greeted_and_named_on_the_card(db: Db) {
    let desk = Desk::new(&db).await;
    let out = desk.say("rita", "/start kb-vpn-connect").await;
    let greeting = to(&out, "rita");
    assert_eq!(greeting.len(), 1);
    assert!(greeting[0].contains("help centre"), "{}", greeting[0]);
    let mut conn = desk.store.pool().acquire().await.expect("conn");
    let title = Store::article_latest(
        &mut conn,
        &frontline_kb::Slug::parse("vpn-connect").expect("slug"),
        frontline_core::Lang::En,
    )
    .await
    .expect("db")
    .expect("article")
    .article
    .title;
    drop(conn);
    assert!(greeting[0].contains(&title), "{}", greeting[0]);
    let out = desk.question_ticket("rita").await;
    let card = to(&out, AGENTS);
    assert_eq!(card.len(), 1, "{out:?}");
    assert!(
        card[0].contains("KB: came from the help centre, article vpn-connect"),
        "{}",
        card[0]
    );
    // Routed by the article's category when the question matched nothing.
    let mut conn = desk.store.pool().acquire().await.expect("conn");
    let t = Store::ticket(&mut conn, TicketId::parse("1").expect("id"))
        .await
        .expect("db")
        .expect("ticket");
    assert_eq!(t.category.as_deref(), Some("network"));
    drop(conn);
    // Said once: the next ticket is an ordinary one.
    desk.say("rita", "/new").await;
    let out = desk.question_ticket("rita").await;
    let card = to(&out, AGENTS);
    assert!(!card[0].contains("help centre"), "{}", card[0]);
    // A link to an article that is not there, or not one of ours, is a plain start.
    for link in ["/start kb-no-such-article", "/start kb-", "/start ref-42"] {
        let out = desk.say("sam", link).await;
        assert!(to(&out, "sam")[0].starts_with("Hello! I am"), "{link}");
    }
}

crate::on_both_databases!(
    a_reader_from_the_help_centre_is_greeted_and_named_on_the_card,
    an_answer_that_helped_ends_without_a_ticket,
    not_helped_registers_a_ticket_of_the_chosen_kind_and_tells_line_2,
    no_match_goes_straight_to_registration,
    suggestions_lead_to_an_article_or_to_a_ticket,
    follow_ups_join_the_thread_and_reach_line_2,
    my_status_and_close_work_on_own_tickets_only,
    the_bot_speaks_the_users_language,
    a_button_pressed_twice_registers_one_ticket,
    a_repeated_inbound_id_does_nothing,
    a_user_cannot_press_another_users_buttons,
);
