//! Delivery that loses nothing and sends nothing twice.

use std::sync::Arc;

use frontline_core::{Dispatcher, SendError};

use crate::harness::{Db, Desk, Recorder};

async fn messages_committed_before_a_crash_are_sent_after_restart(db: Db) {
    let desk = Desk::new(&db).await;
    // The engine commits; the process "dies" before its dispatcher runs.
    desk.engine
        .handle(desk.inbound(
            "pat",
            frontline_core::Payload::Text("I forgot my password".into()),
        ))
        .await
        .expect("handled");
    assert_eq!(desk.store.unsent_count().await.expect("count"), 1);
    drop(desk);

    // A new process over the same database sends it, once.
    let store = frontline_core::Store::connect(&db.url)
        .await
        .expect("store");
    let recorder = Arc::new(Recorder::default());
    let clock = Arc::new(frontline_core::ManualClock::new(crate::harness::T0));
    let dispatcher = Dispatcher::new(store.clone(), clock, vec![recorder.clone()]);
    assert_eq!(dispatcher.drain().await.expect("drain"), 1);
    assert_eq!(dispatcher.drain().await.expect("drain"), 0);
    let sent = recorder.sent.lock().expect("lock").clone();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].text.starts_with("📄 Reset a forgotten password"));
    assert_eq!(store.unsent_count().await.expect("count"), 0);
}

async fn failed_sends_are_retried_with_backoff_in_order(db: Db) {
    let desk = Desk::new(&db).await;
    desk.recorder
        .failures
        .lock()
        .expect("lock")
        .push(SendError::Retry {
            after_ms: Some(3_000),
            reason: "429 Too Many Requests".into(),
        });
    desk.engine
        .handle(desk.inbound("quinn", frontline_core::Payload::Text("/help".into())))
        .await
        .expect("handled");
    desk.engine
        .handle(desk.inbound("quinn", frontline_core::Payload::Text("/my".into())))
        .await
        .expect("handled");
    assert_eq!(
        desk.dispatcher.drain().await.expect("drain"),
        0,
        "first failed, second held behind it"
    );
    assert!(desk.new_messages().is_empty());
    desk.clock.advance(2_000);
    assert_eq!(
        desk.dispatcher.drain().await.expect("drain"),
        0,
        "retry_after not over yet"
    );
    desk.clock.advance(1_500);
    assert_eq!(desk.dispatcher.drain().await.expect("drain"), 2);
    let texts: Vec<String> = desk.new_messages().into_iter().map(|m| m.text).collect();
    assert!(
        texts[0].starts_with("Commands:") && texts[1].starts_with("You have no tickets"),
        "{texts:?}"
    );
}

async fn a_permanent_failure_is_parked_not_retried(db: Db) {
    let desk = Desk::new(&db).await;
    desk.recorder
        .failures
        .lock()
        .expect("lock")
        .push(SendError::Permanent(
            "403 bot was blocked by the user".into(),
        ));
    desk.engine
        .handle(desk.inbound("rita", frontline_core::Payload::Text("/help".into())))
        .await
        .expect("handled");
    assert_eq!(desk.dispatcher.drain().await.expect("drain"), 0);
    desk.clock.advance(24 * 3_600_000);
    assert_eq!(desk.dispatcher.drain().await.expect("drain"), 0);
    assert_eq!(
        desk.store.unsent_count().await.expect("count"),
        1,
        "kept, with its error"
    );
}

crate::on_both_databases!(
    messages_committed_before_a_crash_are_sent_after_restart,
    failed_sends_are_retried_with_backoff_in_order,
    a_permanent_failure_is_parked_not_retried,
);
