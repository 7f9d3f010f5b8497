//! `frontline kb search` and `frontline kb eval` from the command line.

use std::process::Command;

use crate::{frontline, stderr, stdout};

#[test]
fn kb_search_answers_from_the_bundled_sample_on_first_start() {
    let data = tempfile::tempdir().expect("tempdir");
    let out = frontline(data.path(), &["kb", "search", "I forgot my password"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("decision: answer password-reset [en]"),
        "{text}"
    );
    assert!(text.contains("top hits:"), "{text}");
    // The index now lives in the data dir.
    assert!(data.path().join("kb-index").is_dir());

    let out = frontline(
        data.path(),
        &["kb", "search", "забыл пароль", "--lang", "ru"],
    );
    assert!(
        stdout(&out).starts_with("decision: answer password-reset [ru]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_data_dir_option_is_accepted_after_the_subcommand() {
    let data = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["kb", "search", "printer jam", "--data-dir"])
        .arg(data.path())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(data.path().join("kb-index").is_dir());
}

#[test]
fn kb_search_survives_whatever_a_user_types() {
    let data = tempfile::tempdir().expect("tempdir");
    let huge = "a".repeat(10_000);
    for q in [
        "",
        "title:(",
        "\"unclosed",
        "*",
        "-",
        "~",
        "^",
        "[}",
        "🙂",
        huge.as_str(),
    ] {
        let out = frontline(data.path(), &["kb", "search", q]);
        assert!(out.status.success(), "{q:?}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with("decision: "),
            "{q:?}: {}",
            stdout(&out)
        );
    }
}

/// Three articles and five questions whose figures are worked out by hand below.
fn fixture(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let articles = dir.join("articles");
    std::fs::create_dir_all(&articles).expect("mkdir");
    let write = |name: &str, text: &str| std::fs::write(articles.join(name), text).expect("write");
    write(
        "vpn.md",
        "---\nslug: vpn\ntitle: Connect to the VPN\nlang: en\n---\nInstall the VPN client and press Connect.\n",
    );
    write(
        "printer.md",
        "---\nslug: printer\ntitle: Add a printer\nlang: en\n---\nOpen Settings, Printers, and press Add.\n",
    );
    write(
        "mail.md",
        "---\nslug: mail\ntitle: Set up mail in Outlook\nlang: en\n---\nOpen Outlook and type your address.\n",
    );
    write(
        "broken.md",
        "---\ntitle: no slug here\nlang: en\n---\nbody\n",
    );
    let queries = dir.join("queries.jsonl");
    std::fs::write(
        &queries,
        [
            r#"{"id":"q1","query":"connect to the vpn","expected":"vpn"}"#,
            r#"{"id":"q2","query":"add a printer","expected":"printer"}"#,
            r#"{"id":"q3","query":"set up mail in outlook","expected":"mail"}"#,
            r#"{"id":"q4","query":"outlook address","expected":"vpn"}"#,
            r#"{"id":"q5","query":"zebra giraffe","expected":null}"#,
        ]
        .join("\n"),
    )
    .expect("write");
    (articles, queries)
}

#[test]
fn kb_eval_prints_the_figures_and_ends_with_one_json_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (articles, queries) = fixture(dir.path());
    let out = frontline(
        dir.path(),
        &[
            "kb",
            "eval",
            "--articles",
            articles.to_str().expect("utf-8 path"),
            "--queries",
            queries.to_str().expect("utf-8 path"),
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("broken.md: missing slug"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    let last = text.lines().last().expect("output");
    let v: serde_json::Value = serde_json::from_str(last).expect("last line is JSON");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = vec![
        "in_scope",
        "out_of_scope",
        "top1",
        "recall3",
        "mrr",
        "answered_right",
        "answered_wrong",
        "declined",
        "oos_answered",
        "p50_us",
        "p99_us",
        "build_ms",
    ];
    let mut got = keys.clone();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    // By hand: q1-q3 rank their own article first; q4's label shares no word with its
    // article, so it is ranked nowhere; q5 is out of scope and matches nothing.
    assert_eq!(v["in_scope"], 4);
    assert_eq!(v["out_of_scope"], 1);
    assert_eq!(v["top1"], 0.75);
    assert_eq!(v["recall3"], 0.75);
    assert_eq!(v["mrr"], 0.75);
    assert_eq!(v["oos_answered"], 0.0);
    let shares =
        ["answered_right", "answered_wrong", "declined"].map(|k| v[k].as_f64().expect("number"));
    assert!(
        (shares.iter().sum::<f64>() - 1.0).abs() < 1e-9,
        "{shares:?}"
    );
    assert!(
        text.contains("questions: 4 in scope, 1 out of scope"),
        "{text}"
    );
    assert!(
        text.contains("suggestions (in scope): offered ")
            && text.contains("out of scope offered suggestions: 0.000"),
        "{text}"
    );
}

#[test]
fn kb_eval_reports_a_missing_file_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = frontline(
        dir.path(),
        &[
            "kb",
            "eval",
            "--articles",
            "/no/such/dir",
            "--queries",
            "/no/such.jsonl",
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("/no/such/dir"), "{}", stderr(&out));
}

/// Every Markdown file under `dir`, by its path relative to `dir`, with its text.
fn files_under(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for lang in std::fs::read_dir(dir).expect("export dir") {
        let lang = lang.expect("entry").path();
        for f in std::fs::read_dir(&lang).expect("lang dir") {
            let f = f.expect("entry").path();
            let rel = f.strip_prefix(dir).expect("under").display().to_string();
            out.insert(rel, std::fs::read_to_string(&f).expect("read"));
        }
    }
    out
}

#[test]
fn kb_export_then_import_round_trips_through_the_database() {
    let first = tempfile::tempdir().expect("tempdir");
    // An admin adds an article in chat; it is part of what is exported.
    let script =
        "root: /kb add en Printer jams on floor three\\\nOpen tray 2 and pull the sheet.\n";
    let out = crate::frontline_with_input(first.path(), &["console", "--admin", "root"], script);
    assert!(
        stdout(&out).contains("📗 Added `printer-jams-on-floor-three` (en) v1"),
        "{}",
        stdout(&out)
    );
    let export = first.path().join("export");
    let out = crate::frontline(
        first.path(),
        &["kb", "export", export.to_str().expect("utf-8")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "exported 61 published articles to {} (0 drafts not exported)\n",
            export.display()
        )
    );
    let exported = files_under(&export);
    assert_eq!(exported.len(), 61);
    assert!(
        exported["en/printer-jams-on-floor-three.md"]
            .ends_with("\n\nOpen tray 2 and pull the sheet.\n"),
        "{}",
        exported["en/printer-jams-on-floor-three.md"]
    );

    // Into the same desk: nothing changed, so nothing is recorded.
    let out = crate::frontline(
        first.path(),
        &["kb", "import", export.to_str().expect("utf-8")],
    );
    assert!(
        stdout(&out).starts_with("imported 61 articles: 0 new or changed, 61 unchanged"),
        "{}",
        stdout(&out)
    );

    // Into a new desk, and out again: the same files.
    let second = tempfile::tempdir().expect("tempdir");
    let out = crate::frontline(
        second.path(),
        &["kb", "import", export.to_str().expect("utf-8")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("imported 61 articles: 1 new or changed, 60 unchanged"),
        "the sample was there already: {}",
        stdout(&out)
    );
    let again = second.path().join("export");
    let out = crate::frontline(
        second.path(),
        &["kb", "export", again.to_str().expect("utf-8")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files_under(&again), exported);
    let out = crate::frontline(
        second.path(),
        &["kb", "search", "printer jams on floor three"],
    );
    assert!(
        stdout(&out).contains("printer-jams-on-floor-three"),
        "{}",
        stdout(&out)
    );
}

/// The bundled sample is a demo: a desk's first import of its own articles retires it,
/// `--replace` makes the knowledge base exactly the folder, `[kb] sample = false` never
/// loads it.
#[test]
fn the_sample_is_retired_by_the_first_import_and_replace_makes_the_kb_exact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (articles, _) = fixture(dir.path());
    let articles = articles.to_str().expect("utf-8");
    let data = dir.path().join("desk");
    let out = frontline(&data, &["kb", "search", "I forgot my password"]);
    assert!(
        stdout(&out).starts_with("decision: answer password-reset"),
        "{}",
        stdout(&out)
    );
    let out = frontline(&data, &["kb", "import", articles]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("retired the bundled sample: 60 articles soft-deleted"),
        "{text}"
    );
    assert!(text.contains("now holds 3"), "{text}");
    let out = frontline(&data, &["kb", "search", "I forgot my password"]);
    assert!(!stdout(&out).contains("password-reset"), "{}", stdout(&out));
    let out = frontline(&data, &["kb", "search", "connect to the vpn"]);
    assert!(
        stdout(&out).starts_with("decision: answer vpn"),
        "{}",
        stdout(&out)
    );

    // A second import of the desk's own articles retires nothing.
    std::fs::remove_file(dir.path().join("articles/mail.md")).expect("rm");
    let out = frontline(&data, &["kb", "import", articles]);
    assert!(!stdout(&out).contains("retired"), "{}", stdout(&out));
    assert!(stdout(&out).contains("now holds 3"), "{}", stdout(&out));
    // --replace: exactly the folder.
    let out = frontline(&data, &["kb", "import", "--replace", articles]);
    let text = stdout(&out);
    assert!(text.contains("retired 1 articles not in"), "{text}");
    assert!(
        text.contains("mail (en)") && text.contains("now holds 2"),
        "{text}"
    );

    // With the sample off, a new desk starts empty.
    let bare = dir.path().join("bare");
    std::fs::create_dir_all(&bare).expect("mkdir");
    std::fs::write(bare.join("frontline.toml"), "[kb]\nsample = false\n").expect("config");
    let out = frontline(&bare, &["kb", "search", "I forgot my password"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("password-reset"), "{}", stdout(&out));
    let out = frontline(
        &bare,
        &["kb", "export", bare.join("out").to_str().expect("utf-8")],
    );
    assert!(
        stdout(&out).starts_with("exported 0 published articles"),
        "{}",
        stdout(&out)
    );
}
