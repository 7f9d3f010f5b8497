//! The desk in Discord: the real serenity client against a fake Discord on 127.0.0.1 — a REST
//! API (through `[discord] api_proxy`) and a websocket gateway speaking the real protocol
//! (HELLO, IDENTIFY → READY, heartbeats and their ACKs, dispatches with sequence numbers,
//! RECONNECT and RESUME with replay) — that keeps what a test needs.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use frontline_bot::app::App;
use frontline_bot::config::Config;
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// A question the bundled sample answers (not the password one, which tests ask first).
const PHONE_MAIL: &str = "How do I set up work e-mail on my phone?";
const APP: u64 = 1;
const GUILD: u64 = 500;
const STAFF: u64 = 600;
const SUPPORT: u64 = 601;
const USER: u64 = 111;
/// Staff by role only: holds `AGENT_ROLE`, and no `[[staff]]` names this id.
const AGENT: u64 = 900;
const AGENT_ROLE: &str = "777";
/// An admin, by user id.
const ADMIN: u64 = 901;

/// A user's DM channel with the bot.
fn dm(user: u64) -> u64 {
    70_000 + user
}

#[derive(Default)]
struct Gateway {
    /// Dispatches: (sequence number, payload).
    events: Vec<(u64, Value)>,
    seq: u64,
    session: u32,
}

#[derive(Default)]
struct Fake {
    addr: Mutex<String>,
    /// (method, path, body) of every REST call.
    calls: Mutex<Vec<(String, String, Value)>>,
    /// Messages created, with `channel_id`.
    messages: Mutex<Vec<Value>>,
    /// Attachments by file name, served under `/attachments/`.
    files: Mutex<HashMap<String, String>>,
    /// Nonce → message, for `enforce_nonce`.
    nonces: Mutex<HashMap<String, Value>>,
    /// How many message posts to answer with 429.
    refuse_429: AtomicU32,
    /// How many message posts to take and then drop the connection before answering.
    drop: AtomicU32,
    next_id: AtomicU64,
    gateway: Mutex<Gateway>,
    /// While set, dispatches wait in the log instead of going out.
    hold: AtomicBool,
    /// Set to make the live connection send RECONNECT (op 7) and close.
    kick: AtomicBool,
    identifies: AtomicU32,
    /// The `shard` of each IDENTIFY: [id, total].
    shards: Mutex<Vec<Value>>,
    resumes: AtomicU32,
    heartbeats: AtomicU32,
}

fn user(id: u64) -> Value {
    let name = match id {
        USER => "uma",
        AGENT => "anna",
        _ => "someone",
    };
    json!({"id": id.to_string(), "username": name, "global_name": null, "avatar": null, "discriminator": "0"})
}

fn bot_user() -> Value {
    json!({"id": APP.to_string(), "username": "frontline", "avatar": null, "discriminator": "0", "bot": true})
}

fn message(id: u64, channel: u64, author: Value, content: &str) -> Value {
    json!({
        "id": id.to_string(), "channel_id": channel.to_string(), "author": author,
        "content": content, "timestamp": "2026-11-22T10:00:00.000000+00:00", "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": [], "pinned": false, "type": 0
    })
}

fn json_response(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

impl Fake {
    fn id(&self) -> u64 {
        10_000 + self.next_id.fetch_add(1, Ordering::SeqCst)
    }

    /// Queues a gateway dispatch.
    async fn dispatch(&self, t: &str, d: Value) {
        let mut gw = self.gateway.lock().await;
        gw.seq += 1;
        let s = gw.seq;
        gw.events
            .push((s, json!({"op": 0, "t": t, "s": s, "d": d})));
    }

    /// A message from `from` in `channel` (a guild channel when `guild`); returns its id.
    async fn say(&self, from: u64, channel: u64, guild: bool, text: &str) -> u64 {
        let id = self.id();
        let mut m = message(id, channel, user(from), text);
        if guild {
            m["guild_id"] = json!(GUILD.to_string());
            let roles: Vec<&str> = if from == AGENT {
                vec![AGENT_ROLE]
            } else {
                vec![]
            };
            m["member"] = json!({"roles": roles, "joined_at": "2026-01-01T00:00:00+00:00", "deaf": false, "mute": false});
        }
        self.dispatch("MESSAGE_CREATE", m).await;
        id
    }

    fn interaction(&self, kind: u8, data: Value, from: u64, channel: u64) -> Value {
        let id = self.id();
        let mut i = json!({
            "id": id.to_string(), "application_id": APP.to_string(), "type": kind, "data": data,
            "channel_id": channel.to_string(), "token": format!("tok{id}"), "version": 1,
            "locale": "en-US", "entitlements": [], "attachment_size_limit": 10_485_760
        });
        if channel == dm(from) {
            i["user"] = user(from);
        } else {
            let roles: Vec<&str> = if from == AGENT {
                vec![AGENT_ROLE]
            } else {
                vec![]
            };
            i["guild_id"] = json!(GUILD.to_string());
            i["member"] = json!({"user": user(from), "roles": roles, "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": false, "mute": false, "flags": 0});
        }
        if kind == 3 {
            i["message"] = message(self.id(), channel, bot_user(), "…");
        }
        i
    }

    /// A button pressed under a message in `channel`.
    async fn press(&self, from: u64, channel: u64, custom_id: &str) -> String {
        let i = self.interaction(
            3,
            json!({"custom_id": custom_id, "component_type": 2}),
            from,
            channel,
        );
        let token = i["token"].as_str().unwrap_or("").to_string();
        self.dispatch("INTERACTION_CREATE", i).await;
        token
    }

    /// A value chosen in the select menu `custom_id`.
    async fn select(&self, from: u64, channel: u64, custom_id: &str, value: &str) {
        let i = self.interaction(
            3,
            json!({"custom_id": custom_id, "component_type": 3, "values": [value]}),
            from,
            channel,
        );
        self.dispatch("INTERACTION_CREATE", i).await;
    }

    /// A slash command; returns its interaction token.
    async fn command(&self, from: u64, channel: u64, name: &str, options: Value) -> String {
        let i = self.interaction(
            2,
            json!({"id": "42", "name": name, "type": 1, "options": options}),
            from,
            channel,
        );
        let token = i["token"].as_str().unwrap_or("").to_string();
        self.dispatch("INTERACTION_CREATE", i).await;
        token
    }

    /// A DM from `from` with a text file attached.
    async fn upload(&self, from: u64, text: &str, name: &str, content: &str) {
        self.files
            .lock()
            .await
            .insert(name.to_string(), content.to_string());
        let addr = self.addr.lock().await.clone();
        let mut m = message(self.id(), dm(from), user(from), text);
        m["attachments"] = json!([{
            "id": self.id().to_string(), "filename": name, "size": content.len(),
            "url": format!("http://{addr}/attachments/{name}"),
            "proxy_url": format!("http://{addr}/attachments/{name}"),
            "content_type": "text/markdown; charset=utf-8"
        }]);
        self.dispatch("MESSAGE_CREATE", m).await;
    }

    async fn calls_to(&self, method: &str, path_part: &str) -> Vec<(String, Value)> {
        self.calls
            .lock()
            .await
            .iter()
            .filter(|(m, p, _)| m == method && p.contains(path_part))
            .map(|(_, p, b)| (p.clone(), b.clone()))
            .collect()
    }

    async fn sent_to(&self, channel: u64) -> Vec<Value> {
        self.messages
            .lock()
            .await
            .iter()
            .filter(|m| m["channel_id"].as_str() == Some(&channel.to_string()))
            .cloned()
            .collect()
    }

    /// Waits until a message to `channel` contains `needle` (as the user reads it); returns
    /// every message sent there.
    async fn wait_text(&self, channel: u64, needle: &str) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let sent = self.sent_to(channel).await;
            if sent.iter().any(|m| shown(m).contains(needle)) {
                return sent;
            }
            if Instant::now() >= deadline {
                let calls = self.calls.lock().await.clone();
                let recent = &calls[calls.len().saturating_sub(8)..];
                panic!("{needle:?} never reached {channel}: {sent:#?}\nlast calls: {recent:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until a message to `channel` after the first `from` contains `needle`; returns
    /// the messages after `from`.
    async fn wait_new(&self, channel: u64, from: usize, needle: &str) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let sent = self.sent_to(channel).await;
            let new = sent.get(from..).unwrap_or_default();
            if new.iter().any(|m| shown(m).contains(needle)) {
                return new.to_vec();
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} never reached {channel} after message {from}: {new:#?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the deferred reply of interaction `token` to be edited (`PATCH`: a refusal)
    /// or deleted (`DELETE`: the answer went to the chat).
    async fn original_response(&self, token: &str, method: &str) -> Vec<(String, Value)> {
        self.wait_call(
            method,
            &format!("webhooks/{APP}/{token}/messages/@original"),
        )
        .await
    }

    /// Waits for a REST call `method` to a path containing `path_part`.
    async fn wait_call(&self, method: &str, path_part: &str) -> Vec<(String, Value)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let calls = self.calls_to(method, path_part).await;
            if !calls.is_empty() {
                return calls;
            }
            assert!(
                Instant::now() < deadline,
                "no {method} {path_part}: {:?}",
                self.calls.lock().await
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A message's text as Discord shows it: Markdown escapes dropped.
fn shown(m: &Value) -> String {
    let raw = m["content"].as_str().unwrap_or("");
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

/// A message's buttons: (label, custom_id).
fn buttons(m: &Value) -> Vec<(String, String)> {
    m["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["type"] == 2)
        .map(|b| {
            (
                b["label"].as_str().unwrap_or("").to_string(),
                b["custom_id"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// A message's select menu: its custom_id and (label, value) options.
fn select_menu(m: &Value) -> Option<(String, Vec<(String, String)>)> {
    let menu = m["components"]
        .as_array()?
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find(|c| c["type"] == 3)?;
    let options = menu["options"]
        .as_array()?
        .iter()
        .map(|o| {
            (
                o["label"].as_str().unwrap_or("").to_string(),
                o["value"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    Some((menu["custom_id"].as_str()?.to_string(), options))
}

/// The JSON of a request: the body, or a multipart body's `payload_json` part.
fn body_json(body: &Bytes) -> Value {
    if let Ok(v) = serde_json::from_slice(body) {
        return v;
    }
    let text = String::from_utf8_lossy(body);
    if let Some(start) = text.find("name=\"payload_json\"") {
        let rest = &text[start..];
        if let Some(open) = rest.find('{')
            && let Some(end) = rest.find("\r\n--")
        {
            let mut v: Value = serde_json::from_str(&rest[open..end]).unwrap_or(Value::Null);
            v["multipart_files"] = json!(text.matches("filename=").count());
            return v;
        }
    }
    json!({"raw": text})
}

async fn rest(State(fake): State<Arc<Fake>>, method: Method, uri: Uri, body: Bytes) -> Response {
    let path = uri
        .path()
        .trim_start_matches("/api/v10")
        .replace("%40", "@");
    let body = body_json(&body);
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let method_name = method.as_str().to_string();
    let record = |what: &str| (what.to_string(), path.clone(), body.clone());
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["gateway"] | ["gateway", "bot"]) => {
            let addr = fake.addr.lock().await.clone();
            json_response(
                StatusCode::OK,
                json!({"url": format!("ws://{addr}/ws"), "shards": 1,
                    "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}),
            )
        }
        ("POST", ["channels", channel, "messages"]) => {
            let channel: u64 = channel.parse().unwrap_or(0);
            if fake
                .refuse_429
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                fake.calls.lock().await.push(record("429"));
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "1")],
                    axum::Json(
                        json!({"message": "You are being rate limited.", "retry_after": 1.0, "global": false}),
                    ),
                )
                    .into_response();
            }
            fake.calls.lock().await.push(record(&method_name));
            let nonce = body["nonce"].as_str().map(|n| format!("{channel}:{n}"));
            if body["enforce_nonce"] == true
                && let Some(n) = &nonce
                && let Some(existing) = fake.nonces.lock().await.get(n)
            {
                // Discord: the same nonce from the same author within minutes is the same message.
                return json_response(StatusCode::OK, existing.clone());
            }
            let mut m = message(
                fake.id(),
                channel,
                bot_user(),
                body["content"].as_str().unwrap_or(""),
            );
            for key in ["components", "allowed_mentions", "nonce", "multipart_files"] {
                if let Some(v) = body.get(key) {
                    m[key] = v.clone();
                }
            }
            fake.messages.lock().await.push(m.clone());
            if let Some(n) = nonce {
                fake.nonces.lock().await.insert(n, m.clone());
            }
            if fake
                .drop
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                // Taken, then the connection breaks before the answer.
                let broken = futures_util::stream::once(async {
                    Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped"))
                });
                return Response::new(axum::body::Body::from_stream(broken));
            }
            json_response(StatusCode::OK, m)
        }
        ("PUT", ["channels", _, "messages", _, "reactions", _, "@me"]) => {
            fake.calls.lock().await.push(record("reaction"));
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", ["channels", parent, "threads"]) => {
            fake.calls.lock().await.push(record(&method_name));
            let id = fake.id();
            json_response(
                StatusCode::CREATED,
                json!({"id": id.to_string(), "type": 11, "guild_id": GUILD.to_string(),
                    "parent_id": parent, "name": body["name"].clone()}),
            )
        }
        ("PATCH", ["channels", channel]) => {
            fake.calls.lock().await.push(record(&method_name));
            json_response(
                StatusCode::OK,
                json!({"id": channel, "type": 11, "guild_id": GUILD.to_string(), "name": "thread"}),
            )
        }
        ("GET", ["channels", channel]) => {
            fake.calls.lock().await.push(record(&method_name));
            json_response(
                StatusCode::OK,
                json!({"id": channel, "type": 0, "guild_id": GUILD.to_string(), "name": "staff"}),
            )
        }
        ("POST", ["users", "@me", "channels"]) => {
            fake.calls.lock().await.push(record(&method_name));
            let who: u64 = body["recipient_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .or_else(|| body["recipient_id"].as_u64())
                .unwrap_or(0);
            json_response(
                StatusCode::OK,
                json!({"id": dm(who).to_string(), "type": 1, "recipients": [user(who)]}),
            )
        }
        ("POST", ["interactions", _, _, "callback"]) | ("DELETE", ["webhooks", ..]) => {
            fake.calls.lock().await.push(record(&method_name));
            StatusCode::NO_CONTENT.into_response()
        }
        ("PATCH" | "POST", ["webhooks", ..]) => {
            fake.calls.lock().await.push(record(&method_name));
            let mut m = message(
                fake.id(),
                0,
                bot_user(),
                body["content"].as_str().unwrap_or(""),
            );
            m["flags"] = body["flags"].clone();
            json_response(StatusCode::OK, m)
        }
        ("GET", ["attachments", name]) => match fake.files.lock().await.get(*name) {
            Some(text) => text.clone().into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        ("PUT", ["applications", ..]) => {
            fake.calls.lock().await.push(record(&method_name));
            json_response(StatusCode::OK, json!([]))
        }
        _ => {
            fake.calls.lock().await.push(record(&method_name));
            json_response(
                StatusCode::NOT_FOUND,
                json!({"code": 0, "message": "not in this fake"}),
            )
        }
    }
}

async fn gateway(ws: WebSocketUpgrade, State(fake): State<Arc<Fake>>) -> Response {
    ws.on_upgrade(move |socket| session(fake, socket))
}

async fn send(socket: &mut WebSocket, v: &Value) -> bool {
    socket
        .send(WsMessage::Text(v.to_string().into()))
        .await
        .is_ok()
}

/// Sends the dispatches after sequence number `from`; the last one sent (or `from`), or
/// `None` when the connection is gone.
async fn send_after(fake: &Fake, socket: &mut WebSocket, from: u64) -> Option<u64> {
    let due: Vec<(u64, Value)> = fake
        .gateway
        .lock()
        .await
        .events
        .iter()
        .filter(|(s, _)| *s > from)
        .cloned()
        .collect();
    let mut last = from;
    for (s, e) in due {
        if !send(socket, &e).await {
            return None;
        }
        last = s;
    }
    Some(last)
}

/// One gateway connection: HELLO; IDENTIFY → READY or RESUME → the missed dispatches and
/// RESUMED; heartbeats acknowledged; dispatches sent as they are queued.
async fn session(fake: Arc<Fake>, mut socket: WebSocket) {
    if !send(
        &mut socket,
        &json!({"op": 10, "d": {"heartbeat_interval": 500}}),
    )
    .await
    {
        return;
    }
    // The highest sequence number this connection has sent; None until READY/RESUMED.
    let mut sent: Option<u64> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(WsMessage::Text(text))) = incoming else {
                    match incoming {
                        Some(Ok(_)) => continue,
                        _ => return,
                    }
                };
                let v: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                match v["op"].as_u64() {
                    Some(1) => {
                        fake.heartbeats.fetch_add(1, Ordering::SeqCst);
                        if !send(&mut socket, &json!({"op": 11})).await {
                            return;
                        }
                    }
                    Some(2) => {
                        fake.shards.lock().await.push(v["d"]["shard"].clone());
                        fake.identifies.fetch_add(1, Ordering::SeqCst);
                        let addr = fake.addr.lock().await.clone();
                        let (s, session) = {
                            let mut gw = fake.gateway.lock().await;
                            gw.session += 1;
                            gw.seq += 1;
                            (gw.seq, gw.session)
                        };
                        let ready = json!({"op": 0, "t": "READY", "s": s, "d": {
                            "v": 10, "user": bot_user(), "guilds": [], "shard": v["d"]["shard"].clone(),
                            "session_id": format!("session{session}"),
                            "resume_gateway_url": format!("ws://{addr}/ws"),
                            "application": {"id": APP.to_string(), "flags": 0}
                        }});
                        if !send(&mut socket, &ready).await {
                            return;
                        }
                        sent = Some(s);
                    }
                    Some(6) => {
                        fake.resumes.fetch_add(1, Ordering::SeqCst);
                        let from = v["d"]["seq"].as_u64().unwrap_or(0);
                        let Some(last) = send_after(&fake, &mut socket, from).await else {
                            return;
                        };
                        if !send(&mut socket, &json!({"op": 0, "t": "RESUMED", "s": last, "d": {}})).await {
                            return;
                        }
                        sent = Some(last);
                    }
                    _ => {}
                }
            }
            _ = tick.tick() => {
                if fake.kick.swap(false, Ordering::SeqCst) {
                    // Discord asks the client to reconnect and resume.
                    let _ = send(&mut socket, &json!({"op": 7, "d": null})).await;
                    let _ = socket.send(WsMessage::Close(None)).await;
                    return;
                }
                let Some(upto) = sent else { continue };
                if fake.hold.load(Ordering::SeqCst) {
                    continue;
                }
                let Some(last) = send_after(&fake, &mut socket, upto).await else {
                    return;
                };
                sent = Some(last);
            }
        }
    }
}

/// Serves the fake Discord (REST and gateway) on 127.0.0.1; returns its address.
async fn listen(fake: Arc<Fake>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    *fake.addr.lock().await = addr.clone();
    let app = Router::new()
        .route("/ws", axum::routing::get(gateway))
        .fallback(rest)
        .with_state(fake);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

fn discord_config(addr: &str) -> String {
    format!(
        "[discord]\ntoken = \"discord-test-token\"\napi_proxy = \"http://{addr}\"\n\
         agent_channel = \"{STAFF}\"\nsupport_channel = \"{SUPPORT}\"\n\
         [[staff]]\nname = \"Discord agents\"\nrole = \"agent\"\ndiscord_role = \"{AGENT_ROLE}\"\n\
         [[staff]]\nname = \"root\"\nrole = \"admin\"\ndiscord = \"{ADMIN}\"\n[web]\nenabled = false\n"
    )
}

async fn start_desk(config: &str, data: &std::path::Path) -> tokio::task::JoinHandle<()> {
    let config = Config::parse(config).expect("config");
    let app = App::start(config, data, Arc::new(frontline_core::SystemClock))
        .await
        .expect("app");
    tokio::spawn(async move {
        if let Err(e) = frontline_bot::serve::run(&app).await {
            panic!("serve ended: {e:#}");
        }
    })
}

/// A desk on a fresh data dir, serving the configuration `config` makes for the fake
/// Discord's address, connected to that fake.
async fn running(
    config: impl FnOnce(&str) -> String,
) -> (Arc<Fake>, tokio::task::JoinHandle<()>, tempfile::TempDir) {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = Arc::new(Fake::default());
    let addr = listen(fake.clone()).await;
    let desk = start_desk(&config(&addr), data.path()).await;
    wait_ready(&fake).await;
    (fake, desk, data)
}

/// Waits until the bot is connected (READY sent) and has registered its commands.
async fn wait_ready(fake: &Fake) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.identifies.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the bot never identified");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A question in DMs → [Not helped] → the first kind: the ticket is registered; returns the
/// thread the card went to.
async fn open_ticket(fake: &Fake, question: &str) -> u64 {
    fake.say(USER, dm(USER), false, question).await;
    let sent = fake.wait_text(dm(USER), "Did this help?").await;
    let with_buttons = sent
        .iter()
        .rev()
        .find(|m| !buttons(m).is_empty())
        .expect("an answer with buttons");
    let choices = buttons(with_buttons);
    let not_helped = choices
        .iter()
        .find(|(l, _)| l == "Not helped")
        .expect("[Not helped]");
    let seen = sent.len();
    fake.press(USER, dm(USER), &not_helped.1).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let kinds = loop {
        let sent = fake.sent_to(dm(USER)).await;
        if let Some(m) = sent[seen.min(sent.len())..]
            .iter()
            .find(|m| buttons(m).len() >= 7)
        {
            break buttons(m);
        }
        assert!(Instant::now() < deadline, "no kinds: {sent:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    fake.press(USER, dm(USER), &kinds[0].1).await;
    fake.wait_text(dm(USER), "is registered.").await;
    let threads = fake
        .wait_call("POST", &format!("channels/{STAFF}/threads"))
        .await;
    let (_, body) = threads.last().expect("a thread");
    assert_eq!(body["type"], 11, "a public thread");
    // The fake numbers channels in order; the thread's id is in the card's channel.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let msgs = fake.messages.lock().await.clone();
        if let Some(card) = msgs.iter().find(|m| {
            buttons(m).iter().any(|(l, _)| l == "Claim")
                && m["channel_id"].as_str() != Some(&STAFF.to_string())
        }) {
            return card["channel_id"]
                .as_str()
                .and_then(|c| c.parse().ok())
                .expect("thread id");
        }
        assert!(Instant::now() < deadline, "no card: {msgs:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_works_in_discord_with_the_real_client() {
    let (fake, desk, _data) = running(discord_config).await;

    // Slash commands: the users' everywhere, the agents' in the staff channel's guild.
    let global = fake
        .wait_call("PUT", &format!("applications/{APP}/commands"))
        .await;
    let names: Vec<&str> = global[0]
        .1
        .as_array()
        .expect("commands")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "ask", "help", "new", "my", "status", "close", "lang", "cancel", "forget", "join",
            "mute", "unmute"
        ]
    );
    let staff_cmds = fake
        .wait_call(
            "PUT",
            &format!("applications/{APP}/guilds/{GUILD}/commands"),
        )
        .await;
    // Every staff command of the desk's table, each described in Russian too.
    let staff_list = staff_cmds[0].1.as_array().expect("commands");
    assert_eq!(
        staff_list.len(),
        frontline_core::commands::of(frontline_core::commands::Who::Staff).count()
    );
    assert!(
        staff_list
            .iter()
            .chain(global[0].1.as_array().expect("commands"))
            .all(|c| c["description_localizations"]["ru"]
                .as_str()
                .is_some_and(|d| !d.is_empty())),
        "{staff_list:?}"
    );

    // A DM question: an answer with buttons.
    let thread = open_ticket(&fake, "I forgot my password").await;
    let dms = fake.sent_to(dm(USER)).await;
    assert!(
        shown(&dms[0]).starts_with("📄 Reset a forgotten password"),
        "{dms:#?}"
    );
    let threads = fake
        .calls_to("POST", &format!("channels/{STAFF}/threads"))
        .await;
    assert_eq!(threads.len(), 1);
    assert!(
        threads[0].1["name"]
            .as_str()
            .unwrap_or("")
            .starts_with("#1 I forgot my password"),
        "{threads:?}"
    );
    // Every interaction was acknowledged (type 6: no visible change).
    let callbacks = fake.calls_to("POST", "/callback").await;
    assert_eq!(callbacks.len(), 2);
    assert!(
        callbacks.iter().all(|(_, b)| b["type"] == 6),
        "{callbacks:?}"
    );
    // A button pressed again once its choice is made: the refusal is a follow-up only the
    // user sees (flags 64), and nothing is sent to the DM.
    let before = fake.sent_to(dm(USER)).await.len();
    let not_helped = buttons(&dms[0])[1].1.clone();
    let token = fake.press(USER, dm(USER), &not_helped).await;
    let followup = fake
        .wait_call("POST", &format!("webhooks/{APP}/{token}"))
        .await;
    assert_eq!(followup[0].1["flags"], 64, "{followup:?}");
    assert!(
        followup[0].1["content"]
            .as_str()
            .unwrap_or("")
            .contains("no longer open"),
        "{followup:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(fake.sent_to(dm(USER)).await.len(), before);

    // [Claim], pressed in the thread by an agent recognised by role.
    let card = fake.sent_to(thread).await;
    let claim = buttons(&card[0])
        .into_iter()
        .find(|(l, _)| l == "Claim")
        .expect("claim");
    fake.press(AGENT, thread, &claim.1).await;
    fake.wait_text(dm(USER), "has taken your ticket #1.").await;

    // What the agent writes in the thread goes to the user.
    let from = fake.sent_to(dm(USER)).await.len();
    fake.say(AGENT, thread, true, "Unplug the router for ten seconds")
        .await;
    fake.wait_new(dm(USER), from, "Unplug the router for ten seconds")
        .await;

    // The user's reply reaches the thread; "@everyone" pings no one, Markdown stays literal.
    let nasty = "still broken @everyone **bold** `code` ||x|| <@123>";
    fake.say(USER, dm(USER), false, nasty).await;
    let in_thread = fake.wait_text(thread, nasty).await;
    let relayed = in_thread
        .iter()
        .find(|m| shown(m).contains(nasty))
        .expect("relayed");
    assert_eq!(
        relayed["allowed_mentions"],
        json!({"parse": [], "users": [], "roles": []}),
        "mentions disabled"
    );
    assert!(
        relayed["content"]
            .as_str()
            .unwrap_or("")
            .contains(r"\*\*bold\*\*"),
        "Markdown escaped"
    );

    // A later follow-up is acknowledged with a reaction on the user's own message.
    let more = fake
        .say(USER, dm(USER), false, "one more detail: the light blinks")
        .await;
    fake.wait_text(thread, "one more detail: the light blinks")
        .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reactions: Vec<String> = fake
            .calls
            .lock()
            .await
            .iter()
            .filter(|(what, _, _)| what == "reaction")
            .map(|(_, path, _)| path.clone())
            .collect();
        if reactions.iter().any(|p| {
            p.starts_with(&format!(
                "/channels/{}/messages/{more}/reactions/",
                dm(USER)
            ))
        }) {
            break;
        }
        assert!(Instant::now() < deadline, "no reaction: {reactions:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A 2,500-character reply arrives as two messages, nothing lost.
    let long: String = (0..250)
        .map(|i| format!("w{:03}xxxxx ", i % 1000))
        .collect();
    let long = long.trim_end().to_string();
    assert!(long.chars().count() >= 2_400);
    let before = fake.sent_to(dm(USER)).await.len();
    fake.say(AGENT, thread, true, &long).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let parts = loop {
        let sent = fake.sent_to(dm(USER)).await;
        if sent.len() >= before + 2 {
            break sent[before..].to_vec();
        }
        assert!(Instant::now() < deadline, "{sent:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(parts.len(), 2, "{parts:#?}");
    assert!(
        parts
            .iter()
            .all(|p| p["content"].as_str().unwrap_or("").chars().count() <= 2000)
    );
    let joined: String = parts.iter().map(shown).collect::<Vec<_>>().join("");
    assert!(
        joined
            .replace(['\n', ' '], "")
            .contains(&long.replace(' ', "")),
        "nothing lost"
    );

    // The agents' /transcript in the thread: the whole conversation, over 3,500 characters
    // after one more long reply, comes as an attached file (a multipart upload).
    let from = fake.sent_to(dm(USER)).await.len();
    fake.say(AGENT, thread, true, &long).await;
    fake.wait_new(dm(USER), from, "w249xxxxx").await;
    let from = fake.sent_to(thread).await.len();
    fake.command(AGENT, thread, "transcript", json!([])).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let file = loop {
        let sent = fake.sent_to(thread).await;
        if let Some(m) = sent[from.min(sent.len())..]
            .iter()
            .find(|m| m["multipart_files"].as_u64().unwrap_or(0) > 0)
        {
            break m.clone();
        }
        assert!(Instant::now() < deadline, "no transcript file: {sent:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(file["multipart_files"], 1, "{file:#?}");

    // A slash command from someone who is not staff: refused ephemerally, nothing sent.
    let before_thread = fake.sent_to(thread).await.len();
    let token = fake.command(USER, STAFF, "queue", json!([])).await;
    let edits = fake.original_response(&token, "PATCH").await;
    assert!(
        edits[0].1["content"]
            .as_str()
            .unwrap_or("")
            .contains("staff"),
        "{edits:?}"
    );
    let deferred = fake.calls_to("POST", &format!("/{token}/callback")).await;
    assert_eq!(deferred[0].1["type"], 5);
    assert_eq!(deferred[0].1["data"]["flags"], 64, "ephemeral");

    // The user's /status of a ticket that is not theirs: an ephemeral refusal too.
    let token = fake
        .command(
            USER,
            dm(USER),
            "status",
            json!([{"name": "ticket", "type": 4, "value": 99}]),
        )
        .await;
    let edits = fake.original_response(&token, "PATCH").await;
    assert!(
        edits[0].1["content"].as_str().unwrap_or("").contains("99"),
        "{edits:?}"
    );
    // The user's own /status: answered in the DM, the deferred reply removed.
    let from = fake.sent_to(dm(USER)).await.len();
    let token = fake
        .command(
            USER,
            dm(USER),
            "status",
            json!([{"name": "ticket", "type": 4, "value": 1}]),
        )
        .await;
    fake.original_response(&token, "DELETE").await;
    let status = fake.wait_new(dm(USER), from, "#1").await;
    assert_eq!(status.len(), 1, "{status:#?}");

    // [Resolve] under "#1 is yours" in the thread: the user confirms with a button and
    // rates with the 1–5 select menu; the thread is archived.
    let resolve = fake
        .sent_to(thread)
        .await
        .iter()
        .flat_map(buttons)
        .find(|(l, _)| l == "Resolve")
        .expect("[Resolve] after the claim");
    let from = fake.sent_to(dm(USER)).await.len();
    fake.press(AGENT, thread, &resolve.1).await;
    let sent = fake.wait_new(dm(USER), from, "is resolved").await;
    let confirm = sent
        .iter()
        .rev()
        .flat_map(buttons)
        .next()
        .expect("confirmation buttons");
    fake.press(USER, dm(USER), &confirm.1).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let (menu, options) = loop {
        let sent = fake.sent_to(dm(USER)).await;
        if let Some(menu) = sent.iter().rev().find_map(select_menu) {
            break menu;
        }
        assert!(Instant::now() < deadline, "no CSAT menu: {sent:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let labels: Vec<&str> = options.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels.len(), 5, "{labels:?}");
    assert!(
        labels[0].contains('1') && labels[4].contains('5'),
        "{labels:?}"
    );
    fake.select(USER, dm(USER), &menu, &options[4].1).await;
    let archived = fake.wait_call("PATCH", &format!("channels/{thread}")).await;
    assert_eq!(archived[0].1["archived"], true, "{archived:?}");
    let _ = before_thread;

    // /reopen by the agent: the thread is unarchived.
    // The agents' /reopen slash command in the thread (the ticket implied).
    fake.command(AGENT, thread, "reopen", json!([])).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let edits = fake.calls_to("PATCH", &format!("channels/{thread}")).await;
        if edits.iter().any(|(_, b)| b["archived"] == false) {
            break;
        }
        assert!(Instant::now() < deadline, "{edits:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The client keeps the connection alive with heartbeats, each acknowledged.
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.heartbeats.load(Ordering::SeqCst) < 2 {
        assert!(Instant::now() < deadline, "the client heartbeats");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        fake.identifies.load(Ordering::SeqCst),
        1,
        "one session all along"
    );
    desk.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_limits_and_failures_deliver_once() {
    let (fake, desk, _data) = running(discord_config).await;

    // Discord says 429: the message waits and arrives once.
    fake.refuse_429.store(1, Ordering::SeqCst);
    let asked = Instant::now();
    fake.say(USER, dm(USER), false, "I forgot my password")
        .await;
    fake.wait_text(dm(USER), "Reset a forgotten password").await;
    assert!(asked.elapsed() >= Duration::from_secs(1), "waited");
    assert_eq!(fake.calls_to("429", "messages").await.len(), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.sent_to(dm(USER)).await.len(), 1, "delivered once");

    // The connection drops after Discord took the message: the retry carries the same nonce,
    // and the message exists once.
    fake.drop.store(1, Ordering::SeqCst);
    fake.say(USER, dm(USER), false, PHONE_MAIL).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let posts = fake
            .calls_to("POST", &format!("channels/{}/messages", dm(USER)))
            .await;
        if posts.len() >= 3 {
            break;
        }
        assert!(Instant::now() < deadline, "no retry: {posts:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = fake.sent_to(dm(USER)).await;
    assert_eq!(sent.len(), 2, "one message for two posts: {sent:#?}");
    let posts = fake
        .calls_to("POST", &format!("channels/{}/messages", dm(USER)))
        .await;
    assert_eq!(posts[1].1["nonce"], posts[2].1["nonce"], "same nonce");

    // A question in the support channel: answered in DMs, with a pointer where it was asked
    // that mentions the asker only.
    fake.say(USER, SUPPORT, true, "My account is locked").await;
    let pointer = fake.wait_text(SUPPORT, "direct messages").await;
    assert_eq!(
        pointer[0]["allowed_mentions"]["users"],
        json!([USER.to_string()])
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let answered = loop {
        let now = fake.sent_to(dm(USER)).await;
        if now.len() > sent.len() {
            break now;
        }
        assert!(Instant::now() < deadline, "no answer in DMs: {now:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(answered.len(), sent.len() + 1, "one answer, in DMs");
    assert!(
        shown(&answered[sent.len()])
            .to_lowercase()
            .contains("locked"),
        "{answered:#?}"
    );
    assert!(
        fake.sent_to(SUPPORT).await.len() == 1,
        "only the pointer in the support channel"
    );

    // Chatter in a guild channel the desk does not watch is none of its business; a slash
    // command used there is answered in the user's DMs.
    let other = 650;
    let from = fake.sent_to(dm(USER)).await.len();
    fake.say(USER, other, true, "I forgot my password").await;
    let token = fake.command(USER, other, "my", json!([])).await;
    fake.original_response(&token, "DELETE").await;
    let new = fake.wait_new(dm(USER), from, "").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        fake.sent_to(dm(USER)).await.len() - from,
        1,
        "the /my answer only: {new:#?}"
    );
    assert!(fake.sent_to(other).await.is_empty());
    desk.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_reconnect_loses_no_event() {
    let (fake, desk, _data) = running(discord_config).await;
    fake.say(USER, dm(USER), false, "I forgot my password")
        .await;
    fake.wait_text(dm(USER), "Reset a forgotten password").await;

    // An event arrives while the connection is going down: held, then the gateway asks for a
    // reconnect. The client resumes its session and gets the event then.
    let from = fake.sent_to(dm(USER)).await.len();
    fake.hold.store(true, Ordering::SeqCst);
    fake.say(USER, dm(USER), false, PHONE_MAIL).await;
    fake.kick.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    fake.hold.store(false, Ordering::SeqCst);
    // Whatever the answer, it is one, and it comes after the reconnect.
    fake.wait_new(dm(USER), from, "Did this help?").await;
    assert_eq!(fake.resumes.load(Ordering::SeqCst), 1, "resumed");
    assert_eq!(fake.identifies.load(Ordering::SeqCst), 1, "no new session");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let answers = fake.sent_to(dm(USER)).await.len() - from;
    assert_eq!(answers, 1, "handled once");
    desk.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_users_ticket_is_worked_in_discord() {
    use crate::telegram as tg;
    let telegram = Arc::new(tg::Fake::default());
    let url = tg::listen(telegram.clone()).await;
    // No Telegram agents' group: line 2 works in the Discord staff channel.
    let (discord, desk, _data) = running(|addr| {
        format!(
            "[telegram]\ntoken = \"123:ABC\"\napi_url = \"{url}\"\nthrottle = false\n{}",
            discord_config(addr)
        )
    })
    .await;

    telegram
        .say(tg::USER, tg::USER, "I forgot my password")
        .await;
    let answer = telegram.wait_for(tg::USER, 0).await;
    let not_helped = tg::buttons(&answer[0])[1].1.clone();
    telegram.press(tg::USER, &not_helped).await;
    let kinds = telegram.wait_for(tg::USER, 1).await;
    telegram.press(tg::USER, &tg::buttons(&kinds[0])[0].1).await;
    telegram
        .wait_text(tg::USER, "/new starts another question.")
        .await;

    // The card is in a Discord thread; the agent answers there; the user reads it in Telegram.
    let threads = discord
        .wait_call("POST", &format!("channels/{STAFF}/threads"))
        .await;
    assert!(
        threads[0].1["name"]
            .as_str()
            .unwrap_or("")
            .starts_with("#1 "),
        "{threads:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let thread = loop {
        let msgs = discord.messages.lock().await.clone();
        if let Some(card) = msgs
            .iter()
            .find(|m| buttons(m).iter().any(|(l, _)| l == "Claim"))
        {
            break card["channel_id"]
                .as_str()
                .and_then(|c| c.parse::<u64>().ok())
                .expect("thread");
        }
        assert!(Instant::now() < deadline, "no card");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    discord
        .say(AGENT, thread, true, "Answered from Discord: use the portal")
        .await;
    telegram
        .wait_text(tg::USER, "Answered from Discord: use the portal")
        .await;
    desk.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_serves_its_shard_range() {
    // This process has shard 1 of 2 (another would run `shards = "0-0/2"`).
    let (fake, desk, _data) = running(|addr| {
        discord_config(addr).replace("support_channel", "shards = \"1/2\"\nsupport_channel")
    })
    .await;
    assert_eq!(*fake.shards.lock().await, [json!([1, 2])]);
    // Events of its guilds are handled as on any shard.
    fake.say(USER, SUPPORT, true, "I forgot my password").await;
    fake.wait_text(dm(USER), "Reset a forgotten password").await;
    // Commands are the application's: only shard 0's process registers them.
    assert!(fake.calls_to("PUT", "/commands").await.is_empty());
    desk.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admins_markdown_attachment_becomes_an_article() {
    let (fake, desk, _data) = running(discord_config).await;
    let article =
        "---\nslug: badge-lost\ntitle: Lost badge\nlang: en\n---\nTell security at once.\n";
    // From a user, it is refused; from the admin, it is stored and answers at once.
    fake.upload(USER, "/kb add", "badge-lost.md", article).await;
    fake.wait_text(dm(USER), "for support staff").await;
    fake.upload(ADMIN, "/kb add", "badge-lost.md", article)
        .await;
    fake.wait_text(dm(ADMIN), "Lost badge. Users get it from now on.")
        .await;
    fake.say(USER, dm(USER), false, "I lost my badge").await;
    fake.wait_text(dm(USER), "Lost badge").await;
    desk.abort();
}
