//! Client organisations: kept by admins from chat, joined by code, one per user, shown in
//! `/my` and on the ticket's card.

use frontline_core::TicketId;
use frontline_core::store::Store;

use crate::harness::{AGENTS, Db, Desk, to};

/// The invite code in an `/org code` answer.
fn code_in(text: &str) -> String {
    text.split_whitespace()
        .skip_while(|w| *w != "/join")
        .nth(1)
        .unwrap_or_else(|| panic!("no code in {text}"))
        .trim_end_matches('.')
        .to_string()
}

async fn admins_keep_organisations_and_members_by_admin_and_by_code(db: Db) {
    let desk = Desk::new(&db).await;
    let out = desk.say("root", "/org add acme ACME Corp").await;
    assert!(
        to(&out, "root")[0].starts_with("Organisation added: acme — ACME Corp"),
        "{out:?}"
    );
    let out = desk.say("root", "/org add acme Again").await;
    assert_eq!(to(&out, "root"), ["Organisation acme already exists."]);
    let out = desk.say("root", "/org set acme manager anna").await;
    assert!(to(&out, "root")[0].contains("manager anna"), "{out:?}");
    let out = desk
        .say("root", "/org set acme consultations billable")
        .await;
    assert!(
        to(&out, "root")[0].contains("billed by the hour"),
        "{out:?}"
    );
    // By an admin: bob, before he ever wrote.
    let out = desk.say("root", "/org member add acme console:bob").await;
    assert_eq!(to(&out, "root"), ["console:bob now belongs to acme."]);
    let out = desk.say("bob", "/my").await;
    assert!(
        to(&out, "bob")[0].starts_with("Organisation: ACME Corp"),
        "{out:?}"
    );
    // His ticket carries the organisation, on the card too.
    let out = desk.question_ticket("bob").await;
    let card = to(&out, AGENTS);
    assert!(card[0].contains(" · ACME Corp · "), "{}", card[0]);
    let mut conn = desk.store.pool().acquire().await.expect("conn");
    let t = Store::ticket(&mut conn, TicketId::parse("1").expect("id"))
        .await
        .expect("db")
        .expect("ticket");
    assert_eq!(t.org.as_ref().map(|k| k.as_str()), Some("acme"));
    drop(conn);

    // By code: carol joins; the code revoked, dave cannot.
    let out = desk.say("root", "/org code acme").await;
    let code = code_in(to(&out, "root")[0]);
    let out = desk
        .say("carol", &format!("/join {}", code.to_lowercase()))
        .await;
    assert_eq!(
        to(&out, "carol"),
        ["You now belong to ACME Corp. Your tickets are served under its contract."]
    );
    let out = desk.say("root", &format!("/org revoke {code}")).await;
    assert!(to(&out, "root")[0].starts_with("Code revoked"), "{out:?}");
    for attempt in [
        format!("/join {code}"),
        format!("/start org-{code}"),
        "/join NOPE".into(),
    ] {
        let out = desk.say("dave", &attempt).await;
        assert!(
            to(&out, "dave")[0].starts_with("That code is unknown or has been revoked"),
            "{attempt}: {out:?}"
        );
    }
    let out = desk.say("dave", "/my").await;
    assert!(!to(&out, "dave")[0].contains("Organisation"));
    // The deep link with a valid code joins too.
    let out = desk.say("root", "/org code acme").await;
    let code = code_in(to(&out, "root")[0]);
    let out = desk.say("erin", &format!("/start org-{code}")).await;
    assert!(
        to(&out, "erin")[0].starts_with("You now belong to ACME Corp"),
        "{out:?}"
    );

    // One organisation per user: moving bob to beta takes him out of acme.
    desk.say("root", "/org add beta Beta LLC").await;
    let out = desk.say("root", "/org member add beta console:bob").await;
    assert!(to(&out, "root")[0].contains("They left acme"), "{out:?}");
    let out = desk.say("bob", "/my").await;
    assert!(
        to(&out, "bob")[0].starts_with("Organisation: Beta LLC"),
        "{out:?}"
    );
    let out = desk.say("root", "/org show acme").await;
    let show = to(&out, "root")[0];
    assert!(show.contains("Members (2):"), "{show}");
    assert!(
        show.contains("console:carol") && !show.contains("console:bob"),
        "{show}"
    );
    let out = desk.say("root", "/org list").await;
    let list = to(&out, "root")[0];
    assert!(
        list.contains("acme — ACME Corp")
            && list.contains("beta — Beta LLC · consultations included · 1 members"),
        "{list}"
    );
    assert_eq!(desk.count("org_members").await, 3);
}

async fn bad_organisation_commands_are_explained_and_change_nothing(db: Db) {
    let desk = Desk::new(&db).await;
    desk.say("root", "/org add acme ACME").await;
    for (cmd, said) in [("/org list", "Only admins manage organisations.")] {
        let out = desk.say("anna", cmd).await;
        assert_eq!(to(&out, "anna"), [said], "{cmd}");
    }
    for (cmd, starts) in [
        ("/org", "/org needs"),
        ("/org add", "/org needs"),
        ("/org add acme", "/org needs"),
        ("/org add a%b Name", "`a%b` is not an organisation key"),
        ("/org show nobody", "There is no organisation nobody"),
        ("/org set acme colour red", "/org needs"),
        ("/org set acme consultations sometimes", "/org needs"),
        (
            "/org set acme partner acme",
            "`acme` is not an organisation key",
        ),
        (
            "/org set acme partner ghost",
            "There is no organisation ghost",
        ),
        ("/org member add acme bob", "/org needs"),
        (
            "/org member remove acme console:bob",
            "console:bob is not a member of acme.",
        ),
        (
            "/org member add ghost console:bob",
            "There is no organisation ghost",
        ),
        ("/org code ghost", "There is no organisation ghost"),
        ("/org revoke NOSUCHCODE", "That code is unknown"),
        ("/org frobnicate", "/org needs"),
    ] {
        desk.clock.advance(4_000);
        let out = desk.say("root", cmd).await;
        let said = to(&out, "root");
        assert!(said[0].starts_with(starts), "{cmd}: {said:?}");
    }
    let out = desk.say("uma", "/join").await;
    assert!(to(&out, "uma")[0].contains("/join"), "{out:?}");
    assert_eq!(desk.count("orgs").await, 1);
    assert_eq!(desk.count("org_members").await, 0);
    assert_eq!(desk.count("org_codes").await, 0);
}

/// A contract's targets set its organisation's deadlines; everyone else keeps the desk's.
/// Over a simulated week: the same kind of ticket, registered on Friday afternoon by a
/// member and by a stranger, falls due at different business times.
async fn a_contract_sets_its_organisations_deadlines(db: Db) {
    use frontline_core::Priority;
    use frontline_core::sla::SlaPolicy;
    let acme = frontline_core::org::OrgKey::parse("acme").expect("key");
    let contract_key = acme.clone();
    let desk = Desk::adjusted(&db, crate::harness::staff(), Vec::new(), move |c| {
        // Tighter than the desk's 2 h / 1 business day for high priority.
        c.sla.contracts.insert(
            contract_key,
            vec![SlaPolicy {
                priority: Priority::High,
                kind: None,
                first_response_ms: 3_600_000,
                resolution_ms: 3 * 3_600_000,
            }],
        );
    })
    .await;
    desk.say("root", "/org add acme ACME Corp").await;
    desk.say("root", "/org member add acme console:mia").await;
    // Friday 2026-12-04, 17:30 in Moscow: half an hour of business time left that day.
    desk.clock
        .advance(3 * 86_400_000 + 6 * 3_600_000 + 30 * 60_000);
    let incident = "The VPN does not connect, error 809 since the morning";
    let mut due = Vec::new();
    for (n, who) in [(1, "mia"), (2, "nik")] {
        let out = desk.say(who, incident).await;
        if out[0].buttons.iter().any(|b| b.label == "Not helped") {
            desk.press(who, 2).await;
        }
        desk.press(who, 1).await; // the guessed kind (an incident: high)
        let mut conn = desk.store.pool().acquire().await.expect("conn");
        let t = Store::ticket(&mut conn, TicketId::parse(&n.to_string()).expect("id"))
            .await
            .expect("db")
            .expect("a ticket");
        assert_eq!(t.priority, Priority::High, "{who}");
        due.push((
            t.created_ms,
            t.first_due_ms.expect("due"),
            t.resolve_due_ms.expect("due"),
        ));
    }
    let cal = desk.engine.config().sla.calendar.clone();
    let (created, mia_first, mia_resolve) = due[0];
    assert_eq!(
        mia_first,
        cal.add_ms(created, 3_600_000),
        "the contract's hour"
    );
    assert_eq!(mia_resolve, cal.add_ms(created, 3 * 3_600_000));
    let (created, nik_first, nik_resolve) = due[1];
    assert_eq!(
        nik_first,
        cal.add_ms(created, 2 * 3_600_000),
        "the desk's two hours"
    );
    assert!(mia_first < nik_first && mia_resolve < nik_resolve);
    // Both run past the weekend: Monday, not Saturday.
    for at in [mia_first, nik_first] {
        assert_eq!(cal.local(at).format("%a").to_string(), "Mon");
    }
}

/// A desk whose first routing rule sends organisation `org`'s tickets to `chat`.
async fn routed(db: &Db, org: &str, chat: &str) -> Desk {
    let (org, chat) = (org.to_string(), chat.to_string());
    Desk::adjusted(db, crate::harness::staff(), Vec::new(), move |c| {
        c.routes.insert(
            0,
            frontline_core::engine::Route {
                line: frontline_core::domain::Line::AGENTS,
                kinds: Vec::new(),
                langs: Vec::new(),
                categories: Vec::new(),
                orgs: vec![frontline_core::org::OrgKey::parse(&org).expect("key")],
                chats: vec![frontline_core::ChatRef::new(
                    frontline_core::ChannelKind::Console,
                    chat,
                )],
            },
        );
    })
    .await
}

/// A routing rule with `orgs` sends that organisation's tickets to its own channel.
async fn routes_can_match_organisations(db: Db) {
    let desk = routed(&db, "acme", "#acme-desk").await;
    desk.say("root", "/org add acme ACME Corp").await;
    desk.say("root", "/org member add acme console:mia").await;
    let out = desk.question_ticket("mia").await;
    assert_eq!(to(&out, "#acme-desk").len(), 1, "{out:?}");
    assert!(to(&out, AGENTS).is_empty());
    let out = desk.question_ticket("nik").await;
    assert!(to(&out, "#acme-desk").is_empty());
    assert_eq!(to(&out, AGENTS).len(), 1);
    // `report tickets --by org` and `report hours --by org`.
    let by_org = desk
        .store
        .tickets_by_org(0, i64::MAX)
        .await
        .expect("report");
    assert_eq!(by_org, [(String::new(), 1), ("ACME Corp".to_string(), 1)]);
    desk.say("anna", "/claim 1").await;
    desk.say("anna", "/type 1 consultation").await;
    let out = desk.say("anna", "/hours 1 1.5 setup").await;
    assert!(!to(&out, "anna").is_empty());
    let hours = desk.store.hours_by_org(0, i64::MAX).await.expect("report");
    assert_eq!(hours, [("ACME Corp".to_string(), 1.5)]);
}

/// Past what the knowledge base offered (an answer, or articles), to the choice of kind.
async fn to_kind_choice(desk: &Desk, who: &str, out: &[frontline_core::Outbound]) {
    let Some(last) = out.iter().rev().find(|m| !m.buttons.is_empty()) else {
        return;
    };
    if let Some(n) = last
        .buttons
        .iter()
        .position(|b| b.label == "Not helped" || b.label == "None of these")
    {
        desk.press(who, n + 1).await;
    }
}

/// A partner's client asking for a consultation is referred to the partner (named) and the
/// ticket goes to the partner's channel; the manager hears of a critical ticket and of each
/// breach, once.
async fn partners_serve_consultations_and_managers_hear_of_critical_tickets(db: Db) {
    let desk = routed(&db, "intpartner", "#partner").await;
    for cmd in [
        "/org add intpartner Integrator LLC",
        "/org add acme ACME Corp",
        "/org set acme partner intpartner",
        "/org set acme consultations partner",
        "/org set acme manager anna",
        "/org member add acme console:mia",
    ] {
        desk.say("root", cmd).await;
    }
    let out = desk
        .say(
            "mia",
            "I need a consultation on setting up our accounting export",
        )
        .await;
    to_kind_choice(&desk, "mia", &out).await;
    let consultation = (1..=8)
        .find(|&n| desk.button("mia", n).label.contains("consultation"))
        .expect("a consultation button");
    let out = desk.press("mia", consultation).await;
    let told = to(&out, "mia");
    assert!(
        told[0].contains("Consultations for ACME Corp are given by your partner, Integrator LLC"),
        "{told:?}"
    );
    assert_eq!(to(&out, "#partner").len(), 1, "{out:?}");
    assert!(to(&out, AGENTS).is_empty());

    // An incident of hers made critical: anna, who manages ACME, hears of it, once.
    desk.say("mia", "/new").await;
    let out = desk
        .say("mia", "Our whole office lost the network, nobody can work")
        .await;
    to_kind_choice(&desk, "mia", &out).await;
    desk.press("mia", 1).await;
    let out = desk
        .say("boris", "/priority 2 critical the whole office is down")
        .await;
    let to_anna = to(&out, "anna");
    assert_eq!(to_anna.len(), 1, "{out:?}");
    assert!(
        to_anna[0].starts_with("👔 ACME Corp (you manage it): #2"),
        "{}",
        to_anna[0]
    );
    let out = desk.say("boris", "/priority 2 critical still").await;
    assert!(to(&out, "anna").is_empty(), "already critical: not again");
    // Its first response is missed: the manager hears of the breach, once.
    desk.clock.advance(2 * 3_600_000);
    desk.engine.tick().await.expect("tick");
    desk.dispatcher.drain().await.expect("sent");
    let sent = desk.new_messages();
    let breaches: Vec<&str> = to(&sent, "anna")
        .into_iter()
        .filter(|t| t.contains("#2"))
        .collect();
    assert_eq!(breaches.len(), 1, "{sent:?}");
    desk.clock.advance(30 * 60_000);
    desk.engine.tick().await.expect("tick");
    desk.dispatcher.drain().await.expect("sent");
    let sent = desk.new_messages();
    assert!(
        to(&sent, "anna")
            .iter()
            .all(|t| !t.contains("first response")),
        "{sent:?}"
    );
}

crate::on_both_databases!(
    partners_serve_consultations_and_managers_hear_of_critical_tickets,
    routes_can_match_organisations,
    a_contract_sets_its_organisations_deadlines,
    admins_keep_organisations_and_members_by_admin_and_by_code,
    bad_organisation_commands_are_explained_and_change_nothing,
);
