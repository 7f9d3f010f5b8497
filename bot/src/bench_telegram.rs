//! `frontline bench telegram`: the desk end to end as a Telegram user meets it — a fake Bot
//! API on 127.0.0.1 inside the bench, and the real serve loop against it (teloxide long
//! polling, the engine, the outbox, the dispatcher, the adapter). Each figure is the time from
//! an update being available in the fake's `getUpdates` to the bot's message arriving at the
//! fake's `sendMessage`.
//!
//! Workloads:
//! - `answers`: users ask questions the bundled knowledge base answers.
//! - `relay`: users who each have an open ticket send follow-ups; each must reach the
//!   agents' group (a group without topics unless `--topics`).
//!
//! Each user sends their next message once the previous one's answer (or relay) arrived — a
//! closed loop, as people chat — unless `--burst`, which makes every message available at
//! once (the flood a busy morning or a broadcast reply brings).
//! - `register`: new users whose questions become tickets: the question, then the kind
//!   button when the bot asks; timed to "Ticket #N is registered".
//! - `mixed`: the relay burst saturating the agents' group while other users ask answered
//!   questions; the figures are the answers'.
//!
//! - `announce`: `--users` people who once wrote to the bot; an admin sends them an
//!   announcement (`/announce all`, [Send]); timed from the press to each user's copy
//!   arriving. With `--limits telegram` the floor is Telegram's 30 messages a second.
//!
//! The fake counts requests beyond Telegram's documented limits (1 message a second per
//! private chat, 20 a minute per group, 30 a second overall) as `over_limit`; with
//! `--limits telegram` it also refuses them with 429 (`rate_limited`), as Telegram does, and
//! the desk paces itself; with `--limits off` the desk sends without pacing and the fake
//! accepts everything.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use frontline_core::{ChannelKind, Inbound, Payload};
use serde::Serialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::bench_engine::{ANSWERED, UNANSWERED};
use crate::config::Config;

/// The agents' group of the bench desk.
const GROUP: i64 = -100_777;
/// Users' Telegram ids start here.
const FIRST_USER: i64 = 10_000;
/// The admin who announces (`announce`).
const ADMIN: i64 = 5;
/// How the announcement of `announce` starts, as users get it.
const ANNOUNCEMENT: &str = "Version 2.0 is out";
/// The longest a run may take before it gives up waiting for what is missing.
const PATIENCE: Duration = Duration::from_secs(1_200);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    Answers,
    Relay,
    Register,
    Mixed,
    Announce,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Limits {
    /// No pacing in the desk; the fake accepts everything (and still counts what would
    /// have been over Telegram's limits).
    Off,
    /// The desk keeps Telegram's limits; the fake refuses what is beyond them with 429.
    Telegram,
}

/// What one run measured; with `--json` the last line is this object.
#[derive(Debug, Serialize)]
struct Report {
    workload: Workload,
    db: String,
    users: usize,
    /// p90 and the slowest, for the text line only (the JSON keys are fixed).
    #[serde(skip)]
    tail_ms: (f64, f64),
    messages: usize,
    delivered: usize,
    msgs_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    peak_rss_mb: f64,
    over_limit: u64,
    rate_limited: u64,
    /// `announce`: the admin's progress messages.
    #[serde(skip)]
    progress: u64,
    /// `announce --askers`: answers during it, their p50 and p99 (ms).
    #[serde(skip)]
    answers: (usize, f64, f64),
}

/// One message the bot sent, as the fake saw it.
struct Arrival {
    chat: i64,
    text: String,
    /// The callback data of its buttons.
    buttons: Vec<String>,
}

/// The fake Bot API and the simulated users behind it.
struct Fake {
    updates: Mutex<Vec<Value>>,
    /// Notified when updates are added, so a waiting `getUpdates` answers at once.
    wake: tokio::sync::Notify,
    enforce: bool,
    windows: Mutex<Windows>,
    over_limit: AtomicU64,
    rate_limited: AtomicU64,
    next_message: AtomicI64,
    users: Mutex<Users>,
    done: tokio::sync::Notify,
    /// Set at the first `getUpdates`: the desk is up.
    polling: std::sync::atomic::AtomicBool,
}

/// Recent sends, to judge them against Telegram's limits.
#[derive(Default)]
struct Windows {
    per_chat: HashMap<i64, VecDeque<Instant>>,
    overall: VecDeque<Instant>,
}

impl Windows {
    /// Whether a message to `chat` now would be beyond a limit; records it when not.
    /// Returns the seconds to wait when it would.
    fn admit(&mut self, chat: i64, now: Instant) -> Option<u64> {
        let (limit, window) = if chat < 0 {
            (20, Duration::from_secs(60))
        } else {
            (1, Duration::from_secs(1))
        };
        let sends = self.per_chat.entry(chat).or_default();
        while sends
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            sends.pop_front();
        }
        while self
            .overall
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            self.overall.pop_front();
        }
        if sends.len() >= limit {
            let free = sends
                .front()
                .map_or(window, |t| window - now.duration_since(*t));
            return Some(free.as_secs().max(1));
        }
        if self.overall.len() >= 30 {
            return Some(1);
        }
        sends.push_back(now);
        self.overall.push_back(now);
        None
    }
}

/// What the simulated users are doing, and what was measured.
struct Users {
    workload: Workload,
    /// Per user: the messages still to send, and when each outstanding one became available.
    scripts: HashMap<i64, VecDeque<Value>>,
    outstanding: HashMap<i64, VecDeque<Instant>>,
    /// Relayed follow-ups waiting for the group, by their token.
    relays: HashMap<String, Instant>,
    latencies_ms: Vec<f64>,
    expected: usize,
    next_update: i64,
    first_at: Option<Instant>,
    last_at: Option<Instant>,
    /// Progress messages the admin got (`announce`).
    progress: u64,
    /// `announce`: the users who ask while it goes, and their answers' times.
    askers: std::ops::Range<i64>,
    answer_ms: Vec<f64>,
}

/// A Bot API success reply: what every fake Bot API here (this bench's, the e2e tests') sends.
pub fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

/// The fake bot's `getMe`, as teloxide reads it at start.
pub fn get_me() -> Value {
    json!({
        "id": 1, "is_bot": true, "first_name": "Frontline", "username": "frontline_bot",
        "can_join_groups": true, "can_read_all_group_messages": true,
        "supports_inline_queries": false, "has_main_web_app": false
    })
}

fn chat_json(id: i64) -> Value {
    if id < 0 {
        json!({"id": id, "type": "supergroup", "title": "Agents"})
    } else {
        json!({"id": id, "type": "private", "first_name": "User"})
    }
}

fn user_json(id: i64) -> Value {
    json!({"id": id, "is_bot": false, "first_name": format!("User{id}"), "language_code": "en"})
}

impl Fake {
    /// Makes updates available (stamps their ids and the time).
    fn push(&self, users: &mut Users, from: i64, updates: Vec<Value>) {
        let now = Instant::now();
        let mut queue = self.updates.lock().unwrap_or_else(|p| p.into_inner());
        for mut u in updates {
            users.next_update += 1;
            u["update_id"] = json!(users.next_update);
            let token = u["message"]["text"]
                .as_str()
                .and_then(|t| t.split_whitespace().next())
                .filter(|t| t.starts_with("[r"))
                .map(str::to_string);
            if let Some(token) = token {
                users.relays.insert(token, now);
            } else if u.get("message").is_some() {
                users.outstanding.entry(from).or_default().push_back(now);
            }
            queue.push(u);
        }
        drop(queue);
        users.first_at.get_or_insert(now);
        self.wake.notify_waiters();
    }

    /// `announce`: the admin presses [Send] under the preview (the clock starts then); each
    /// user's copy is measured from it.
    fn announced(&self, users: &mut Users, a: &Arrival, now: Instant) {
        if a.chat == ADMIN {
            if let Some(send) = a
                .buttons
                .iter()
                .find(|b| b.starts_with("1b") && b.ends_with(".y"))
            {
                let press = json!({"callback_query": {
                    "id": format!("cq{}", users.next_update), "from": user_json(ADMIN),
                    "chat_instance": "ci", "data": send,
                    "message": {"message_id": 1, "date": 1_796_112_000, "chat": chat_json(ADMIN), "text": "?"}
                }});
                self.push(users, ADMIN, vec![press]);
                users.first_at = Some(now);
                // The askers start asking as the announcement starts going.
                for id in users.askers.clone() {
                    if let Some(next) = users.scripts.get_mut(&id).and_then(VecDeque::pop_front) {
                        self.push(users, id, vec![next]);
                    }
                }
            } else if a.text.contains(": sent ") {
                users.progress += 1;
            }
        } else if users.askers.contains(&a.chat) && !a.buttons.is_empty() {
            // An answer to an asker: timed from their question, and their next goes.
            if let Some(at) = users
                .outstanding
                .get_mut(&a.chat)
                .and_then(VecDeque::pop_front)
            {
                users
                    .answer_ms
                    .push(now.duration_since(at).as_secs_f64() * 1000.0);
            }
            if let Some(next) = users.scripts.get_mut(&a.chat).and_then(VecDeque::pop_front) {
                self.push(users, a.chat, vec![next]);
            }
        } else if a.text.starts_with(ANNOUNCEMENT)
            && let Some(at) = users.first_at
        {
            users
                .latencies_ms
                .push(now.duration_since(at).as_secs_f64() * 1000.0);
            users.last_at = Some(now);
        }
        if users.latencies_ms.len() >= users.expected {
            self.done.notify_one();
        }
    }

    /// A message the bot sent: measures it and lets its user go on.
    fn arrived(&self, a: Arrival) {
        let now = Instant::now();
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let users = &mut *users;
        let mut delivered = Vec::new();
        if users.workload == Workload::Announce {
            self.announced(users, &a, now);
            return;
        }
        if a.chat == GROUP {
            for token in a.text.split_whitespace().filter(|t| t.starts_with("[r")) {
                let Some(at) = users.relays.remove(token) else {
                    continue;
                };
                // In the mixed load the relays are the background; the answers are measured.
                if users.workload != Workload::Mixed {
                    delivered.push(at);
                }
                // `[rUSER.K]`: that user goes on with their next follow-up.
                let user = token
                    .trim_start_matches("[r")
                    .split('.')
                    .next()
                    .and_then(|u| u.parse::<i64>().ok());
                if let Some(user) = user
                    && let Some(next) = users.scripts.get_mut(&user).and_then(VecDeque::pop_front)
                {
                    self.push(users, user, vec![next]);
                }
            }
        } else {
            let answer = match users.workload {
                Workload::Answers | Workload::Mixed => !a.buttons.is_empty(),
                Workload::Register => a.text.starts_with("Ticket #"),
                // Announcements are measured by `announced`.
                Workload::Relay | Workload::Announce => false,
            };
            if users.workload == Workload::Register
                && let Some(kind) = a.buttons.first().filter(|_| a.text.contains("what kind"))
            {
                // The user taps the kind the bot guessed.
                let press = json!({"callback_query": {
                    "id": format!("cq{}", users.next_update), "from": user_json(a.chat),
                    "chat_instance": "ci", "data": kind,
                    "message": {"message_id": 1, "date": 1_796_112_000, "chat": chat_json(a.chat), "text": "?"}
                }});
                self.push(users, a.chat, vec![press]);
            }
            if answer
                && let Some(at) = users
                    .outstanding
                    .get_mut(&a.chat)
                    .and_then(VecDeque::pop_front)
            {
                delivered.push(at);
                if let Some(next) = users.scripts.get_mut(&a.chat).and_then(VecDeque::pop_front) {
                    self.push(users, a.chat, vec![next]);
                }
            }
        }
        for at in delivered {
            users
                .latencies_ms
                .push(now.duration_since(at).as_secs_f64() * 1000.0);
            users.last_at = Some(now);
        }
        if users.latencies_ms.len() >= users.expected {
            self.done.notify_one();
        }
    }
}

async fn api(
    State(fake): State<Arc<Fake>>,
    Path((_bot, method)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let method = method.to_lowercase();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match method.as_str() {
        "getme" => ok(get_me()),
        "getupdates" => {
            fake.polling.store(true, Ordering::SeqCst);
            let offset = body["offset"].as_i64().unwrap_or(0).max(1);
            let deadline = Instant::now() + Duration::from_secs(1);
            loop {
                let wake = fake.wake.notified();
                tokio::pin!(wake);
                wake.as_mut().enable();
                let pending: Vec<Value> = {
                    let updates = fake.updates.lock().unwrap_or_else(|p| p.into_inner());
                    let from = usize::try_from(offset - 1).unwrap_or(0);
                    updates.iter().skip(from).take(100).cloned().collect()
                };
                if !pending.is_empty() {
                    return ok(Value::Array(pending));
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() || tokio::time::timeout(left, wake).await.is_err() {
                    return ok(json!([]));
                }
            }
        }
        "sendmessage" => {
            let chat = body["chat_id"].as_i64().unwrap_or(0);
            let over = fake
                .windows
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .admit(chat, Instant::now());
            if let Some(wait) = over {
                fake.over_limit.fetch_add(1, Ordering::Relaxed);
                if fake.enforce {
                    fake.rate_limited.fetch_add(1, Ordering::Relaxed);
                    return (
                        axum::http::StatusCode::TOO_MANY_REQUESTS,
                        axum::Json(json!({
                            "ok": false, "error_code": 429,
                            "description": format!("Too Many Requests: retry after {wait}"),
                            "parameters": {"retry_after": wait}
                        })),
                    )
                        .into_response();
                }
            }
            let id = fake.next_message.fetch_add(1, Ordering::Relaxed) + 1;
            let text = body["text"].as_str().unwrap_or("").to_string();
            let buttons = body["reply_markup"]["inline_keyboard"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|row| row.as_array().cloned().unwrap_or_default())
                .filter_map(|b| b["callback_data"].as_str().map(str::to_string))
                .collect();
            let message = json!({
                "message_id": id, "date": 1_796_112_000, "chat": chat_json(chat), "text": text
            });
            fake.arrived(Arrival {
                chat,
                text,
                buttons,
            });
            ok(message)
        }
        "createforumtopic" => {
            let id = fake.next_message.fetch_add(1, Ordering::Relaxed) + 1;
            ok(
                json!({"message_thread_id": id, "name": body["name"].clone(), "icon_color": 7_322_096}),
            )
        }
        _ => ok(json!(true)),
    }
}

/// What to run (the command line's flags).
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// What the users do.
    #[arg(long, value_enum, default_value = "answers")]
    pub workload: Workload,
    /// Users at once.
    #[arg(long, default_value_t = 200)]
    pub users: usize,
    /// Messages in all (for `register`: one question per user).
    #[arg(long, default_value_t = 2_000)]
    pub messages: usize,
    /// Keep Telegram's rate limits (the fake refuses what is beyond them), or not.
    #[arg(long, value_enum, default_value = "off")]
    pub limits: Limits,
    /// The agents' group has forum topics (a topic per ticket).
    #[arg(long)]
    pub topics: bool,
    /// Every message available at once, instead of each user's next after their last was
    /// answered.
    #[arg(long)]
    pub burst: bool,
    /// `announce`: this many more users ask questions (10 each, one after another) while
    /// the announcement goes; their answers are timed apart.
    #[arg(long, default_value_t = 0)]
    pub askers: usize,
    /// Run on this PostgreSQL server (a fresh database is created on it).
    #[arg(long)]
    pub postgres: Option<String>,
    /// End with one JSON line of the figures.
    #[arg(long)]
    pub json: bool,
}

/// Runs one benchmark and prints its figures.
///
/// # Errors
/// When the desk cannot start, or not every message arrived within twenty minutes.
pub async fn run(mut opts: Options) -> anyhow::Result<()> {
    opts.users = opts.users.max(1);
    opts.messages = match opts.workload {
        Workload::Register | Workload::Announce => opts.users,
        _ => opts.messages.max(opts.users),
    };
    let dir = tempfile::tempdir().context("a temporary data dir")?;
    let (db, url, pg) = match &opts.postgres {
        Some(admin) => {
            let (url, name) = crate::bench_engine::fresh_postgres(admin).await?;
            ("postgres", url, Some((admin.clone(), name)))
        }
        None => (
            "sqlite",
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            ),
            None,
        ),
    };
    let result = bench(&opts, &url, dir.path(), db).await;
    if let Some((admin, name)) = pg {
        crate::bench_engine::drop_postgres(&admin, &name).await;
    }
    let report = result?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "bench telegram: {:?} on {}, {} users, {} messages, limits {:?}{}{}",
        report.workload,
        report.db,
        report.users,
        report.messages,
        opts.limits,
        if opts.topics { ", topics" } else { "" },
        if opts.burst { ", all at once" } else { "" }
    )?;
    writeln!(
        out,
        "delivered {} at {:.0} messages/s; update → message p50 {:.1} ms, p90 {:.1} ms, \
         p99 {:.1} ms, slowest {:.1} ms",
        report.delivered,
        report.msgs_per_s,
        report.p50_ms,
        report.tail_ms.0,
        report.p99_ms,
        report.tail_ms.1
    )?;
    writeln!(
        out,
        "over Telegram's limits: {}; answered 429: {}; peak RSS {:.0} MB",
        report.over_limit, report.rate_limited, report.peak_rss_mb
    )?;
    if report.workload == Workload::Announce {
        writeln!(
            out,
            "announcement to {} users: the last arrived {:.1} s after [Send] (Telegram's 30/s \
             makes {:.1} s the floor); {} progress messages to the admin",
            report.users,
            report.tail_ms.1 / 1000.0,
            report.users as f64 / 30.0,
            report.progress
        )?;
        if report.answers.0 > 0 {
            writeln!(
                out,
                "meanwhile {} questions answered: p50 {:.0} ms, p99 {:.0} ms",
                report.answers.0, report.answers.1, report.answers.2
            )?;
        }
    }
    if opts.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    }
    Ok(())
}

/// Runs the desk against the fake with `opts` (counts settled by [`run`]).
async fn bench(
    opts: &Options,
    url: &str,
    data: &std::path::Path,
    db: &str,
) -> anyhow::Result<Report> {
    let Options {
        workload,
        users,
        messages,
        limits,
        topics,
        burst,
        askers,
        ..
    } = *opts;
    let fake = Arc::new(Fake {
        updates: Mutex::new(Vec::new()),
        wake: tokio::sync::Notify::new(),
        enforce: limits == Limits::Telegram,
        windows: Mutex::new(Windows::default()),
        over_limit: AtomicU64::new(0),
        rate_limited: AtomicU64::new(0),
        next_message: AtomicI64::new(0),
        users: Mutex::new(Users {
            workload,
            scripts: HashMap::new(),
            outstanding: HashMap::new(),
            relays: HashMap::new(),
            latencies_ms: Vec::new(),
            expected: messages,
            next_update: 0,
            first_at: None,
            last_at: None,
            progress: 0,
            askers: 0..0,
            answer_ms: Vec::new(),
        }),
        done: tokio::sync::Notify::new(),
        polling: std::sync::atomic::AtomicBool::new(false),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api_url = format!("http://{}/", listener.local_addr()?);
    let router = axum::Router::new()
        .route("/{bot}/{method}", axum::routing::post(api))
        .with_state(fake.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });

    let config = Config::parse(&format!(
        "database_url = \"{url}\"\n[telegram]\ntoken = \"1:BENCH\"\napi_url = \"{api_url}\"\n\
         agent_chat = {GROUP}\nthrottle = {}\ntopics = {topics}\n\
         [limits]\nmessages_per_minute = 0\n[web]\nenabled = false\n\
         [[staff]]\nname = \"root\"\nrole = \"admin\"\ntelegram = {ADMIN}\n",
        limits == Limits::Telegram
    ))
    .map_err(|problems| {
        let all: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("bench configuration: {}", all.join("; "))
    })?;
    let app = App::start(config, data, Arc::new(frontline_core::SystemClock)).await?;
    let relayers = match workload {
        Workload::Relay => users,
        Workload::Mixed => users / 2,
        _ => 0,
    };
    if relayers > 0 {
        open_tickets(&app, relayers).await?;
    }
    if workload == Workload::Announce {
        welcome(&app, users + askers).await?;
        let mut u = fake.users.lock().unwrap_or_else(|p| p.into_inner());
        let first = FIRST_USER + users as i64;
        u.askers = first..first + askers as i64;
        for (i, id) in u.askers.clone().enumerate() {
            let script: VecDeque<Value> = (0..10)
                .map(|k| {
                    json!({"message": {
                        "message_id": 100 + k, "date": 1_796_112_000, "chat": chat_json(id),
                        "from": user_json(id), "text": ANSWERED[(i + k) % ANSWERED.len()]
                    }})
                })
                .collect();
            u.scripts.insert(id, script);
        }
    }

    // The scripts: what each user will send.
    let per_user = messages.div_ceil(users);
    let mut first: Vec<(i64, Value)> = Vec::new();
    let mut planned = 0;
    let mut expected = 0;
    {
        let mut u = fake.users.lock().unwrap_or_else(|p| p.into_inner());
        for i in 0..users {
            let id = FIRST_USER + i as i64;
            if workload == Workload::Announce {
                continue;
            }
            let relays = i < relayers;
            let count = per_user.min(messages - planned);
            planned += count;
            if !(relays && workload == Workload::Mixed) {
                expected += count;
            }
            let script: VecDeque<Value> = (0..count)
                .map(|k| {
                    let text = if relays {
                        format!("[r{id}.{k}] one more detail about my problem, number {k}")
                    } else if workload == Workload::Register {
                        format!("{UNANSWERED} ({id})")
                    } else {
                        ANSWERED[(i + k) % ANSWERED.len()].to_string()
                    };
                    json!({"message": {
                        "message_id": 100 + k, "date": 1_796_112_000, "chat": chat_json(id),
                        "from": user_json(id), "text": text
                    }})
                })
                .collect();
            if burst {
                // A burst: every message at once.
                first.extend(script.into_iter().map(|s| (id, s)));
            } else {
                let mut script = script;
                if let Some(s) = script.pop_front() {
                    first.push((id, s));
                }
                u.scripts.insert(id, script);
            }
        }
        u.expected = if workload == Workload::Announce {
            users + askers
        } else {
            expected
        };
    }
    let expected = if workload == Workload::Announce {
        first.push((
            ADMIN,
            json!({"message": {
                "message_id": 1, "date": 1_796_112_000, "chat": chat_json(ADMIN),
                "from": user_json(ADMIN),
                "text": format!("/announce all\n{ANNOUNCEMENT}: see what is new in the release notes.")
            }}),
        ));
        users + askers
    } else {
        expected
    };

    let serving = {
        let app = Arc::new(app);
        tokio::spawn(async move {
            if let Err(e) = crate::serve::run(&app).await {
                tracing::error!(error = %e, "serve ended");
            }
        })
    };
    // The users start once the desk polls: its start-up is not delivery.
    let up = Instant::now();
    while !fake.polling.load(Ordering::SeqCst) && up.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    {
        let mut u = fake.users.lock().unwrap_or_else(|p| p.into_inner());
        for (id, update) in first {
            fake.push(&mut u, id, vec![update]);
        }
    }
    let finished = tokio::time::timeout(PATIENCE, async {
        loop {
            let notified = fake.done.notified();
            if fake
                .users
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .latencies_ms
                .len()
                >= expected
            {
                return;
            }
            notified.await;
        }
    })
    .await;
    serving.abort();
    server.abort();
    let u = fake.users.lock().unwrap_or_else(|p| p.into_inner());
    if finished.is_err() {
        anyhow::bail!(
            "only {} of {expected} messages arrived within {} s",
            u.latencies_ms.len(),
            PATIENCE.as_secs()
        );
    }
    let mut lat = u.latencies_ms.clone();
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
            .copied()
    };
    let span = match (u.first_at, u.last_at) {
        (Some(a), Some(b)) => b.duration_since(a).as_secs_f64(),
        _ => 0.0,
    };
    Ok(Report {
        workload,
        db: db.to_string(),
        users,
        messages: expected,
        delivered: lat.len(),
        msgs_per_s: if span > 0.0 {
            lat.len() as f64 / span
        } else {
            0.0
        },
        tail_ms: (pct(0.90).unwrap_or(0.0), lat.last().copied().unwrap_or(0.0)),
        p50_ms: pct(0.50).unwrap_or(0.0),
        p99_ms: pct(0.99).unwrap_or(0.0),
        peak_rss_mb: crate::bench_cmd::peak_rss_mb().unwrap_or(0.0),
        over_limit: fake.over_limit.load(Ordering::Relaxed),
        rate_limited: fake.rate_limited.load(Ordering::Relaxed),
        progress: u.progress,
        answers: {
            let mut a = u.answer_ms.clone();
            a.sort_by(f64::total_cmp);
            let pct = |p: f64| {
                a.get(((a.len() as f64 - 1.0) * p).round() as usize)
                    .copied()
            };
            (a.len(), pct(0.5).unwrap_or(0.0), pct(0.99).unwrap_or(0.0))
        },
    })
}

/// The first `n` users write `/start` once, through the engine, before the desk serves (the
/// welcomes are marked sent: they are not what is measured).
async fn welcome(app: &App, n: usize) -> anyhow::Result<()> {
    for i in 0..n {
        let id = FIRST_USER + i as i64;
        let start = Payload::Text("/start".into());
        app.engine.handle(setup_update(id, "s", start)).await?;
    }
    mark_all_sent(app).await
}

/// User `id`'s update `k` of the set-up, from their private chat.
fn setup_update(id: i64, k: &str, payload: Payload) -> Inbound {
    crate::bench_engine::private_update(
        ChannelKind::Telegram,
        &id.to_string(),
        format!("User{id}"),
        format!("setup-{id}-{k}"),
        payload,
    )
}

/// Marks everything queued so far as sent.
async fn mark_all_sent(app: &App) -> anyhow::Result<()> {
    let now = frontline_core::Clock::now_ms(&frontline_core::SystemClock);
    sqlx::query("UPDATE outbox SET sent_ms = $1 WHERE sent_ms IS NULL")
        .bind(now)
        .execute(app.store.pool())
        .await?;
    sqlx::query("UPDATE outbox_chats SET next_due_ms = NULL")
        .execute(app.store.pool())
        .await?;
    Ok(())
}

/// Gives the first `n` users an open ticket each, through the engine, before the desk
/// serves (their registration messages are marked sent: they are not what is measured).
async fn open_tickets(app: &App, n: usize) -> anyhow::Result<()> {
    for i in 0..n {
        let id = FIRST_USER + i as i64;
        let question = Payload::Text(format!("{UNANSWERED} ({id})"));
        app.engine.handle(setup_update(id, "q", question)).await?;
        let data =
            crate::bench_engine::kind_button_of(&app.store, "telegram", &id.to_string()).await?;
        app.engine
            .handle(setup_update(id, "k", Payload::Button(data)))
            .await?;
    }
    mark_all_sent(app).await
}
