//! The operator's commands on a real data dir: backup and restore, a person's data shown
//! and erased.

use crate::{frontline, frontline_with_input, stderr, stdout};

/// A desk with one ticket by alice, made through the console.
fn desk_with_a_ticket() -> tempfile::TempDir {
    let data = tempfile::tempdir().expect("tempdir");
    let script = "\
alice: the coffee machine on the third floor makes strange noises
alice: 2
alice: my badge number is 99-1234, if it helps
";
    let out = frontline_with_input(data.path(), &["console"], script);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Ticket #1 is registered"),
        "{}",
        stdout(&out)
    );
    data
}

#[test]
fn a_backup_restores_into_a_working_desk() {
    let data = desk_with_a_ticket();
    let backups = tempfile::tempdir().expect("tempdir");
    let file = backups.path().join("desk-backup.db");
    let file_arg = file.to_str().expect("utf-8 path");
    let out = frontline(data.path(), &["backup", file_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("backed up"), "{}", stdout(&out));
    assert!(std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) > 0);
    // A second backup to the same file is refused, and the first is left alone.
    let again = frontline(data.path(), &["backup", file_arg]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("exists"), "{}", stderr(&again));

    // Restore: the copy as the database of a new data dir (the index is rebuilt from it).
    let restored = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&file, restored.path().join("frontline.db")).expect("restore");
    let out = frontline(restored.path(), &["person", "show", "console:alice"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(
        shown.contains("#1") && shown.contains("coffee machine"),
        "{shown}"
    );
    // And the restored desk works: alice's ticket is there for her.
    let out = frontline_with_input(restored.path(), &["console"], "alice: /status 1\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("#1"), "{}", stdout(&out));
    let out = frontline_with_input(restored.path(), &["console"], "bob: I forgot my password\n");
    assert!(stdout(&out).contains("📄"), "{}", stdout(&out));
}

#[test]
fn a_person_is_shown_and_erased_from_the_command_line() {
    let data = desk_with_a_ticket();
    let out = frontline(data.path(), &["person", "show", "console:alice", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(json["identities"][0], "console:alice");
    assert_eq!(json["tickets"].as_array().map(Vec::len), Some(1));
    assert!(json["messages"].as_i64().unwrap_or(0) >= 2, "{json}");

    for bad in ["alice", "fax:1", "console:"] {
        let out = frontline(data.path(), &["person", "show", bad]);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("CHANNEL:ID"),
            "{bad}: {}",
            stderr(&out)
        );
    }
    let out = frontline(data.path(), &["person", "forget", "console:nobody"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nobody is known"), "{}", stderr(&out));

    let out = frontline(data.path(), &["person", "forget", "console:alice"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("erased"), "{}", stdout(&out));
    let out = frontline(data.path(), &["person", "show", "console:alice"]);
    assert!(!out.status.success(), "alice is no longer known");
    // The ticket stays, as a number, for the reports; her words are gone from it.
    let out = frontline_with_input(
        data.path(),
        &["console", "--agent", "anna"],
        "anna: /transcript 1\n",
    );
    let transcript = stdout(&out);
    assert!(transcript.contains("#1"), "{transcript}");
    assert!(
        !transcript.contains("99-1234") && !transcript.contains("coffee"),
        "{transcript}"
    );
    assert!(transcript.contains("[erased]"), "{transcript}");
}
