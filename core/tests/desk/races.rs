//! Several instances on one database, any timing: what two of them insert at once exists
//! once, and neither fails.

use frontline_core::{Handled, Payload};

use crate::harness::{Db, Desk};

/// Two desks started at once on a fresh database both load the sample; each article has
/// one version.
async fn two_instances_start_together_on_a_fresh_database(db: Db) {
    let (a, b) = tokio::join!(Desk::new(&db), Desk::new(&db));
    let versions = a.count("article_versions").await;
    let articles: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT DISTINCT slug, lang FROM article_versions) x",
    )
    .fetch_one(b.store.pool())
    .await
    .expect("count");
    assert!(articles > 0);
    assert_eq!(versions, articles, "one version per article, not two");
}

/// New users' first two messages reach two instances at the same moment: every one is
/// handled, and each user is one person with one identity.
async fn first_contact_on_two_instances_at_once(db: Db) {
    let (a, b) = tokio::join!(Desk::new(&db), Desk::new(&db));
    const USERS: usize = 24;
    let mut jobs = Vec::new();
    for u in 0..USERS {
        let who = format!("newcomer{u}");
        let first = a.inbound(&who, Payload::Text("I forgot my password".into()));
        let mut second = b.inbound(&who, Payload::Text("and my VPN".into()));
        // The two instances' update ids must differ (they are two messages).
        second.update_id = format!("b-{}", second.update_id);
        jobs.push(a.engine.handle(first));
        jobs.push(b.engine.handle(second));
    }
    let results = futures_util::future::join_all(jobs).await;
    for r in &results {
        assert!(matches!(r, Ok(Handled::Done)), "{r:?}");
    }
    let persons: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM persons p JOIN identities i ON i.person_id = p.id \
         WHERE i.external_id LIKE 'newcomer%'",
    )
    .fetch_one(a.store.pool())
    .await
    .expect("count");
    assert_eq!(persons, USERS as i64);
    assert_eq!(
        a.count("persons").await,
        USERS as i64,
        "no orphan person left behind"
    );
    let seen: i64 = a.count("inbound_seen").await;
    assert_eq!(
        seen,
        2 * USERS as i64,
        "both messages of each user were handled"
    );
}

crate::on_both_databases!(
    two_instances_start_together_on_a_fresh_database,
    first_contact_on_two_instances_at_once,
    follow_ups_on_two_instances_are_acknowledged_once,
);

/// A user's follow-ups reaching two instances at once: the thread gets both, and the user
/// is told in words once (the later ones get a reaction).
async fn follow_ups_on_two_instances_are_acknowledged_once(db: Db) {
    let (a, b) = tokio::join!(Desk::new(&db), Desk::new(&db));
    a.question_ticket("ulla").await;
    let mut jobs = Vec::new();
    for k in 0..6 {
        let desk = if k % 2 == 0 { &a } else { &b };
        let mut m = desk.inbound("ulla", Payload::Text(format!("one more thing {k}")));
        m.update_id = format!("f{k}");
        m.message = Some(format!("ulla-{k}"));
        jobs.push(desk.engine.handle(m));
    }
    for r in futures_util::future::join_all(jobs).await {
        assert!(matches!(r, Ok(Handled::Done)), "{r:?}");
    }
    let messages: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ticket_events WHERE kind = 'message_in'")
            .fetch_one(a.store.pool())
            .await
            .expect("count");
    assert_eq!(messages, 7, "the question and six follow-ups");
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE chat = 'ulla' AND payload LIKE '%Added to ticket%'",
    )
    .fetch_one(a.store.pool())
    .await
    .expect("count");
    assert_eq!(told, 1, "acknowledged in words once");
}
