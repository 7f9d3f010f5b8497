//! Questions as users type them: typos, rare codes, near ties.

use frontline_kb::{Article, Decision, KnowledgeBase, Lang, Slug};

fn article(slug: &str, title: &str, body: &str) -> Article {
    Article::new(
        Slug::parse(slug).expect("valid slug"),
        Lang::En,
        title.to_string(),
        body.to_string(),
    )
    .expect("valid article")
}

fn kb(articles: &[Article]) -> KnowledgeBase {
    let kb = KnowledgeBase::in_ram().expect("in-memory index");
    kb.rebuild(articles, false).expect("rebuild");
    kb
}

fn top(kb: &KnowledgeBase, q: &str) -> String {
    let outcome = kb.search(q, None).expect("search");
    outcome
        .hits
        .first()
        .map(|h| h.slug.to_string())
        .unwrap_or_default()
}

fn office() -> Vec<Article> {
    vec![
        article(
            "printer-jam",
            "Clear a paper jam",
            "When the printer stops with a paper jam, open the front tray and pull the sheet out.",
        ),
        article(
            "monitor-flicker",
            "Screen flickers",
            "A flickering monitor usually has a loose cable. Reconnect the display cable.",
        ),
        article(
            "keyboard-layout",
            "Change the keyboard layout",
            "Open Settings, then Keyboard, and add the layout you type in.",
        ),
    ]
}

#[test]
fn a_mistyped_word_finds_the_article_the_right_spelling_finds() {
    let kb = kb(&office());
    // Each mistyped word is the question's only word, so only its correction can find it.
    assert_eq!(top(&kb, "monitor"), "monitor-flicker");
    assert_eq!(top(&kb, "monitr"), "monitor-flicker");
    assert_eq!(top(&kb, "priner"), "printer-jam");
    assert_eq!(top(&kb, "keybaord"), "keyboard-layout");
    // A transposition is one edit.
    assert_eq!(top(&kb, "layuot"), "keyboard-layout");
    // A typo of a word the question also has counts once.
    let both = kb.search("monitor monitr", None).expect("search");
    let f = both.features.expect("a hit");
    assert_eq!((f.terms, f.matched), (2, 1), "{f:?}");
    // Too short to guess from: left as typed.
    assert_eq!(top(&kb, "tary"), "");
}

#[test]
fn a_correction_never_outranks_a_word_found_as_typed() {
    // "monitors" is an article's own word; "monitr" is one edit from it. The article with the
    // word as typed must stay ahead of one that only a correction would reach.
    let kb = kb(&[
        article(
            "a-exact",
            "Dim the monitr",
            "Monitr is the name of our dimming tool.",
        ),
        article(
            "b-fuzzy",
            "Monitor brightness",
            "Set the monitor brightness in Settings.",
        ),
    ]);
    let outcome = kb.search("monitr", None).expect("search");
    assert_eq!(
        outcome.hits[0].slug.as_str(),
        "a-exact",
        "{:?}",
        outcome.hits
    );
}

#[test]
fn codes_and_numbers_are_not_corrected() {
    let kb = kb(&[article(
        "vpn-809",
        "VPN error 809",
        "Error 809 means the firewall blocks the VPN ports.",
    )]);
    let outcome = kb.search("error 808", None).expect("search");
    // "error" still matches; "808" is not turned into "809".
    let f = outcome.features.expect("a hit");
    assert_eq!(f.matched, 1, "{f:?}");
}

#[test]
fn a_rare_code_decides_between_two_similar_articles() {
    let kb = kb(&[
        article(
            "vpn-generic",
            "VPN does not connect",
            "If the VPN does not connect, restart the VPN client. Check that the VPN profile is \
             the office VPN and that your VPN account is active. Most VPN problems go away \
             after a VPN client update.",
        ),
        article(
            "vpn-809",
            "VPN connection errors",
            "Error 809 means a firewall between you and the office blocks the ports the \
             connection needs. Ask the network team to open them.",
        ),
    ]);
    assert_eq!(top(&kb, "My VPN does not connect, error 809"), "vpn-809");
    assert_eq!(top(&kb, "My VPN does not connect"), "vpn-generic");
}

#[test]
fn two_articles_that_nearly_tie_are_both_offered() {
    let body = "Open the portal, choose Reset password and follow the code sent to your phone.";
    let kb = kb(&[
        article("reset-windows", "Reset a password on Windows", body),
        article("reset-mac", "Reset a password on a Mac", body),
        article(
            "printer-jam",
            "Clear a paper jam",
            "Open the tray and pull the sheet out.",
        ),
    ]);
    match kb
        .search("reset my password with the code from the portal", None)
        .expect("search")
        .decision
    {
        Decision::Suggest { articles, .. } => {
            let slugs: Vec<&str> = articles.iter().map(|a| a.slug.as_str()).collect();
            assert!(
                slugs.contains(&"reset-windows") && slugs.contains(&"reset-mac"),
                "{slugs:?}"
            );
        }
        other => panic!("a near tie must be offered, not answered: {other:?}"),
    }
    // Naming the system breaks the tie.
    match kb
        .search("reset password on a Mac", None)
        .expect("search")
        .decision
    {
        Decision::Answer { article, .. } => assert_eq!(article.slug.as_str(), "reset-mac"),
        other => panic!("expected the Mac article: {other:?}"),
    }
}

#[test]
fn a_hyphenated_word_and_its_joined_spelling_find_each_other() {
    let kb = kb(&[
        article(
            "wifi-office",
            "Connect to the office Wi-Fi",
            "Pick the Corp network and sign in with your work account.",
        ),
        article(
            "mail-setup",
            "Set up your mailbox",
            "Open the email app and add your work account.",
        ),
        article(
            "printer-jam",
            "Clear a paper jam",
            "Open the tray and pull the sheet out.",
        ),
    ]);
    // Each question's only word, so only the joined spelling can find it.
    assert_eq!(top(&kb, "wifi"), "wifi-office");
    assert_eq!(top(&kb, "e-mail"), "mail-setup");
    // The parts still match on their own.
    assert_eq!(top(&kb, "wi fi"), "wifi-office");
}
