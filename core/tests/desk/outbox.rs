//! Delivery that loses nothing and sends nothing twice.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use frontline_core::{
    Channel, ChannelKind, ChatRef, Dispatcher, ManualClock, Outbound, SendError, Store,
};
use tokio::sync::Notify;

use crate::harness::{Db, Desk, Recorder, T0};

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

/// A channel that takes its time (a little, varying by chat), counts how many sends are in
/// flight at once, can refuse one chat for a while, and may coalesce.
#[derive(Default)]
struct Platform {
    sent: Mutex<Vec<Outbound>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// Sends to this chat are refused with a 429 while set.
    refuse: Mutex<Option<String>>,
    merge_limit: usize,
}

#[async_trait]
impl Channel for Platform {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Console
    }

    fn merge_limit(&self) -> usize {
        self.merge_limit
    }

    async fn send(&self, m: &Outbound) -> Result<(), SendError> {
        if self.refuse.lock().expect("lock").as_deref() == Some(m.to.chat.as_str()) {
            return Err(SendError::Retry {
                after_ms: Some(30_000),
                reason: "429".into(),
            });
        }
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        let wait = m.to.chat.bytes().map(u64::from).sum::<u64>() % 3;
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        self.sent.lock().expect("lock").push(m.clone());
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }
}

fn to(chat: &str) -> ChatRef {
    ChatRef::new(ChannelKind::Console, chat)
}

/// Queues `messages` as the engine does: committed, in order.
async fn queue(store: &Store, messages: &[Outbound]) {
    let rows: Vec<(&ChatRef, String)> = messages
        .iter()
        .map(|m| (&m.to, serde_json::to_string(m).expect("json")))
        .collect();
    let mut tx = store.begin().await.expect("begin");
    Store::enqueue(&mut tx, &rows, T0).await.expect("enqueue");
    tx.commit().await.expect("commit");
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(T0))
}

async fn a_thousand_messages_to_fifty_chats_arrive_each_chat_in_order(db: Db) {
    let store = Store::connect(&db.url).await.expect("store");
    let messages: Vec<Outbound> = (0..1_000)
        .map(|i| Outbound::text(to(&format!("chat{}", i % 50)), format!("{}", i / 50)))
        .collect();
    queue(&store, &messages).await;
    let platform = Arc::new(Platform::default());
    // Fewer workers than chats: chats wait their turn and none is left leased to nobody.
    let dispatcher = Arc::new(
        Dispatcher::new(store.clone(), clock(), vec![platform.clone()]).with_concurrency(8),
    );
    let (ready, stop) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let running = {
        let (d, ready, stop) = (dispatcher.clone(), ready.clone(), stop.clone());
        tokio::spawn(async move {
            d.run(ready, stop, std::time::Duration::from_millis(50))
                .await
        })
    };
    for _ in 0..600 {
        if platform.sent.lock().expect("lock").len() >= 1_000 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    stop.notify_one();
    running.await.expect("dispatcher stopped");
    let sent = platform.sent.lock().expect("lock").clone();
    assert_eq!(sent.len(), 1_000, "every message, once");
    let mut last: HashMap<String, i64> = HashMap::new();
    for m in &sent {
        let n: i64 = m.text.parse().expect("number");
        let before = last.insert(m.to.chat.clone(), n).unwrap_or(-1);
        assert_eq!(n, before + 1, "{} out of order", m.to.chat);
    }
    assert!(
        platform.most_in_flight.load(Ordering::SeqCst) > 1,
        "chats were sent to in parallel"
    );
    assert_eq!(store.unsent_count().await.expect("count"), 0);
}

async fn a_retry_for_one_chat_does_not_hold_the_others(db: Db) {
    let store = Store::connect(&db.url).await.expect("store");
    let messages: Vec<Outbound> = (0..30)
        .map(|i| Outbound::text(to(["slow", "b", "c"][i % 3]), format!("{}", i / 3)))
        .collect();
    queue(&store, &messages).await;
    let platform = Arc::new(Platform::default());
    *platform.refuse.lock().expect("lock") = Some("slow".into());
    let clock = clock();
    let dispatcher = Dispatcher::new(store.clone(), clock.clone(), vec![platform.clone()]);
    assert_eq!(dispatcher.drain().await.expect("drain"), 20, "b and c went");
    let held: Vec<String> = sent_to(&platform, "slow");
    assert!(held.is_empty(), "slow waits for its retry: {held:?}");
    *platform.refuse.lock().expect("lock") = None;
    assert_eq!(
        dispatcher.drain().await.expect("drain"),
        0,
        "not before the wait"
    );
    clock.advance(30_000);
    assert_eq!(dispatcher.drain().await.expect("drain"), 10);
    let texts = sent_to(&platform, "slow");
    let expected: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    assert_eq!(texts, expected, "in order after the retry");
}

fn sent_to(platform: &Platform, chat: &str) -> Vec<String> {
    platform
        .sent
        .lock()
        .expect("lock")
        .iter()
        .filter(|m| m.to.chat == chat)
        .map(|m| m.text.clone())
        .collect()
}

async fn plain_messages_due_together_go_as_one_and_buttons_stand_alone(db: Db) {
    let store = Store::connect(&db.url).await.expect("store");
    let mut messages: Vec<Outbound> = (0..5)
        .map(|i| Outbound::text(to("group"), format!("relay {i}")))
        .collect();
    let mut asks = Outbound::text(to("group"), "Claim?".into());
    asks.buttons = vec![frontline_core::Button {
        label: "Claim".into(),
        data: "c".into(),
    }];
    messages.push(asks);
    messages.extend((5..8).map(|i| Outbound::text(to("group"), format!("relay {i}"))));
    queue(&store, &messages).await;
    // "relay 5\n\nrelay 6" is 16 characters; with "\n\nrelay 7" it would be 25.
    let platform = Arc::new(Platform {
        merge_limit: 20,
        ..Platform::default()
    });
    let dispatcher = Dispatcher::new(store.clone(), clock(), vec![platform.clone()]);
    assert_eq!(dispatcher.drain().await.expect("drain"), 9, "all nine rows");
    let sent = platform.sent.lock().expect("lock").clone();
    let texts: Vec<&str> = sent.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "relay 0\n\nrelay 1",
            "relay 2\n\nrelay 3",
            "relay 4",
            "Claim?",
            "relay 5\n\nrelay 6",
            "relay 7"
        ]
    );
    assert_eq!(sent[3].buttons.len(), 1);
    assert!(
        sent.iter()
            .enumerate()
            .all(|(i, m)| i == 3 || m.buttons.is_empty())
    );
    assert_eq!(store.unsent_count().await.expect("count"), 0);
}

async fn a_restart_takes_its_own_chats_back_at_once_and_anothers_after_the_lease(db: Db) {
    let store = Store::connect(&db.url).await.expect("store");
    queue(
        &store,
        &[
            Outbound::text(to("mine"), "one".into()),
            Outbound::text(to("theirs"), "two".into()),
        ],
    )
    .await;
    // Two instances lease a chat each, and die before sending.
    let clock = clock();
    for (holder, chat) in [("a", "mine"), ("b", "theirs")] {
        let leased = store
            .lease_chats(holder, T0, T0 + 60_000, 1, &[ChannelKind::Console])
            .await
            .expect("lease");
        assert_eq!(leased.len(), 1, "{holder} took {chat}");
    }
    // "a" starts again: its own chat goes at once; b's waits for b's lease.
    let platform = Arc::new(Platform::default());
    let again =
        Dispatcher::new(store.clone(), clock.clone(), vec![platform.clone()]).with_holder("a");
    assert_eq!(again.drain().await.expect("drain"), 1);
    assert_eq!(sent_to(&platform, "mine"), ["one"]);
    assert!(sent_to(&platform, "theirs").is_empty());
    clock.advance(60_001);
    assert_eq!(again.drain().await.expect("drain"), 1, "b's lease ran out");
    assert_eq!(sent_to(&platform, "theirs"), ["two"]);
}

async fn the_due_reads_use_indexes_and_read_a_bounded_number_of_rows(db: Db) {
    let store = Store::connect(&db.url).await.expect("store");
    // A backlog of 10,000: 5,000 to the agents' group, one each to 5,000 users.
    for part in 0..10 {
        let messages: Vec<Outbound> = (0..1_000)
            .map(|i| {
                let chat = if i % 2 == 0 {
                    "group".to_string()
                } else {
                    format!("user{part}-{i}")
                };
                Outbound::text(to(&chat), format!("message {i}"))
            })
            .collect();
        queue(&store, &messages).await;
    }
    let Some(plans) = store
        .explain_outbox_reads(T0, &to("group"), 64)
        .await
        .expect("explain")
    else {
        return; // SQLite: no plan to read here (the same indexes serve it).
    };
    sqlx::query("ANALYZE outbox_chats")
        .execute(store.pool())
        .await
        .expect("analyze");
    sqlx::query("ANALYZE outbox")
        .execute(store.pool())
        .await
        .expect("analyze");
    // The agents' group (half the backlog) and a user with one message behind 9,999 others.
    for chat in ["group", "user9-999"] {
        let [due, pending] = store
            .explain_outbox_reads(T0, &to(chat), 64)
            .await
            .expect("explain")
            .unwrap_or_else(|| plans.clone());
        assert!(due.contains("Index Scan using outbox_chats_due"), "{due}");
        if chat != "group" {
            // Only the partial index finds a rare chat's rows without reading the others'.
            assert!(
                pending.contains("Index Scan using outbox_chat_pending"),
                "{pending}"
            );
        }
        for plan in [&due, &pending] {
            assert!(!plan.contains("Seq Scan"), "{plan}");
            assert!(!plan.contains("Sort"), "read in index order: {plan}");
            assert!(bounded(plan, 64), "read at most about the limit: {plan}");
        }
    }
}

/// Whether every node of a text `EXPLAIN ANALYZE` plan returned at most `limit` rows and
/// threw away at most `limit` more.
fn bounded(plan: &str, limit: u64) -> bool {
    let number_after = |text: &str, key: &str| -> Vec<u64> {
        text.split(key)
            .skip(1)
            .filter_map(|r| r.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
            .collect()
    };
    let actual: Vec<u64> = plan
        .split("actual time=")
        .skip(1)
        .filter_map(|r| number_after(r, "rows=").first().copied())
        .collect();
    let removed = number_after(plan, "Rows Removed by Filter: ");
    !actual.is_empty() && actual.iter().all(|&n| n <= limit) && removed.iter().all(|&n| n <= limit)
}

crate::on_both_databases!(
    messages_committed_before_a_crash_are_sent_after_restart,
    failed_sends_are_retried_with_backoff_in_order,
    a_permanent_failure_is_parked_not_retried,
    a_thousand_messages_to_fifty_chats_arrive_each_chat_in_order,
    a_retry_for_one_chat_does_not_hold_the_others,
    plain_messages_due_together_go_as_one_and_buttons_stand_alone,
    a_restart_takes_its_own_chats_back_at_once_and_anothers_after_the_lease,
    the_due_reads_use_indexes_and_read_a_bounded_number_of_rows,
);
