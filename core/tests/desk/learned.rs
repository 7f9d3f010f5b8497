//! Learning from what helped: a confirmed question becomes a learned phrasing of its article
//! (not from staff, not from a question that became a ticket), listed and removed by admins,
//! kept by an import without them, searched on every instance, gone with `/forget`.

use frontline_core::store::Store;
use frontline_kb::{Lang, Slug};

use crate::harness::{Db, Desk, to};

const QUESTION: &str = "Hello! I forgot my password and now the portal will not let me in";
/// What is learned: the question without its greeting.
const LEARNED: &str = "I forgot my password and now the portal will not let me in";

async fn learned(desk: &Desk) -> Vec<frontline_kb::Learned> {
    let mut conn = desk.store.pool().acquire().await.expect("conn");
    let slug = Slug::parse("password-reset").expect("slug");
    Store::article_latest(&mut conn, &slug, Lang::En)
        .await
        .expect("read")
        .expect("article")
        .article
        .learned
}

/// `who` asks, is answered with the password article, and presses `button` (1: Helped).
async fn ask_and_press(desk: &Desk, who: &str, button: usize) {
    let out = desk.say(who, QUESTION).await;
    assert!(
        to(&out, who)[0].starts_with("📄 Reset a forgotten password"),
        "{out:?}"
    );
    desk.press(who, button).await;
}

async fn a_confirmed_question_is_learned_once_and_never_from_staff(db: Db) {
    let desk = Desk::new(&db).await;
    ask_and_press(&desk, "root", 1).await;
    assert!(
        learned(&desk).await.is_empty(),
        "an admin trying the bot teaches nothing"
    );
    ask_and_press(&desk, "uma", 2).await; // Not helped: a ticket is registered from it
    desk.press("uma", 1).await;
    assert_eq!(desk.count("tickets").await, 1);
    assert!(
        learned(&desk).await.is_empty(),
        "a question that became a ticket teaches nothing"
    );

    ask_and_press(&desk, "vera", 1).await;
    let got = learned(&desk).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].text, LEARNED);
    assert!(got[0].by.starts_with("user:"), "{got:?}");
    // The same question again is not stored twice.
    ask_and_press(&desk, "walt", 1).await;
    assert_eq!(learned(&desk).await.len(), 1);

    let listed = desk.say("anna", "/kb learned password-reset en").await;
    assert!(
        listed[0].text.contains("1 learned phrasings"),
        "{}",
        listed[0].text
    );
    assert!(
        listed[0].text.contains(&format!("1. “{LEARNED}”")),
        "{}",
        listed[0].text
    );
    let refused = desk.say("anna", "/kb unlearn password-reset en 1").await;
    assert_eq!(
        refused[0].text,
        "Only admins change knowledge-base articles."
    );
    let missing = desk.say("root", "/kb unlearn password-reset en 2").await;
    assert!(
        missing[0].text.contains("has no learned phrasing 2"),
        "{}",
        missing[0].text
    );
    let no_number = desk.say("root", "/kb unlearn password-reset en").await;
    assert!(
        no_number[0].text.contains("the number of the phrasing"),
        "{}",
        no_number[0].text
    );
    let removed = desk.say("root", "/kb unlearn password-reset en 1").await;
    assert!(
        removed[0].text.starts_with("Removed phrasing 1"),
        "{}",
        removed[0].text
    );
    assert!(learned(&desk).await.is_empty());
    let listed = desk.say("anna", "/kb learned password-reset en").await;
    assert!(
        listed[0].text.contains("no learned phrasings yet"),
        "{}",
        listed[0].text
    );
}

async fn a_learned_phrasing_is_searched_on_another_instance_and_survives_an_import(db: Db) {
    let a = Desk::new(&db).await;
    let b = Desk::new(&db).await;
    let score = |desk: &Desk| {
        let outcome = desk.engine.kb().search(LEARNED, None).expect("search");
        assert_eq!(outcome.hits[0].slug.as_str(), "password-reset");
        outcome.hits[0].score
    };
    let before = score(&b);
    ask_and_press(&a, "vera", 1).await;
    b.engine.sync_kb().await.expect("sync");
    let stored = b
        .engine
        .kb()
        .get(&Slug::parse("password-reset").expect("slug"), Lang::En)
        .expect("get")
        .expect("article");
    assert_eq!(stored.learned.len(), 1);
    // The phrasing is searched on B now: its words count for the article once more (a little:
    // they are saturated by the article's own use of them).
    let after = score(&b);
    assert!(after > before, "before {before}, after {after}");

    // An admin's edit with a file that predates the phrasing keeps it too.
    let file = frontline_kb::sample::articles()
        .articles
        .into_iter()
        .find(|a| a.slug.as_str() == "password-reset" && a.lang == Lang::En)
        .expect("sample article");
    let edited = format!(
        "/kb edit password-reset en\n{}",
        file.to_markdown().replace("a few minutes", "five minutes")
    );
    let out = a.say("root", &edited).await;
    assert!(out[0].text.contains("saved"), "{}", out[0].text);
    assert_eq!(learned(&a).await.len(), 1);

    // Re-importing the desk's files, written before anyone taught it, keeps the phrasing.
    a.engine
        .import_articles(&frontline_kb::sample::articles().articles, "root")
        .await
        .expect("import");
    assert_eq!(learned(&a).await.len(), 1);
}

async fn forgetting_a_person_removes_their_learned_phrasings(db: Db) {
    let desk = Desk::new(&db).await;
    ask_and_press(&desk, "vera", 1).await;
    assert_eq!(learned(&desk).await.len(), 1);
    let done = desk.say("root", "/forget console:vera").await;
    assert!(done[0].text.contains("is erased"), "{}", done[0].text);
    assert!(learned(&desk).await.is_empty());
}

/// The point of it all: a question the bot could only offer articles for, once a user picked
/// the right one and it helped, is answered directly for the next user who asks so.
async fn what_helped_one_user_answers_the_next(db: Db) {
    let desk = Desk::new(&db).await;
    let question = "my email does not work";
    let out = desk.say("vera", question).await;
    assert!(
        to(&out, "vera")[0].starts_with("One of these articles"),
        "{out:?}"
    );
    assert_eq!(
        desk.button("vera", 1).label,
        "Set up work e-mail in Outlook"
    );
    desk.press("vera", 1).await; // the article
    desk.press("vera", 1).await; // Helped
    let out = desk.say("walt", question).await;
    assert!(
        to(&out, "walt")[0].starts_with("📄 Set up work e-mail in Outlook"),
        "{out:?}"
    );
}

crate::on_both_databases!(
    what_helped_one_user_answers_the_next,
    a_confirmed_question_is_learned_once_and_never_from_staff,
    a_learned_phrasing_is_searched_on_another_instance_and_survives_an_import,
    forgetting_a_person_removes_their_learned_phrasings,
);
