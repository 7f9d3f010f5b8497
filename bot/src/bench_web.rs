//! `frontline bench web`: the help centre's pages in-process, through the whole router
//! (routing, the catalogue, the bot's search and decision, templates, gzip), as a browser
//! asks for them: latency per page kind.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde::Serialize;
use tower::ServiceExt;

use crate::app::App;
use crate::config::Config;
use crate::web::{Settings, Site};

#[derive(Debug, clap::Args)]
pub struct Options {
    /// Requests of each page kind to time.
    #[arg(long, default_value_t = 2_000)]
    requests: usize,
    /// Articles to serve (Markdown folders or JSONL, as `kb import` reads); default: the
    /// bundled sample.
    #[arg(long)]
    articles: Vec<PathBuf>,
    /// Questions for the search page (JSONL with `query`, as `kb eval` reads); default: the
    /// articles' own titles and phrasings.
    #[arg(long)]
    queries: Vec<PathBuf>,
    /// End with one JSON line of the figures.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize, Default)]
struct Figures {
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
    /// Bytes per answer on the wire (gzip).
    mean_bytes: u64,
}

#[derive(Debug, Serialize)]
struct WebBench {
    articles: u64,
    requests: usize,
    search: Figures,
    article: Figures,
    home: Figures,
    category: Figures,
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    let data = tempfile::tempdir().context("a temporary data dir")?;
    let config = Config::parse("[web]\nbase_url = \"https://help.example.com\"\n")
        .map_err(|_| anyhow::anyhow!("bench configuration"))?;
    let app = App::start_with(
        config.clone(),
        data.path(),
        Arc::new(frontline_core::SystemClock),
        false,
    )
    .await?;
    if !o.articles.is_empty() {
        let mut articles = Vec::new();
        for p in &o.articles {
            articles.extend(frontline_kb::load_path(p)?.articles);
        }
        app.engine
            .import_articles_as(
                &articles,
                "bench",
                frontline_core::kb_sync::ImportMode::Replace,
            )
            .await?;
    }
    let site = Arc::new(Site::new(
        Settings::of(&config, Some("FrontlineBenchBot".into())),
        app.store.clone(),
        app.kb.clone(),
    ));
    let router = crate::web::router(site.clone());
    let cat = site.catalogue().await?;
    let entries: Vec<_> = cat.all().cloned().collect();
    anyhow::ensure!(!entries.is_empty(), "no articles to serve");
    let mut questions: Vec<(String, frontline_core::Lang)> = Vec::new();
    for p in &o.queries {
        for q in frontline_kb::load_queries(p)? {
            let lang = frontline_kb::Lang::detect(&q.query).unwrap_or(frontline_core::Lang::En);
            questions.push((q.query, lang));
        }
    }
    if questions.is_empty() {
        for e in &entries {
            let a = &e.article;
            questions.push((a.title.clone(), a.lang));
            questions.extend(a.questions.iter().map(|q| (q.clone(), a.lang)));
        }
    }
    let uri_of_search = |i: usize| {
        let (q, lang) = &questions[i % questions.len()];
        format!(
            "/{}/search?q={}",
            lang.code(),
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        )
    };
    let uri_of_article = |i: usize| {
        let e = &entries[(i * 7919) % entries.len()];
        format!(
            "/{}/a/{}",
            e.article.lang.code(),
            crate::web::pages::path_segment(e.article.slug.as_str())
        )
    };
    let uri_of_home = |i: usize| {
        if i.is_multiple_of(2) {
            "/en/".to_string()
        } else {
            "/ru/".to_string()
        }
    };
    let uri_of_category = |i: usize| {
        let e = &entries[(i * 104_729) % entries.len()];
        crate::web::pages::category_link(e.article.lang, e.category())
    };
    let report = WebBench {
        articles: entries.len() as u64,
        requests: o.requests,
        search: time(&router, o.requests, uri_of_search).await?,
        article: time(&router, o.requests, uri_of_article).await?,
        home: time(&router, o.requests, uri_of_home).await?,
        category: time(&router, o.requests, uri_of_category).await?,
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "help centre in-process, {} articles, {} requests of each kind (gzip):",
        report.articles, report.requests
    )?;
    for (name, f, target) in [
        ("search page", &report.search, Some(5_000)),
        ("article page", &report.article, Some(2_000)),
        ("home page", &report.home, None),
        ("category page", &report.category, None),
    ] {
        let goal = target.map_or(String::new(), |t: u64| {
            format!(
                " (target p99 ≤ {} ms: {})",
                t / 1000,
                if f.p99_us <= t { "met" } else { "MISSED" }
            )
        });
        writeln!(
            out,
            "  {name}: p50 {} µs, p99 {} µs, max {} µs, {} bytes{goal}",
            f.p50_us, f.p99_us, f.max_us, f.mean_bytes
        )?;
    }
    if o.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    }
    Ok(())
}

/// Times `n` requests of `uri(i)` after a warm-up, each to its last byte.
async fn time(
    router: &axum::Router,
    n: usize,
    uri: impl Fn(usize) -> String,
) -> anyhow::Result<Figures> {
    let warm = n.min(100);
    let mut micros = Vec::with_capacity(n);
    let mut bytes = 0u64;
    for i in 0..warm + n {
        let req = Request::builder()
            .uri(uri(i))
            .header(header::ACCEPT_ENCODING, "gzip")
            .header(header::ACCEPT_LANGUAGE, "ru,en;q=0.8")
            .body(Body::empty())?;
        let t = Instant::now();
        let res = router.clone().oneshot(req).await?;
        let status = res.status();
        let body = http_body_util::BodyExt::collect(res.into_body())
            .await
            .map_err(|e| anyhow::anyhow!("body: {e}"))?
            .to_bytes();
        let took = t.elapsed().as_micros() as u64;
        anyhow::ensure!(status == StatusCode::OK, "{} answered {status}", uri(i));
        if i >= warm {
            micros.push(took);
            bytes += body.len() as u64;
        }
    }
    micros.sort_unstable();
    let pct = |p| frontline_kb::eval::percentile(&micros, p);
    Ok(Figures {
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        max_us: micros.last().copied().unwrap_or(0),
        mean_bytes: bytes / n.max(1) as u64,
    })
}
