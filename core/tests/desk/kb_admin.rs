//! Admins' articles from chat (versions, soft delete, revert, uploads), drafts from tickets,
//! long transcripts as files, and the [Claim] button of a ticket card.

use frontline_core::{Payload, Status, TicketId};
use frontline_kb::{Lang, Slug};

use crate::harness::{AGENTS, Db, Desk, to};

const SLUG: &str = "printer-jams-on-floor-three";

fn slug(s: &str) -> Slug {
    Slug::parse(s).expect("slug")
}

/// What the bot tells `who` when they ask `question` (all the texts sent to them).
async fn asks(desk: &Desk, who: &str, question: &str) -> String {
    let out = desk.say(who, question).await;
    let said = to(&out, who).join("\n");
    // Leave the question behind, so the next one is a new question.
    desk.say(who, "/cancel").await;
    said
}

async fn articles_are_versioned_searchable_at_once_and_revertible(db: Db) {
    let desk = Desk::new(&db).await;
    let question = "the office printer jams on floor three";
    assert!(!asks(&desk, "uma", question).await.contains("Printer jams"));

    let add = "/kb add en Printer jams on floor three\nOpen tray 2 and pull the jammed sheet gently.\nThen close the tray.";
    assert_eq!(
        desk.say("anna", add).await[0].text,
        "Only admins change knowledge-base articles.",
        "an agent may not add"
    );
    let out = desk.say("root", add).await;
    assert_eq!(
        out[0].text,
        format!(
            "📗 Added `{SLUG}` (en) v1: Printer jams on floor three. Users get it from now on."
        )
    );
    let said = asks(&desk, "uma", question).await;
    assert!(said.contains("Printer jams on floor three"), "{said}");

    let out = desk
        .say("root", &format!("/kb edit {SLUG}\nOpen tray 3 instead."))
        .await;
    assert_eq!(
        out[0].text,
        format!("✏️ `{SLUG}` (en) v2 saved (published).")
    );
    let shown = desk.say("anna", &format!("/kb show {SLUG}")).await;
    assert!(
        shown[0]
            .text
            .starts_with(&format!("`{SLUG}` (en) v2 · published · by root"))
    );
    assert!(
        shown[0]
            .text
            .ends_with("# Printer jams on floor three\n\nOpen tray 3 instead.")
    );

    // The same text again records nothing.
    let out = desk
        .say("root", &format!("/kb edit {SLUG} en\nOpen tray 3 instead."))
        .await;
    assert!(out[0].text.starts_with("No change"), "{}", out[0].text);

    let out = desk.say("root", &format!("/kb delete {SLUG}")).await;
    assert!(
        out[0]
            .text
            .starts_with(&format!("🗑 Deleted `{SLUG}` (en) v3")),
        "{}",
        out[0].text
    );
    assert!(
        desk.engine
            .kb()
            .get(&slug(SLUG), Lang::En)
            .expect("index")
            .is_none()
    );
    let said = asks(&desk, "uma", question).await;
    assert!(!said.contains("Printer jams"), "{said}");
    assert!(
        desk.say("anna", "/kb list jams").await[0].text == "No article matches “jams”.",
        "deleted articles are not listed"
    );

    let out = desk.say("root", &format!("/kb revert {SLUG} 1")).await;
    assert_eq!(
        out[0].text,
        format!("↩️ `{SLUG}` (en) v4 now reads as v1 did (published).")
    );
    let back = desk
        .engine
        .kb()
        .get(&slug(SLUG), Lang::En)
        .expect("index")
        .expect("restored in the index");
    assert!(back.body.starts_with("Open tray 2"), "{}", back.body);

    let history = desk.say("anna", &format!("/kb history {SLUG}")).await;
    let lines: Vec<&str> = history[0].text.lines().collect();
    assert_eq!(lines.len(), 5, "{}", history[0].text);
    for (line, (v, note, state)) in lines[1..].iter().zip([
        (4, "reverted to v1", "published"),
        (3, "deleted", "deleted"),
        (2, "edited", "published"),
        (1, "added", "published"),
    ]) {
        assert!(line.starts_with(&format!("v{v} · ")), "{line}");
        assert!(
            line.ends_with(&format!("· root · {note} · {state}")),
            "{line}"
        );
    }
    assert_eq!(
        desk.count("article_versions").await,
        60 + 4,
        "sample + four versions"
    );
    assert_eq!(
        desk.say("anna", "/kb list jams").await[0].text,
        format!("1 articles:\n{SLUG} (en) v4 · Printer jams on floor three")
    );

    // Mistakes are explained and change nothing.
    for (cmd, answer) in [
        (format!("/kb revert {SLUG} 9"), format!("`{SLUG}` has no version 9: see /kb history {SLUG}.")),
        ("/kb show no-such-thing".to_string(), "There is no article `no-such-thing`.".to_string()),
        (
            "/kb show access-request".to_string(),
            "`access-request` exists in Russian and English: name one, e.g. `/kb show access-request en`.".to_string(),
        ),
        ("/kb publish access-request en".to_string(), "`access-request` is not a draft.".to_string()),
        ("/kb frobnicate".to_string(), "/kb needs add, edit, delete, list, show, history, revert, publish, learned, unlearn or draft.".to_string()),
        ("/kb add en Title only".to_string(), "/kb needs the article's body on the lines after the title.".to_string()),
    ] {
        assert_eq!(desk.say("root", &cmd).await[0].text, answer, "{cmd}");
    }
    assert_eq!(desk.count("article_versions").await, 64);
    assert_eq!(
        desk.say("uma", "/kb list").await[0].text,
        "/kb is for support staff."
    );
}

async fn an_uploaded_markdown_file_adds_or_replaces_an_article(db: Db) {
    let desk = Desk::new(&db).await;
    let file = "---\nslug: badge-lost\ntitle: \"Lost badge\"\nlang: en\ntags: [badge]\n---\n\nReport it to security at once; a new badge takes a day.\n";
    let upload = |caption: &str, text: &str| Payload::File {
        name: "badge-lost.md".into(),
        text: text.into(),
        caption: caption.into(),
    };
    let (_, out) = desk
        .send(desk.inbound("anna", upload("/kb add", file)))
        .await;
    assert_eq!(out[0].text, "Only admins change knowledge-base articles.");
    let (_, out) = desk
        .send(desk.inbound("root", upload("/kb add", file)))
        .await;
    assert_eq!(
        out[0].text,
        "📗 Added `badge-lost` (en) v1: Lost badge. Users get it from now on."
    );
    let (_, out) = desk
        .send(desk.inbound("root", upload("/kb add", file)))
        .await;
    assert_eq!(
        out[0].text,
        "Article `badge-lost` already exists: change it with /kb edit badge-lost."
    );
    let changed = file.replace("a day", "two days");
    let (_, out) = desk
        .send(desk.inbound("root", upload("/kb edit badge-lost", &changed)))
        .await;
    assert_eq!(out[0].text, "✏️ `badge-lost` (en) v2 saved (published).");
    let a = desk
        .engine
        .kb()
        .get(&slug("badge-lost"), Lang::En)
        .expect("index")
        .expect("indexed");
    assert!(a.body.contains("two days") && a.tags == ["badge"], "{a:?}");
    let broken = "---\nslug: [unclosed\n---\nbody";
    let (_, out) = desk
        .send(desk.inbound("root", upload("/kb add", broken)))
        .await;
    assert!(
        out[0].text.starts_with("The article cannot be read: "),
        "{}",
        out[0].text
    );
    assert_eq!(
        desk.count("article_versions").await,
        62,
        "sample + two versions"
    );
}

async fn a_resolved_ticket_becomes_a_draft_an_admin_publishes(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    desk.say("anna", "/claim 1").await;
    assert_eq!(
        desk.say("anna", "/kb draft 1").await[0].text,
        "Ticket #1 is not resolved yet: drafts are made from resolved tickets."
    );
    desk.say(
        "anna",
        "/reply 1 Descale it: hold both buttons for five seconds.",
    )
    .await;
    desk.say("anna", "/resolve 1").await;
    let out = desk.say("anna", "/kb draft 1").await;
    assert!(
        out[0]
            .text
            .starts_with("📝 Draft `ticket-1` (en) v1 from ticket #1."),
        "{}",
        out[0].text
    );
    assert!(
        desk.engine
            .kb()
            .get(&slug("ticket-1"), Lang::En)
            .expect("index")
            .is_none(),
        "a draft is not offered to users"
    );
    let shown = desk.say("boris", "/kb show ticket-1").await;
    assert_eq!(
        shown[0].text.split_once('\n').map(|(_, rest)| rest),
        Some(
            "# the coffee machine on the third floor makes strange noises\n\n## Question\n\nthe coffee machine on the third floor makes strange noises\n\n## Answer\n\nDescale it: hold both buttons for five seconds."
        )
    );
    assert!(
        shown[0]
            .text
            .starts_with("`ticket-1` (en) v1 · draft · by anna")
    );
    assert_eq!(
        desk.say("anna", "/kb publish ticket-1").await[0].text,
        "Only admins change knowledge-base articles."
    );
    assert_eq!(
        desk.say("root", "/kb publish ticket-1").await[0].text,
        "📗 Published `ticket-1` (en) v2: users get it from now on."
    );
    let published = desk
        .engine
        .kb()
        .get(&slug("ticket-1"), Lang::En)
        .expect("index")
        .expect("published articles are indexed");
    assert_eq!(
        published.questions,
        ["the coffee machine on the third floor makes strange noises"]
    );
}

async fn a_long_transcript_comes_as_a_file(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    let short = desk.say("anna", "/transcript 1").await;
    assert!(short[0].attachment.is_none());
    for i in 0..12 {
        desk.say(
            "uma",
            &format!("detail {i}: {}", "it rattles and hisses. ".repeat(15)),
        )
        .await;
    }
    let out = desk.say("anna", "/transcript 1").await;
    let file = out[0].attachment.as_ref().expect("attached");
    assert_eq!(file.name, "ticket-1.txt");
    assert!(
        out[0].text.starts_with("Transcript of #1: "),
        "{}",
        out[0].text
    );
    for i in 0..12 {
        assert!(
            file.text.contains(&format!("detail {i}: it rattles")),
            "{i}"
        );
    }
    assert!(file.text.chars().count() > frontline_core::cmd::transcript::TRANSCRIPT_INLINE_CHARS);
}

async fn the_card_claim_button_works_for_staff_only(db: Db) {
    let desk = Desk::new(&db).await;
    let out = desk.question_ticket("uma").await;
    let card = out
        .iter()
        .find(|m| m.to.chat == AGENTS)
        .expect("card to line 2");
    assert_eq!(card.buttons.len(), 1);
    assert_eq!(card.buttons[0].label, "Claim");
    let press = |who: &str| desk.inbound(who, Payload::Button(card.buttons[0].data.clone()));
    let (_, out) = desk.send(press("uma")).await;
    assert_eq!(to(&out, "uma"), ["/claim is for support staff."]);
    let (_, out) = desk.send(press("boris")).await;
    assert_eq!(to(&out, "uma"), ["boris has taken your ticket #1."]);
    // The claim's acknowledgement carries [Resolve]: staff only, like the command.
    let yours = out
        .iter()
        .find(|m| m.to.chat == "boris")
        .expect("told boris");
    assert_eq!(yours.buttons.len(), 1);
    assert_eq!(yours.buttons[0].label, "Resolve");
    let resolve = |who: &str| desk.inbound(who, Payload::Button(yours.buttons[0].data.clone()));
    let (_, refused) = desk.send(resolve("uma")).await;
    assert_eq!(to(&refused, "uma"), ["/resolve is for support staff."]);
    let (_, out) = desk.send(press("anna")).await;
    assert_eq!(to(&out, "anna"), ["Ticket #1 is already claimed by boris."]);
    let mut conn = desk.store.pool().acquire().await.expect("conn");
    let t = frontline_core::store::Store::ticket(&mut conn, TicketId::parse("1").expect("id"))
        .await
        .expect("db")
        .expect("ticket");
    assert_eq!(
        (t.status, t.assignee.as_deref()),
        (Status::InProgress, Some("boris"))
    );
    drop(conn); // SQLite has one connection: the next event needs it.
    let (_, out) = desk.send(resolve("boris")).await;
    assert!(
        to(&out, "uma")
            .iter()
            .any(|t| t.contains("Ticket #1 is resolved. Is the problem solved?")),
        "{out:?}"
    );
}

/// A ticket answered with an article (/answer) drafts what the user read, not the event's
/// internal key ("article vpn-connect:en", which a published draft once showed a user).
async fn a_draft_of_a_ticket_answered_with_an_article_holds_the_article(db: Db) {
    let desk = Desk::new(&db).await;
    desk.question_ticket("uma").await;
    desk.say("anna", "/answer 1 vpn-connect").await;
    desk.say("anna", "/resolve 1").await;
    desk.say("anna", "/kb draft 1").await;
    let shown = desk.say("boris", "/kb show ticket-1 en").await;
    let text = &shown[0].text;
    assert!(!text.contains("article vpn-connect"), "{text}");
    assert!(
        text.contains("## Answer\n\n**Connect to the company VPN**"),
        "{text}"
    );
}

crate::on_both_databases!(
    a_draft_of_a_ticket_answered_with_an_article_holds_the_article,
    articles_are_versioned_searchable_at_once_and_revertible,
    an_uploaded_markdown_file_adds_or_replaces_an_article,
    a_resolved_ticket_becomes_a_draft_an_admin_publishes,
    a_long_transcript_comes_as_a_file,
    the_card_claim_button_works_for_staff_only,
);
