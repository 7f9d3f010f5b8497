//! The console channel, scripted: a whole scenario from question to ticket, line by line.

use crate::{frontline_with_input, stderr, stdout};

#[test]
fn a_scripted_question_becomes_a_ticket_line_by_line() {
    let data = tempfile::tempdir().expect("tempdir");
    let script = "\
# a comment line is skipped
alice: the coffee machine on the third floor makes strange noises
alice: 2
alice: It smells of smoke too
alice: /status 1
bob: /status 1
";
    // On a simulated clock: Tuesday 11:00 in the desk's time zone.
    let out = frontline_with_input(
        data.path(),
        &["console", "--clock", "2026-12-01T11:00"],
        script,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let want = [
        "→ alice: The knowledge base has no answer to this. I will register a ticket — what kind of request is it? (my guess is marked ✓)",
        "  [1] ✓ question",
        "  [2] incident",
        "  [3] paid consultation",
        "  [4] access request",
        "  [5] licence key",
        "  [6] update",
        "  [7] wish",
        "→ alice: Ticket #1 is registered.",
        "  Type: incident",
        "  Priority: high",
        "  Status: 🆕 new",
        "  We will answer by Tue 13:00.",
        "",
        "  What happens next: an agent of line 2 will take it, and their replies will come here. Anything you write now goes into this ticket. /status 1 shows its state, /new starts another question.",
        "→ #line2: 🆕 #1 incident · high · en · line 2",
        "  from alice: the coffee machine on the third floor makes strange noises",
        "  KB: no match",
        "  first response ⏱ 2h left (by Tue 13:00)",
        "  [1] Claim",
        "→ #line2: 💬 #1 alice: It smells of smoke too",
        "→ alice: Added to ticket #1.",
        "→ alice: Ticket #1: the coffee machine on the third floor makes strange noises",
        "  Type: incident",
        "  Priority: high",
        "  Status: 🆕 new",
        "  We will answer by Tue 13:00.",
        "→ bob: You have no ticket #1. /my lists yours.",
    ];
    // Chats are sent to in parallel: each chat's messages keep their order, and that is
    // the promise (which of two chats prints first is not).
    assert_eq!(per_chat(text.lines()), per_chat(want), "\n{text}");
}

/// The console's output as each chat's messages in order (a message is its `→ CHAT:` line
/// and the indented lines after it).
fn per_chat<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut chats: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut current: Option<String> = None;
    for line in lines {
        if let Some(rest) = line.strip_prefix("→ ") {
            let chat = rest.split(':').next().unwrap_or("").to_string();
            chats
                .entry(chat.clone())
                .or_default()
                .push(line.to_string());
            current = Some(chat);
        } else if let Some(chat) = &current
            && let Some(last) = chats.get_mut(chat).and_then(|m| m.last_mut())
        {
            last.push('\n');
            last.push_str(line);
        }
    }
    chats
}

#[test]
fn the_data_dir_persists_between_runs_and_bad_lines_are_reported() {
    let data = tempfile::tempdir().expect("tempdir");
    let first = frontline_with_input(
        data.path(),
        &["console"],
        "carol: the coffee machine on the third floor makes strange noises\ncarol: 1\n",
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let second = frontline_with_input(data.path(), &["console"], "no colon here\ncarol: /my\n");
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("expected `NAME: text`"),
        "{}",
        stderr(&second)
    );
    assert!(
        stdout(&second).contains("#1 🆕 new · question · the coffee machine"),
        "{}",
        stdout(&second)
    );
}

#[test]
fn frontline_without_a_command_runs_the_console_on_embedded_defaults() {
    let data = tempfile::tempdir().expect("tempdir");
    let out = frontline_with_input(data.path(), &[], "dave: I forgot my password\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("→ dave: 📄 Reset a forgotten password"),
        "{}",
        stdout(&out)
    );
    assert!(data.path().join("frontline.db").is_file());
    assert!(data.path().join("kb-index").is_dir());
}

#[test]
fn articles_imported_into_the_data_dir_answer_in_the_console() {
    let data = tempfile::tempdir().expect("tempdir");
    let articles = data.path().join("articles");
    std::fs::create_dir_all(&articles).expect("mkdir");
    std::fs::write(
        articles.join("coffee.md"),
        "---\nslug: coffee-machine\ntitle: The coffee machine makes noises\nlang: en\n---\nDescale it: press both buttons for five seconds.\n",
    )
    .expect("write");
    let out = crate::frontline(
        data.path(),
        &["kb", "import", articles.to_str().expect("utf-8")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("imported 1 articles"),
        "{}",
        stdout(&out)
    );
    let out = frontline_with_input(
        data.path(),
        &["console"],
        "erin: the coffee machine makes strange noises\n",
    );
    assert!(
        stdout(&out).starts_with("→ erin: 📄 The coffee machine makes noises"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn reports_from_the_command_line_read_the_same_data_dir() {
    let data = tempfile::tempdir().expect("tempdir");
    let script = "\
uma: the coffee machine on the third floor makes strange noises
uma: 3
anna: /claim 1
anna: /hours 1 1.5 descaling lesson
";
    let out = frontline_with_input(data.path(), &["console", "--agent", "anna"], script);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("#1: 90 min (billable): descaling lesson"),
        "{}",
        stdout(&out)
    );

    let out = crate::frontline(data.path(), &["report", "hours", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "requester,agent,hours\numa,anna,1.50\n");

    let out = crate::frontline(data.path(), &["report", "tickets", "--format", "csv"]);
    let text = stdout(&out);
    for row in [
        "total,,1",
        "type,consultation,1",
        "status,in_progress,1",
        "line,2,1",
    ] {
        assert!(text.lines().any(|l| l == row), "{row} missing in\n{text}");
    }
    let out = crate::frontline(data.path(), &["report", "deflection"]);
    assert!(
        stdout(&out).starts_with("questions: 1\nanswered without a ticket: 0.0%"),
        "{}",
        stdout(&out)
    );
    let bad = crate::frontline(data.path(), &["report", "tickets", "--from", "yesterday"]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("`yesterday` is not a date"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn staff_in_a_tickets_thread_reply_with_plain_text_and_leave_out_the_number() {
    let data = tempfile::tempdir().expect("tempdir");
    let script = "\
uma: the coffee machine on the third floor makes strange noises
uma: 2
anna #1: Hold both buttons for five seconds.
anna #1: /resolve
";
    let out = frontline_with_input(data.path(), &["console", "--agent", "anna"], script);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("→ uma: anna has taken your ticket #1."),
        "{text}"
    );
    assert!(
        text.contains("→ uma: 💬 #1 · anna:\n  Hold both buttons for five seconds."),
        "{text}"
    );
    assert!(
        text.contains("→ uma: 🟢 Ticket #1 is resolved. Is the problem solved?"),
        "{text}"
    );
}

#[test]
fn admins_edit_articles_from_the_console_and_the_next_run_searches_them() {
    let data = tempfile::tempdir().expect("tempdir");
    let upload = data.path().join("badge.md");
    std::fs::write(
        &upload,
        "---\nslug: badge-lost\ntitle: Lost badge\nlang: en\n---\nTell security at once; a new badge takes a day.\n",
    )
    .expect("write");
    let script = format!(
        "root: file:{} /kb add\nroot: /kb edit badge-lost\\\nTell security at once; a new badge takes two days.\nroot: /kb history badge-lost\n",
        upload.display()
    );
    let out = frontline_with_input(data.path(), &["console", "--admin", "root"], &script);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("→ root: 📗 Added `badge-lost` (en) v1: Lost badge."),
        "{text}"
    );
    assert!(
        text.contains("→ root: ✏️ `badge-lost` (en) v2 saved (published)."),
        "{text}"
    );
    assert!(text.contains("  v2 · "), "{text}");
    // A new process: the index follows the database.
    let out = frontline_with_input(data.path(), &["console"], "erin: I lost my badge\n");
    assert!(stdout(&out).contains("two days"), "{}", stdout(&out));
}

#[test]
fn a_long_transcript_is_written_as_a_file() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut script =
        String::from("uma: the coffee machine on the third floor makes strange noises\numa: 2\n");
    for i in 0..12 {
        script.push_str(&format!(
            "uma: detail {i}: {}\n",
            "it rattles and hisses. ".repeat(15)
        ));
    }
    script.push_str("anna: /transcript 1\n");
    let out = frontline_with_input(data.path(), &["console", "--agent", "anna"], &script);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = data.path().join("files").join("ticket-1.txt");
    assert!(
        stdout(&out).contains("  📎 ticket-1.txt ("),
        "{}",
        stdout(&out)
    );
    let saved = std::fs::read_to_string(&file).expect("attachment written");
    assert!(saved.contains("detail 11: it rattles"), "{saved}");
}

#[test]
fn a_simulated_week_of_service_levels_runs_in_a_second() {
    let data = tempfile::tempdir().expect("tempdir");
    let script = "\
uma: the coffee machine on the third floor makes strange noises
uma: 1
anna: /ask 1 Is it plugged in?
!at 2026-12-04T18:00
!at 2026-12-07T11:00
!wait 1d
uma: 5
!wait 2x
!at 2026-12-01T09:00
";
    let out = frontline_with_input(
        data.path(),
        &["console", "--agent", "anna", "--clock", "2026-12-01T11:00"],
        script,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing in\n{text}"))
    };
    assert!(text.contains("  We will answer by Tue 15:00."), "{text}");
    // Friday evening: nothing is due yet (the clock stopped when anna asked).
    assert!(at("~ Fri 2026-12-04 18:00") < at("~ Mon 2026-12-07 11:00"));
    assert!(
        at("~ Mon 2026-12-07 11:00")
            < at(
                "→ uma: Ticket #1 is waiting for your answer. Without one it closes by itself on Tue 11:00."
            )
    );
    assert!(
        at("~ Tue 2026-12-08 11:00")
            < at("→ uma: ⚫ Ticket #1 is closed: there was no answer for 5 business days.")
    );
    assert!(at("→ #line2: ⚫ #1 closed by itself") > at("~ Tue 2026-12-08 11:00"));
    assert!(text.contains("Thank you"), "the rating was taken: {text}");
    let err = stderr(&out);
    assert!(err.contains("`2x` is not a duration"), "{err}");
    assert!(err.contains("the clock does not go back"), "{err}");

    let out = crate::frontline(
        data.path(),
        &[
            "report",
            "sla",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-31",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "priority,tickets,first_response_met_pct,first_response_measured,resolution_met_pct,resolution_measured,breached\nnormal,1,100.0,1,,0,0\n"
    );
}

/// The agents' workbench through the console binary: their own tickets, a hand-over to a
/// colleague, a saved reply, finding a ticket by a word form, a known issue that reaches its
/// tickets, the per-agent figures in chat and in `report agents`.
#[test]
fn the_workbench_walked_through_the_console() {
    let data = tempfile::tempdir().expect("tempdir");
    let script = "\
uma: the coffee machine on the third floor makes strange noises
uma: 1
vera: the vending machine in the lobby keeps eating my coins
vera: 1
anna: /claim 1
anna: /mine
anna: /assign 1 bob
bob: /mine
root: /macro add thanks en Thank you {name}, {ticket} is in hand. {agent}
bob: /macro thanks 1
anna: /find coin
anna: /problem new Vending machine in the lobby eats coins
anna: /link 2 P1
anna: /problem resolve P1 new toner was fitted
vera: 1
root: /stats agents
anna: /queue all
";
    let out = frontline_with_input(
        data.path(),
        &[
            "console",
            "--agent",
            "anna",
            "--agent",
            "bob",
            "--admin",
            "root",
            "--clock",
            "2026-12-01T11:00",
        ],
        script,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for want in [
        "→ anna: Your open tickets, most urgent first:",
        "→ anna: #1 is now bob's.",
        "→ uma: bob has taken your ticket #1.",
        "→ bob: Your open tickets, most urgent first:",
        "→ root: Macro thanks (en) saved. Send it with /macro thanks N.",
        "→ uma: 💬 #1 · bob:",
        "  Thank you uma, #1 is in hand. bob",
        "→ anna: Found, best first:",
        "→ anna: ⚠️ Known issue P1 opened: Vending machine in the lobby eats coins. Link tickets with /link N P1.",
        "→ anna: #2 is linked to known issue P1.",
        "→ vera: ✅ #2: the known issue “Vending machine in the lobby eats coins” is fixed:",
        "→ root: Agents, last 30 days (business time):",
        "→ anna: Open tickets, most urgent first:",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // The found ticket is #2 (coins ~ coin), not #1.
    let found = text
        .split("→ anna: Found, best first:\n")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_default();
    assert!(found.contains("#2 "), "{found}");
    let out = crate::frontline(data.path(), &["report", "agents", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = stdout(&out);
    assert!(
        csv.starts_with("agent,claimed,resolved,median_first_response_business_min"),
        "{csv}"
    );
    assert!(csv.lines().any(|l| l.starts_with("bob,1,")), "{csv}");
}

#[test]
fn organisations_and_an_announcement_walked_through_the_console() {
    let data = tempfile::tempdir().expect("tempdir");
    let script = "\
uma: hello
ivan: /lang ru
vera: hello
vera: /mute
root: /org add acme ACME Corp
root: /org member add acme console:uma
uma: /my
root: /announce everyone\\
hi
root: /announce org acme\\
en: ACME: the portal moves to a new address tonight.\\
ru: ACME: портал вечером переезжает.
root: 1
root: /announce all\\
en: Version 2.0 is out.\\
ru: Вышла версия 2.0.
root: 1
";
    let out = frontline_with_input(
        data.path(),
        &["console", "--admin", "root", "--clock", "2026-12-01T11:00"],
        script,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for want in [
        "→ uma: Organisation: ACME Corp",
        "→ root: “everyone” is not an audience.",
        "→ root: Announcement #1 — audience “org acme”: 1 people.",
        "→ uma: ACME: the portal moves to a new address tonight.",
        "→ root: Announcement #1 is done: sent 1 of 1.",
        "→ root: Announcement #2 — audience “all”: 2 people. Not sent to: 1 who muted announcements, 0 who blocked the bot.",
        "→ ivan: Вышла версия 2.0.",
        "→ root: Announcement #2 is done: sent 2 of 2; 1 muted announcements.",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert_eq!(
        text.matches("Version 2.0 is out.").count(),
        2,
        "uma once, and root's preview:\n{text}"
    );
    assert!(
        !text.contains("→ vera: Version 2.0"),
        "vera muted them:\n{text}"
    );
    assert!(
        !text.contains("→ ivan: ACME"),
        "not ivan's organisation:\n{text}"
    );

    let out = crate::frontline(data.path(), &["report", "announcements", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = stdout(&out);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "id,created,author,audience,state,recipients,sent,failed,blocked,muted,unsent"
    );
    assert!(rows[1].starts_with("1,2026-12-01 "), "{csv}");
    assert!(
        rows[1].ends_with(",root,org acme,done,1,1,0,0,0,0"),
        "{csv}"
    );
    assert!(rows[2].ends_with(",root,all,done,3,2,0,0,1,0"), "{csv}");
    let table = crate::frontline(data.path(), &["report", "announcements"]);
    assert!(
        stdout(&table).starts_with("id  created"),
        "{}",
        stdout(&table)
    );
}
