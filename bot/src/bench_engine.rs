//! `frontline bench engine`: the engine driven in-process by many simulated users, on a real
//! database, measuring the knowledge-base answer path and ticket registration.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use frontline_core::action::Action;
use frontline_core::{
    ChannelKind, ChatRef, Engine, EngineConfig, Inbound, Lang, Payload, Store, SystemClock,
    TicketKind, UserRef,
};
use frontline_kb::KnowledgeBase;
use serde::Serialize;

/// Questions the bundled knowledge base answers outright (checked before timing).
pub(crate) const ANSWERED: &[&str] = &[
    "I forgot my password",
    "How do I connect to the VPN?",
    "how do I restore files",
    "Забыл пароль, что делать?",
    "camera microphone",
];
/// A question nothing in the knowledge base matches: it goes straight to registration.
pub(crate) const UNANSWERED: &str = "the coffee machine on the third floor makes strange noises";

#[derive(Debug, Serialize)]
struct EngineBench {
    answers_per_s: f64,
    answer_p99_us: u64,
    tickets_per_s: f64,
    ticket_p99_us: u64,
    db: String,
}

pub async fn run(
    users: usize,
    questions: usize,
    tickets: usize,
    postgres: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let users = users.max(1);
    let kb = tokio::task::spawn_blocking(|| -> anyhow::Result<KnowledgeBase> {
        let kb = KnowledgeBase::in_ram()?;
        kb.rebuild(&frontline_kb::sample::articles().articles, false)?;
        Ok(kb)
    })
    .await??;
    let kb = Arc::new(kb);
    for q in ANSWERED {
        let d = kb.search(q, None)?.decision;
        anyhow::ensure!(
            d.kind() == "answer",
            "bench question {q:?} is not answered ({})",
            d.kind()
        );
    }
    let mut results = Vec::new();
    let dir = tempfile::tempdir().context("temporary directory")?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    results.push(bench_db("sqlite", &url, kb.clone(), users, questions, tickets).await?);
    if let Some(admin) = postgres {
        let (url, name) = fresh_postgres(&admin).await?;
        let r = bench_db("postgres", &url, kb.clone(), users, questions, tickets).await;
        drop_postgres(&admin, &name).await;
        results.push(r?);
    }
    let mut out = std::io::stdout().lock();
    for r in &results {
        writeln!(
            out,
            "{}: {:.0} answered questions/s (p99 {} µs), {:.0} tickets registered/s (p99 {} µs per registration step)",
            r.db, r.answers_per_s, r.answer_p99_us, r.tickets_per_s, r.ticket_p99_us
        )?;
    }
    if json {
        for r in &results {
            writeln!(out, "{}", serde_json::to_string(r)?)?;
        }
    }
    Ok(())
}

pub(crate) async fn fresh_postgres(admin: &str) -> anyhow::Result<(String, String)> {
    use sqlx::Connection;
    let name = format!("frontline_bench_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .context("connecting to PostgreSQL")?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut conn)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    Ok((format!("{base}/{name}"), name))
}

pub(crate) async fn drop_postgres(admin: &str, name: &str) {
    use sqlx::Connection;
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
    }
}

fn inbound(name: &str, n: usize, payload: Payload) -> Inbound {
    let update = format!("bench-{name}-{n}");
    private_update(
        ChannelKind::Console,
        name,
        name.to_string(),
        update,
        payload,
    )
}

/// An update from user `id` in their private chat on `channel` (English), as the benches'
/// simulated users send them.
pub(crate) fn private_update(
    channel: ChannelKind,
    id: &str,
    display: String,
    update_id: String,
    payload: Payload,
) -> Inbound {
    Inbound {
        update_id,
        from: UserRef {
            channel,
            id: id.to_string(),
            display,
        },
        chat: ChatRef::new(channel, id),
        private: true,
        lang_hint: Some(Lang::En),
        roles: Vec::new(),
        message: None,
        thread: None,
        payload,
    }
}

fn p99(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    frontline_kb::eval::percentile(&v, 0.99)
}

async fn bench_db(
    db: &str,
    url: &str,
    kb: Arc<KnowledgeBase>,
    users: usize,
    questions: usize,
    tickets: usize,
) -> anyhow::Result<EngineBench> {
    let store = Store::connect(url).await?;
    let engine = Engine::new(
        store.clone(),
        kb,
        Arc::new(SystemClock),
        EngineConfig {
            rotas: Vec::new(),
            sla: frontline_core::sla::SlaConfig::default(),
            agent_chats: vec![ChatRef::new(ChannelKind::Console, "#line2")],
            default_lang: Lang::En,
            staff: Default::default(),
            line_chats: Vec::new(),
            routes: Vec::new(),
            // Each simulated user sends far more than a person would in a minute.
            limits: frontline_core::limits::Limits {
                messages_per_minute: 0,
                ..Default::default()
            },
            retention: Default::default(),
        },
    );

    // Answers: every user asks questions the knowledge base answers.
    let per_user = questions.div_ceil(users);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for u in 0..users {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_user);
            for i in 0..per_user {
                let q = ANSWERED[(u + i) % ANSWERED.len()];
                let t = Instant::now();
                engine
                    .handle(inbound(
                        &format!("user{u}"),
                        i,
                        Payload::Text(q.to_string()),
                    ))
                    .await?;
                lat.push(t.elapsed().as_micros() as u64);
            }
            anyhow::Ok(lat)
        }));
    }
    let mut answer_lat = Vec::new();
    for t in tasks {
        answer_lat.extend(t.await??);
    }
    let answers_per_s = answer_lat.len() as f64 / started.elapsed().as_secs_f64();

    // Tickets: a first-time user's question with no answer, then the kind button (the
    // registration itself). New users each time: a user with an open ticket talks in it.
    let per_user = tickets.div_ceil(users);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for u in 0..users {
        let engine = engine.clone();
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_user);
            for i in 0..per_user {
                let name = format!("new{u}-{i}");
                engine
                    .handle(inbound(&name, 0, Payload::Text(UNANSWERED.to_string())))
                    .await?;
                let data = kind_button(&store, &name).await?;
                let t = Instant::now();
                engine
                    .handle(inbound(&name, 1, Payload::Button(data)))
                    .await?;
                lat.push(t.elapsed().as_micros() as u64);
            }
            anyhow::Ok(lat)
        }));
    }
    let mut ticket_lat = Vec::new();
    for t in tasks {
        ticket_lat.extend(t.await??);
    }
    let tickets_per_s = ticket_lat.len() as f64 / started.elapsed().as_secs_f64();
    let registered: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
        .fetch_one(store.pool())
        .await?;
    anyhow::ensure!(
        registered as usize == ticket_lat.len(),
        "{registered} tickets for {} registrations",
        ticket_lat.len()
    );
    Ok(EngineBench {
        answers_per_s,
        answer_p99_us: p99(answer_lat),
        tickets_per_s,
        ticket_p99_us: p99(ticket_lat),
        db: db.to_string(),
    })
}

/// The "incident" button of `user`'s newest question (the bench's tap), found by index.
async fn kind_button(store: &Store, user: &str) -> anyhow::Result<String> {
    kind_button_of(store, "console", user).await
}

/// The "incident" button of the newest question of `user` on `channel`.
pub(crate) async fn kind_button_of(
    store: &Store,
    channel: &str,
    user: &str,
) -> anyhow::Result<String> {
    let question: i64 = sqlx::query_scalar(
        "SELECT q.id FROM questions q JOIN identities i ON i.person_id = q.person_id \
         WHERE i.channel = $1 AND i.external_id = $2 ORDER BY q.id DESC LIMIT 1",
    )
    .bind(channel)
    .bind(user)
    .fetch_one(store.pool())
    .await?;
    Ok(Action::Kind {
        question,
        kind: TicketKind::Incident,
    }
    .encode())
}
