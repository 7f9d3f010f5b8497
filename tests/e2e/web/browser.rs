//! The help centre in a real browser: Debian's headless Chromium, driven over WebDriver
//! (chromedriver) by fantoccini, against the site served on 127.0.0.1. A reader opens the
//! home page, searches "VPN", opens the answer, follows the other-language link; the test
//! checks what they would see, and keeps a screenshot of each page in its temp dir.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use frontline_bot::web::{Settings, Site};
use frontline_core::Lang;
use frontline_kb::Decision;

use super::{BOT, web};

/// The first of `names` found on the PATH or in /usr/bin.
fn find(names: &[&str]) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .chain([std::path::PathBuf::from("/usr/bin")])
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn start_driver() -> Driver {
    let Some(driver) = find(&["chromedriver", "chromium-driver"]) else {
        panic!(
            "chromedriver is not installed: `scripts/test` installs Debian's chromium and \
             chromium-driver (or run `apt-get install chromium chromium-driver`)"
        );
    };
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

#[tokio::test]
async fn a_reader_searches_reads_and_switches_language_in_chromium() {
    let Some(chromium) = find(&["chromium", "chromium-browser", "google-chrome"]) else {
        panic!(
            "Chromium is not installed: `scripts/test` installs Debian's chromium and \
             chromium-driver (or run `apt-get install chromium chromium-driver`)"
        );
    };
    let w = web().await;
    // The site on a real socket, as a browser reaches it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let config = frontline_bot::config::Config::parse(&format!(
        "[web]\ntelegram_bot = \"{BOT}\"\nbase_url = \"http://{addr}\"\n"
    ))
    .expect("config");
    let site = Arc::new(Site::new(
        Settings::of(&config, None),
        w.app.store.clone(),
        w.app.kb.clone(),
    ));
    let (_stop, stop_rx) = tokio::sync::watch::channel(false);
    let listener_task = tokio::spawn(frontline_bot::web::serve(listener, site, stop_rx));

    // What the bot's search decides for "VPN": the page must show that article first.
    let outcome = frontline_core::cmd::ask::search(&w.app.kb, "VPN", Some(Lang::En))
        .expect("a question")
        .expect("search");
    // The answer, or (a short query is often ambiguous) the first article offered.
    let article = match &outcome.decision {
        Decision::Answer { article, .. } => article,
        Decision::Suggest { articles, .. } => &articles[0],
        Decision::NoMatch { .. } => panic!("the sample has VPN articles"),
    };
    let answer = w.article(article.slug.as_str(), article.lang).await;
    let other = w.article(article.slug.as_str(), article.lang.other()).await;

    let shots = tempfile::tempdir().expect("tmp");
    let profile = tempfile::tempdir().expect("profile");
    let driver = tokio::task::spawn_blocking(start_driver)
        .await
        .expect("driver task");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--window-size=1000,1400",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    // chromedriver speaks plain HTTP on loopback: no TLS client needed.
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a browser session");

    let run = async {
        c.goto(&format!("http://{addr}/en/")).await?;
        let heading = c.find(Locator::Css("h1")).await?.text().await?;
        assert_eq!(heading, "Help centre");
        std::fs::write(shots.path().join("home.png"), c.screenshot().await?).expect("png");
        let q = c.find(Locator::Css("input#q")).await?;
        q.send_keys("VPN").await?;
        c.find(Locator::Css("form.search button"))
            .await?
            .click()
            .await?;
        let first = c.wait().for_element(Locator::Css("main a.result")).await?;
        assert!(c.current_url().await?.as_str().contains("/en/search?q=VPN"));
        assert_eq!(first.text().await?, answer.title);
        first.click().await?;
        let h1 = c.wait().for_element(Locator::Css("article h1")).await?;
        assert_eq!(h1.text().await?, answer.title);
        let ask = c.find(Locator::Css("a#ask-telegram")).await?;
        assert_eq!(
            ask.attr("href").await?.as_deref(),
            Some(format!("https://t.me/{BOT}?start=kb-{}", answer.slug).as_str())
        );
        assert!(ask.text().await?.contains("Ask in Telegram"));
        let png = c.screenshot().await?;
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(shots.path().join("article.png"), &png).expect("png");
        if let Some(dir) = std::env::var_os("FRONTLINE_SCREENSHOTS") {
            // For the README's pictures: `FRONTLINE_SCREENSHOTS=docs/img cargo test …`.
            std::fs::copy(
                shots.path().join("home.png"),
                std::path::Path::new(&dir).join("home.png"),
            )
            .expect("copy");
            std::fs::write(std::path::Path::new(&dir).join("article.png"), &png).expect("copy");
        }
        c.find(Locator::Css("a#other-lang")).await?.click().await?;
        let h1 = c
            .wait()
            .for_element(Locator::Css("html[lang=\"ru\"] article h1"))
            .await?
            .text()
            .await?;
        assert!(c.current_url().await?.path().starts_with("/ru/a/"));
        assert_eq!(h1, other.title);
        let html_lang = c.find(Locator::Css("html")).await?.attr("lang").await?;
        assert_eq!(html_lang.as_deref(), Some("ru"));
        let ask = c.find(Locator::Css("a#ask-telegram")).await?;
        assert!(ask.text().await?.contains("Написать в Telegram"));
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    listener_task.abort();
    run.expect("the reader's walk through the site");
    assert!(
        shots
            .path()
            .join("home.png")
            .metadata()
            .expect("home shot")
            .len()
            > 1000
    );
}
