//! A desk in a box: a real database (a temp SQLite file, or a fresh PostgreSQL database),
//! the bundled knowledge base in memory, a manual clock, and a channel that records what it
//! is asked to send.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use frontline_core::{
    Button, Channel, ChannelKind, ChatRef, Dispatcher, Engine, EngineConfig, Handled, Inbound,
    Lang, ManualClock, Outbound, Payload, SendError, Store, UserRef,
};
use frontline_kb::KnowledgeBase;

static CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// A database for one test.
pub struct Db {
    pub url: String,
    /// Keeps the SQLite file alive for the test's duration.
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    pub async fn sqlite() -> Db {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("desk.db").display());
        Db {
            url,
            _dir: Some(dir),
        }
    }

    /// A new, empty database on the server of `FRONTLINE_TEST_POSTGRES_URL`, so tests run in
    /// parallel without seeing each other.
    pub async fn postgres() -> Option<Db> {
        use sqlx::Connection;
        let admin = std::env::var("FRONTLINE_TEST_POSTGRES_URL").ok()?;
        static N: AtomicU64 = AtomicU64::new(0);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        // The creation time leads the name, so a later run can tell which are stale.
        let name = format!(
            "frontline_t{now}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .expect("connect to PostgreSQL");
        CLEANED
            .get_or_init(|| async {
                // Test databases more than an hour old are dropped once per run, so they do not
                // pile up on a machine that runs the suite often; a run in progress elsewhere
                // keeps its own.
                let mut admin_conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("connect to PostgreSQL");
                let old: Vec<String> = sqlx::query_scalar(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'frontline_t%'",
                )
                .fetch_all(&mut admin_conn)
                .await
                .unwrap_or_default();
                let stale = |n: &str| {
                    n.trim_start_matches("frontline_t")
                        .split('_')
                        .next()
                        .and_then(|t| t.parse::<u64>().ok())
                        .is_none_or(|t| t + 3_600 < now)
                };
                for name in old.into_iter().filter(|n| stale(n)) {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin_conn)
                        .await;
                }
            })
            .await;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let base = match admin.rfind('/') {
            Some(i) if admin[..i].contains("://") && i > admin.find("://").unwrap_or(0) + 2 => {
                &admin[..i]
            }
            _ => admin.as_str(),
        };
        Some(Db {
            url: format!("{base}/{name}"),
            _dir: None,
        })
    }
}

/// Records every message it is asked to send; can be told to fail.
#[derive(Default)]
pub struct Recorder {
    pub sent: Mutex<Vec<Outbound>>,
    /// Sends to fail before succeeding, with the error to give.
    pub failures: Mutex<Vec<SendError>>,
    /// Chats whose person blocked the bot: every send to them is refused as such.
    pub unreachable: Mutex<std::collections::HashSet<String>>,
    /// Refused sends, by chat.
    pub refused: Mutex<std::collections::HashMap<String, usize>>,
}

#[async_trait]
impl Channel for Recorder {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Console
    }

    async fn send(&self, message: &Outbound) -> Result<(), SendError> {
        if let Some(e) = self.failures.lock().expect("lock").pop() {
            return Err(e);
        }
        if self
            .unreachable
            .lock()
            .expect("lock")
            .contains(&message.to.chat)
        {
            *self
                .refused
                .lock()
                .expect("lock")
                .entry(message.to.chat.clone())
                .or_default() += 1;
            return Err(SendError::Unreachable("bot was blocked by the user".into()));
        }
        self.sent.lock().expect("lock").push(message.clone());
        Ok(())
    }
}

pub const AGENTS: &str = "#line2";
pub const SUPERVISORS: &str = "#supervisors";

/// Two agents and an admin, known by their console names.
pub fn staff() -> frontline_core::Staff {
    use frontline_core::domain::Line;
    use frontline_core::{Role, StaffMember};
    let mut s = frontline_core::Staff::default();
    for (name, role) in [
        ("anna", Role::Agent),
        ("boris", Role::Agent),
        ("root", Role::Admin),
    ] {
        s.add(
            ChannelKind::Console,
            name,
            StaffMember {
                name: name.to_string(),
                role,
                lines: vec![Line::AGENTS],
            },
        );
    }
    s
}
pub const T0: i64 = 1_796_112_000_000; // 2026-12-01T08:00:00Z

pub struct Desk {
    pub engine: Engine,
    pub store: Store,
    pub dispatcher: Dispatcher,
    pub recorder: Arc<Recorder>,
    pub clock: ManualClock,
    updates: AtomicU64,
    seen: Mutex<usize>,
}

impl Desk {
    pub async fn new(db: &Db) -> Desk {
        Desk::with_staff(db, staff()).await
    }

    /// A desk whose articles are the bundled sample, stored in the database as a real desk
    /// stores them, with an empty index that catches up from the database.
    pub async fn with_staff(db: &Db, staff: frontline_core::Staff) -> Desk {
        Desk::with(db, staff, Vec::new()).await
    }

    /// A desk with these staff and duty rotas.
    pub async fn with(
        db: &Db,
        staff: frontline_core::Staff,
        rotas: Vec<frontline_core::rota::Rota>,
    ) -> Desk {
        Desk::adjusted(db, staff, rotas, |_| {}).await
    }

    /// A desk whose configuration `adjust` changes first.
    pub async fn adjusted(
        db: &Db,
        staff: frontline_core::Staff,
        rotas: Vec<frontline_core::rota::Rota>,
        adjust: impl FnOnce(&mut EngineConfig),
    ) -> Desk {
        let store = Store::connect(&db.url).await.expect("store");
        let kb = Arc::new(KnowledgeBase::in_ram().expect("kb"));
        let clock = ManualClock::new(T0);
        let mut config = EngineConfig {
            rotas,
            sla: frontline_core::sla::SlaConfig::standard(
                frontline_core::calendar::BusinessCalendar::office(chrono_tz::Europe::Moscow),
                vec![ChatRef::new(ChannelKind::Console, SUPERVISORS)],
            ),
            agent_chats: vec![ChatRef::new(ChannelKind::Console, AGENTS)],
            default_lang: Lang::En,
            staff,
            limits: Default::default(),
            retention: Default::default(),
            routes: vec![frontline_core::engine::Route {
                line: frontline_core::domain::Line::AGENTS,
                kinds: vec![
                    frontline_core::TicketKind::AccessRequest,
                    frontline_core::TicketKind::LicenceKey,
                ],
                langs: Vec::new(),
                categories: Vec::new(),
                orgs: Vec::new(),
                chats: vec![ChatRef::new(ChannelKind::Console, "#access")],
            }],
            line_chats: vec![
                (
                    frontline_core::domain::Line::new(3).expect("line"),
                    ChatRef::new(ChannelKind::Console, "#line3"),
                ),
                (
                    frontline_core::domain::Line::new(4).expect("line"),
                    ChatRef::new(ChannelKind::Console, "#line4"),
                ),
            ],
        };
        adjust(&mut config);
        let engine = Engine::new(store.clone(), kb, Arc::new(clock.clone()), config);
        let recorder = Arc::new(Recorder::default());
        let dispatcher = Dispatcher::new(
            store.clone(),
            Arc::new(clock.clone()),
            vec![recorder.clone()],
        );
        engine
            .import_articles(&frontline_kb::sample::articles().articles, "sample")
            .await
            .expect("sample articles");
        Desk {
            engine,
            store,
            dispatcher,
            recorder,
            clock,
            updates: AtomicU64::new(0),
            seen: Mutex::new(0),
        }
    }

    pub fn inbound(&self, who: &str, payload: Payload) -> Inbound {
        Inbound {
            update_id: format!("u{}", self.updates.fetch_add(1, Ordering::SeqCst)),
            from: UserRef {
                channel: ChannelKind::Console,
                id: who.to_string(),
                display: who.to_string(),
            },
            chat: ChatRef::new(ChannelKind::Console, who),
            private: true,
            lang_hint: None,
            thread: None,
            roles: Vec::new(),
            message: None,
            payload,
        }
    }

    /// Handles an inbound event and delivers the outbox; returns the messages it sent.
    pub async fn send(&self, inbound: Inbound) -> (Handled, Vec<Outbound>) {
        let handled = self.engine.handle(inbound).await.expect("handled");
        self.dispatcher.drain().await.expect("delivered");
        (handled, self.new_messages())
    }

    pub async fn say(&self, who: &str, text: &str) -> Vec<Outbound> {
        self.send(self.inbound(who, Payload::Text(text.to_string())))
            .await
            .1
    }

    /// A question the sample knowledge base has no answer to, registered as a ticket by
    /// `who` with the first (guessed) kind; returns what that registration sent.
    pub async fn question_ticket(&self, who: &str) -> Vec<Outbound> {
        self.say(
            who,
            "the coffee machine on the third floor makes strange noises",
        )
        .await;
        self.press(who, 1).await
    }

    /// Presses button `n` (from 1) of the last message sent to `who` that had buttons.
    pub async fn press(&self, who: &str, n: usize) -> Vec<Outbound> {
        let data = self.button(who, n).data;
        self.send(self.inbound(who, Payload::Button(data))).await.1
    }

    pub fn button(&self, who: &str, n: usize) -> Button {
        let sent = self.recorder.sent.lock().expect("lock");
        let last = sent
            .iter()
            .rev()
            .find(|m| m.to.chat == who && !m.buttons.is_empty())
            .unwrap_or_else(|| panic!("no message with buttons to {who}"));
        last.buttons
            .get(n - 1)
            .cloned()
            .unwrap_or_else(|| panic!("no button {n}"))
    }

    /// Messages sent since the last call.
    pub fn new_messages(&self) -> Vec<Outbound> {
        let sent = self.recorder.sent.lock().expect("lock");
        let mut seen = self.seen.lock().expect("lock");
        let new = sent[*seen..].to_vec();
        *seen = sent.len();
        new
    }

    /// Runs the announcement pump and delivers until nothing is being sent; returns the
    /// messages sent meanwhile.
    pub async fn pump_announcements(&self) -> Vec<Outbound> {
        let kinds = [ChannelKind::Console];
        while self.engine.announce_round(&kinds).await.expect("pump") {
            self.dispatcher.drain().await.expect("delivered");
        }
        self.dispatcher.drain().await.expect("delivered");
        self.new_messages()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.store.pool())
            .await
            .expect("count")
    }
}

/// The texts sent to `who` among `messages`.
pub fn to<'a>(messages: &'a [Outbound], who: &str) -> Vec<&'a str> {
    messages
        .iter()
        .filter(|m| m.to.chat == who)
        .map(|m| m.text.as_str())
        .collect()
}
