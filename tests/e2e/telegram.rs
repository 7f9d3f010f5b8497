//! The desk in Telegram: the real teloxide client against a fake Bot API on 127.0.0.1 that
//! keeps what a test needs (updates to hand out, messages sent, callbacks answered).

use frontline_bot::bench_telegram::{get_me, ok};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use frontline_bot::app::App;
use frontline_bot::config::Config;
use serde_json::{Value, json};
use tokio::sync::Mutex;

pub(crate) const USER: i64 = 111;
const AGENT: i64 = 900;
const GROUP: i64 = -100_500;
const ADMIN: i64 = 901;

#[derive(Default)]
pub(crate) struct Fake {
    updates: Mutex<Vec<Value>>,
    /// (method, request body) of every call but getUpdates.
    calls: Mutex<Vec<(String, Value)>>,
    /// How many sendMessage calls to answer with 429 before accepting.
    refuse_429: AtomicU32,
    /// The chat whose messages are refused with 429 (0: any).
    refuse_429_to: AtomicI64,
    /// How many sendMessage calls to drop (the connection breaks before an answer).
    drop: AtomicU32,
    /// Files by id, served by the download endpoint.
    files: Mutex<std::collections::HashMap<String, String>>,
    next_message: AtomicI64,
    next_update: AtomicI64,
}

fn chat(id: i64) -> Value {
    if id < 0 {
        json!({"id": id, "type": "supergroup", "title": "Agents"})
    } else {
        json!({"id": id, "type": "private", "first_name": "Uma"})
    }
}

async fn api(
    State(fake): State<Arc<Fake>>,
    Path((_bot, method)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let method = method.to_lowercase();
    let body: Value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| json!({"raw": String::from_utf8_lossy(&body)}));
    match method.as_str() {
        "getme" => ok(get_me()),
        "getupdates" => {
            let offset = body["offset"].as_i64().unwrap_or(0);
            // A short wait when there is nothing: a long poll, shortened for tests.
            for _ in 0..10 {
                let pending: Vec<Value> = fake
                    .updates
                    .lock()
                    .await
                    .iter()
                    .filter(|u| u["update_id"].as_i64().unwrap_or(0) >= offset)
                    .cloned()
                    .collect();
                if !pending.is_empty() {
                    return ok(Value::Array(pending));
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            ok(json!([]))
        }
        "sendmessage" => {
            let only = fake.refuse_429_to.load(Ordering::SeqCst);
            if (only == 0 || body["chat_id"].as_i64() == Some(only))
                && fake
                    .refuse_429
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
            {
                fake.calls.lock().await.push(("429".into(), body));
                return (
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    axum::Json(json!({
                        "ok": false, "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1}
                    })),
                )
                    .into_response();
            }
            if fake
                .drop
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                fake.calls.lock().await.push(("dropped".into(), body));
                // Headers, then a body that breaks: the client sees the connection fail
                // before any answer, and the message was not taken.
                let broken = futures_util::stream::once(async {
                    Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped"))
                });
                return Response::new(axum::body::Body::from_stream(broken));
            }
            let id = fake.next_message.fetch_add(1, Ordering::SeqCst) + 1;
            let chat_id = body["chat_id"].as_i64().unwrap_or(0);
            let message = json!({
                "message_id": id, "date": 1_796_112_000, "chat": chat(chat_id),
                "text": body["text"].clone()
            });
            let mut body = body;
            body["sent_as"] = json!(id);
            fake.calls.lock().await.push((method, body));
            ok(message)
        }
        "createforumtopic" => {
            let id = fake.next_message.fetch_add(1, Ordering::SeqCst) + 1;
            let name = body["name"].clone();
            fake.calls.lock().await.push((method, body));
            ok(json!({"message_thread_id": id, "name": name, "icon_color": 7_322_096}))
        }
        "getfile" => {
            let id = body["file_id"].as_str().unwrap_or("").to_string();
            let size = fake.files.lock().await.get(&id).map_or(0, String::len);
            fake.calls.lock().await.push((method, body));
            ok(
                json!({"file_id": id, "file_unique_id": "u", "file_size": size, "file_path": format!("documents/{id}")}),
            )
        }
        "copymessage" => {
            let id = fake.next_message.fetch_add(1, Ordering::SeqCst) + 1;
            fake.calls.lock().await.push((method, body));
            ok(json!({"message_id": id}))
        }
        "setmycommands"
        | "setmessagereaction"
        | "answercallbackquery"
        | "closeforumtopic"
        | "reopenforumtopic"
        | "setwebhook" => {
            fake.calls.lock().await.push((method, body));
            ok(json!(true))
        }
        _ => {
            fake.calls.lock().await.push((method, body));
            axum::Json(json!({"ok": false, "error_code": 400, "description": "Bad Request: not in this fake"})).into_response()
        }
    }
}

impl Fake {
    async fn push(&self, update: Value) -> i64 {
        let id = self.next_update.fetch_add(1, Ordering::SeqCst) + 1;
        let mut update = update;
        update["update_id"] = json!(id);
        self.updates.lock().await.push(update);
        id
    }

    pub(crate) async fn say(&self, from: i64, chat: i64, text: &str) {
        self.say_in(from, chat, None, text).await;
    }

    /// A message, in forum topic `topic` when given.
    async fn say_in(&self, from: i64, chat: i64, topic: Option<i64>, text: &str) {
        let n = self.next_update.load(Ordering::SeqCst) + 1000;
        let mut message = json!({
            "message_id": n, "date": 1_796_112_000, "chat": self::chat(chat),
            "from": {"id": from, "is_bot": false, "first_name": if from == AGENT { "Anna" } else { "Uma" }, "language_code": "en"},
            "text": text
        });
        if let Some(t) = topic {
            message["message_thread_id"] = json!(t);
            message["is_topic_message"] = json!(true);
        }
        self.push(json!({ "message": message })).await;
    }

    async fn calls_of(&self, method: &str) -> Vec<Value> {
        self.calls
            .lock()
            .await
            .iter()
            .filter(|(m, _)| m == method)
            .map(|(_, b)| b.clone())
            .collect()
    }

    pub(crate) async fn press(&self, from: i64, data: &str) {
        self.press_in(from, USER, data).await;
    }

    /// A button pressed on a message in `chat`.
    async fn press_in(&self, from: i64, in_chat: i64, data: &str) {
        let n = self.next_update.load(Ordering::SeqCst);
        self.push(json!({"callback_query": {
            "id": format!("cb{n}"), "chat_instance": "ci",
            "from": {"id": from, "is_bot": false, "first_name": "Uma", "language_code": "en"},
            "data": data,
            "message": {"message_id": 1, "date": 1_796_112_000, "chat": chat(in_chat), "text": "…"}
        }}))
        .await;
    }

    /// The messages sent to `chat` so far.
    async fn sent_to(&self, chat: i64) -> Vec<Value> {
        self.calls
            .lock()
            .await
            .iter()
            .filter(|(m, b)| m == "sendmessage" && b["chat_id"].as_i64() == Some(chat))
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// Waits until `chat` has received more than `seen` messages; returns the new ones.
    pub(crate) async fn wait_for(&self, chat: i64, seen: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let sent = self.sent_to(chat).await;
            if sent.len() > seen {
                // Let the rest of a burst arrive.
                tokio::time::sleep(Duration::from_millis(300)).await;
                return self.sent_to(chat).await[seen..].to_vec();
            }
            if Instant::now() >= deadline {
                let calls = self.calls.lock().await.clone();
                panic!("nothing reached chat {chat}; calls: {calls:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Fake {
    /// Waits until a message to `chat` ends with `tail`; returns every message sent there.
    pub(crate) async fn wait_text(&self, chat: i64, tail: &str) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let sent = self.sent_to(chat).await;
            if sent
                .iter()
                .any(|m| m["text"].as_str().unwrap_or("").ends_with(tail))
            {
                return sent;
            }
            assert!(
                Instant::now() < deadline,
                "{tail:?} never reached {chat}: {sent:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Whether a message is the bundled sample's answer to a forgotten password.
fn is_password_answer(message: &Value) -> bool {
    message["text"]
        .as_str()
        .unwrap_or("")
        .starts_with("📄 Reset a forgotten password")
}

pub(crate) fn buttons(message: &Value) -> Vec<(String, String)> {
    message["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["text"].as_str().unwrap_or("").to_string(),
                b["callback_data"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// `GET /file/bot<token>/documents%2F<id>`: a file's bytes.
async fn download(
    State(fake): State<Arc<Fake>>,
    Path((_bot, path)): Path<(String, String)>,
) -> Response {
    // teloxide sends the file path as one (percent-encoded) segment.
    let id = path.trim_start_matches("documents/");
    match fake.files.lock().await.get(id) {
        Some(text) => text.clone().into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start(
    fake: Arc<Fake>,
    data: &std::path::Path,
    topics: bool,
) -> (String, tokio::task::JoinHandle<()>) {
    let url = listen(fake).await;
    let desk = serve(&url, data, topics).await;
    (url, desk)
}

/// Serves the fake Bot API on 127.0.0.1; returns its URL.
pub(crate) async fn listen(fake: Arc<Fake>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let app = Router::new()
        .route("/{bot}/{method}", post(api))
        .route("/file/{bot}/{path}", axum::routing::get(download))
        .with_state(fake);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

async fn serve(url: &str, data: &std::path::Path, topics: bool) -> tokio::task::JoinHandle<()> {
    let config = Config::parse(&format!(
        "[telegram]\ntoken = \"123:ABC\"\napi_url = \"{url}\"\nagent_chat = {GROUP}\nthrottle = false\ntopics = {topics}\n\
         [[staff]]\nname = \"anna\"\nrole = \"agent\"\ntelegram = {AGENT}\n\
         [[staff]]\nname = \"root\"\nrole = \"admin\"\ntelegram = {ADMIN}\n[web]\nenabled = false\n"
    ))
    .expect("config");
    // A "restart" in this process: the aborted desk's tasks let go of the index's writer lock
    // only as they wind down (a real restart is a new process, whose lock died with the old).
    let mut tries = 0;
    let app = loop {
        match App::start(config.clone(), data, Arc::new(frontline_core::SystemClock)).await {
            Err(e) if format!("{e:#}").contains("LockBusy") && tries < 50 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => break other.expect("app"),
        }
    };
    tokio::spawn(async move {
        let _ = frontline_bot::serve::run(&app).await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_works_in_telegram_with_the_real_client() {
    let data = tempfile::tempdir().expect("tempdir");
    // A long article (about 6,000 characters) for the agents to look at later.
    let article = data.path().join("long-guide.md");
    let lines: Vec<String> = (0..60)
        .map(|i| {
            format!(
                "Step {i:02}: {}",
                "check the cable and the plug. ".repeat(3).trim_end()
            )
        })
        .collect();
    std::fs::write(
        &article,
        format!(
            "---\nslug: long-guide\ntitle: The long guide\nlang: en\n---\n{}\n",
            lines.join("\n")
        ),
    )
    .expect("write");
    let imported = crate::frontline(
        data.path(),
        &["kb", "import", article.to_str().expect("utf-8")],
    );
    assert!(imported.status.success(), "{}", crate::stderr(&imported));
    // That first import of the desk's own retired the bundled sample; the desk takes the
    // sample's articles back as its own, beside the long one.
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../kb/sample");
    let imported = crate::frontline(data.path(), &["kb", "import", sample]);
    assert!(imported.status.success(), "{}", crate::stderr(&imported));
    let fake = Arc::new(Fake::default());
    let (url, desk) = start(fake.clone(), data.path(), false).await;

    // A question in private chat: an answer with an inline keyboard.
    fake.say(USER, USER, "I forgot my password").await;
    let answer = fake.wait_for(USER, 0).await;
    assert!(is_password_answer(&answer[0]), "{answer:?}");
    assert!(
        answer[0].get("parse_mode").is_none(),
        "plain text: nothing to escape"
    );
    let choices = buttons(&answer[0]);
    assert_eq!(choices[0].0, "Helped");
    assert_eq!(choices[1].0, "Not helped");

    // [Not helped]: the kinds; the first registers the ticket and the card reaches the group.
    fake.press(USER, &choices[1].1).await;
    let kinds = fake.wait_for(USER, 1).await;
    let kind = buttons(&kinds[0]);
    assert!(kind.len() >= 7, "{kinds:?}");
    fake.press(USER, &kind[0].1).await;
    let registered = fake.wait_for(USER, 2).await;
    assert!(
        registered[0]["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("Ticket #1 is registered."),
        "{registered:?}"
    );
    let card = fake.wait_for(GROUP, 0).await;
    assert!(
        card[0]["text"].as_str().unwrap_or("").contains("#1"),
        "{card:?}"
    );
    assert_eq!(buttons(&card[0])[0].0, "Claim");
    let answered = fake
        .calls
        .lock()
        .await
        .iter()
        .filter(|(m, _)| m == "answercallbackquery")
        .count();
    assert_eq!(answered, 2, "every press is answered");

    // [Claim] on the card, pressed in the group: the agent takes the ticket.
    fake.press_in(AGENT, GROUP, &buttons(&card[0])[0].1).await;
    fake.wait_text(USER, "anna has taken your ticket #1.").await;
    fake.wait_text(GROUP, "is yours: I forgot my password")
        .await;

    // The agent's reply from the group reaches the user; text that breaks Markdown arrives
    // as typed.
    let nasty = "_*[]()~>#+-=|{}.!<&";
    fake.say(AGENT, GROUP, &format!("/reply 1 Try this: {nasty}"))
        .await;
    fake.wait_text(USER, &format!("Try this: {nasty}")).await;

    // The user's follow-up reaches the group, intact.
    fake.say(USER, USER, &format!("still {nasty}")).await;
    fake.wait_text(GROUP, &format!("still {nasty}")).await;

    // Without topics, an agent's reply to the ticket's card is about that ticket: a reply.
    let card_id = card[0]["sent_as"].as_i64().expect("id");
    fake.push(json!({"message": {
        "message_id": 5000, "date": 1_796_112_000, "chat": chat(GROUP),
        "from": {"id": AGENT, "is_bot": false, "first_name": "Anna", "language_code": "en"},
        "text": "Answered by replying to the card",
        "reply_to_message": {"message_id": card_id, "date": 1_796_112_000, "chat": chat(GROUP), "text": "card"}
    }}))
    .await;
    fake.wait_text(USER, "Answered by replying to the card")
        .await;

    // Telegram says 429 to the user's chat: the message waits retry_after and arrives once.
    fake.refuse_429_to.store(USER, Ordering::SeqCst);
    fake.refuse_429.store(1, Ordering::SeqCst);
    let asked = Instant::now();
    fake.say(AGENT, GROUP, "/reply 1 After the flood").await;
    let late = fake.wait_text(USER, "After the flood").await;
    assert!(
        asked.elapsed() >= Duration::from_secs(1),
        "waited retry_after"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let refused = fake
        .calls
        .lock()
        .await
        .iter()
        .filter(|(m, _)| m == "429")
        .count();
    assert_eq!(refused, 1);
    let all = fake.sent_to(USER).await;
    let delivered = all
        .iter()
        .filter(|m| {
            m["text"]
                .as_str()
                .unwrap_or("")
                .ends_with("After the flood")
        })
        .count();
    assert_eq!(delivered, 1, "{late:?}");

    // The connection drops before Telegram answers: the outbox sends again, and the message
    // arrives once.
    fake.drop.store(1, Ordering::SeqCst);
    fake.say(AGENT, GROUP, "/reply 1 Across a broken line")
        .await;
    fake.wait_text(USER, "Across a broken line").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.calls_of("dropped").await.len(), 1);
    let arrived = fake
        .sent_to(USER)
        .await
        .iter()
        .filter(|m| {
            m["text"]
                .as_str()
                .unwrap_or("")
                .ends_with("Across a broken line")
        })
        .count();
    assert_eq!(arrived, 1);

    // Over 4,096 characters: two messages, split between lines, nothing lost.
    let before = fake.sent_to(GROUP).await.len();
    fake.say(AGENT, GROUP, "/kb show long-guide").await;
    fake.wait_text(GROUP, &lines[59]).await;
    // (The acknowledgement of the reply before may arrive meanwhile: chats are sent to in
    // parallel, so the group's message can come after the user's.)
    let shown: Vec<String> = fake.sent_to(GROUP).await[before..]
        .iter()
        .filter_map(|m| m["text"].as_str().map(String::from))
        .filter(|t| !t.starts_with("Sent to the requester"))
        .collect();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown.iter().all(|t| t.encode_utf16().count() <= 4096));
    assert!(
        shown[1].starts_with("Step "),
        "split at a line: {}",
        &shown[1][..40]
    );
    let joined = shown.join("\n");
    assert!(lines.iter().all(|l| joined.contains(l.as_str())));

    // An admin's Markdown file with the caption /kb add becomes an article.
    fake.files.lock().await.insert(
        "doc1".into(),
        "---\nslug: badge-lost\ntitle: Lost badge\nlang: en\n---\nTell security at once.\n".into(),
    );
    fake.push(json!({"message": {
        "message_id": 6000, "date": 1_796_112_000, "chat": chat(GROUP),
        "from": {"id": ADMIN, "is_bot": false, "first_name": "Root", "language_code": "en"},
        "document": {"file_id": "doc1", "file_unique_id": "d1", "file_name": "badge-lost.md", "file_size": 70},
        "caption": "/kb add"
    }}))
    .await;
    fake.wait_text(GROUP, "Lost badge. Users get it from now on.")
        .await;

    // The commands' menus were registered: users' in both languages, agents' in the group.
    let commands: Vec<Value> = fake
        .calls
        .lock()
        .await
        .iter()
        .filter(|(m, _)| m == "setmycommands")
        .map(|(_, b)| b.clone())
        .collect();
    assert!(commands.iter().any(|b| b["language_code"] == "ru"));
    // The agents' menu in the group lists every staff command, in both languages.
    let staff = frontline_core::commands::of(frontline_core::commands::Who::Staff).count();
    for lang in ["en", "ru"] {
        let menu = commands
            .iter()
            .find(|b| b["scope"]["chat_id"] == GROUP && b["language_code"] == lang)
            .unwrap_or_else(|| panic!("no {lang} agents' menu: {commands:?}"));
        assert_eq!(menu["commands"].as_array().map(Vec::len), Some(staff));
    }

    // A restart polls from offset 0 and gets every update again: none is handled twice.
    desk.abort();
    let before = fake.calls.lock().await.len();
    let again = serve(&url, data.path(), false).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after: Vec<(String, Value)> = fake.calls.lock().await[before..].to_vec();
    assert!(
        after.iter().all(|(m, _)| m != "sendmessage"),
        "redelivered updates sent again: {after:?}"
    );
    again.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_ticket_gets_a_forum_topic_that_closes_and_reopens_with_it() {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = Arc::new(Fake::default());
    let (_url, desk) = start(fake.clone(), data.path(), true).await;

    fake.say(
        USER,
        USER,
        "the coffee machine on the third floor makes strange noises",
    )
    .await;
    let kinds = fake.wait_for(USER, 0).await;
    fake.press(USER, &buttons(&kinds[0])[0].1).await;
    let card = fake.wait_for(GROUP, 0).await;
    let topics = fake.calls_of("createforumtopic").await;
    assert_eq!(topics.len(), 1);
    assert_eq!(
        topics[0]["name"],
        "#1 the coffee machine on the third floor makes strange noises"
    );
    let topic = card[0]["message_thread_id"]
        .as_i64()
        .expect("posted in the topic");
    assert_eq!(buttons(&card[0])[0].0, "Claim");

    // Plain text in the topic is a reply to the ticket's requester.
    fake.say_in(
        AGENT,
        GROUP,
        Some(topic),
        "Hold both buttons for five seconds.",
    )
    .await;
    fake.wait_text(USER, "Hold both buttons for five seconds.")
        .await;
    // The user's answer comes back into the topic.
    fake.say(USER, USER, "It worked, thanks").await;
    let relayed = fake.wait_text(GROUP, "It worked, thanks").await;
    let last = relayed.last().expect("relayed");
    assert_eq!(last["message_thread_id"].as_i64(), Some(topic));

    // A photo joins the thread: named in the relay, and the photo itself copied into the topic.
    fake.push(json!({"message": {
        "message_id": 4242, "date": 1_796_112_000, "chat": chat(USER),
        "from": {"id": USER, "is_bot": false, "first_name": "Uma", "language_code": "en"},
        "photo": [{"file_id": "f1", "file_unique_id": "u1", "width": 10, "height": 10}],
        "caption": "the error screen"
    }}))
    .await;
    fake.wait_text(GROUP, "the error screen\n📎 photo").await;
    // The second follow-up is acknowledged with a reaction on the user's own message, not
    // with another "Added to ticket" in their chat.
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.calls_of("setmessagereaction").await.is_empty() {
        assert!(Instant::now() < deadline, "no reaction");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reaction = &fake.calls_of("setmessagereaction").await[0];
    assert_eq!(
        (
            reaction["chat_id"].as_i64(),
            reaction["message_id"].as_i64()
        ),
        (Some(USER), Some(4242))
    );
    assert_eq!(reaction["reaction"][0]["emoji"], "👌");
    let added = fake
        .sent_to(USER)
        .await
        .iter()
        .filter(|m| {
            m["text"]
                .as_str()
                .unwrap_or("")
                .starts_with("Added to ticket")
        })
        .count();
    assert_eq!(added, 1, "said in words once, for the first follow-up");
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.calls_of("copymessage").await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "the photo never reached the topic"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let copy = &fake.calls_of("copymessage").await[0];
    assert_eq!(
        (
            copy["chat_id"].as_i64(),
            copy["from_chat_id"].as_i64(),
            copy["message_id"].as_i64(),
            copy["message_thread_id"].as_i64()
        ),
        (Some(GROUP), Some(USER), Some(4242), Some(topic))
    );

    // Resolved from the topic without the number; the user confirms; the topic closes.
    fake.say_in(AGENT, GROUP, Some(topic), "/resolve").await;
    let asked = fake.wait_text(USER, "Is the problem solved?").await;
    let confirm = buttons(asked.last().expect("asked"));
    fake.press(USER, &confirm[0].1).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.calls_of("closeforumtopic").await.is_empty() {
        assert!(Instant::now() < deadline, "the topic never closed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        fake.calls_of("closeforumtopic").await[0]["message_thread_id"],
        topic
    );

    // Reopened by the agent: the topic opens again before anything is posted in it.
    fake.say(AGENT, GROUP, "/reopen 1").await;
    fake.wait_text(GROUP, "#1 reopened by anna.").await;
    assert_eq!(fake.calls_of("reopenforumtopic").await.len(), 1);
    assert_eq!(
        fake.calls_of("createforumtopic").await.len(),
        1,
        "one topic per ticket"
    );
    desk.abort();
}

/// Posts `body` to the webhook with `secret` (none when `None`); returns the HTTP status.
async fn post_hook(addr: &str, secret: Option<&str>, body: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let header = secret
        .map(|s| format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST /telegram/hook HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n{header}Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_requests_without_the_secret_are_refused() {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = Arc::new(Fake::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let router = Router::new()
        .route("/{bot}/{method}", post(api))
        .with_state(fake.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    // A free port for the webhook server.
    let hook = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").to_string()
    };
    let config = Config::parse(&format!(
        "[telegram]\ntoken = \"123:ABC\"\napi_url = \"{url}\"\nagent_chat = {GROUP}\nthrottle = false\n\
         webhook_url = \"http://{hook}/telegram/hook\"\nwebhook_listen = \"{hook}\"\n\
         webhook_secret = \"s3cret-token\"\n[web]\nenabled = false\n"
    ))
    .expect("config");
    let app = App::start(config, data.path(), Arc::new(frontline_core::SystemClock))
        .await
        .expect("app");
    let desk = tokio::spawn(async move {
        let _ = frontline_bot::serve::run(&app).await;
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(&hook).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the webhook server never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let set = fake.calls_of("setwebhook").await;
    // setWebhook is a multipart request (it may carry a certificate): look at its text.
    let sent = set[0].to_string();
    assert!(sent.contains("s3cret-token"), "{sent}");
    assert!(
        sent.contains(&format!("http://{hook}/telegram/hook")),
        "{sent}"
    );

    let update = json!({"update_id": 7, "message": {
        "message_id": 1, "date": 1_796_112_000, "chat": chat(USER),
        "from": {"id": USER, "is_bot": false, "first_name": "Uma", "language_code": "en"},
        "text": "I forgot my password"
    }})
    .to_string();
    assert_eq!(post_hook(&hook, None, &update).await, 401);
    assert_eq!(post_hook(&hook, Some("guess"), &update).await, 401);
    assert!(
        fake.sent_to(USER).await.is_empty(),
        "refused requests do nothing"
    );
    assert_eq!(post_hook(&hook, Some("s3cret-token"), &update).await, 200);
    let answer = fake.wait_for(USER, 0).await;
    assert!(is_password_answer(&answer[0]));
    // Telegram delivering it again (to this or another instance) changes nothing.
    assert_eq!(post_hook(&hook, Some("s3cret-token"), &update).await, 200);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(fake.sent_to(USER).await.len(), 1);
    desk.abort();
}

/// A private chat id of 2^40 (the Bot API allows 52-bit ids) once crashed the process inside
/// teloxide's `Throttle`; the desk paces by itself now and answers it like anyone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_with_a_forty_bit_id_is_answered_and_so_is_the_next() {
    const BIG: i64 = 1 << 40;
    let data = tempfile::tempdir().expect("tempdir");
    let fake = Arc::new(Fake::default());
    let (_url, desk) = start(fake.clone(), data.path(), false).await;
    fake.say(BIG, BIG, "I forgot my password").await;
    let answer = fake.wait_for(BIG, 0).await;
    assert!(is_password_answer(&answer[0]), "{answer:?}");
    fake.say(USER, USER, "I forgot my password").await;
    fake.wait_for(USER, 0).await;
    assert!(!desk.is_finished(), "the desk still serves");
    desk.abort();
}

/// A group that is neither the agents' nor a route's.
const STRANGERS: i64 = -100_777;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_get_only_a_pointer_and_the_agents_group_listens_to_staff_only() {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = Arc::new(Fake::default());
    let (_url, desk) = start(fake.clone(), data.path(), false).await;
    // In a stranger group: a question is not answered, not registered, not searched.
    fake.say(USER, STRANGERS, "I forgot my password").await;
    // /help there (as Telegram sends it in groups) gets only the pointer.
    fake.say(USER, STRANGERS, "/help@frontline_bot").await;
    let pointer = fake.wait_for(STRANGERS, 0).await;
    assert_eq!(pointer.len(), 1, "{pointer:?}");
    assert!(
        pointer[0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("private"),
        "{pointer:?}"
    );
    // In the agents' group: a user's question and the staff's own chatter get nothing.
    fake.say(USER, GROUP, "I forgot my password").await;
    fake.say(AGENT, GROUP, "morning all, coffee?").await;
    // What marks the end: a staff command is still answered there.
    fake.say(AGENT, GROUP, "/queue").await;
    let group = fake.wait_for(GROUP, 0).await;
    assert_eq!(group.len(), 1, "only the /queue answer: {group:?}");
    assert!(
        !group[0]["text"].as_str().unwrap_or("").contains("password"),
        "{group:?}"
    );
    // The user is still served privately, and answers stay there.
    fake.say(USER, USER, "I forgot my password").await;
    let answer = fake.wait_for(USER, 0).await;
    assert!(is_password_answer(&answer[0]), "{answer:?}");
    assert_eq!(fake.sent_to(STRANGERS).await.len(), 1, "nothing more there");
    desk.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_update_gets_an_answer_or_a_reason() {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = Arc::new(Fake::default());
    let (_url, desk) = start(fake.clone(), data.path(), false).await;
    let message = |n: i64, extra: Value| {
        let mut m = json!({
            "message_id": n, "date": 1_796_112_000, "chat": chat(USER),
            "from": {"id": USER, "is_bot": false, "first_name": "Uma", "language_code": "en"},
        });
        if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
            m.extend(extra.clone());
        }
        json!({ "message": m })
    };
    // A sticker, a location, a contact, a dice: what the desk can read instead.
    let kinds = [
        json!({"sticker": {"file_id": "s", "file_unique_id": "su", "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false}}),
        json!({"location": {"latitude": 52.5, "longitude": 13.4}}),
        json!({"contact": {"phone_number": "+100", "first_name": "Bo"}}),
        json!({"dice": {"emoji": "🎲", "value": 3}}),
    ];
    for (i, kind) in kinds.iter().enumerate() {
        fake.push(message(10 + i as i64, kind.clone())).await;
    }
    // (Due together, the replies may come merged into one message.)
    let said = said_until(&fake, USER, "text, photos and files", kinds.len()).await;
    assert!(!said.contains("ticket"), "{said}");
    // Text of only zero-width characters is refused like empty text: no ticket.
    fake.say(USER, USER, "\u{200B}\u{2060}\u{FEFF}").await;
    said_until(&fake, USER, "The message is empty", 1).await;
    // A button without data, and an update teloxide cannot read: the desk goes on.
    fake.push(json!({"callback_query": {
        "id": "cbx", "chat_instance": "ci",
        "from": {"id": USER, "is_bot": false, "first_name": "Uma", "language_code": "en"},
        "message": {"message_id": 1, "date": 1_796_112_000, "chat": chat(USER), "text": "…"}
    }}))
    .await;
    said_until(&fake, USER, "text, photos and files", kinds.len() + 1).await;
    fake.push(json!({"message": {"message_id": "not a number", "chat": 5}}))
        .await;
    fake.say(USER, USER, "I forgot my password").await;
    let said = said_until(&fake, USER, "📄 Reset a forgotten password", 1).await;
    assert_eq!(
        said.matches("text, photos and files").count(),
        kinds.len() + 1,
        "{said}"
    );
    assert!(!desk.is_finished());
    desk.abort();
}

/// Waits until what `chat` was sent says `phrase` `n` times; returns all it was sent.
async fn said_until(fake: &Fake, chat: i64, phrase: &str, n: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let said: Vec<String> = fake
            .sent_to(chat)
            .await
            .iter()
            .map(|m| m["text"].as_str().unwrap_or("").to_string())
            .collect();
        let said = said.join("\n---\n");
        if said.matches(phrase).count() >= n {
            return said;
        }
        assert!(
            Instant::now() < deadline,
            "{phrase:?} ×{n} never reached {chat}: {said}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
