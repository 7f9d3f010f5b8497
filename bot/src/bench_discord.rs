//! `frontline bench discord`: the Discord adapter's outbound path — escaping, splitting and
//! serenity's REST client — against a minimal Discord REST server on 127.0.0.1, so the figures
//! are the adapter's own cost, not Discord's latency or rate limits.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use axum::extract::State;
use axum::response::IntoResponse;
use frontline_core::{Button, Channel, ChannelKind, ChatRef, Outbound, Store};
use serde::Serialize;
use serde_json::json;

use crate::discord::{self, DiscordChannel};

#[derive(Debug, Serialize)]
struct DiscordBench {
    messages: usize,
    /// REST calls made (long messages take two).
    posts: u64,
    messages_per_s: f64,
    p50_us: u64,
    p99_us: u64,
    /// Escaping and splitting alone, per message.
    shaping_us: f64,
    peak_rss_mb: f64,
}

/// Answers `POST /api/v10/channels/{id}/messages` with a full message, as Discord does.
async fn post_message(
    State(count): State<Arc<AtomicU64>>,
    axum::extract::Path(channel): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let n = count.fetch_add(1, Ordering::Relaxed) + 1;
    let content = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["content"].as_str().map(str::to_string))
        .unwrap_or_default();
    axum::Json(json!({
        "id": (1_000_000 + n).to_string(), "channel_id": channel,
        "author": {"id": "1", "username": "frontline", "avatar": null, "discriminator": "0", "bot": true},
        "content": content, "timestamp": "2026-11-22T10:00:00.000000+00:00", "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": [], "pinned": false, "type": 0
    }))
    .into_response()
}

/// The mix sent: mostly short answers with buttons, some follow-ups with Markdown and
/// mentions to escape, and one in ten over 2,000 characters.
fn message(i: usize) -> Outbound {
    let to = ChatRef::new(ChannelKind::Discord, (70_000 + i % 50).to_string());
    let mut m = match i % 10 {
        0 => Outbound::text(to, format!("#{i} {}", "long answer text, ".repeat(140))),
        1..=3 => Outbound::text(
            to,
            format!("Reply on #{i}: **still** broken @everyone `code` ||x|| <@{i}>"),
        ),
        _ => Outbound::text(
            to,
            format!("📄 Reset a forgotten password\n\nOpen https://id.example.com … ({i})"),
        ),
    };
    if i % 10 >= 4 {
        m.buttons = vec![
            Button {
                label: "Helped".into(),
                data: format!("1h{i}"),
            },
            Button {
                label: "Not helped".into(),
                data: format!("1n{i}"),
            },
        ];
    }
    m.delivery = Some(i as i64);
    m
}

pub async fn run(messages: usize, json: bool) -> anyhow::Result<()> {
    let posts = Arc::new(AtomicU64::new(0));
    let app = axum::Router::new()
        .route(
            "/api/v10/channels/{channel}/messages",
            axum::routing::post(post_message),
        )
        .with_state(posts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let dir = tempfile::tempdir().context("temporary data dir")?;
    let store = Store::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    ))
    .await?;
    let http = Arc::new(discord::http(
        "bench-token",
        Some(&format!("http://{addr}")),
    ));
    let channel = DiscordChannel::new(http, store, Default::default(), Default::default());

    let batch: Vec<Outbound> = (0..messages).map(message).collect();
    let shaping = Instant::now();
    for m in &batch {
        std::hint::black_box(crate::text::split(
            &discord::escape(&m.text),
            discord::MAX_MESSAGE_CHARS,
        ));
    }
    let shaping_us = shaping.elapsed().as_secs_f64() * 1e6 / messages.max(1) as f64;

    for m in batch.iter().take(50) {
        // Warm-up: connections, allocations.
        channel
            .send(m)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    posts.store(0, Ordering::Relaxed);
    let mut micros = Vec::with_capacity(messages);
    let started = Instant::now();
    for m in &batch {
        let t = Instant::now();
        channel
            .send(m)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        micros.push(t.elapsed().as_micros() as u64);
    }
    let elapsed = started.elapsed().as_secs_f64();
    micros.sort_unstable();
    let pct = |p| frontline_kb::eval::percentile(&micros, p);
    let report = DiscordBench {
        messages,
        posts: posts.load(Ordering::Relaxed),
        messages_per_s: messages as f64 / elapsed.max(1e-9),
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        shaping_us,
        peak_rss_mb: crate::bench_cmd::peak_rss_mb().unwrap_or(0.0),
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "messages: {} ({} REST posts)",
        report.messages, report.posts
    )?;
    writeln!(
        out,
        "sent one after another, as the outbox does: {:.0} messages/s, p50 {} µs, p99 {} µs",
        report.messages_per_s, report.p50_us, report.p99_us
    )?;
    writeln!(
        out,
        "escaping and splitting: {:.1} µs per message",
        report.shaping_us
    )?;
    writeln!(out, "peak resident memory: {:.0} MB", report.peak_rss_mb)?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    }
    Ok(())
}
