//! The help centre: the knowledge base as a public site (`[web]`), in both languages.
//!
//! Server-rendered pages from the same published articles the bot answers with
//! ([`catalogue`]), and a search page that runs exactly the bot's line-0 search and decision
//! (`frontline_core::cmd::ask::search`). Every page ends with the hand-over to the bot: a
//! Telegram deep link `?start=kb-SLUG` that the bot remembers and names on the ticket's card.
//!
//! Routes: `/` (to `/en/` or `/ru/` by `Accept-Language`), `/{lang}/`, `/{lang}/search?q=`,
//! `/{lang}/c/CATEGORY`, `/{lang}/a/SLUG`, `/sitemap.xml`, `/robots.txt`, `/static/site.css`.
//! Pages carry an `ETag` (and `Last-Modified` where an article's time says it) and answer
//! conditional requests with 304; responses are gzip-compressed for clients that accept it;
//! a strict Content-Security-Policy backs up the sanitizing of articles.

pub mod catalogue;
pub mod pages;
pub mod render;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use frontline_core::{Lang, Store};
use frontline_kb::{Decision, KnowledgeBase};
use percent_encoding::{AsciiSet, CONTROLS};

use crate::config::Config;
use catalogue::{Catalogue, Entry, Live};
use pages::{Found, Results};

/// The category page of articles that have none.
pub const UNCATEGORISED: &str = "general";

/// Longest question the search page searches (the rest is said to be cut).
pub const MAX_QUERY_CHARS: usize = 500;

/// Longest passage shown under a result that is not the answer.
const HIT_PASSAGE_CHARS: usize = 240;

/// Results the search page shows besides the answer.
const MORE_HITS: usize = 5;

/// What a path segment must escape (RFC 3986's reserved and unsafe characters).
pub const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

const STYLESHEET: &str = include_str!("site.css");

/// The stylesheet's address, with its content's hash so a new version is fetched at once.
pub fn stylesheet_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| format!("/static/site.css?v={:012x}", hash(STYLESHEET) >> 16))
}

/// What the pages say about the desk, from `[web]`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub title: Option<String>,
    /// Without a trailing slash.
    pub base_url: String,
    pub telegram_bot: Option<String>,
    pub discord_url: Option<String>,
    /// Category names by key: (English, Russian).
    pub categories: BTreeMap<String, (Option<String>, Option<String>)>,
    pub default_lang: Lang,
}

impl Settings {
    /// The settings of `config`; `telegram_bot` is the bot's username when `[web]` does not
    /// name one (asked of Telegram at start).
    pub fn of(config: &Config, telegram_bot: Option<String>) -> Settings {
        let web = &config.web;
        let mut categories: BTreeMap<String, (Option<String>, Option<String>)> =
            frontline_kb::sample::CATEGORY_NAMES
                .iter()
                .map(|(k, en, ru)| (k.to_string(), (Some(en.to_string()), Some(ru.to_string()))))
                .collect();
        for (key, names) in &web.categories {
            categories.insert(key.clone(), (names.en.clone(), names.ru.clone()));
        }
        Settings {
            title: web.title.clone(),
            base_url: web
                .base_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", web.listen()))
                .trim_end_matches('/')
                .to_string(),
            telegram_bot: web.telegram_bot.clone().or(telegram_bot),
            discord_url: web.discord_url.clone(),
            categories,
            default_lang: config.default_lang(),
        }
    }

    pub fn title(&self, lang: Lang) -> String {
        self.title
            .clone()
            .unwrap_or_else(|| frontline_core::i18n::web::Web::DefaultTitle.text(lang))
    }

    /// `path` as an absolute URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A category's name in `lang`: configured, else the other language's, else its key.
    pub fn category_name(&self, key: Option<&str>, lang: Lang) -> String {
        use frontline_core::i18n::web::Web;
        let Some(key) = key else {
            return Web::Uncategorised.text(lang);
        };
        if key == frontline_core::articles::KNOWN_ISSUE_CATEGORY {
            return Web::KnownIssues.text(lang);
        }
        let names = self.categories.get(key);
        let (first, second) = match (names, lang) {
            (Some((en, ru)), Lang::Ru) => (ru.clone(), en.clone()),
            (Some((en, ru)), Lang::En) => (en.clone(), ru.clone()),
            (None, _) => (None, None),
        };
        first.or(second).unwrap_or_else(|| {
            let mut name = key.replace(['-', '_'], " ");
            if let Some(c) = name.get(..1) {
                name = c.to_uppercase() + &name[1..];
            }
            name
        })
    }

    /// The categories of `lang` with their articles, by name; articles by title.
    pub fn sorted_categories<'a>(
        &self,
        lang: Lang,
        cat: &'a Catalogue,
    ) -> Vec<(Option<&'a str>, Vec<&'a Arc<Entry>>)> {
        let mut groups: Vec<_> = cat.categories(lang).into_iter().collect();
        for (_, entries) in &mut groups {
            entries.sort_by(|a, b| a.article.display_title().cmp(b.article.display_title()));
        }
        groups.sort_by_cached_key(|(key, _)| self.category_name(*key, lang).to_lowercase());
        groups
    }

    /// The bot's deep link, carrying the article the reader came from when it can.
    pub fn telegram_link(&self, from: Option<&frontline_kb::Slug>) -> Option<String> {
        let bot = self.telegram_bot.as_deref()?;
        let payload = from
            .and_then(|slug| frontline_core::command::StartFrom::Article(slug.clone()).payload());
        Some(match payload {
            Some(p) => format!("https://t.me/{bot}?start={p}"),
            None => format!("https://t.me/{bot}"),
        })
    }
}

/// The help centre's shared state.
pub struct Site {
    pub settings: Settings,
    kb: Arc<KnowledgeBase>,
    live: Live,
}

impl Site {
    pub fn new(settings: Settings, store: Store, kb: Arc<KnowledgeBase>) -> Site {
        Site {
            settings,
            live: Live::new(store, kb.clone()),
            kb,
        }
    }

    /// The current catalogue (see [`Live::get`]).
    ///
    /// # Errors
    /// When the articles' table cannot be read.
    pub async fn catalogue(&self) -> frontline_core::error::CoreResult<Arc<Catalogue>> {
        self.live.get().await
    }
}

/// The help centre's routes.
pub fn router(site: Arc<Site>) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap))
        .route("/static/site.css", get(stylesheet))
        .route("/{lang}", get(lang_root))
        .route("/{lang}/", get(home))
        .route("/{lang}/search", get(search))
        .route("/{lang}/c/{category}", get(category))
        .route("/{lang}/a/{slug}", get(article))
        .fallback(fallback)
        .layer(axum::middleware::map_response(security_headers))
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(site)
}

/// A help centre bound to its address, ready to serve.
pub struct Started {
    /// Where it is, to say on start (the port it got when `listen` asked for any).
    pub url: String,
    pub listener: tokio::net::TcpListener,
    pub site: Arc<Site>,
}

/// Binds the help centre when `[web]` enables it. A taken address is an error when the
/// configuration names it, and a warning when it is the default (the desk runs without its
/// site rather than not at all).
///
/// # Errors
/// When the configured address cannot be listened on.
pub async fn start(
    app: &crate::app::App,
    telegram_bot: Option<String>,
) -> anyhow::Result<Option<Started>> {
    let web = &app.config.web;
    if !web.enabled() {
        return Ok(None);
    }
    let listen = web.listen();
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) if web.listen.is_none() => {
            tracing::warn!(%listen, error = %e, "the help centre is not served: its default address is taken (set [web] listen)");
            return Ok(None);
        }
        Err(e) => anyhow::bail!("the help centre cannot listen on {listen}: {e}"),
    };
    let mut config = app.config.clone();
    if web.base_url.is_none() {
        // The port actually got (for `:0`), so links and the message on start are right.
        if let Ok(addr) = listener.local_addr() {
            config.web.listen = Some(addr.to_string());
        }
    }
    let settings = Settings::of(&config, telegram_bot);
    let url = format!("{}/", settings.base_url);
    tracing::info!(%url, "help centre listening");
    Ok(Some(Started {
        url,
        listener,
        site: Arc::new(Site::new(settings, app.store.clone(), app.kb.clone())),
    }))
}

/// Serves the help centre on `listener` until `stop` says so.
pub async fn serve(
    listener: tokio::net::TcpListener,
    site: Arc<Site>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    axum::serve(listener, router(site))
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await?;
    Ok(())
}

async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    // Articles are sanitized; the policy makes sure nothing else could run either.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' https: data:; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    r
}

fn hash(s: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// A page's language from its first path segment.
fn lang_of(segment: &str) -> Option<Lang> {
    match segment {
        "en" => Some(Lang::En),
        "ru" => Some(Lang::Ru),
        _ => None,
    }
}

/// The language a browser prefers, of the two, by `Accept-Language`'s weights.
pub fn preferred_lang(accept: Option<&str>, default: Lang) -> Lang {
    let Some(accept) = accept else {
        return default;
    };
    let mut best: Option<(f32, Lang)> = None;
    for part in accept.split(',') {
        let mut it = part.split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let Some(lang) = lang_of(primary) else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map_or(default, |(_, l)| l)
}

/// A page answered with its validators, or 304 when the client's copy is current.
fn page(
    headers: &HeaderMap,
    content_type: &'static str,
    body: String,
    modified_ms: Option<i64>,
) -> Response {
    let etag = format!("W/\"{:016x}\"", hash(&body));
    let modified = modified_ms
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
    let fresh = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
        Some(tags) => tags.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag.trim_start_matches("W/")
        }),
        None => match (
            modified_ms,
            headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok()),
        ) {
            (Some(ms), Some(since)) => ms / 1000 <= since.timestamp(),
            _ => false,
        },
    };
    let mut r = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, content_type)], body).into_response()
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(v) = modified.and_then(|m| HeaderValue::from_str(&m).ok()) {
        h.insert(header::LAST_MODIFIED, v);
    }
    // Always revalidated (a 304 is cheap), so an edit in chat shows on the next view.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

const HTML: &str = "text/html; charset=utf-8";

fn not_found_in(site: &Site, lang: Lang) -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, HTML)],
        pages::not_found(&site.settings, lang).into_string(),
    )
        .into_response()
}

fn unavailable(e: &frontline_core::CoreError) -> Response {
    tracing::error!(error = %e, "help centre: the articles cannot be read");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        "The help centre is unavailable for a moment; please try again.\n",
    )
        .into_response()
}

/// A page's language (else the 404 page) and the catalogue (else 503).
async fn open(site: &Site, lang: &str) -> Result<(Lang, Arc<Catalogue>), Response> {
    let Some(lang) = lang_of(lang) else {
        return Err(not_found_in(site, site.settings.default_lang));
    };
    let cat = site.catalogue().await.map_err(|e| unavailable(&e))?;
    Ok((lang, cat))
}

async fn root(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = preferred_lang(accept, site.settings.default_lang);
    let mut r = Redirect::to(&format!("/{}/", lang.code())).into_response();
    r.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    r
}

async fn lang_root(State(site): State<Arc<Site>>, Path(lang): Path<String>) -> Response {
    match lang_of(&lang) {
        Some(l) => Redirect::permanent(&format!("/{}/", l.code())).into_response(),
        None => not_found_in(&site, site.settings.default_lang),
    }
}

async fn home(
    State(site): State<Arc<Site>>,
    Path(lang): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (lang, cat) = match open(&site, &lang).await {
        Ok(open) => open,
        Err(r) => return r,
    };
    let body = pages::home(&site.settings, lang, &cat).into_string();
    page(&headers, HTML, body, Catalogue::newest(cat.in_lang(lang)))
}

async fn category(
    State(site): State<Arc<Site>>,
    Path((lang, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (lang, cat) = match open(&site, &lang).await {
        Ok(open) => open,
        Err(r) => return r,
    };
    let of = |l: Lang| -> Vec<&Arc<Entry>> {
        let mut v: Vec<_> = cat
            .in_lang(l)
            .filter(|e| match e.category() {
                Some(c) => c == key,
                None => key == UNCATEGORISED,
            })
            .collect();
        v.sort_by(|a, b| a.article.display_title().cmp(b.article.display_title()));
        v
    };
    let entries = of(lang);
    if entries.is_empty() {
        return not_found_in(&site, lang);
    }
    let other = !of(lang.other()).is_empty();
    let key = entries[0].category();
    let body = pages::category(&site.settings, lang, key, &entries, other).into_string();
    page(
        &headers,
        HTML,
        body,
        Catalogue::newest(entries.iter().copied()),
    )
}

async fn article(
    State(site): State<Arc<Site>>,
    Path((lang, slug)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (lang, cat) = match open(&site, &lang).await {
        Ok(open) => open,
        Err(r) => return r,
    };
    let Some(entry) = cat.get(lang, &slug) else {
        return not_found_in(&site, lang);
    };
    let other = cat.get(lang.other(), &slug);
    let body = pages::article(&site.settings, entry, other.map(|o| &**o)).into_string();
    page(&headers, HTML, body, Some(entry.updated_ms))
}

/// The `q` of a query string, decoded leniently (bad percent-encoding or UTF-8 become
/// replacement characters, not an error), control characters as spaces, and cut.
pub fn query_of(raw: Option<&str>) -> (String, Option<usize>) {
    let q = raw
        .and_then(|r| {
            url::form_urlencoded::parse(r.as_bytes())
                .find(|(k, _)| k == "q")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    let q: String = q
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let q = q.split_whitespace().collect::<Vec<_>>().join(" ");
    if q.chars().count() > MAX_QUERY_CHARS {
        let cut: String = q.chars().take(MAX_QUERY_CHARS).collect();
        (cut, Some(MAX_QUERY_CHARS))
    } else {
        (q, None)
    }
}

async fn search(
    State(site): State<Arc<Site>>,
    Path(lang): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (lang, cat) = match open(&site, &lang).await {
        Ok(open) => open,
        Err(r) => return r,
    };
    let (q, cut) = query_of(raw.as_deref());
    let body = match results(&site.kb, &cat, &q, lang) {
        Ok(r) => pages::search(&site.settings, lang, &q, cut, &r).into_string(),
        Err(e) => {
            tracing::error!(error = %e, "help centre: the index cannot be read");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                "The search is unavailable for a moment; please try again.\n",
            )
                .into_response();
        }
    };
    page(&headers, HTML, body, None)
}

/// The bot's search and decision on `q`, as the search page shows it.
pub fn results<'a>(
    kb: &KnowledgeBase,
    cat: &'a Catalogue,
    q: &str,
    lang: Lang,
) -> Result<Results<'a>, frontline_kb::KbError> {
    if q.is_empty() {
        return Ok(Results::Empty);
    }
    // Small talk ("hi") is not a question: the bot does not search it either.
    let Some(outcome) = frontline_core::cmd::ask::search(kb, q, Some(lang)) else {
        return Ok(Results::NoMatch);
    };
    let outcome = outcome?;
    // The other results' passages, cut short: a list to choose from, not the answer.
    let found = |e: &'a Arc<Entry>| {
        let passage = frontline_kb::snippet::for_question(&e.article, q);
        let plain = frontline_kb::text::markdown_to_plain(&passage);
        let flat = plain.split_whitespace().collect::<Vec<_>>().join(" ");
        Found {
            snippet: frontline_kb::text::cut_at_sentence(&flat, HIT_PASSAGE_CHARS),
            entry: e,
        }
    };
    let hits = |skip: &[&str], n: usize| -> Vec<Found<'a>> {
        outcome
            .hits
            .iter()
            .filter(|h| !skip.contains(&h.slug.as_str()))
            .filter_map(|h| cat.get(h.lang, h.slug.as_str()))
            .take(n)
            .map(found)
            .collect()
    };
    Ok(match &outcome.decision {
        Decision::Answer {
            article, snippet, ..
        } => match cat.get(article.lang, article.slug.as_str()) {
            Some(e) => Results::Answer {
                answer: Found {
                    entry: e,
                    snippet: snippet.clone(),
                },
                others: hits(&[article.slug.as_str()], MORE_HITS),
            },
            None => Results::Suggest(hits(&[], MORE_HITS)),
        },
        Decision::Suggest { articles, .. } => {
            let mut list: Vec<Found<'a>> = articles
                .iter()
                .filter_map(|a| cat.get(a.lang, a.slug.as_str()))
                .map(found)
                .collect();
            let shown: Vec<&str> = articles.iter().map(|a| a.slug.as_str()).collect();
            list.extend(hits(&shown, MORE_HITS.saturating_sub(list.len())));
            Results::Suggest(list)
        }
        Decision::NoMatch { .. } => Results::NoMatch,
    })
}

async fn stylesheet(headers: HeaderMap) -> Response {
    let mut r = page(
        &headers,
        "text/css; charset=utf-8",
        STYLESHEET.to_string(),
        None,
    );
    // Its address changes with its content: a year is safe.
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    r
}

async fn robots(State(site): State<Arc<Site>>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /en/search\nDisallow: /ru/search\nSitemap: {}\n",
        site.settings.url("/sitemap.xml")
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

async fn sitemap(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    let cat = match site.catalogue().await {
        Ok(c) => c,
        Err(e) => return unavailable(&e),
    };
    let s = &site.settings;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let mut url = |path: &str, alternates: &[(Lang, String)], modified: Option<i64>| {
        xml.push_str(&format!("<url><loc>{}</loc>", xml_escape(&s.url(path))));
        if let Some(ms) = modified.and_then(chrono::DateTime::from_timestamp_millis) {
            xml.push_str(&format!("<lastmod>{}</lastmod>", ms.format("%Y-%m-%d")));
        }
        for (lang, alt) in alternates {
            xml.push_str(&format!(
                "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                lang.code(),
                xml_escape(&s.url(alt))
            ));
        }
        xml.push_str("</url>\n");
    };
    let homes: Vec<(Lang, String)> = Lang::ALL
        .iter()
        .map(|l| (*l, format!("/{}/", l.code())))
        .collect();
    for lang in Lang::ALL {
        url(
            &format!("/{}/", lang.code()),
            &homes,
            Catalogue::newest(cat.in_lang(lang)),
        );
    }
    for lang in Lang::ALL {
        for (key, entries) in cat.categories(lang) {
            let alternates: Vec<(Lang, String)> = Lang::ALL
                .iter()
                .filter(|l| cat.categories(**l).contains_key(&key))
                .map(|l| (*l, pages::category_link(*l, key)))
                .collect();
            url(
                &pages::category_link(lang, key),
                &alternates,
                Catalogue::newest(entries),
            );
        }
    }
    for e in cat.all() {
        let slug = e.article.slug.as_str();
        let alternates: Vec<(Lang, String)> = Lang::ALL
            .iter()
            .filter(|l| cat.get(**l, slug).is_some())
            .map(|l| (*l, format!("/{}/a/{}", l.code(), pages::path_segment(slug))))
            .collect();
        url(
            &format!("/{}/a/{}", e.article.lang.code(), pages::path_segment(slug)),
            &alternates,
            Some(e.updated_ms),
        );
    }
    xml.push_str("</urlset>\n");
    page(
        &headers,
        "application/xml; charset=utf-8",
        xml,
        Catalogue::newest(cat.all()),
    )
}

async fn fallback(State(site): State<Arc<Site>>, req: Request) -> Response {
    // The 404 page speaks the language its path asked for, if any.
    let lang = req
        .uri()
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .and_then(lang_of)
        .unwrap_or(site.settings.default_lang);
    not_found_in(&site, lang)
}
