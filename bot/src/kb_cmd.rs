//! `frontline kb …`: the knowledge base from the command line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use frontline_kb::{Article, Decision, KnowledgeBase, Lang, LoadReport};

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Search the knowledge base and show the decision and the top hits with scores.
    Search {
        /// What a user would ask.
        text: String,
        /// The user's language, used when the text itself does not tell.
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
        /// How many hits to list.
        #[arg(long, default_value_t = 5)]
        top: usize,
    },
    /// Measure answer quality and speed on labelled questions, with the bot's exact decision logic.
    Eval {
        /// Articles: a folder of Markdown files, a Markdown file, or a JSONL file.
        #[arg(long, required = true)]
        articles: Vec<PathBuf>,
        /// Labelled questions (JSONL: id, query, expected slug or null). Repeatable.
        #[arg(long, required = true)]
        queries: Vec<PathBuf>,
        /// End with one JSON line of the figures.
        #[arg(long)]
        json: bool,
        /// Write every question's outcome and features to this JSONL file (for calibration).
        #[arg(long)]
        dump: Option<PathBuf>,
    },
    /// Load articles (a folder of Markdown files, a Markdown file, or JSONL) into the data dir.
    Import {
        /// The folder or file to read.
        path: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    Ru,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Ru => Lang::Ru,
            LangArg::En => Lang::En,
        }
    }
}

/// Runs a `kb` command. Blocking (files, index writes): the caller runs it off the async
/// threads.
pub fn run(command: KbCommand, data_dir: &Path) -> anyhow::Result<()> {
    match command {
        KbCommand::Search { text, lang, top } => search(data_dir, &text, lang.map(Lang::from), top),
        KbCommand::Eval {
            articles,
            queries,
            json,
            dump,
        } => eval(&articles, &queries, json, dump.as_deref()),
        KbCommand::Import { path } => import(data_dir, &path),
    }
}

fn import(data_dir: &Path, path: &Path) -> anyhow::Result<()> {
    let report = frontline_kb::load_path(path)?;
    for p in &report.problems {
        eprintln!("skipped {p}");
    }
    let kb = open_index(data_dir)?;
    for article in &report.articles {
        kb.upsert(article)?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "imported {} articles ({} files skipped); the knowledge base now holds {}",
        report.articles.len(),
        report.problems.len(),
        kb.len()
    )?;
    if report.articles.is_empty() && !report.problems.is_empty() {
        bail!("no article could be read from {}", path.display());
    }
    Ok(())
}

/// The data dir's index, filled with the bundled sample articles when it is empty.
pub fn open_index(data_dir: &Path) -> anyhow::Result<KnowledgeBase> {
    let dir = data_dir.join("kb-index");
    let kb = KnowledgeBase::open(&dir).with_context(|| format!("opening {}", dir.display()))?;
    if kb.is_empty() {
        let sample = frontline_kb::sample::articles();
        kb.rebuild(&sample.articles, true)?;
    }
    Ok(kb)
}

fn search(data_dir: &Path, text: &str, lang: Option<Lang>, top: usize) -> anyhow::Result<()> {
    let kb = open_index(data_dir)?;
    let mut out = std::io::stdout().lock();
    let outcome = kb.search(text, lang)?;
    match &outcome.decision {
        Decision::Answer {
            article,
            confidence,
            snippet,
        } => {
            writeln!(
                out,
                "decision: answer {} [{}] \"{}\" (confidence {confidence:.2})",
                article.slug,
                article.lang,
                article.display_title()
            )?;
            for line in snippet.lines() {
                writeln!(out, "  {line}")?;
            }
        }
        Decision::Suggest {
            articles,
            confidence,
        } => {
            writeln!(out, "decision: suggest (confidence {confidence:.2})")?;
            for a in articles {
                writeln!(out, "  - {} [{}] \"{}\"", a.slug, a.lang, a.display_title())?;
            }
        }
        Decision::NoMatch { reason } => writeln!(out, "decision: no match: {reason}")?,
    }
    if let Some(f) = &outcome.features {
        writeln!(
            out,
            "evidence: covers {:.2} of the question ({} of {} terms), title coverage {:.2}, margin {:.2}",
            f.coverage, f.matched, f.terms, f.title_coverage, f.margin
        )?;
    }
    writeln!(out, "query language: {}", outcome.lang)?;
    writeln!(out, "top hits:")?;
    if outcome.hits.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for (i, hit) in outcome.hits.iter().take(top).enumerate() {
        let title = kb
            .get(&hit.slug, hit.lang)?
            .map(|a| a.display_title().to_string())
            .unwrap_or_default();
        writeln!(
            out,
            "  {}. {:>7.3}  {} [{}] {title}",
            i + 1,
            hit.score,
            hit.slug,
            hit.lang
        )?;
    }
    Ok(())
}

fn load_articles(paths: &[PathBuf]) -> anyhow::Result<Vec<Article>> {
    let mut all = LoadReport::default();
    for p in paths {
        let r = frontline_kb::load_path(p)?;
        all.articles.extend(r.articles);
        all.problems.extend(r.problems);
    }
    for p in &all.problems {
        eprintln!("skipped {p}");
    }
    if all.articles.is_empty() {
        bail!("no articles could be read");
    }
    Ok(all.articles)
}

fn eval(
    articles: &[PathBuf],
    queries: &[PathBuf],
    json: bool,
    dump: Option<&Path>,
) -> anyhow::Result<()> {
    let articles = load_articles(articles)?;
    let mut all = Vec::new();
    for q in queries {
        all.extend(frontline_kb::load_queries(q)?);
    }
    let kb = KnowledgeBase::in_ram()?;
    let started = Instant::now();
    kb.rebuild(&articles, false)?;
    let build_ms = started.elapsed().as_millis() as u64;
    let (report, rows) = frontline_kb::evaluate(&kb, &all, build_ms)?;
    if let Some(path) = dump {
        let mut out = String::new();
        for row in &rows {
            out.push_str(&serde_json::to_string(row)?);
            out.push('\n');
        }
        std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?;
    }
    let r = &report;
    let mut out = std::io::stdout().lock();
    writeln!(out, "articles: {}", articles.len())?;
    writeln!(
        out,
        "questions: {} in scope, {} out of scope",
        r.in_scope, r.out_of_scope
    )?;
    writeln!(
        out,
        "ranking (in scope): top-1 {:.3}, recall@3 {:.3}, MRR {:.3}",
        r.top1, r.recall3, r.mrr
    )?;
    writeln!(
        out,
        "decisions (in scope): answered right {:.3}, answered wrong {:.3}, declined {:.3}",
        r.answered_right, r.answered_wrong, r.declined
    )?;
    writeln!(out, "out of scope answered: {:.3}", r.oos_answered)?;
    writeln!(
        out,
        "search latency: p50 {} µs, p99 {} µs",
        r.p50_us, r.p99_us
    )?;
    writeln!(out, "index build: {} ms", r.build_ms)?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    }
    Ok(())
}
