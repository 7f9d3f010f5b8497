//! Line 2 from chat: the queue, claims (and their race), replies, notes, priority, type,
//! resolution confirmed or refused by the requester, the rating, the transcript, roles.

use std::sync::Arc;

use frontline_core::domain::Line;
use frontline_core::store::Store;
use frontline_core::{ChannelKind, Payload, Role, StaffMember, Status, TicketId};

use crate::harness::{AGENTS, Db, Desk, to};

fn one() -> TicketId {
    TicketId::parse("1").expect("id")
}

async fn ticket(desk: &Desk) -> frontline_core::Ticket {
    let mut conn = desk.store.pool().acquire().await.expect("conn");
    Store::ticket(&mut conn, one())
        .await
        .expect("db")
        .expect("ticket")
}

async fn an_agent_works_a_ticket_from_queue_to_rating(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    let out = desk.say("anna", "/queue").await;
    assert_eq!(
        to(&out, "anna"),
        [
            "Unclaimed tickets, most urgent first:\n🆕 #1 normal · question · the coffee machine on the third floor makes strange noises · first response ⏱ 4h left (by Tue 15:00)"
        ]
    );
    let out = desk.say("anna", "/claim 1").await;
    assert_eq!(to(&out, "uma"), ["anna has taken your ticket #1."]);
    assert!(to(&out, "anna")[0].starts_with("🔵 #1 is yours"));
    let out = desk.say("boris", "/claim 1").await;
    assert_eq!(to(&out, "boris"), ["Ticket #1 is already claimed by anna."]);
    assert_eq!(
        desk.say("anna", "/queue").await[0].text,
        "The queue is empty."
    );

    let out = desk
        .say(
            "anna",
            "/reply 1 Please descale it: hold both buttons for 5 s.",
        )
        .await;
    assert_eq!(
        to(&out, "uma"),
        ["💬 #1 · anna:\nPlease descale it: hold both buttons for 5 s."]
    );
    let t = ticket(&desk).await;
    assert_eq!(t.first_response_ms, Some(crate::harness::T0));
    let out = desk
        .say("anna", "/note 1 the machine is older than me")
        .await;
    assert!(
        to(&out, "uma").is_empty(),
        "a note never reaches the requester"
    );
    let out = desk
        .say("anna", "/priority 1 high it is the only coffee machine")
        .await;
    assert_eq!(
        to(&out, "uma"),
        [
            "The priority of ticket #1 is now high: it is the only coffee machine\nWe aim to solve it by Wed 11:00."
        ]
    );
    desk.say("anna", "/type 1 incident").await;

    let out = desk.say("anna", "/resolve 1").await;
    let ask: Vec<_> = out.iter().filter(|m| m.to.chat == "uma").collect();
    assert_eq!(
        ask[0].text,
        "🟢 Ticket #1 is resolved. Is the problem solved?"
    );
    assert_eq!(
        ask[0]
            .buttons
            .iter()
            .map(|b| b.label.as_str())
            .collect::<Vec<_>>(),
        ["Yes, solved", "No, still broken"]
    );
    let out = desk.press("uma", 2).await;
    assert_eq!(to(&out, "uma"), ["🔵 Ticket #1 is being worked on again."]);
    assert!(
        to(&out, AGENTS)[0].contains("#1 reopened by the requester: still broken (back to anna)")
    );
    let t = ticket(&desk).await;
    assert_eq!(
        (t.status, t.assignee.as_deref()),
        (Status::InProgress, Some("anna"))
    );

    desk.say("anna", "/resolve 1").await;
    let out = desk.press("uma", 1).await;
    let closed: Vec<_> = out.iter().filter(|m| m.to.chat == "uma").collect();
    assert_eq!(
        closed[0].text,
        "⚫ Ticket #1 is closed. Please rate our help from 1 to 5."
    );
    assert_eq!(closed[0].buttons.len(), 5);
    let out = desk.press("uma", 5).await;
    assert_eq!(
        to(&out, "uma"),
        ["Thank you for your rating! If you like, write a comment in your next message."]
    );
    let out = desk.say("uma", "Quick and friendly, thanks").await;
    assert_eq!(to(&out, "uma"), ["Your comment is saved. Thank you!"]);
    let again = desk
        .send(
            desk.inbound(
                "uma",
                Payload::Button(
                    frontline_core::action::Action::Rate {
                        ticket: 1,
                        score: 4,
                    }
                    .encode(),
                ),
            ),
        )
        .await
        .1;
    assert_eq!(
        to(&again, "uma"),
        ["That choice is no longer open. Please ask again."]
    );
    let t = ticket(&desk).await;
    assert_eq!(
        (t.status, t.csat, t.kind.code(), t.priority.code()),
        (Status::Closed, Some(5), "incident", "high")
    );

    let out = desk.say("anna", "/transcript 1").await;
    let transcript = to(&out, "anna")[0];
    for piece in [
        "agent:anna claimed",
        "agent:anna note: the machine is older",
        "status_changed: resolved -> in_progress",
        "rated: 5",
    ] {
        assert!(
            transcript.contains(piece),
            "{piece} missing in\n{transcript}"
        );
    }
}

async fn users_are_refused_staff_commands_and_nothing_changes(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    // Every staff command, with arguments that would be valid from an agent.
    for cmd in [
        "/queue",
        "/queue all",
        "/mine",
        "/duty take",
        "/problem new VPN is down",
        "/link 1 P1",
        "/find coffee",
        "/claim 1",
        "/assign 1 anna",
        "/macro add hello Hello {name}",
        "/release 1",
        "/reply 1 hi",
        "/ask 1 which model is it?",
        "/note 1 hi",
        "/priority 1 critical because",
        "/type 1 incident",
        "/resolve 1",
        "/reopen 1",
        "/transcript 1",
        "/hours 1 1.5",
        "/answer 1 vpn-connect",
        "/escalate 1 3 needs a fix",
        "/stats",
        "/staff add mallory admin console:mallory",
        "/org add evil Evil Corp",
        "/announce all\nFree money",
        "/kb add en Free money\nClick here.",
        "/kb draft 1",
        "/block console:uma spam",
        "/unblock console:uma",
        "/forget console:uma",
    ] {
        let name = cmd.trim_start_matches('/').split(' ').next().unwrap_or("");
        // Spread over the minutes, so the per-sender limit does not answer instead.
        desk.clock.advance(4_000);
        let out = desk.say("mallory", cmd).await;
        assert_eq!(
            to(&out, "mallory"),
            [format!("/{name} is for support staff.").as_str()],
            "{cmd}"
        );
    }
    let t = ticket(&desk).await;
    assert_eq!((t.status, t.assignee), (Status::New, None));
    assert_eq!(t.priority.code(), "normal");
    assert_eq!(desk.count("staff_members").await, 0);
    assert_eq!(desk.count("orgs").await, 0);
    assert_eq!(desk.count("announcements").await, 0);
    assert_eq!(desk.count("article_versions").await, 60, "the sample only");
    assert_eq!(
        frontline_core::commands::of(frontline_core::commands::Who::Staff).count(),
        29,
        "a new staff command needs a refusal case above"
    );
}

async fn release_is_for_the_holder_or_an_admin_and_bad_commands_are_explained(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    desk.say("anna", "/claim 1").await;
    assert_eq!(
        desk.say("boris", "/release 1").await[0].text,
        "Ticket #1 is not yours to release."
    );
    assert_eq!(
        desk.say("root", "/release 1").await[0].text,
        "#1 is back in the queue."
    );
    assert_eq!(
        desk.say("anna", "/claim 99").await[0].text,
        "There is no ticket #99."
    );
    assert_eq!(
        desk.say("anna", "/reply 1").await[0].text,
        "/reply needs the text of the reply."
    );
    assert!(
        desk.say("anna", "/priority 1 urgent now").await[0]
            .text
            .starts_with("/priority needs a priority")
    );
    assert_eq!(
        desk.say("anna", "/reopen 1").await[0].text,
        "Ticket #1 cannot go from “🔵 in progress” to “🔵 in progress”."
    );
}

async fn of_fifty_agents_claiming_at_once_exactly_one_wins(db: Db) {
    let mut staff = frontline_core::Staff::default();
    for i in 0..50 {
        let name = format!("agent{i}");
        staff.add(
            ChannelKind::Console,
            name.clone(),
            StaffMember {
                name,
                role: Role::Agent,
                lines: vec![Line::AGENTS],
            },
        );
    }
    let desk = Arc::new(Desk::with_staff(&db, staff).await);
    desk.question_ticket("uma").await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("agent{i}");
            desk.engine
                .handle(desk.inbound(&name, Payload::Text("/claim 1".into())))
                .await
                .expect("handled");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    desk.dispatcher.drain().await.expect("drain");
    let out = desk.new_messages();
    let winners: Vec<_> = out
        .iter()
        .filter(|m| m.text.starts_with("🔵 #1 is yours"))
        .collect();
    assert_eq!(winners.len(), 1, "exactly one claim wins");
    let winner = winners[0].to.chat.clone();
    let losers = out
        .iter()
        .filter(|m| m.text == format!("Ticket #1 is already claimed by {winner}."))
        .count();
    assert_eq!(losers, 49, "every other agent is told who has it");
    assert_eq!(
        to(&out, "uma"),
        [format!("{winner} has taken your ticket #1.").as_str()]
    );
    assert_eq!(
        ticket(&desk).await.assignee.as_deref(),
        Some(winner.as_str())
    );
}

async fn hours_articles_escalation_and_stats(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    desk.say("anna", "/type 1 consultation").await;
    let out = desk.say("anna", "/hours 1 1.5 setup call").await;
    assert_eq!(
        to(&out, "anna"),
        ["#1: 90 min (billable): setup call. Total 1.50 h, billable 1.50 h."]
    );
    desk.say("anna", "/type 1 incident").await;
    let out = desk.say("anna", "/hours 1 0.25").await;
    assert_eq!(
        to(&out, "anna"),
        ["#1: 15 min. Total 1.75 h, billable 1.50 h."]
    );

    let out = desk.say("anna", "/answer 1 password-reset").await;
    let user = to(&out, "uma");
    assert!(
        user.iter()
            .any(|m| m.starts_with("💬 #1 · anna:\n📄 Reset a forgotten password")),
        "{user:?}"
    );
    assert_eq!(
        desk.say("anna", "/answer 1 no-such-article").await[0].text,
        "There is no article `no-such-article`."
    );

    let out = desk
        .say("anna", "/escalate 1 3 needs a fix in the firmware")
        .await;
    assert_eq!(
        to(&out, "uma"),
        ["Ticket #1 went to the developers (line 3). Their answer will come here."]
    );
    assert!(
        to(&out, "#line3")[0]
            .starts_with("⬆️ #1 escalated to line 3 by anna: needs a fix in the firmware")
    );
    let t = ticket(&desk).await;
    assert_eq!(
        (t.line.get(), t.assignee),
        (3, None),
        "line 3 claims it anew"
    );

    let out = desk.say("boris", "/stats").await;
    assert_eq!(
        to(&out, "boris"),
        ["Tickets today:\nline 3 · 🔵 in_progress: 1"]
    );
}

async fn tickets_are_routed_by_type_to_their_channel(db: Db) {
    let desk = Desk::new(&db).await;
    desk.say(
        "uma",
        "the coffee machine on the third floor makes strange noises",
    )
    .await;
    // The fourth kind button is "access request" (the guess, question, comes first).
    let label = desk.button("uma", 4).label;
    assert_eq!(label, "access request");
    let out = desk.press("uma", 4).await;
    assert_eq!(to(&out, AGENTS).len(), 0, "not the default channel");
    assert!(
        to(&out, "#access")[0].starts_with("🆕 #1 access request"),
        "{out:?}"
    );
    let out = desk.say("uma", "any news?").await;
    assert_eq!(to(&out, "#access"), ["💬 #1 uma: any news?"]);
}

async fn admins_add_and_remove_staff_from_chat_and_it_is_audited(db: Db) {
    let desk = Desk::new(&db).await;
    assert_eq!(
        desk.say("carl", "/queue").await[0].text,
        "/queue is for support staff."
    );
    assert_eq!(
        desk.say("anna", "/staff add carl agent console:carl").await[0].text,
        "Only admins manage staff."
    );
    let out = desk
        .say("root", "/staff add carl agent console:carl 2,3")
        .await;
    assert_eq!(out[0].text, "carl is now an agent (console:carl).");
    assert_eq!(
        desk.say("carl", "/queue").await[0].text,
        "The queue is empty."
    );
    assert_eq!(
        desk.say("root", "/staff list").await[0].text,
        "Staff added from chat:\ncarl · Agent · console:carl · lines 2,3"
    );
    assert!(
        desk.say("root", "/staff add carl admin console:x").await[0]
            .text
            .starts_with("carl is already staff")
    );
    assert!(
        desk.say("root", "/staff add dora boss console:dora").await[0]
            .text
            .starts_with("/staff needs NAME agent|admin")
    );
    assert_eq!(
        desk.say("root", "/staff remove carl").await[0].text,
        "carl is no longer staff."
    );
    assert_eq!(
        desk.say("carl", "/queue").await[0].text,
        "/queue is for support staff."
    );
    assert_eq!(desk.count("staff_audit").await, 2, "add and remove");
}

/// Ticket `n` of `who`, claimed and resolved by anna, confirmed solved and rated 4: the desk
/// now waits for the rating's comment.
async fn rated(desk: &Desk, who: &str, n: u64) {
    desk.question_ticket(who).await;
    desk.say("anna", &format!("/claim {n}")).await;
    desk.say("anna", &format!("/resolve {n}")).await;
    desk.press(who, 1).await; // solved
    let out = desk.press(who, 4).await;
    assert_eq!(
        to(&out, who),
        ["Thank you for your rating! If you like, write a comment in your next message."]
    );
}

/// [No comment] ends the wait for a comment (it used to be "no longer open", and the next
/// message, whenever it came, was swallowed as the comment); so do a few minutes' silence.
async fn a_rating_comment_is_the_next_message_within_minutes_only(db: Db) {
    let desk = Desk::new(&db).await;
    rated(&desk, "uma", 1).await;
    let out = desk.press("uma", 1).await; // No comment
    assert_eq!(to(&out, "uma"), ["Thank you for your rating!"]);
    let again = desk.press("uma", 1).await;
    assert_eq!(
        to(&again, "uma"),
        ["That choice is no longer open. Please ask again."]
    );
    let out = desk.say("uma", "I forgot my password").await;
    assert!(
        to(&out, "uma")[0].starts_with("📄 Reset a forgotten password"),
        "{out:?}"
    );

    rated(&desk, "vera", 2).await;
    desk.clock
        .advance(frontline_core::store::COMMENT_WINDOW_MS + 1);
    let out = desk.say("vera", "I forgot my password").await;
    assert!(
        to(&out, "vera")[0].starts_with("📄 Reset a forgotten password"),
        "a message after the window is a new question: {out:?}"
    );
    let comments: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE csat_comment IS NOT NULL")
            .fetch_one(desk.store.pool())
            .await
            .expect("count");
    assert_eq!(comments, 0);

    rated(&desk, "walt", 3).await;
    let out = desk.say("walt", "Quick and friendly").await;
    assert_eq!(to(&out, "walt"), ["Your comment is saved. Thank you!"]);
}

/// Agents see and take tickets of their own lines only (admins any); an escalation can come
/// back down to line 2.
async fn staff_work_their_own_lines(db: Db) {
    let mut staff = crate::harness::staff();
    staff.add(
        ChannelKind::Console,
        "dev",
        StaffMember {
            name: "dev".into(),
            role: Role::Agent,
            lines: vec![Line::new(3).expect("line")],
        },
    );
    let desk = Desk::with_staff(&db, staff).await;
    desk.question_ticket("uma").await;
    let queue = |who: &'static str| {
        let desk = &desk;
        async move { desk.say(who, "/queue").await[0].text.clone() }
    };
    assert!(queue("anna").await.contains("#1"));
    assert!(
        !queue("dev").await.contains("#1"),
        "line 3 does not see line 2's queue"
    );
    assert_eq!(
        desk.say("dev", "/claim 1").await[0].text,
        "Ticket #1 is on line 2, which you do not work: staff of line 2 take it."
    );

    desk.say("anna", "/escalate 1 3 needs a fix").await;
    assert!(!queue("anna").await.contains("#1"));
    assert!(queue("dev").await.contains("#1"));
    assert!(
        desk.say("anna", "/claim 1").await[0]
            .text
            .contains("not work")
    );
    let out = desk.say("dev", "/claim 1").await;
    assert!(to(&out, "dev")[0].contains("is yours"), "{out:?}");

    let out = desk
        .say("dev", "/escalate 1 2 fixed in 2.4, please tell the user")
        .await;
    assert_eq!(
        to(&out, "uma"),
        ["Ticket #1 is back with the support team (line 2). Their answer will come here."]
    );
    assert!(
        to(&out, AGENTS)[0].starts_with("⬇️ #1 sent back to line 2 by dev"),
        "{out:?}"
    );
    assert_eq!(
        desk.say("dev", "/escalate 1 2 again").await[0].text,
        "Ticket #1 is already on line 2."
    );
    let t = ticket(&desk).await;
    assert_eq!((t.line.get(), t.assignee), (2, None));
    // Admins take any line.
    desk.say("anna", "/escalate 1 4 vendor bug").await;
    let out = desk.say("root", "/claim 1").await;
    assert!(to(&out, "root")[0].contains("is yours"), "{out:?}");
}

/// An agent who chose Russian is answered in Russian (acks, queue, errors, help); what the
/// agents' channel reads stays in the desk's language, and the requester keeps theirs.
async fn agents_have_their_own_language(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    assert_eq!(desk.say("anna", "/lang ru").await[0].text, "Язык: русский.");
    let queue = desk.say("anna", "/queue").await;
    assert!(
        queue[0]
            .text
            .starts_with("Невзятые заявки, сначала самые срочные:\n🆕 #1 обычный · вопрос"),
        "{queue:?}"
    );
    assert!(
        queue[0].text.contains("первый ответ ⏱ осталось 4 ч"),
        "{queue:?}"
    );
    let out = desk.say("anna", "/claim 1").await;
    assert!(
        to(&out, "anna")[0].starts_with("🔵 #1 теперь ваша"),
        "{out:?}"
    );
    assert_eq!(to(&out, "uma"), ["anna has taken your ticket #1."]);
    let out = desk
        .say("anna", "/priority 1 high customer is blocked")
        .await;
    assert_eq!(to(&out, "anna"), ["#1 приоритет: обычный → высокий."]);
    let out = desk.say("anna", "/release 7").await;
    assert_eq!(to(&out, "anna"), ["Заявки #7 нет."]);
    let out = desk.say("anna", "/staff list").await;
    assert_eq!(
        to(&out, "anna"),
        ["Только администраторы могут управлять сотрудниками."]
    );
    let out = desk.say("anna", "/escalate 1 3 needs a fix").await;
    assert_eq!(to(&out, "anna"), ["#1 передана на линию 3."]);
    // The line's channel reads the desk's language (English here), whoever escalated.
    assert!(
        to(&out, "#line3")[0].starts_with("⬆️ #1 escalated to line 3 by anna"),
        "{out:?}"
    );
    let help = desk.say("anna", "/help").await;
    assert!(
        help[0].text.contains("Команды сотрудников:\n/queue"),
        "{help:?}"
    );
    // Nothing English inside a Russian sentence: a missing argument names the usage.
    let out = desk.say("anna", "/hours 1").await;
    assert!(!to(&out, "anna")[0].contains("hours between"), "{out:?}");
}

crate::on_both_databases!(
    agents_have_their_own_language,
    staff_work_their_own_lines,
    a_rating_comment_is_the_next_message_within_minutes_only,
    admins_add_and_remove_staff_from_chat_and_it_is_audited,
    tickets_are_routed_by_type_to_their_channel,
    hours_articles_escalation_and_stats,
    an_agent_works_a_ticket_from_queue_to_rating,
    users_are_refused_staff_commands_and_nothing_changes,
    release_is_for_the_holder_or_an_admin_and_bad_commands_are_explained,
    of_fifty_agents_claiming_at_once_exactly_one_wins,
);
