//! `frontline kb …`: the knowledge base from the command line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use frontline_core::{ArticleState, Store};
use frontline_kb::{Article, Decision, KnowledgeBase, Lang, LoadReport};

use crate::app::App;

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
    /// Load articles (a folder of Markdown files, a Markdown file, or JSONL) into the desk's
    /// database as new versions; unchanged articles are left alone.
    Import {
        /// The folder or file to read.
        path: PathBuf,
        /// Make the knowledge base exactly this: articles not in it are soft-deleted (their
        /// versions stay; `/kb revert` brings one back).
        #[arg(long)]
        replace: bool,
    },
    /// Write every published article as DIR/LANG/SLUG.md (front matter + body), the form
    /// `kb import` reads back.
    Export {
        /// The folder to write (created if missing).
        dir: PathBuf,
    },
}

impl KbCommand {
    /// Whether it works on the desk's own articles (database and index) rather than on files.
    pub fn needs_desk(&self) -> bool {
        !matches!(self, KbCommand::Eval { .. })
    }
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

/// Runs `kb eval`, which reads files only. Blocking: the caller runs it off the async threads.
pub fn run_files(command: KbCommand) -> anyhow::Result<()> {
    match command {
        KbCommand::Eval {
            articles,
            queries,
            json,
            dump,
        } => eval(&articles, &queries, json, dump.as_deref()),
        _ => bail!("this kb command works on the desk's articles"),
    }
}

/// Runs a `kb` command on the desk's articles: the database, and the index that follows it.
pub async fn run_desk(command: KbCommand, app: &App) -> anyhow::Result<()> {
    match command {
        KbCommand::Search { text, lang, top } => search(&app.kb, &text, lang.map(Lang::from), top),
        KbCommand::Import { path, replace } => import(app, &path, replace).await,
        KbCommand::Export { dir } => export(app, &dir).await,
        KbCommand::Eval { .. } => run_files(command),
    }
}

async fn import(app: &App, path: &Path, replace: bool) -> anyhow::Result<()> {
    let read = path.to_path_buf();
    let report = tokio::task::spawn_blocking(move || frontline_kb::load_path(&read))
        .await
        .context("reading task")??;
    for p in &report.problems {
        eprintln!("skipped {p}");
    }
    if report.articles.is_empty() && !report.problems.is_empty() {
        bail!("no article could be read from {}", path.display());
    }
    let mode = if replace {
        frontline_core::kb_sync::ImportMode::Replace
    } else {
        frontline_core::kb_sync::ImportMode::Merge
    };
    let done = app
        .engine
        .import_articles_as(&report.articles, "import", mode)
        .await?;
    let changed = done.changed;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "imported {} articles: {changed} new or changed, {} unchanged ({} files skipped); the knowledge base now holds {}",
        report.articles.len(),
        report.articles.len() - changed,
        report.problems.len(),
        app.kb.len()
    )?;
    if done.sample_retired {
        writeln!(
            out,
            "retired the bundled sample: {} articles soft-deleted (their versions are kept)",
            done.retired.len()
        )?;
    } else if !done.retired.is_empty() {
        writeln!(
            out,
            "retired {} articles not in {} (soft-deleted, versions kept): {}",
            done.retired.len(),
            path.display(),
            done.retired.join(", ")
        )?;
    }
    Ok(())
}

async fn export(app: &App, dir: &Path) -> anyhow::Result<()> {
    let mut conn = app.store.pool().acquire().await?;
    let all = Store::articles_latest(&mut conn).await?;
    drop(conn);
    let mut written = 0;
    for v in all.iter().filter(|v| v.state == ArticleState::Published) {
        let folder = dir.join(v.article.lang.code());
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        let file = folder.join(format!("{}.md", v.article.slug));
        std::fs::write(&file, v.article.to_markdown())
            .with_context(|| format!("writing {}", file.display()))?;
        written += 1;
    }
    let drafts = all
        .iter()
        .filter(|v| v.state == ArticleState::Draft)
        .count();
    writeln!(
        std::io::stdout().lock(),
        "exported {written} published articles to {} ({drafts} drafts not exported)",
        dir.display()
    )?;
    Ok(())
}

/// The data dir's index (empty when new: the desk fills it from the database).
pub fn open_index(data_dir: &Path) -> anyhow::Result<KnowledgeBase> {
    let dir = data_dir.join("kb-index");
    KnowledgeBase::open(&dir).with_context(|| format!("opening {}", dir.display()))
}

fn search(kb: &KnowledgeBase, text: &str, lang: Option<Lang>, top: usize) -> anyhow::Result<()> {
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
    // What the engine does before it searches: conversation is answered as such (never
    // searched: an empty search here, declined), and the question is taken out of the
    // greetings and politeness around it.
    for q in &mut all {
        q.query = if frontline_core::small_talk::classify(&q.query).is_some() {
            String::new()
        } else {
            frontline_core::small_talk::question_of(&q.query).to_string()
        };
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
    writeln!(
        out,
        "suggestions (in scope): offered {:.3}, the right article among them {:.3}",
        r.suggested, r.suggested_right
    )?;
    writeln!(out, "out of scope answered: {:.3}", r.oos_answered)?;
    writeln!(
        out,
        "out of scope offered suggestions: {:.3}",
        r.oos_suggested
    )?;
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
