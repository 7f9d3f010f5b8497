//! The help centre through its router (tower `oneshot`): every page kind in both languages,
//! what the bot's search decides, sanitizing, 404s, conditional requests, the sitemap; and
//! the whole site in a real headless Chromium (`browser`).

mod browser;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use frontline_bot::app::App;
use frontline_bot::config::Config;
use frontline_bot::web::{Settings, Site};
use frontline_core::{ArticleState, Lang, Store};
use frontline_kb::{Article, Decision, Slug};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const BOT: &str = "FrontlineTestBot";
pub const BASE: &str = "https://help.example.com";

pub struct Web {
    pub app: App,
    pub router: axum::Router,
    _data: tempfile::TempDir,
}

pub async fn web() -> Web {
    let data = tempfile::tempdir().expect("tmp");
    let config = Config::parse(&format!(
        "[web]\ntelegram_bot = \"{BOT}\"\nbase_url = \"{BASE}\"\n\
         discord_url = \"https://discord.gg/frontline\"\n"
    ))
    .expect("config");
    let app = App::start(
        config.clone(),
        data.path(),
        Arc::new(frontline_core::SystemClock),
    )
    .await
    .expect("app");
    let site = Site::new(
        Settings::of(&config, None),
        app.store.clone(),
        app.kb.clone(),
    );
    Web {
        router: frontline_bot::web::router(Arc::new(site)),
        app,
        _data: data,
    }
}

pub struct Got {
    pub status: StatusCode,
    /// The body's size on the wire (compressed, when it was).
    pub size: usize,
    pub headers: HeaderMap,
    pub body: String,
}

impl Web {
    pub async fn get(&self, uri: &str) -> Got {
        self.get_with(uri, &[]).await
    }

    pub async fn get_with(&self, uri: &str, headers: &[(header::HeaderName, &str)]) -> Got {
        let mut req = Request::builder().uri(uri);
        for (k, v) in headers {
            req = req.header(k, *v);
        }
        let res = self
            .router
            .clone()
            .oneshot(req.body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Got {
            status,
            size: bytes.len(),
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// The published article `slug` in `lang`, from the database.
    pub async fn article(&self, slug: &str, lang: Lang) -> Article {
        let mut conn = self.app.store.pool().acquire().await.expect("conn");
        let v = Store::article_latest(&mut conn, &Slug::parse(slug).expect("slug"), lang)
            .await
            .expect("db")
            .expect("article");
        assert_eq!(v.state, ArticleState::Published);
        v.article
    }
}

fn html_escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[tokio::test]
async fn home_pages_list_the_categories_and_articles_in_each_language() {
    let w = web().await;
    for (lang, network, title) in [
        (Lang::En, "Network and VPN", "Help centre"),
        (Lang::Ru, "Сеть и VPN", "Центр поддержки"),
    ] {
        let page = w.get(&format!("/{}/", lang.code())).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.headers[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert!(
            page.body
                .contains(&format!("<html lang=\"{}\">", lang.code())),
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!("<title>{title}</title>")));
        assert!(page.body.contains(network), "{lang:?}");
        let vpn = w.article("vpn-connect", lang).await;
        assert!(page.body.contains(&format!(
            "<a href=\"/{}/a/vpn-connect\">{}</a>",
            lang.code(),
            html_escaped(&vpn.title)
        )));
        // The search box is labelled, and the page says where to ask.
        assert!(page.body.contains("<label for=\"q\">"));
        assert!(page.body.contains(&format!("https://t.me/{BOT}")));
        assert!(page.body.contains(&format!(
            "<link rel=\"canonical\" href=\"{BASE}/{}/\">",
            lang.code()
        )));
        // Headings in order: one h1, then h2, then h3.
        let h1 = page.body.find("<h1").expect("h1");
        let h2 = page.body.find("<h2").expect("h2");
        let h3 = page.body.find("<h3").expect("h3");
        assert!(h1 < h2 && h2 < h3);
        assert_eq!(page.body.matches("<h1").count(), 1);
    }
}

#[tokio::test]
async fn the_root_redirects_by_accept_language() {
    let w = web().await;
    for (accept, to) in [
        (Some("ru-RU,ru;q=0.9,en-US;q=0.8"), "/ru/"),
        (Some("en-GB,en;q=0.9,ru;q=0.5"), "/en/"),
        (Some("de-DE,de;q=0.9,ru;q=0.3"), "/ru/"),
        (Some("de-DE"), "/en/"),
        (Some(";;;q=,,garbage"), "/en/"),
        (None, "/en/"),
    ] {
        let got = match accept {
            Some(a) => w.get_with("/", &[(header::ACCEPT_LANGUAGE, a)]).await,
            None => w.get("/").await,
        };
        assert!(got.status.is_redirection(), "{accept:?}");
        assert_eq!(got.headers[header::LOCATION], to, "{accept:?}");
        assert_eq!(got.headers[header::VARY], "Accept-Language");
    }
    let got = w.get("/ru").await;
    assert_eq!(got.headers[header::LOCATION], "/ru/");
}

#[tokio::test]
async fn an_article_page_shows_the_article_its_other_language_and_the_deep_link() {
    let w = web().await;
    let en = w.article("vpn-connect", Lang::En).await;
    let ru = w.article("vpn-connect", Lang::Ru).await;
    let page = w.get("/en/a/vpn-connect").await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(
        b.contains(&format!("<h1>{}</h1>", html_escaped(&en.title))),
        "{b}"
    );
    assert!(b.contains(&format!(
        "<title>{} · Help centre</title>",
        html_escaped(&en.title)
    )));
    assert!(b.contains("<meta name=\"description\" content=\""));
    assert!(b.contains(&format!(
        "<link rel=\"canonical\" href=\"{BASE}/en/a/vpn-connect\">"
    )));
    assert!(b.contains(&format!(
        "<link rel=\"alternate\" hreflang=\"ru\" href=\"{BASE}/ru/a/vpn-connect\">"
    )));
    assert!(b.contains("id=\"other-lang\" href=\"/ru/a/vpn-connect\""));
    assert!(b.contains(&format!("https://t.me/{BOT}?start=kb-vpn-connect")));
    assert!(b.contains("https://discord.gg/frontline"));
    assert!(b.contains("Didn't help? Ask us"));
    assert!(b.contains("href=\"/en/c/network\""));
    for tag in &en.tags {
        assert!(b.contains(&html_escaped(tag)), "tag {tag}");
    }
    assert!(page.headers.contains_key(header::LAST_MODIFIED));
    assert!(page.headers.contains_key(header::ETAG));
    // The Russian page is the Russian article, its fixed texts in Russian.
    let page = w.get("/ru/a/vpn-connect").await;
    assert!(
        page.body
            .contains(&format!("<h1>{}</h1>", html_escaped(&ru.title)))
    );
    assert!(page.body.contains("Не помогло? Спросите нас"));
    assert!(page.body.contains("href=\"/en/a/vpn-connect\""));
}

#[tokio::test]
async fn conditional_requests_get_304_until_the_article_changes() {
    let w = web().await;
    let first = w.get("/en/a/password-reset").await;
    let etag = first.headers[header::ETAG]
        .to_str()
        .expect("etag")
        .to_string();
    let modified = first.headers[header::LAST_MODIFIED]
        .to_str()
        .expect("date")
        .to_string();
    let again = w
        .get_with("/en/a/password-reset", &[(header::IF_NONE_MATCH, &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let since = w
        .get_with(
            "/en/a/password-reset",
            &[(header::IF_MODIFIED_SINCE, &modified)],
        )
        .await;
    assert_eq!(since.status, StatusCode::NOT_MODIFIED);
    let other = w
        .get_with(
            "/en/a/password-reset",
            &[(header::IF_NONE_MATCH, "W/\"0\"")],
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);

    // An edit (as `/kb edit` stores it) shows at once, and the old copy is stale.
    let mut article = w.article("password-reset", Lang::En).await;
    article.title = "Reset a password you forgot (new)".into();
    w.app
        .engine
        .import_articles(&[article], "admin")
        .await
        .expect("edit");
    let changed = w
        .get_with("/en/a/password-reset", &[(header::IF_NONE_MATCH, &etag)])
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(changed.body.contains("Reset a password you forgot (new)"));
    let home = w.get("/en/").await;
    assert!(home.body.contains("Reset a password you forgot (new)"));
}

#[tokio::test]
async fn drafts_and_deleted_articles_never_show() {
    let w = web().await;
    assert_eq!(w.get("/en/a/wifi-office").await.status, StatusCode::OK);
    let article = w.article("wifi-office", Lang::En).await;
    let mut conn = w.app.store.pool().acquire().await.expect("conn");
    Store::article_put(
        &mut conn,
        &article,
        ArticleState::Deleted,
        "admin",
        "deleted",
        1,
    )
    .await
    .expect("delete");
    let mut draft = Article::new(
        Slug::parse("draft-only").expect("slug"),
        Lang::En,
        "A draft nobody published".into(),
        "Not yet.".into(),
    )
    .expect("article");
    draft.category = Some("network".into());
    Store::article_put(&mut conn, &draft, ArticleState::Draft, "admin", "draft", 1)
        .await
        .expect("draft");
    drop(conn);
    w.app.engine.sync_kb().await.expect("sync");
    let gone = w.get("/en/a/wifi-office").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.body.contains("Page not found"));
    assert_eq!(
        w.get("/en/a/draft-only").await.status,
        StatusCode::NOT_FOUND
    );
    let home = w.get("/en/").await.body;
    assert!(!home.contains("/en/a/wifi-office"));
    assert!(!home.contains("A draft nobody published"));
    let map = w.get("/sitemap.xml").await.body;
    assert!(!map.contains("/en/a/wifi-office<"));
    assert!(!map.contains("draft-only"));
    // The Russian version was not deleted: it stays.
    assert_eq!(w.get("/ru/a/wifi-office").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_article_cannot_inject_a_script() {
    let w = web().await;
    let mut evil = Article::new(
        Slug::parse("evil").expect("slug"),
        Lang::En,
        "Evil <script>alert('t')</script> title".into(),
        "Hi <script>alert(1)</script><img src=x onerror=\"alert(2)\">\n\n\
         [x](javascript:alert(3)) <iframe src=\"https://evil.example\"></iframe>"
            .into(),
    )
    .expect("article");
    evil.tags = vec!["<b onmouseover=alert(4)>t</b>".into()];
    w.app
        .engine
        .import_articles(&[evil], "admin")
        .await
        .expect("import");
    let page = w.get("/en/a/evil").await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(!b.contains("<script"), "{b}");
    assert!(!b.contains("onerror"), "{b}");
    assert!(!b.contains("javascript:"), "{b}");
    assert!(!b.contains("<iframe"), "{b}");
    assert!(!b.contains("<b onmouseover"), "{b}");
    assert!(
        b.contains("Evil &lt;script&gt;"),
        "the title is shown, escaped"
    );
    assert!(
        page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp")
            .contains("default-src 'none'")
    );
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn the_search_page_runs_the_bots_search_and_decision() {
    let w = web().await;
    for (lang, q) in [
        (Lang::En, "I forgot my password"),
        (Lang::Ru, "не подключается впн"),
        (Lang::En, "vpn"),
        (Lang::En, "printer"),
    ] {
        let outcome = frontline_core::cmd::ask::search(&w.app.kb, q, Some(lang))
            .expect("a question")
            .expect("search");
        let uri = format!(
            "/{}/search?q={}",
            lang.code(),
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let page = w.get(&uri).await;
        assert_eq!(page.status, StatusCode::OK, "{q}");
        let b = &page.body;
        assert!(b.contains("<meta name=\"robots\" content=\"noindex\">"));
        assert!(b.contains(&format!("value=\"{}\"", html_escaped(q))), "{q}");
        match &outcome.decision {
            Decision::Answer { article, .. } => {
                let answer = b.find("id=\"answer\"").expect("the answer is shown");
                let href = format!("href=\"/{}/a/{}\"", article.lang.code(), article.slug);
                let at = b.find(&href).expect("the answer's link");
                assert!(at > b.find("<main").expect("main"));
                assert!(answer <= at + 200, "the answer comes first: {q}");
                // Other hits come after it.
                for h in outcome
                    .hits
                    .iter()
                    .filter(|h| h.slug != article.slug)
                    .take(1)
                {
                    let other = format!("/{}/a/{}\"", h.lang.code(), h.slug);
                    if let Some(o) = b.find(&other) {
                        assert!(o > answer, "{q}: {other}");
                    }
                }
            }
            Decision::Suggest { articles, .. } => {
                assert!(!b.contains("id=\"answer\""), "{q}");
                for a in articles {
                    assert!(b.contains(&format!("/{}/a/{}\"", a.lang.code(), a.slug)));
                }
            }
            Decision::NoMatch { .. } => {
                assert!(!b.contains("id=\"answer\""));
                assert!(b.contains("class=\"nomatch\""), "{q}");
            }
        }
    }
    // What the sample always answers, so the page's answer path is exercised.
    let page = w.get("/en/search?q=I+forgot+my+password").await;
    assert!(page.body.contains("id=\"answer\""), "{}", page.body);
    let nothing = w
        .get("/en/search?q=quantum+chromodynamics+lattice+gauge")
        .await;
    assert!(
        nothing.body.contains("No article matches"),
        "{}",
        nothing.body
    );
    assert!(nothing.body.contains(&format!("https://t.me/{BOT}")));
}

#[tokio::test]
async fn any_input_answers_200_400_or_404_and_is_never_reflected_as_markup() {
    let w = web().await;
    let huge = "a%20".repeat(5_000);
    for uri in [
        "/en/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/en/search?q=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E",
        "/en/search?q=%FF%FE%00%01",
        "/en/search?q=%zz%",
        "/en/search?q=",
        "/en/search",
        "/en/search?q=title:foo+AND+(bar+OR+%22baz~2^3*",
        "/ru/search?q=%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82",
        &format!("/en/search?q={huge}"),
        "/en/search?q=hi",
    ] {
        let got = w.get(uri).await;
        assert_eq!(got.status, StatusCode::OK, "{uri}");
        assert!(!got.body.contains("<script>alert"), "{uri}");
        assert!(!got.body.contains("<img src=x"), "{uri}");
    }
    let cut = w.get(&format!("/en/search?q={huge}")).await;
    assert!(cut.body.contains("first 500 characters"));
    for uri in [
        "/en/a/..",
        "/en/a/%2e%2e",
        "/en/a/..%2F..%2Fetc%2Fpasswd",
        "/../../etc/passwd",
        "/en/a/no-such-article",
        "/xx/",
        "/xx/a/vpn-connect",
        "/en/c/no-such-category",
        "/en/c/%3Cscript%3E",
        "/en/a/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/static/../Cargo.toml",
        "/en/nothing/here",
        "/wp-login.php",
    ] {
        let got = w.get(uri).await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(got.body.contains("<h1>"), "{uri}: a real page");
        assert!(!got.body.contains("<script"), "{uri}");
    }
    let ru = w.get("/ru/a/no-such-article").await;
    assert!(ru.body.contains("Страница не найдена"));
}

#[tokio::test]
async fn category_pages_list_their_articles() {
    let w = web().await;
    let page = w.get("/en/c/network").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Network and VPN</h1>"));
    assert!(page.body.contains("/en/a/vpn-connect"));
    assert!(!page.body.contains("/en/a/password-reset"));
    let ru = w.get("/ru/c/network").await;
    assert!(ru.body.contains("<h1>Сеть и VPN</h1>"));
    assert!(ru.body.contains("/ru/a/vpn-connect"));
}

#[tokio::test]
async fn the_sitemap_robots_stylesheet_and_compression() {
    let w = web().await;
    let map = w.get("/sitemap.xml").await;
    assert_eq!(map.status, StatusCode::OK);
    assert!(
        map.headers[header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("application/xml")
    );
    let b = &map.body;
    assert!(b.starts_with("<?xml"));
    assert!(b.contains(&format!("<loc>{BASE}/en/a/vpn-connect</loc>")));
    assert!(b.contains(&format!("<loc>{BASE}/ru/a/vpn-connect</loc>")));
    assert!(b.contains(&format!(
        "<xhtml:link rel=\"alternate\" hreflang=\"ru\" href=\"{BASE}/ru/a/vpn-connect\"/>"
    )));
    assert!(b.contains(&format!("<loc>{BASE}/en/c/network</loc>")));
    assert!(b.contains("<lastmod>"));
    // Every article of the desk, in each language it has.
    let articles = w.app.kb.len() as usize;
    let listed = b.matches(&format!("<loc>{BASE}/en/a/")).count()
        + b.matches(&format!("<loc>{BASE}/ru/a/")).count();
    assert_eq!(listed, articles);
    let robots = w.get("/robots.txt").await;
    assert!(
        robots
            .body
            .contains(&format!("Sitemap: {BASE}/sitemap.xml"))
    );
    assert!(robots.body.contains("Disallow: /en/search"));
    let home = w.get("/en/").await.body;
    let css_path = home
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("stylesheet link")
        .to_string();
    let css = w.get(&css_path).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers[header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("text/css")
    );
    assert!(css.body.contains("@media"));
    let gz = w
        .get_with("/en/", &[(header::ACCEPT_ENCODING, "gzip")])
        .await;
    assert_eq!(gz.headers[header::CONTENT_ENCODING], "gzip");
    assert!(
        gz.size < home.len() / 2,
        "compressed: {} of {}",
        gz.size,
        home.len()
    );
}
