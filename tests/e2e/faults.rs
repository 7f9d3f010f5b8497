//! Fault tests: real `frontline serve` processes against a simulated Telegram (a fake Bot
//! API whose users press the buttons they are sent and write follow-ups once their ticket
//! is registered), with the process killed, stopped, doubled, or cut off from its database.
//!
//! Each user asks a question the sample knowledge base cannot answer, picks the suggested
//! ticket type, and, once told the ticket's number, writes `FOLLOW_UPS` more messages. So
//! every update has a visible effect to count: a ticket, a thread message, a reply.

use frontline_bot::bench_telegram::{get_me, ok};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::Mutex;

const GROUP: i64 = -100_900;
const AGENT_A: i64 = 900;
const AGENT_B: i64 = 901;
const FOLLOW_UPS: usize = 4;
/// Updates per user: the question, the press, the follow-ups.
const PER_USER: usize = 2 + FOLLOW_UPS;
const SECRET: &str = "fault-secret";

/// How updates reach the desk: by long polling, or posted to instances' webhooks.
#[derive(Clone)]
enum Delivery {
    Poll,
    Webhook(Vec<String>),
}

/// The simulated Telegram.
struct Sim {
    delivery: Delivery,
    updates: Mutex<Vec<Value>>,
    /// The lowest update id not yet confirmed (getUpdates with an offset confirms).
    confirmed: AtomicI64,
    next_update: AtomicI64,
    next_message: AtomicI64,
    /// (chat, text, callback data of its buttons) of every message the desk sent.
    sent: Mutex<Vec<(i64, String, Vec<String>)>>,
    /// Users who pressed a kind button / were sent follow-ups already.
    pressed: Mutex<std::collections::HashSet<i64>>,
    followed: Mutex<std::collections::HashSet<i64>>,
    claimed: Mutex<std::collections::HashSet<String>>,
    /// Press every kind button twice (two updates), as an impatient user does.
    double_press: bool,
    /// Answer every ticket card with two agents' [Claim] at once.
    claim_race: bool,
    /// Users who blocked the bot: their messages are refused with 403, and counted.
    blocked: std::sync::Mutex<HashMap<i64, usize>>,
    /// When each accepted sendMessage came, to which chat.
    sent_at: std::sync::Mutex<Vec<(i64, Instant)>>,
}

impl Sim {
    fn new(delivery: Delivery, double_press: bool, claim_race: bool) -> Arc<Sim> {
        Arc::new(Sim {
            delivery,
            updates: Mutex::default(),
            confirmed: AtomicI64::new(0),
            next_update: AtomicI64::new(0),
            next_message: AtomicI64::new(0),
            sent: Mutex::default(),
            pressed: Mutex::default(),
            followed: Mutex::default(),
            claimed: Mutex::default(),
            double_press,
            claim_race,
            blocked: Default::default(),
            sent_at: Default::default(),
        })
    }

    fn message(&self, from: i64, text: &str) -> Value {
        let n = self.next_message.fetch_add(1, Ordering::SeqCst) + 1_000_000;
        json!({"message": {
            "message_id": n, "date": 1_796_112_000,
            "chat": {"id": from, "type": "private", "first_name": "U"},
            "from": {"id": from, "is_bot": false, "first_name": "U", "language_code": "en"},
            "text": text
        }})
    }

    fn press(&self, from: i64, chat: i64, data: &str) -> Value {
        let n = self.next_update.load(Ordering::SeqCst);
        let kind = if chat < 0 { "supergroup" } else { "private" };
        json!({"callback_query": {
            "id": format!("cb{n}-{from}"), "chat_instance": "ci",
            "from": {"id": from, "is_bot": false, "first_name": "A", "language_code": "en"},
            "data": data,
            "message": {"message_id": 1, "date": 1_796_112_000,
                        "chat": {"id": chat, "type": kind, "title": "g", "first_name": "U"}, "text": "…"}
        }})
    }

    /// Queues (polling) or posts (webhook) updates; a group of them posted to different
    /// instances at the same moment when there are several.
    async fn deliver(self: &Arc<Self>, updates: Vec<Value>) {
        // Numbered under the queue's lock, as Telegram numbers them: in the order they are
        // queued. (Numbered outside it, an update could be queued after a later one had
        // been confirmed, and be dropped as if delivered.)
        let mut queue = self.updates.lock().await;
        let mut numbered = Vec::new();
        for mut u in updates {
            let id = self.next_update.fetch_add(1, Ordering::SeqCst) + 1;
            u["update_id"] = json!(id);
            numbered.push(u);
        }
        match &self.delivery {
            Delivery::Poll => queue.extend(numbered),
            Delivery::Webhook(hooks) => {
                drop(queue);
                for (i, u) in numbered.into_iter().enumerate() {
                    let id = u["update_id"].as_i64().unwrap_or(0) as usize;
                    let hooks = hooks.clone();
                    // Spread over the instances; a pair goes to two different ones.
                    let first = (id + i) % hooks.len();
                    tokio::spawn(async move { post_until_ok(&hooks, first, u.to_string()).await });
                }
            }
        }
    }

    /// What the simulated users and agents do when they are sent a message.
    async fn react(self: &Arc<Self>, chat: i64, text: &str, buttons: &[String]) {
        if chat > 0 {
            if let Some(kind) = buttons.iter().find(|b| b.starts_with("1k"))
                && self.pressed.lock().await.insert(chat)
            {
                let mut presses = vec![self.press(chat, chat, kind)];
                if self.double_press {
                    presses.push(self.press(chat, chat, kind));
                }
                self.deliver(presses).await;
            }
            if text.contains("is registered") && self.followed.lock().await.insert(chat) {
                let follow: Vec<Value> = (0..FOLLOW_UPS)
                    .map(|k| self.message(chat, &format!("more detail number {k}")))
                    .collect();
                self.deliver(follow).await;
            }
        } else if self.claim_race
            && let Some(claim) = buttons.iter().find(|b| b.starts_with("1a"))
            && self.claimed.lock().await.insert(claim.clone())
        {
            let a = self.press(AGENT_A, chat, claim);
            let b = self.press(AGENT_B, chat, claim);
            self.deliver(vec![a, b]).await;
        }
    }

    async fn sent_to(&self, chat: i64) -> Vec<String> {
        self.sent
            .lock()
            .await
            .iter()
            .filter(|(c, ..)| *c == chat)
            .map(|(_, t, _)| t.clone())
            .collect()
    }

    /// Users who were told their ticket's number.
    async fn registered(&self) -> usize {
        let sent = self.sent.lock().await;
        let users: std::collections::HashSet<i64> = sent
            .iter()
            .filter(|(c, t, _)| *c > 0 && t.contains("is registered"))
            .map(|(c, ..)| *c)
            .collect();
        users.len()
    }

    /// (messages sent to users, of which repeated: the same text to the same chat twice).
    async fn repeats(&self) -> (usize, usize) {
        let sent = self.sent.lock().await;
        let mut seen: HashMap<(i64, &str), usize> = HashMap::new();
        for (c, t, _) in sent.iter().filter(|(c, ..)| *c > 0) {
            *seen.entry((*c, t.as_str())).or_default() += 1;
        }
        let repeated = seen.values().map(|n| n - 1).sum();
        (sent.iter().filter(|(c, ..)| *c > 0).count(), repeated)
    }
}

/// Posts an update to a webhook, trying the next instance and again until one takes it
/// (Telegram redelivers what got no 200).
async fn post_until_ok(hooks: &[String], first: usize, body: String) {
    for attempt in 0..200 {
        let hook = &hooks[(first + attempt) % hooks.len()];
        if post_hook(hook, &body).await == Some(200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no instance took update {body}");
}

async fn post_hook(addr: &str, body: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!(
        "POST /hook HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

/// `GET path` on `addr`: the status and body.
async fn get(addr: &str, path: &str) -> Option<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .ok()?
    .ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Some((status, body))
}

async fn api(
    State(sim): State<Arc<Sim>>,
    Path((_bot, method)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match method.to_lowercase().as_str() {
        "getme" => ok(get_me()),
        "getupdates" => {
            let offset = body["offset"].as_i64().unwrap_or(0);
            sim.confirmed.fetch_max(offset, Ordering::SeqCst);
            for _ in 0..10 {
                let mut updates = sim.updates.lock().await;
                // What an offset confirms is gone for good, as on Telegram.
                updates.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                if !updates.is_empty() {
                    let batch: Vec<Value> = updates.iter().take(100).cloned().collect();
                    return ok(Value::Array(batch));
                }
                drop(updates);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            ok(json!([]))
        }
        "sendmessage" => {
            let chat = body["chat_id"].as_i64().unwrap_or(0);
            if let Some(refused) = sim
                .blocked
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_mut(&chat)
            {
                *refused += 1;
                return (
                    axum::http::StatusCode::FORBIDDEN,
                    axum::Json(json!({"ok": false, "error_code": 403,
                        "description": "Forbidden: bot was blocked by the user"})),
                )
                    .into_response();
            }
            sim.sent_at
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((chat, Instant::now()));
            let text = body["text"].as_str().unwrap_or("").to_string();
            let buttons: Vec<String> = body["reply_markup"]["inline_keyboard"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|row| row.as_array().cloned().unwrap_or_default())
                .filter_map(|b| b["callback_data"].as_str().map(String::from))
                .collect();
            sim.sent
                .lock()
                .await
                .push((chat, text.clone(), buttons.clone()));
            sim.react(chat, &text, &buttons).await;
            let id = sim.next_message.fetch_add(1, Ordering::SeqCst) + 1;
            ok(json!({"message_id": id, "date": 1_796_112_000,
                      "chat": {"id": chat, "type": "private", "first_name": "U"}, "text": text}))
        }
        _ => ok(json!(true)),
    }
}

/// Serves the simulation on 127.0.0.1; returns its URL.
async fn listen(sim: Arc<Sim>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let app = Router::new()
        .route("/{bot}/{method}", post(api))
        .with_state(sim);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

fn free_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").to_string()
}

/// One `frontline serve` process.
struct Desk {
    data: std::path::PathBuf,
    config: std::path::PathBuf,
    instance: String,
    child: Option<Child>,
}

impl Desk {
    fn new(
        dir: &std::path::Path,
        api: &str,
        database: Option<&str>,
        hook: Option<&str>,
        instance: &str,
        extra: &str,
    ) -> Desk {
        let data = dir.join(instance);
        std::fs::create_dir_all(&data).expect("data dir");
        let mut toml = String::new();
        if let Some(url) = database {
            toml.push_str(&format!("database_url = \"{url}\"\n"));
        }
        toml.push_str(&format!(
            "[telegram]\ntoken = \"1:FAULT\"\napi_url = \"{api}\"\nagent_chat = {GROUP}\n\
             throttle = false\n"
        ));
        if let Some(hook) = hook {
            toml.push_str(&format!(
                "webhook_url = \"http://{hook}/hook\"\nwebhook_listen = \"{hook}\"\n\
                 webhook_secret = \"{SECRET}\"\n"
            ));
        }
        toml.push_str(&format!(
            "[[staff]]\nname = \"anna\"\nrole = \"agent\"\ntelegram = {AGENT_A}\n\
             [[staff]]\nname = \"boris\"\nrole = \"agent\"\ntelegram = {AGENT_B}\n"
        ));
        toml.push_str(extra);
        let config = data.join("frontline.toml");
        std::fs::write(&config, toml).expect("config");
        let mut desk = Desk {
            data,
            config,
            instance: instance.to_string(),
            child: None,
        };
        desk.start();
        desk
    }

    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.join("serve.log"))
            .expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_frontline"))
            .arg("--data-dir")
            .arg(&self.data)
            .arg("--config")
            .arg(&self.config)
            .arg("serve")
            .env_remove("FRONTLINE_DATA_DIR")
            .env_remove("DATABASE_URL")
            .env_remove("FRONTLINE_TELEGRAM_TOKEN")
            .env("FRONTLINE_INSTANCE", &self.instance)
            .env("FRONTLINE_WEB_ENABLED", "false")
            // FRONTLINE_FAULT_LOG=info shows more of what the processes did.
            .env(
                "FRONTLINE_LOG",
                std::env::var("FRONTLINE_FAULT_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("frontline serve starts");
        self.child = Some(child);
    }

    /// kill -9: no chance to finish anything.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM; returns the exit status and how long the stop took.
    fn terminate(&mut self) -> (std::process::ExitStatus, Duration) {
        let mut c = self.child.take().expect("running");
        let started = Instant::now();
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let deadline = started + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = c.try_wait() {
                return (status, started.elapsed());
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                panic!("the desk did not stop within 20 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Keeps Telegram's rate limits from the next start on (the configuration says so).
    fn throttle(&mut self) {
        let toml = std::fs::read_to_string(&self.config).expect("config");
        std::fs::write(
            &self.config,
            toml.replace("throttle = false", "throttle = true"),
        )
        .expect("config");
    }

    fn alive(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.data.join("serve.log")).unwrap_or_default()
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `users` users asking, in waves, so the burst is still going when faults come.
async fn burst(sim: &Arc<Sim>, users: i64) {
    for chunk in (1..=users).collect::<Vec<_>>().chunks(25) {
        let asks: Vec<Value> = chunk
            .iter()
            .map(|&u| {
                sim.message(
                    10_000 + u,
                    "the coffee machine on the third floor makes strange noises",
                )
            })
            .collect();
        sim.deliver(asks).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

/// The burst, started in the background.
fn start_burst(sim: &Arc<Sim>, users: i64) -> tokio::task::JoinHandle<()> {
    let sim = sim.clone();
    tokio::spawn(async move { burst(&sim, users).await })
}

/// Waits until at least `n` users were told their ticket's number.
async fn until_registered(sim: &Arc<Sim>, desks: &[&Desk], n: usize) {
    wait_until(120, "the burst did not get on", desks, || {
        let sim = sim.clone();
        async move { sim.registered().await >= n }
    })
    .await;
}

/// Waits until `done` holds, or fails after `secs` with what the desk logged.
async fn wait_until<F, Fut>(secs: u64, what: &str, desks: &[&Desk], mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done().await {
        if Instant::now() > deadline {
            let logs: Vec<String> = desks.iter().map(|d| d.log()).collect();
            let tail: String = logs
                .join("\n---\n")
                .chars()
                .rev()
                .take(4000)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            panic!("{what} within {secs} s; logs end:\n{tail}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What the database says of the run: tickets per requester, thread messages per ticket.
struct Outcome {
    tickets: i64,
    requesters: i64,
    /// Tickets whose thread lacks a follow-up.
    short_threads: i64,
    claims: i64,
}

async fn outcome(url: &str) -> Outcome {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
        .fetch_one(&mut conn)
        .await
        .expect("tickets");
    let requesters: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT requester_id) FROM tickets")
        .fetch_one(&mut conn)
        .await
        .expect("requesters");
    let short_threads: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM tickets t WHERE (SELECT COUNT(*) FROM ticket_events e \
         WHERE e.ticket_id = t.id AND e.kind = 'message_in') < {}",
        1 + FOLLOW_UPS
    ))
    .fetch_one(&mut conn)
    .await
    .expect("threads");
    let claims: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ticket_events WHERE kind = 'claimed'")
            .fetch_one(&mut conn)
            .await
            .unwrap_or(0);
    Outcome {
        tickets,
        requesters,
        short_threads,
        claims,
    }
}

/// Waits until every user was told their ticket's number and every follow-up is in its
/// thread; returns the database's outcome and (messages to users, of them repeated).
async fn settle(
    sim: &Arc<Sim>,
    url: &str,
    users: i64,
    desks: &[&Desk],
    what: &str,
) -> (Outcome, usize, usize) {
    wait_until(240, what, desks, || {
        let sim = sim.clone();
        async move { sim.registered().await == users as usize }
    })
    .await;
    wait_until(
        120,
        "not every follow-up reached its ticket",
        desks,
        || async { outcome(url).await.short_threads == 0 },
    )
    .await;
    let (to_users, repeated) = sim.repeats().await;
    (outcome(url).await, to_users, repeated)
}

/// A fresh PostgreSQL database for one test, or `None` without `FRONTLINE_TEST_POSTGRES_URL`.
async fn postgres_database() -> Option<(String, String)> {
    use sqlx::Connection;
    let admin = std::env::var("FRONTLINE_TEST_POSTGRES_URL").ok()?;
    static N: AtomicI64 = AtomicI64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let name = format!(
        "frontline_t{now}_f{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some((base.to_string(), name))
}

/// kill -9 three times during a burst: nothing lost, no ticket twice, every user told.
async fn kill_nine_three_times(database: Option<String>) {
    const USERS: i64 = 2_000 / PER_USER as i64;
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = Sim::new(Delivery::Poll, false, false);
    let api = listen(sim.clone()).await;
    let mut desk = Desk::new(dir.path(), &api, database.as_deref(), None, "a", "");
    let url = database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", desk.data.join("frontline.db").display()));
    let feeding = start_burst(&sim, USERS);
    let started = Instant::now();
    let mut recoveries = Vec::new();
    for k in 1..=3usize {
        let target = k * USERS as usize / 5;
        until_registered(&sim, &[&desk], target).await;
        desk.kill();
        let before = sim.sent.lock().await.len();
        let killed = Instant::now();
        desk.start();
        wait_until(60, "no message after the restart", &[&desk], || {
            let sim = sim.clone();
            async move { sim.sent.lock().await.len() > before }
        })
        .await;
        recoveries.push(killed.elapsed());
    }
    feeding.await.expect("burst");
    let (o, to_users, repeated) =
        settle(&sim, &url, USERS, &[&desk], "not every user was registered").await;
    eprintln!(
        "kill -9 ×3 ({}): {USERS} users, {} updates in {:.1} s; {} tickets; restart to first \
         message {:?}; {to_users} messages to users, {repeated} repeated",
        if database.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        USERS as usize * PER_USER,
        started.elapsed().as_secs_f64(),
        o.tickets,
        recoveries
    );
    assert_eq!(
        o.tickets, USERS,
        "one ticket per user, none lost or doubled"
    );
    assert_eq!(o.requesters, USERS);
    assert!(desk.alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_during_a_burst_on_sqlite_loses_and_doubles_nothing() {
    kill_nine_three_times(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_during_a_burst_on_postgres_loses_and_doubles_nothing() {
    let Some((base, name)) = postgres_database().await else {
        eprintln!("FRONTLINE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    kill_nine_three_times(Some(format!("{base}/{name}"))).await;
}

/// Two instances behind one webhook on one PostgreSQL database; every kind button pressed
/// twice, every ticket card claimed by two agents at once: one ticket, one claim, one send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_double_nothing() {
    let Some((base, name)) = postgres_database().await else {
        eprintln!("FRONTLINE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    const USERS: i64 = 120;
    let url = format!("{base}/{name}");
    let dir = tempfile::tempdir().expect("tempdir");
    let hooks = vec![free_port(), free_port()];
    let sim = Sim::new(Delivery::Webhook(hooks.clone()), true, true);
    let api = listen(sim.clone()).await;
    // Started together, on a fresh database.
    let a = Desk::new(dir.path(), &api, Some(&url), Some(&hooks[0]), "a", "");
    let b = Desk::new(dir.path(), &api, Some(&url), Some(&hooks[1]), "b", "");
    for hook in &hooks {
        wait_until(60, "an instance did not start", &[&a, &b], || async {
            tokio::net::TcpStream::connect(hook).await.is_ok()
        })
        .await;
    }
    let started = Instant::now();
    burst(&sim, USERS).await;
    wait_until(180, "not every user was registered", &[&a, &b], || {
        let sim = sim.clone();
        async move { sim.registered().await == USERS as usize }
    })
    .await;
    wait_until(
        120,
        "not every follow-up and claim landed",
        &[&a, &b],
        || {
            let url = url.clone();
            async move {
                let o = outcome(&url).await;
                o.short_threads == 0 && o.claims >= USERS
            }
        },
    )
    .await;
    // Let any second send or second claim that would come, come.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let o = outcome(&url).await;
    let (to_users, repeated) = sim.repeats().await;
    let yours = sim
        .sent_to(GROUP)
        .await
        .iter()
        .filter(|t| t.contains("is yours"))
        .count();
    let refused = sim
        .sent_to(GROUP)
        .await
        .iter()
        .filter(|t| t.contains("already"))
        .count();
    eprintln!(
        "two instances: {USERS} users, double presses and claim races, {:.1} s; {} tickets, \
         {} claims ({yours} told \"is yours\", {refused} told it was taken); {to_users} \
         messages to users, {repeated} repeated",
        started.elapsed().as_secs_f64(),
        o.tickets,
        o.claims
    );
    assert_eq!(o.tickets, USERS, "a double press registers once");
    assert_eq!(o.claims, USERS, "a claim race has one winner");
    assert_eq!(yours, USERS as usize);
    assert_eq!(repeated, 0, "no message sent twice");
    let mut a = a;
    let mut b = b;
    assert!(a.alive() && b.alive());
}

/// A TCP proxy in front of PostgreSQL that the test can cut: while cut, every connection
/// through it is closed and new ones are refused.
struct Proxy {
    addr: String,
    cut: Arc<AtomicBool>,
    open: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: &str) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let cut = Arc::new(AtomicBool::new(false));
        let open: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let upstream = upstream.to_string();
        let (c, o) = (cut.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if c.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                o.lock().expect("lock").push(task.abort_handle());
            }
        });
        Proxy { addr, cut, open }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for t in self.open.lock().expect("lock").drain(..) {
            t.abort();
        }
    }

    fn mend(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

/// The database unreachable for 10 s in the middle of a burst: the process survives, and
/// every reply arrives after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_mid_burst_is_survived() {
    let Some((base, name)) = postgres_database().await else {
        eprintln!("FRONTLINE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    const USERS: i64 = 150;
    let upstream = base
        .rsplit_once('@')
        .map_or("127.0.0.1:5432", |(_, host)| host)
        .to_string();
    let proxy = Proxy::start(&upstream).await;
    let user = base
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .map_or("postgres", |(u, _)| u)
        .to_string();
    let url = format!("postgres://{user}@{}/{name}", proxy.addr);
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = Sim::new(Delivery::Poll, false, false);
    let api = listen(sim.clone()).await;
    let ops = free_port();
    let mut desk = Desk::new(
        dir.path(),
        &api,
        Some(&url),
        None,
        "a",
        &format!("[http]\nlisten = \"{ops}\"\n"),
    );
    wait_until(60, "the desk was never ready", &[&desk], || {
        let ops = ops.clone();
        async move { get(&ops, "/readyz").await.is_some_and(|(s, _)| s == 200) }
    })
    .await;
    assert_eq!(get(&ops, "/healthz").await.map(|(s, _)| s), Some(200));
    let feeding = start_burst(&sim, USERS);
    until_registered(&sim, &[&desk], USERS as usize / 4).await;
    let (status, metrics) = get(&ops, "/metrics").await.expect("metrics");
    assert_eq!(status, 200);
    for name in [
        "frontline_updates_total{channel=\"telegram\",outcome=\"done\"}",
        "frontline_update_seconds_bucket",
        "frontline_kb_decisions_total{decision=\"no_match\"}",
        "frontline_tickets_opened_total",
        "frontline_sends_total{channel=\"telegram\",result=\"sent\"}",
        "frontline_outbox_depth",
        "frontline_outbox_oldest_seconds",
    ] {
        assert!(
            metrics.contains(name),
            "{name} missing from /metrics:\n{metrics}"
        );
    }
    proxy.cut();
    let cut_at = Instant::now();
    let during = sim.registered().await;
    let (status, body) = get(&ops, "/readyz").await.expect("readyz");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("database"), "{body}");
    assert_eq!(
        get(&ops, "/healthz").await.map(|(s, _)| s),
        Some(200),
        "the process is up"
    );
    tokio::time::sleep(Duration::from_secs(10)).await;
    proxy.mend();
    assert!(desk.alive(), "the process survived the outage");
    feeding.await.expect("burst");
    wait_until(
        240,
        "not every user was registered after the outage",
        &[&desk],
        || {
            let sim = sim.clone();
            async move { sim.registered().await == USERS as usize }
        },
    )
    .await;
    let recovered = cut_at.elapsed() - Duration::from_secs(10);
    let direct = format!("{base}/{name}");
    wait_until(
        120,
        "not every follow-up reached its ticket",
        &[&desk],
        || {
            let direct = direct.clone();
            async move { outcome(&direct).await.short_threads == 0 }
        },
    )
    .await;
    wait_until(30, "not ready again after the outage", &[&desk], || {
        let ops = ops.clone();
        async move { get(&ops, "/readyz").await.is_some_and(|(s, _)| s == 200) }
    })
    .await;
    let o = outcome(&direct).await;
    let (to_users, repeated) = sim.repeats().await;
    eprintln!(
        "database cut for 10 s: {USERS} users, {during} registered before the cut, all {} \
         {:.1} s after it came back; {to_users} messages to users, {repeated} repeated",
        o.tickets,
        recovered.as_secs_f64()
    );
    assert_eq!(o.tickets, USERS);
    assert!(desk.alive());
}

/// SIGTERM in the middle of a burst: exit 0 within 10 s, and the next start sends the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_burst_exits_cleanly_and_the_next_start_sends_the_rest() {
    const USERS: i64 = 150;
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = Sim::new(Delivery::Poll, false, false);
    let api = listen(sim.clone()).await;
    let mut desk = Desk::new(dir.path(), &api, None, None, "a", "");
    let url = format!("sqlite://{}", desk.data.join("frontline.db").display());
    let feeding = start_burst(&sim, USERS);
    until_registered(&sim, &[&desk], USERS as usize / 3).await;
    let (status, took) = desk.terminate();
    if std::env::var("FRONTLINE_FAULT_KEEP").is_ok() {
        eprintln!("{}", desk.log());
    }
    assert!(status.success(), "exit status {status:?}: {}", desk.log());
    assert!(took < Duration::from_secs(10), "stopping took {took:?}");
    let at_stop = sim.registered().await;
    feeding.await.expect("burst");
    desk.start();
    let (o, to_users, repeated) = settle(
        &sim,
        &url,
        USERS,
        &[&desk],
        "not every user was registered after the restart",
    )
    .await;
    eprintln!(
        "SIGTERM mid-burst: exit 0 in {:.2} s with {at_stop} of {USERS} registered; the rest \
         after the restart; {} tickets; {to_users} messages to users, {repeated} repeated",
        took.as_secs_f64(),
        o.tickets
    );
    assert_eq!(o.tickets, USERS);
    assert_eq!(repeated, 0, "a clean stop repeats nothing");
}

const ADMIN: i64 = 902;

/// An announcement to 1,000 users, with Telegram's limits kept, the process stopped and
/// started again in the middle: each user gets it once, 10 who blocked the bot are tried
/// once and counted, no second has more than 30 messages, and the admin hears progress.
async fn an_announcement_across_a_restart(database: Option<String>) {
    const USERS: i64 = 1_000;
    let sim = Sim::new(Delivery::Poll, false, false);
    let api = listen(sim.clone()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let admin = format!("[[staff]]\nname = \"root\"\nrole = \"admin\"\ntelegram = {ADMIN}\n");
    let mut desk = Desk::new(dir.path(), &api, database.as_deref(), None, "a", &admin);
    // The users first write (without limits, to be quick about it).
    let user = |u: i64| 20_000 + u;
    for chunk in (1..=USERS).collect::<Vec<_>>().chunks(100) {
        let starts = chunk
            .iter()
            .map(|&u| sim.message(user(u), "/start"))
            .collect();
        sim.deliver(starts).await;
    }
    wait_until(120, "not every user was welcomed", &[&desk], || {
        let sim = sim.clone();
        async move {
            sim.sent
                .lock()
                .await
                .iter()
                .filter(|(c, ..)| *c >= 20_000)
                .count()
                >= USERS as usize
        }
    })
    .await;
    desk.terminate();
    desk.throttle();
    desk.start();
    let blocked: Vec<i64> = (1..=10).map(|k| user(k * 100)).collect();
    {
        let mut b = sim.blocked.lock().unwrap_or_else(|p| p.into_inner());
        b.extend(blocked.iter().map(|&c| (c, 0)));
    }
    let text = "/announce all\nen: Version 2.0 is out.\nru: Вышла версия 2.0.";
    sim.deliver(vec![sim.message(ADMIN, text)]).await;
    let preview = |sim: Arc<Sim>| async move {
        sim.sent.lock().await.iter().find_map(|(c, t, b)| {
            (*c == ADMIN && t.starts_with("Announcement #1 — audience “all”: 1,000 people."))
                .then(|| b.first().cloned().unwrap_or_default())
        })
    };
    wait_until(60, "no preview with [Send]", &[&desk], || {
        let sim = sim.clone();
        async move { preview(sim).await.is_some() }
    })
    .await;
    let send = preview(sim.clone()).await.unwrap_or_default();
    assert_eq!(send, "1b1.y");
    let started = Instant::now();
    sim.deliver(vec![sim.press(ADMIN, ADMIN, &send)]).await;
    let got = |sim: Arc<Sim>| async move {
        sim.sent
            .lock()
            .await
            .iter()
            .filter(|(c, t, _)| *c >= 20_000 && t.starts_with("Version 2.0 is out."))
            .count()
    };
    wait_until(60, "the announcement did not get going", &[&desk], || {
        let sim = sim.clone();
        async move { got(sim).await >= 300 }
    })
    .await;
    let (status, _) = desk.terminate();
    assert!(status.success(), "{}", desk.log());
    let at_stop = got(sim.clone()).await;
    desk.start();
    wait_until(120, "the announcement did not finish", &[&desk], || {
        let sim = sim.clone();
        async move {
            sim.sent_to(ADMIN)
                .await
                .iter()
                .any(|t| t.contains("is done"))
        }
    })
    .await;
    let took = started.elapsed();
    // Each user who can be reached, once; the blocked tried once each, across the restart.
    let sent = sim.sent.lock().await.clone();
    let mut per_user: HashMap<i64, usize> = HashMap::new();
    for (c, t, _) in &sent {
        if *c >= 20_000 && t.starts_with("Version 2.0 is out.") {
            *per_user.entry(*c).or_default() += 1;
        }
    }
    assert_eq!(per_user.len(), 990, "every reachable user");
    assert!(per_user.values().all(|&n| n == 1), "nobody twice");
    let refused = sim
        .blocked
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    assert!(
        refused.values().all(|&n| n == 1),
        "the blocked tried once: {refused:?}"
    );
    // Within Telegram's limits: no second with more than 30 messages.
    let at: Vec<Instant> = sim
        .sent_at
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|(_, t)| *t)
        .filter(|t| *t >= started)
        .collect();
    let busiest = at
        .iter()
        .map(|t0| {
            at.iter()
                .filter(|t| **t >= *t0 && t.duration_since(*t0) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(busiest <= 30, "{busiest} messages in one second");
    let admin_said = sim.sent_to(ADMIN).await;
    assert!(
        admin_said
            .iter()
            .any(|t| t.starts_with("Announcement #1: sent ") && t.contains(" of 1,000")),
        "progress: {admin_said:?}"
    );
    assert!(
        admin_said
            .iter()
            .any(|t| t == "Announcement #1 is done: sent 990 of 1,000; 10 blocked the bot."),
        "{admin_said:?}"
    );
    eprintln!(
        "announcement to {USERS} users across a restart ({}): {:.1} s, {at_stop} sent before the stop, \
         busiest second {busiest}",
        if database.is_some() {
            "postgres"
        } else {
            "sqlite"
        },
        took.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_across_a_restart_on_sqlite_arrives_once_within_the_limits() {
    an_announcement_across_a_restart(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_across_a_restart_on_postgres_arrives_once_within_the_limits() {
    let Some((base, name)) = postgres_database().await else {
        eprintln!("FRONTLINE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    };
    an_announcement_across_a_restart(Some(format!("{base}/{name}"))).await;
}
