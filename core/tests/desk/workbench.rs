//! The agents' workbench: their own tickets, the queue by line and with claimed ones, handing
//! a ticket to a colleague, and notes the colleagues in the ticket's thread see.

use crate::harness::{AGENTS, Db, Desk, to};

async fn agents_list_their_own_and_all_open_tickets(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    desk.question_ticket("vera").await;
    assert_eq!(
        desk.say("anna", "/mine").await[0].text,
        "You hold no open tickets."
    );
    desk.say("anna", "/claim 1").await;
    let mine = desk.say("anna", "/mine").await;
    assert!(
        mine[0]
            .text
            .starts_with("Your open tickets, most urgent first:\n🔵 #1 "),
        "{mine:?}"
    );
    assert!(!mine[0].text.contains("#2"), "{mine:?}");
    // The queue: unclaimed only; `all`: claimed ones too, with their holder.
    let queue = desk.say("boris", "/queue").await;
    assert!(
        queue[0].text.contains("#2") && !queue[0].text.contains("#1 "),
        "{queue:?}"
    );
    let all = desk.say("boris", "/queue all").await;
    assert!(
        all[0].text.starts_with("Open tickets, most urgent first:"),
        "{all:?}"
    );
    assert!(
        all[0].text.contains("#1 ") && all[0].text.contains("· anna"),
        "{all:?}"
    );
    assert!(all[0].text.contains("· unclaimed"), "{all:?}");
    // A line the agent does not work, and a line that is not one.
    assert_eq!(
        desk.say("boris", "/queue 3").await[0].text,
        "Line 3 is not one of yours: /queue shows your lines."
    );
    assert_eq!(
        desk.say("boris", "/queue 7").await[0].text,
        "/queue needs a line (2, 3 or 4) and/or `all`."
    );
    // An admin sees any line.
    assert_eq!(
        desk.say("root", "/queue 3").await[0].text,
        "The queue is empty."
    );
}

async fn a_ticket_is_handed_to_a_colleague(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    desk.say("anna", "/claim 1").await;
    // Only its holder (or an admin) hands it over.
    assert_eq!(
        desk.say("boris", "/assign 1 boris").await[0].text,
        "Ticket #1 is not yours to hand over: its holder or an admin can."
    );
    assert_eq!(
        desk.say("anna", "/assign 1 nobody").await[0].text,
        "There is no colleague called nobody. /staff list shows those added from chat."
    );
    desk.say("root", "/staff add carl agent console:carl 3")
        .await;
    assert_eq!(
        desk.say("anna", "/assign 1 carl").await[0].text,
        "carl does not work line 2: hand it to someone of that line."
    );
    let out = desk.say("anna", "/assign 1 boris").await;
    assert_eq!(to(&out, "anna"), ["#1 is now boris's."]);
    assert_eq!(to(&out, "uma"), ["boris has taken your ticket #1."]);
    assert_eq!(to(&out, AGENTS), ["👤 #1 handed to boris by anna"]);
    assert_eq!(to(&out, "boris"), ["👤 #1 handed to boris by anna"]);
    assert!(desk.say("boris", "/mine").await[0].text.contains("#1 "));
    assert_eq!(
        desk.say("anna", "/mine").await[0].text,
        "You hold no open tickets."
    );
    // Now boris holds it: anna's release is refused, and the history shows the hand-over.
    let out = desk.say("anna", "/release 1").await;
    assert_eq!(to(&out, "anna"), ["Ticket #1 is not yours to release."]);
    let transcript = desk.say("boris", "/transcript 1").await;
    assert!(
        transcript[0]
            .text
            .contains("agent:anna assigned: anna -> boris"),
        "{transcript:?}"
    );
    // An admin hands an unclaimed ticket too.
    desk.question_ticket("vera").await;
    let out = desk.say("root", "/assign 2 anna").await;
    assert_eq!(to(&out, "root"), ["#2 is now anna's."]);
}

async fn notes_reach_the_colleagues_in_the_thread_not_the_requester(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    let out = desk
        .say("anna", "/note 1 customer is on the old firmware")
        .await;
    assert_eq!(
        to(&out, "anna"),
        ["Note added to #1 (not sent to the requester)."]
    );
    assert_eq!(
        to(&out, AGENTS),
        ["🔒 #1 note by anna (not sent to the requester):\ncustomer is on the old firmware"]
    );
    assert!(to(&out, "uma").is_empty(), "{out:?}");
    let about: Vec<_> = out.iter().filter_map(|m| m.about.as_ref()).collect();
    assert_eq!(
        about.len(),
        1,
        "the note is about its ticket, for its thread: {out:?}"
    );
}

async fn saved_replies_are_sent_in_the_requesters_language(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    assert_eq!(
        desk.say("anna", "/macro list").await[0].text,
        "No macros yet. /macro add NAME [ru|en] text adds one (admins)."
    );
    // Admins keep them.
    let out = desk
        .say("anna", "/macro add restart Please restart it")
        .await;
    assert_eq!(to(&out, "anna"), ["Only admins change saved replies."]);
    let out = desk
        .say(
            "root",
            "/macro add restart en Hi {name}: restart the router, then write to {ticket}. {agent}",
        )
        .await;
    assert_eq!(
        to(&out, "root"),
        ["Macro restart (en) saved. Send it with /macro restart N."]
    );
    desk.say(
        "root",
        "/macro add restart ru {name}, перезагрузите роутер и напишите в {ticket}.",
    )
    .await;
    let list = desk.say("anna", "/macro list").await;
    assert!(
        list[0].text.contains("restart (en) · Hi {name}"),
        "{list:?}"
    );
    assert!(
        list[0]
            .text
            .contains("restart (ru) · {name}, перезагрузите"),
        "{list:?}"
    );
    // Sent as anna's reply, in the requester's language, placeholders filled; the ticket is
    // claimed as a reply claims it.
    let out = desk.say("anna", "/macro restart 1").await;
    assert_eq!(
        to(&out, "uma"),
        [
            "anna has taken your ticket #1.",
            "💬 #1 · anna:\nHi uma: restart the router, then write to #1. anna"
        ]
    );
    assert_eq!(to(&out, "anna"), ["Sent to the requester of #1."]);
    // A Russian requester gets the Russian text.
    desk.say("vera", "/lang ru").await;
    desk.question_ticket("vera").await;
    let out = desk.say("anna", "/macro restart 2").await;
    assert!(
        to(&out, "vera")
            .iter()
            .any(|t| t.ends_with("vera, перезагрузите роутер и напишите в #2.")),
        "{out:?}"
    );
    assert_eq!(
        desk.say("anna", "/macro nosuch 1").await[0].text,
        "There is no macro nosuch: /macro list shows them."
    );
    assert_eq!(
        desk.say("anna", "/macro restart 99").await[0].text,
        "There is no ticket #99."
    );
    assert_eq!(
        desk.say("root", "/macro remove restart").await[0].text,
        "Macro restart removed."
    );
    assert_eq!(
        desk.say("anna", "/macro restart 1").await[0].text,
        "There is no macro restart: /macro list shows them."
    );
}

async fn tickets_are_found_by_word_forms_requester_and_number(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    desk.say("uma", "also the printers on floor two are jammed")
        .await;
    desk.say("vera", "/lang ru").await;
    desk.question_ticket("vera").await;
    desk.say("vera", "и принтеры не печатают").await;
    let found = desk.say("anna", "/find printer").await;
    assert!(
        found[0].text.starts_with("Found, best first:\n"),
        "{found:?}"
    );
    assert!(
        found[0].text.contains("#1 ") && !found[0].text.contains("#2 "),
        "{found:?}"
    );
    let found = desk.say("anna", "/find принтер").await;
    assert!(
        found[0].text.contains("#2 ") && !found[0].text.contains("#1 "),
        "{found:?}"
    );
    let found = desk.say("anna", "/find coffee machine").await;
    assert!(
        found[0].text.contains("#1 ") && found[0].text.contains("#2 "),
        "{found:?}"
    );
    let found = desk.say("anna", "/find @uma").await;
    assert!(
        found[0].text.contains("#1 ") && !found[0].text.contains("#2 "),
        "{found:?}"
    );
    let found = desk.say("anna", "/find #2").await;
    assert!(
        found[0].text.contains("#2 ") && !found[0].text.contains("#1 "),
        "{found:?}"
    );
    assert_eq!(
        desk.say("anna", "/find the").await[0].text,
        "No ticket matches “the”."
    );
    assert_eq!(
        desk.say("anna", "/find \"unbalanced AND (").await[0].text,
        "No ticket matches “\"unbalanced AND (”."
    );
    // A forgotten person's words leave the search; their ticket's number stays findable.
    desk.say("root", "/forget console:uma").await;
    assert_eq!(
        desk.say("anna", "/find printer").await[0].text,
        "No ticket matches “printer”."
    );
    assert!(desk.say("anna", "/find #1").await[0].text.contains("#1 "));
}

/// A fixture worked out by hand, in the office calendar (Mon–Fri 09:00–18:00, Moscow):
/// anna answers #1 two hours after it came (Tue 13:00) and resolves it at 14:00; boris takes
/// #2 at 14:00 and answers it the next day at 14:00 — 4 business hours that Tuesday and 5 on
/// Wednesday, 540 minutes (24 wall-clock hours), past its 4-hour target.
async fn per_agent_figures_are_in_business_time(db: Db) {
    const HOUR: i64 = 3_600_000;
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    desk.clock.advance(2 * HOUR);
    desk.say("anna", "/reply 1 please update the firmware")
        .await;
    desk.clock.advance(HOUR);
    desk.say("anna", "/resolve 1").await;
    desk.press("uma", 1).await;
    desk.press("uma", 4).await;
    desk.question_ticket("vera").await;
    desk.say("boris", "/claim 2").await;
    desk.clock.advance(24 * HOUR);
    desk.say("boris", "/reply 2 we are on it").await;
    desk.say("boris", "/type 2 consultation").await;
    desk.say("boris", "/hours 2 1.5 call").await;
    assert_eq!(
        desk.say("anna", "/stats agents").await[0].text,
        "Only admins see each agent's figures."
    );
    let figures = desk.say("root", "/stats agents").await;
    assert_eq!(
        figures[0].text,
        "Agents, last 30 days (business time):\n\
         anna · claimed 1 · resolved 1 · first response 120 min · resolution 180 min · SLA met 100% · CSAT 4.00 (1) · hours 0.00\n\
         boris · claimed 1 · resolved 0 · first response 540 min · resolution — · SLA met 0% · CSAT — · hours 1.50"
    );
    let rows = desk
        .store
        .agents_report(
            0,
            i64::MAX,
            &frontline_core::calendar::BusinessCalendar::office(chrono_tz::Europe::Moscow),
        )
        .await
        .expect("report");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].median_first_response_min, Some(540.0));
    // `report tickets` counts in business time too: (120 + 540) / 2, not (120 + 1440) / 2.
    let office = frontline_core::calendar::BusinessCalendar::office(chrono_tz::Europe::Moscow);
    let tickets = desk
        .store
        .ticket_report(0, i64::MAX, &office)
        .await
        .expect("report");
    assert_eq!(tickets.median_first_response_min, Some(330.0));
}

/// One fault behind five tickets: one update reaches all five requesters, one resolve
/// resolves all five, and each requester confirms as usual.
async fn a_known_issue_reaches_all_its_tickets_at_once(db: Db) {
    let desk = Desk::new(&db).await;
    let users = ["u1", "u2", "u3", "u4", "u5"];
    for u in users {
        desk.question_ticket(u).await;
    }
    let out = desk
        .say("anna", "/problem new VPN gateway drops connections")
        .await;
    assert_eq!(
        to(&out, "anna"),
        ["⚠️ Known issue P1 opened: VPN gateway drops connections. Link tickets with /link N P1."]
    );
    assert_eq!(
        desk.say("anna", "/problem article P1 nosuch").await[0].text,
        "There is no article `nosuch`."
    );
    let out = desk.say("anna", "/problem article P1 vpn-connect").await;
    assert_eq!(
        to(&out, "anna"),
        ["P1's workaround is article vpn-connect: requesters of tickets you link get it."]
    );
    for n in 1..=5 {
        let out = desk.say("anna", &format!("/link {n} P1")).await;
        assert_eq!(
            to(&out, "anna"),
            [format!("#{n} is linked to known issue P1.").as_str()]
        );
        let told = to(&out, &format!("u{n}"));
        assert!(
            told.len() == 1
                && told[0].starts_with(&format!(
                    "ℹ️ #{n} is the known issue “VPN gateway drops connections”, which we are working on. Meanwhile:\n📄 "
                )),
            "{out:?}"
        );
    }
    assert_eq!(
        desk.say("anna", "/link 1 P9").await[0].text,
        "There is no known issue P9: /problem list shows the open ones."
    );
    assert_eq!(
        desk.say("anna", "/problem list").await[0].text,
        "Open known issues:\n⚠️ P1 · 5 tickets · VPN gateway drops connections"
    );
    let out = desk
        .say("anna", "/problem update P1 the vendor is on it")
        .await;
    for (n, u) in users.iter().enumerate() {
        assert_eq!(
            to(&out, u),
            [format!(
                "ℹ️ #{}: news of the known issue “VPN gateway drops connections”:\nthe vendor is on it",
                n + 1
            )
            .as_str()]
        );
    }
    assert_eq!(
        to(&out, "anna"),
        ["The news of P1 went to the requesters of 5 tickets."]
    );
    let out = desk
        .say("anna", "/problem resolve P1 fixed in firmware 2.1")
        .await;
    assert_eq!(
        to(&out, "anna"),
        ["P1 resolved; 5 tickets resolved, their requesters are asked to confirm."]
    );
    for u in users {
        let told = to(&out, u);
        assert_eq!(told.len(), 1, "{out:?}");
        assert!(
            told[0].contains("is fixed:\nfixed in firmware 2.1"),
            "{told:?}"
        );
    }
    for u in users {
        desk.press(u, 1).await;
    }
    let shown = desk.say("anna", "/problem show P1").await;
    assert_eq!(
        shown[0].text.matches("⚫").count(),
        5,
        "all five closed: {shown:?}"
    );
    assert!(
        shown[0].text.starts_with("⚠️ P1 · resolved · anna"),
        "{shown:?}"
    );
    assert_eq!(
        desk.say("anna", "/problem update P1 again").await[0].text,
        "Known issue P1 is already resolved."
    );
    assert_eq!(
        desk.say("anna", "/problem list").await[0].text,
        "No open known issues."
    );
}

/// A new user whose question matches an open known issue is told so and may join it; once
/// it is fixed, new users are no longer told.
async fn new_users_join_a_matching_known_issue(db: Db) {
    let desk = Desk::new(&db).await;
    desk.say(
        "anna",
        "/problem new Payroll portal shows error 504 after login",
    )
    .await;
    let out = desk
        .say("uma", "the payroll portal shows error 504 after I log in")
        .await;
    assert_eq!(
        to(&out, "uma"),
        [
            "⚠️ This looks like a known issue we are already working on: “Payroll portal shows error 504 after login”. Join it and we will tell you when it is fixed."
        ],
        "{out:?}"
    );
    let out = desk.press("uma", 1).await;
    let told = to(&out, "uma");
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(
        told[0].contains("#1") && told[0].contains("incident"),
        "{told:?}"
    );
    assert!(
        told.contains(&"Ticket #1 joined the known issue: we will tell you when it is fixed."),
        "{told:?}"
    );
    let shown = desk.say("anna", "/problem show P1").await;
    assert!(shown[0].text.contains("#1 "), "{shown:?}");
    // Another user says it is not their problem: the usual registration follows.
    desk.say("vera", "payroll portal error 504 after login")
        .await;
    let out = desk.press("vera", 2).await;
    assert!(!to(&out, "vera").is_empty(), "{out:?}");
    assert!(
        !desk.say("anna", "/problem show P1").await[0]
            .text
            .contains("#2 ")
    );
    // Fixed: the next user is not told it is being worked on.
    desk.say("anna", "/problem resolve P1 the gateway was restarted")
        .await;
    let out = desk
        .say("wim", "the payroll portal shows error 504 after I log in")
        .await;
    assert!(
        to(&out, "wim").iter().all(|t| !t.contains("known issue")),
        "{out:?}"
    );
}

/// Line 2's rota: anna 09:00–18:00 on weekdays, boris 18:00–23:00. The desk (office hours
/// 09–18, Moscow; the clock starts Tue 11:00) tells the agent on duty of a new ticket, says
/// nothing about being closed while someone is on duty, and tells the user when it opens
/// when nobody is.
async fn the_agent_on_duty_hears_of_new_tickets(db: Db) {
    const HOUR: i64 = 3_600_000;
    let desk = Desk::with(&db, crate::harness::staff(), vec![line2_rota()]).await;
    let duty = desk.say("root", "/duty").await;
    assert_eq!(
        duty[0].text,
        "On duty:\nline 2 · anna until Tue 18:00 · next boris from Tue 18:00"
    );
    let out = desk.question_ticket("uma").await;
    assert_eq!(
        to(&out, "anna"),
        [
            "🔔 anna, you are on duty: new ticket #1: the coffee machine on the third floor makes strange noises (/claim 1)"
        ]
    );
    assert!(
        to(&out, "uma")[0].contains("#1 is registered") && !to(&out, "uma")[0].contains("closed")
    );
    // 19:00: the desk is closed, boris is on duty: he hears, the user is not told it is closed.
    desk.clock.advance(8 * HOUR);
    let out = desk.question_ticket("vera").await;
    assert_eq!(to(&out, "boris").len(), 1, "{out:?}");
    assert!(!to(&out, "vera")[0].contains("closed"), "{out:?}");
    // 23:30: nobody on duty: the user is told when the desk opens.
    desk.clock.advance(HOUR * 9 / 2);
    let out = desk.question_ticket("wim").await;
    assert!(
        to(&out, "wim")[0].contains("We are closed now; an agent will answer from Wed 09:00."),
        "{out:?}"
    );
    // An agent takes the duty now, until the next shift begins.
    let out = desk.say("anna", "/duty take").await;
    assert_eq!(
        to(&out, "anna"),
        ["You are on duty for line 2 until Wed 09:00: new tickets come to you."]
    );
    let out = desk.question_ticket("xena").await;
    assert_eq!(to(&out, "anna").len(), 1, "{out:?}");
    assert!(!to(&out, "xena")[0].contains("closed"), "{out:?}");
    assert_eq!(
        desk.say("anna", "/duty take 3").await[0].text,
        "Line 3 is not one of yours: /queue shows your lines."
    );
    // The weekend: Saturday 12:00, no shift and the office closed — nobody on duty, anna next
    // on Monday, and the user is told the desk opens on Monday.
    desk.clock.advance(84 * HOUR + HOUR / 2);
    assert_eq!(
        desk.say("root", "/duty").await[0].text,
        "On duty:\nline 2 · nobody now · next anna from Mon 09:00"
    );
    let out = desk.question_ticket("yuri").await;
    assert!(
        to(&out, "yuri")[0].contains("We are closed now; an agent will answer from Mon 09:00."),
        "{out:?}"
    );
    assert!(
        to(&out, "anna").is_empty() && to(&out, "boris").is_empty(),
        "{out:?}"
    );
}

/// At the change of shift the open tickets of the line are handed to the next person on
/// duty, once, however many rounds the scheduler runs.
async fn a_shift_change_hands_over_the_open_tickets(db: Db) {
    const HOUR: i64 = 3_600_000;
    let desk = Desk::with(&db, crate::harness::staff(), vec![line2_rota()]).await;
    // The first round only records who is on duty.
    assert_eq!(desk.engine.hand_over().await.expect("round"), 0);
    desk.question_ticket("uma").await;
    desk.question_ticket("vera").await;
    desk.say("anna", "/claim 1").await;
    desk.new_messages();
    desk.clock.advance(7 * HOUR); // Tue 18:00
    assert_eq!(desk.engine.hand_over().await.expect("round"), 1);
    assert_eq!(
        desk.engine.hand_over().await.expect("round"),
        0,
        "once per change"
    );
    desk.dispatcher.drain().await.expect("sent");
    let out = desk.new_messages();
    let boris = to(&out, "boris");
    assert_eq!(boris.len(), 1, "{out:?}");
    assert!(
        boris[0].starts_with("🔄 Shift change: boris is on duty for line 2. Open tickets: 2\n"),
        "{boris:?}"
    );
    assert!(
        boris[0].contains("#1 ") && boris[0].contains("· anna ·") && boris[0].contains("#2 "),
        "{boris:?}"
    );
}

/// Line 2's weekday shifts: anna 09:00–18:00, boris 18:00–23:00.
fn line2_rota() -> frontline_core::rota::Rota {
    use chrono::{NaiveTime, Weekday};
    use frontline_core::rota::{Plan, Rota, Shift};
    let t = |h: u32| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let weekdays = vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    let shift = |start, end, who: &str| Shift {
        days: weekdays.clone(),
        start: t(start),
        end: t(end),
        who: who.into(),
    };
    Rota {
        line: frontline_core::domain::Line::AGENTS,
        plan: Plan::Shifts(vec![shift(9, 18, "anna"), shift(18, 23, "boris")]),
    }
}

crate::on_both_databases!(
    a_shift_change_hands_over_the_open_tickets,
    the_agent_on_duty_hears_of_new_tickets,
    new_users_join_a_matching_known_issue,
    a_known_issue_reaches_all_its_tickets_at_once,
    per_agent_figures_are_in_business_time,
    tickets_are_found_by_word_forms_requester_and_number,
    saved_replies_are_sent_in_the_requesters_language,
    agents_list_their_own_and_all_open_tickets,
    a_ticket_is_handed_to_a_colleague,
    notes_reach_the_colleagues_in_the_thread_not_the_requester,
);
