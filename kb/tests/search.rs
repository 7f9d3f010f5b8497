//! The knowledge base through its public API: index, search, decide.

use frontline_kb::{Article, Decision, KnowledgeBase, Lang, NoMatchReason, Slug};

fn article(slug: &str, lang: Lang, title: &str, body: &str) -> Article {
    Article::new(
        Slug::parse(slug).expect("valid slug"),
        lang,
        title.to_string(),
        body.to_string(),
    )
    .expect("valid article")
}

fn desk() -> KnowledgeBase {
    let kb = KnowledgeBase::in_ram().expect("in-memory index");
    let articles = vec![
        article(
            "password-reset",
            Lang::En,
            "Reset your password",
            "If you forgot your password, open the self-service portal and choose *Reset password*. \
             A code is sent to your phone.\n\nPasswords must be at least 12 characters long.",
        ),
        article(
            "vpn-connect",
            Lang::En,
            "Connect to the VPN",
            "Install the VPN client, sign in with your work account and press Connect.",
        ),
        article(
            "printer-add",
            Lang::En,
            "Add a network printer",
            "Open Settings, then Printers, and press Add. Choose the printer nearest to you.",
        ),
        article(
            "password-reset",
            Lang::Ru,
            "Сброс пароля",
            "Если вы забыли пароль, откройте портал самообслуживания и выберите «Сбросить пароль». \
             Код придёт на телефон.",
        ),
        article(
            "ticket-open",
            Lang::Ru,
            "Как оформить заявку",
            "Напишите боту вопрос. Если статья не помогла, бот зарегистрирует заявку и сообщит её номер.",
        ),
    ];
    kb.rebuild(&articles, false).expect("rebuild");
    kb
}

#[test]
fn a_clear_question_is_answered_with_the_right_article_and_a_snippet() {
    let kb = desk();
    let outcome = kb
        .search("I forgot my password, how do I reset it?", None)
        .expect("search");
    match outcome.decision {
        Decision::Answer {
            article, snippet, ..
        } => {
            assert_eq!(article.slug.as_str(), "password-reset");
            assert_eq!(article.lang, Lang::En);
            assert!(snippet.contains("self-service portal"), "{snippet}");
            assert!(snippet.chars().count() <= frontline_kb::snippet::MAX_SNIPPET_CHARS);
        }
        other => panic!("expected an answer, got {other:?}"),
    }
}

#[test]
fn russian_word_forms_find_the_russian_article() {
    let kb = desk();
    let outcome = kb
        .search("не могу сбросить свой пароль", None)
        .expect("search");
    assert_eq!(outcome.lang, Lang::Ru);
    let top = outcome.hits.first().expect("a hit");
    assert_eq!((top.slug.as_str(), top.lang), ("password-reset", Lang::Ru));
    let outcome = kb.search("заявкой", None).expect("search");
    assert_eq!(
        outcome.hits.first().map(|h| h.slug.as_str()),
        Some("ticket-open")
    );
}

#[test]
fn an_article_only_in_the_other_language_is_found_when_nothing_better_matches() {
    let kb = desk();
    // Only an English VPN article exists; a Russian question naming the VPN still finds it.
    let outcome = kb.search("не работает VPN клиент", None).expect("search");
    let top = outcome.hits.first().expect("a hit");
    assert_eq!((top.slug.as_str(), top.lang), ("vpn-connect", Lang::En));
    // Where the user's language has the article, that version stands for it.
    let outcome = kb.search("забыл пароль", None).expect("search");
    assert_eq!(outcome.hits.first().map(|h| h.lang), Some(Lang::Ru));
    assert_eq!(
        outcome
            .hits
            .iter()
            .filter(|h| h.slug.as_str() == "password-reset")
            .count(),
        1,
        "one hit per article"
    );
}

#[test]
fn query_syntax_characters_never_make_a_search_fail() {
    let kb = desk();
    let nasty = [
        "title:password",
        "\"reset password",
        "(vpn AND",
        "[printer TO",
        "{printer}",
        "pass*",
        "-vpn",
        "vpn~2",
        "printer^10",
        "a:b:c:",
        "\\",
        "!!!",
        "+-&&||!(){}[]^\"~*?:\\/",
        "NOT",
        "OR AND",
    ];
    for q in nasty {
        let outcome = kb.search(q, None);
        assert!(outcome.is_ok(), "{q:?} failed: {:?}", outcome.err());
    }
    // The words around the syntax still count.
    let outcome = kb.search("title:printer^10", None).expect("search");
    assert_eq!(
        outcome.hits.first().map(|h| h.slug.as_str()),
        Some("printer-add")
    );
}

#[test]
fn empty_emoji_and_stop_word_queries_are_no_match_with_a_reason() {
    let kb = desk();
    for q in ["", "   ", "🙂🔥", "what is this", "и что это"] {
        let outcome = kb.search(q, None).expect("search");
        assert!(
            matches!(
                outcome.decision,
                Decision::NoMatch {
                    reason: NoMatchReason::NoWords
                }
            ),
            "{q:?}: {:?}",
            outcome.decision
        );
    }
}

#[test]
fn huge_and_mixed_queries_are_searched() {
    let kb = desk();
    let huge = "printer ".repeat(1_250); // 10,000 characters
    assert_eq!(huge.len(), 10_000);
    let outcome = kb.search(&huge, None).expect("search");
    assert_eq!(
        outcome.hits.first().map(|h| h.slug.as_str()),
        Some("printer-add")
    );
    let mixed = "Помогите 🙏 printer не печатает, Add не работает";
    assert!(
        kb.search(mixed, None)
            .expect("search")
            .hits
            .iter()
            .any(|h| h.slug.as_str() == "printer-add")
    );
    let noise: String = (0..10_000)
        .map(|i| char::from_u32(0x4e00 + (i % 500)).unwrap_or('x'))
        .collect();
    let outcome = kb.search(&noise, None).expect("search");
    assert!(matches!(outcome.decision, Decision::NoMatch { .. }));
}

#[test]
fn chit_chat_is_not_answered() {
    let kb = desk();
    for q in ["how are you doing today, friend?", "как дела, что нового?"] {
        let outcome = kb.search(q, None).expect("search");
        assert!(
            !matches!(outcome.decision, Decision::Answer { .. }),
            "{q:?} was answered: {:?}",
            outcome.decision
        );
    }
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let kb = desk();
    let before = kb.len();
    kb.upsert(&article(
        "vpn-connect",
        Lang::En,
        "Connect to the tunnel",
        "Use the WireGuard app to reach the office network.",
    ))
    .expect("upsert");
    assert_eq!(kb.len(), before, "replaced, not added");
    let outcome = kb.search("wireguard", None).expect("search");
    assert_eq!(
        outcome.hits.first().map(|h| h.slug.as_str()),
        Some("vpn-connect")
    );
    let stale = kb
        .search("install the client and press connect", None)
        .expect("search");
    assert!(
        stale
            .hits
            .iter()
            .all(|h| h.slug.as_str() != "vpn-connect" || h.score < 10.0)
    );
    let got = kb
        .get(&Slug::parse("vpn-connect").expect("slug"), Lang::En)
        .expect("get")
        .expect("present");
    assert_eq!(got.title, "Connect to the tunnel");

    kb.delete(&Slug::parse("password-reset").expect("slug"))
        .expect("delete");
    assert_eq!(kb.len(), before - 2, "both languages removed");
    let outcome = kb.search("reset password", None).expect("search");
    assert!(
        outcome
            .hits
            .iter()
            .all(|h| h.slug.as_str() != "password-reset")
    );
    let missing = kb.delete(&Slug::parse("no-such-article").expect("slug"));
    assert!(matches!(
        missing,
        Err(frontline_kb::KbError::UnknownSlug(_))
    ));
}

#[test]
fn an_index_on_disk_survives_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let kb = KnowledgeBase::open(dir.path()).expect("open");
        kb.upsert(&article(
            "vpn-connect",
            Lang::En,
            "Connect to the VPN",
            "Press Connect.",
        ))
        .expect("upsert");
    }
    let kb = KnowledgeBase::open(dir.path()).expect("reopen");
    assert_eq!(kb.len(), 1);
    let outcome = kb.search("vpn", None).expect("search");
    assert_eq!(
        outcome.hits.first().map(|h| h.slug.as_str()),
        Some("vpn-connect")
    );
}

#[test]
fn the_bundled_sample_loads_cleanly_in_both_languages() {
    let report = frontline_kb::sample::articles();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let count = |lang| report.articles.iter().filter(|a| a.lang == lang).count();
    assert!(
        count(Lang::En) >= 30,
        "{} English articles",
        count(Lang::En)
    );
    assert_eq!(
        count(Lang::En),
        count(Lang::Ru),
        "every article in both languages"
    );
    for a in report.articles.iter().filter(|a| a.lang == Lang::En) {
        assert!(
            report
                .articles
                .iter()
                .any(|b| b.slug == a.slug && b.lang == Lang::Ru),
            "{} has no Russian version",
            a.slug
        );
    }
}

#[test]
fn applied_changes_and_their_mark_survive_reopening_the_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let kb = KnowledgeBase::open(dir.path()).expect("open");
        assert_eq!(kb.mark().expect("mark"), None, "a new index has no mark");
        kb.rebuild_marked(
            vec![
                article("a", Lang::En, "Printer jams", "Open the tray."),
                article("b", Lang::En, "Lost badge", "Tell security."),
            ],
            Some(2),
            false,
            Some("seq:2"),
        )
        .expect("rebuild");
        kb.apply(
            &[article("c", Lang::En, "Broken chair", "Ask facilities.")],
            &[(Slug::parse("a").expect("slug"), Lang::En)],
            "seq:5",
        )
        .expect("apply");
    }
    let kb = KnowledgeBase::open(dir.path()).expect("reopen");
    assert_eq!(kb.mark().expect("mark").as_deref(), Some("seq:5"));
    assert_eq!(kb.len(), 2);
    assert!(
        kb.get(&Slug::parse("a").expect("slug"), Lang::En)
            .expect("get")
            .is_none()
    );
    assert!(
        kb.get(&Slug::parse("c").expect("slug"), Lang::En)
            .expect("get")
            .is_some()
    );
}
