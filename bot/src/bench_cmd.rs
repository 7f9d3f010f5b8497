//! `frontline bench …`: load benchmarks that print figures.

use std::io::Write;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use frontline_kb::KnowledgeBase;
use frontline_kb::synth::Synth;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Index a synthetic knowledge base and measure indexing time, search latency and memory.
    Kb {
        /// Articles to generate.
        #[arg(long, default_value_t = 100_000)]
        articles: u64,
        /// Questions to time.
        #[arg(long, default_value_t = 2_000)]
        queries: u64,
        /// End with one JSON line of the figures.
        #[arg(long)]
        json: bool,
    },
    /// Drive the engine in-process with many simulated users: answered questions and ticket
    /// registrations per second, with latency, on SQLite and (when given) PostgreSQL.
    Engine {
        /// Simulated users talking at once.
        #[arg(long, default_value_t = 32)]
        users: usize,
        /// Questions answered from the knowledge base, in all.
        #[arg(long, default_value_t = 20_000)]
        questions: usize,
        /// Tickets registered, in all.
        #[arg(long, default_value_t = 5_000)]
        tickets: usize,
        /// Also run on this PostgreSQL server (a fresh database is created on it).
        #[arg(long, env = "FRONTLINE_BENCH_POSTGRES_URL")]
        postgres: Option<String>,
        /// End with one JSON line of the figures (the last database's, when several).
        #[arg(long)]
        json: bool,
        /// Record metrics as `serve` does (the Prometheus recorder installed): to measure
        /// what `/metrics` costs.
        #[arg(long)]
        metrics: bool,
    },
    /// The desk end to end through the real Telegram client: a fake Bot API on 127.0.0.1,
    /// the real serve loop against it; time from an update being available to the bot's
    /// message arriving.
    Telegram(crate::bench_telegram::Options),
    /// The help centre's pages in-process through its router: search (the bot's search and
    /// decision), article, home and category pages, p50/p99 per kind.
    Web(crate::bench_web::Options),
    /// Send messages through the Discord adapter (serenity's REST client) to a minimal local
    /// Discord REST server: messages/s and latency of the adapter itself.
    Discord {
        /// Messages to send.
        #[arg(long, default_value_t = 5_000)]
        messages: usize,
        /// End with one JSON line of the figures.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Serialize)]
struct KbBench {
    articles: u64,
    build_ms: u64,
    queries: u64,
    p50_us: u64,
    p99_us: u64,
    /// Share of questions whose source article ranked first (a sanity check, not quality).
    top1: f64,
    peak_rss_mb: f64,
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Kb {
            articles,
            queries,
            json,
        } => tokio::task::spawn_blocking(move || kb(articles, queries, json))
            .await
            .context("benchmark task")?,
        BenchCommand::Engine {
            users,
            questions,
            tickets,
            postgres,
            json,
            metrics,
        } => {
            if metrics && crate::http::metrics().is_none() {
                anyhow::bail!("the metrics recorder could not be installed");
            }
            crate::bench_engine::run(users, questions, tickets, postgres, json).await
        }
        BenchCommand::Discord { messages, json } => crate::bench_discord::run(messages, json).await,
        BenchCommand::Telegram(options) => crate::bench_telegram::run(options).await,
        BenchCommand::Web(options) => crate::bench_web::run(options).await,
    }
}

fn kb(articles: u64, queries: u64, json: bool) -> anyhow::Result<()> {
    let synth = Synth::new(42);
    // On disk, as the bot keeps it: a RAM directory would count the whole index as memory.
    let dir = tempfile::tempdir().context("creating a temporary index directory")?;
    let kb = KnowledgeBase::open(dir.path())?;
    let started = Instant::now();
    kb.rebuild_from(
        (0..articles).map(|i| synth.article(i)),
        Some(articles),
        true,
    )?;
    let build_ms = started.elapsed().as_millis() as u64;

    let picks: Vec<u64> = (0..queries)
        .map(|k| k.wrapping_mul(2_654_435_761) % articles.max(1))
        .collect();
    let questions: Vec<String> = picks.iter().map(|&i| synth.question(i)).collect();
    for q in questions.iter().take(200) {
        kb.search(q, None)?; // warm-up
    }
    let mut micros = Vec::with_capacity(questions.len());
    let mut first = 0u64;
    for (q, &i) in questions.iter().zip(&picks) {
        let t = Instant::now();
        let outcome = kb.search(q, None)?;
        micros.push(t.elapsed().as_micros() as u64);
        if outcome.hits.first().map(|h| h.slug.as_str()) == Some(format!("synth-{i}").as_str()) {
            first += 1;
        }
    }
    micros.sort_unstable();
    let pct = |p| frontline_kb::eval::percentile(&micros, p);
    let report = KbBench {
        articles,
        build_ms,
        queries,
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        top1: first as f64 / queries.max(1) as f64,
        peak_rss_mb: peak_rss_mb().unwrap_or(0.0),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "articles: {}", report.articles)?;
    writeln!(out, "index build: {} ms", report.build_ms)?;
    writeln!(
        out,
        "search latency over {} questions: p50 {} µs, p99 {} µs",
        report.queries, report.p50_us, report.p99_us
    )?;
    writeln!(out, "source article ranked first: {:.3}", report.top1)?;
    writeln!(out, "peak resident memory: {:.0} MB", report.peak_rss_mb)?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    }
    Ok(())
}

/// The process's peak resident set size (`VmHWM`), where the OS reports it.
pub(crate) fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
