//! The help centre's pages, as maud templates: every value they insert is escaped, and an
//! article's HTML comes in already cleaned (`render`). No JavaScript: the site works with it
//! off, and the search is a plain form.

use std::sync::Arc;

use frontline_core::Lang;
use frontline_core::i18n::web::Web;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Settings;
use super::catalogue::{Catalogue, Entry};

/// What every page has in its `<head>` and around its content.
pub struct Frame<'a> {
    pub lang: Lang,
    /// The page's own title (the site's name is added after it).
    pub title: String,
    pub description: String,
    /// The page's path (`/en/a/vpn`), for its canonical URL.
    pub path: String,
    /// The same page in the other language, when it exists.
    pub other: Option<String>,
    /// What the search box holds.
    pub query: &'a str,
    /// The article the reader is on, for the bot's deep link.
    pub from: Option<&'a frontline_kb::Slug>,
    /// Search pages are not indexed by search engines.
    pub noindex: bool,
}

pub fn layout(s: &Settings, f: &Frame<'_>, main: Markup) -> Markup {
    let lang = f.lang;
    let t = |w: Web<'_>| w.text(lang);
    let site = s.title(lang);
    let full_title = if f.title == site {
        site.clone()
    } else {
        format!("{} · {site}", f.title)
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (full_title) }
                meta name="description" content=(f.description);
                @if f.noindex { meta name="robots" content="noindex"; }
                link rel="canonical" href=(s.url(&f.path));
                link rel="alternate" hreflang=(lang.code()) href=(s.url(&f.path));
                @if let Some(other) = &f.other {
                    link rel="alternate" hreflang=(lang.other().code()) href=(s.url(other));
                }
                link rel="stylesheet" href=(super::stylesheet_path());
            }
            body {
                a.skip href="#main" { (t(Web::SkipToContent)) }
                header.top {
                    div.bar {
                        a.brand href=(format!("/{}/", lang.code())) { (site) }
                        nav aria-label=(t(Web::LanguageName)) {
                            a href=(f.other.clone().unwrap_or_else(|| format!("/{}/", lang.other().code())))
                                lang=(lang.other().code()) hreflang=(lang.other().code()) {
                                (Web::LanguageName.text(lang.other()))
                            }
                        }
                    }
                    form.search role="search" action=(format!("/{}/search", lang.code())) method="get" {
                        label for="q" { (t(Web::SearchLabel)) }
                        div.row {
                            input #q type="search" name="q" value=(f.query)
                                placeholder=(t(Web::SearchPlaceholder)) maxlength="500";
                            button type="submit" { (t(Web::SearchButton)) }
                        }
                    }
                }
                main #main { (main) }
                footer { (ask_us(s, lang, f.from)) }
            }
        }
    }
}

/// "Didn't help? Ask us", with the bot's links.
fn ask_us(s: &Settings, lang: Lang, from: Option<&frontline_kb::Slug>) -> Markup {
    let t = |w: Web<'_>| w.text(lang);
    let telegram = s.telegram_link(from);
    html! {
        section.ask aria-labelledby="ask-heading" {
            h2 #ask-heading { (t(Web::AskUs)) }
            @if telegram.is_none() && s.discord_url.is_none() {
                p { (t(Web::AskNoLink)) }
            } @else {
                p { (t(Web::AskUsLead)) }
                p.links {
                    @if let Some(link) = &telegram {
                        a.button #ask-telegram href=(link) { (t(Web::AskTelegram)) }
                    }
                    @if let Some(link) = &s.discord_url {
                        a.button #ask-discord href=(link) { (t(Web::AskDiscord)) }
                    }
                }
            }
        }
    }
}

fn article_link(e: &Entry) -> String {
    format!(
        "/{}/a/{}",
        e.article.lang.code(),
        path_segment(e.article.slug.as_str())
    )
}

pub fn category_link(lang: Lang, key: Option<&str>) -> String {
    format!(
        "/{}/c/{}",
        lang.code(),
        path_segment(key.unwrap_or(super::UNCATEGORISED))
    )
}

/// A value as one path segment.
pub fn path_segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, super::SEGMENT).to_string()
}

fn date(ms: i64) -> (String, String) {
    let at = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    (at.format("%Y-%m-%d").to_string(), at.to_rfc3339())
}

pub fn home(s: &Settings, lang: Lang, cat: &Catalogue) -> Markup {
    let t = |w: Web<'_>| w.text(lang);
    let groups = s.sorted_categories(lang, cat);
    let main = html! {
        h1 { (s.title(lang)) }
        p.lead { (t(Web::HomeLead)) }
        h2 { (t(Web::Categories)) }
        div.grid {
            @for (key, entries) in &groups {
                section.category {
                    h3 { a href=(category_link(lang, *key)) { (s.category_name(*key, lang)) } }
                    p.count { (Web::ArticleCount(entries.len()).text(lang)) }
                    ul {
                        @for e in entries.iter() {
                            li { a href=(article_link(e)) { (e.article.display_title()) } }
                        }
                    }
                }
            }
        }
    };
    let frame = Frame {
        lang,
        title: s.title(lang),
        description: Web::HomeDescription {
            title: &s.title(lang),
        }
        .text(lang),
        path: format!("/{}/", lang.code()),
        other: Some(format!("/{}/", lang.other().code())),
        query: "",
        from: None,
        noindex: false,
    };
    layout(s, &frame, main)
}

pub fn category(
    s: &Settings,
    lang: Lang,
    key: Option<&str>,
    entries: &[&Arc<Entry>],
    other_has_it: bool,
) -> Markup {
    let t = |w: Web<'_>| w.text(lang);
    let name = s.category_name(key, lang);
    let main = html! {
        nav.crumbs aria-label=(t(Web::Home)) { a href=(format!("/{}/", lang.code())) { (t(Web::Home)) } }
        h1 { (Web::CategoryHeading { name: &name }.text(lang)) }
        p.count { (Web::ArticleCount(entries.len()).text(lang)) }
        ul.articles {
            @for e in entries {
                li {
                    a href=(article_link(e)) { (e.article.display_title()) }
                    p { (e.description) }
                }
            }
        }
    };
    let frame = Frame {
        lang,
        description: format!("{name}: {}", Web::ArticleCount(entries.len()).text(lang)),
        title: name.clone(),
        path: category_link(lang, key),
        other: other_has_it.then(|| category_link(lang.other(), key)),
        query: "",
        from: None,
        noindex: false,
    };
    layout(s, &frame, main)
}

pub fn article(s: &Settings, e: &Entry, other: Option<&Entry>) -> Markup {
    let lang = e.article.lang;
    let t = |w: Web<'_>| w.text(lang);
    let (day, stamp) = date(e.updated_ms);
    let key = e.category();
    let main = html! {
        nav.crumbs aria-label=(t(Web::Home)) {
            a href=(format!("/{}/", lang.code())) { (t(Web::Home)) }
            " › "
            a href=(category_link(lang, key)) { (s.category_name(key, lang)) }
        }
        article {
            h1 { (e.article.display_title()) }
            p.meta {
                span { (t(Web::Category)) ": " a href=(category_link(lang, key)) { (s.category_name(key, lang)) } }
                " · "
                span { (t(Web::Updated)) ": " time datetime=(stamp) { (day) } }
                @if !e.article.tags.is_empty() {
                    " · "
                    span { (t(Web::Tags)) ": " (e.article.tags.join(", ")) }
                }
            }
            @if let Some(o) = other {
                p.other-lang {
                    a #other-lang href=(article_link(o)) lang=(o.article.lang.code()) hreflang=(o.article.lang.code()) {
                        (t(Web::OtherLanguage))
                    }
                }
            }
            div.body { (PreEscaped(&e.html)) }
        }
    };
    let frame = Frame {
        lang,
        title: e.article.display_title().to_string(),
        description: e.description.clone(),
        path: article_link(e),
        other: other.map(article_link),
        query: "",
        from: Some(&e.article.slug),
        noindex: false,
    };
    layout(s, &frame, main)
}

/// One search result: the article and its passage for the question.
pub struct Found<'a> {
    pub entry: &'a Entry,
    pub snippet: String,
}

/// What the search decided, for the page.
pub enum Results<'a> {
    /// Nothing typed.
    Empty,
    Answer {
        answer: Found<'a>,
        others: Vec<Found<'a>>,
    },
    Suggest(Vec<Found<'a>>),
    NoMatch,
}

pub fn search(
    s: &Settings,
    lang: Lang,
    query: &str,
    cut: Option<usize>,
    r: &Results<'_>,
) -> Markup {
    let t = |w: Web<'_>| w.text(lang);
    let found = |list: &[Found<'_>]| {
        html! {
            ul.articles {
                @for f in list {
                    li {
                        a.result href=(article_link(f.entry)) lang=(f.entry.article.lang.code()) { (f.entry.article.display_title()) }
                        div.snippet { (PreEscaped(super::render::passage_html(&f.snippet))) }
                    }
                }
            }
        }
    };
    let main = html! {
        @if query.is_empty() {
            h1 { (t(Web::SearchLabel)) }
        } @else {
            h1 { (Web::SearchHeading { query }.text(lang)) }
        }
        @if let Some(chars) = cut { p.note { (Web::QueryCut { chars }.text(lang)) } }
        @match r {
            Results::Empty => p { (t(Web::SearchEmpty)) },
            Results::Answer { answer, others } => {
                section.answer aria-labelledby="answer-heading" {
                    h2 #answer-heading { (t(Web::AnswerHeading)) }
                    h3 {
                        a.result #answer href=(article_link(answer.entry)) lang=(answer.entry.article.lang.code()) {
                            (answer.entry.article.display_title())
                        }
                    }
                    div.snippet { (PreEscaped(super::render::passage_html(&answer.snippet))) }
                    p { a href=(article_link(answer.entry)) { (t(Web::ReadArticle)) } }
                }
                @if !others.is_empty() {
                    h2 { (t(Web::OtherHits)) }
                    (found(others))
                }
            },
            Results::Suggest(list) => {
                h2 { (t(Web::MaybeHits)) }
                (found(list))
            },
            Results::NoMatch => {
                p.nomatch { (t(Web::NoMatch)) }
                p { (t(Web::NoMatchHint)) }
            },
        }
    };
    let frame = Frame {
        lang,
        title: if query.is_empty() {
            t(Web::SearchLabel)
        } else {
            Web::SearchHeading { query }.text(lang)
        },
        description: t(Web::SearchLabel),
        path: format!("/{}/search", lang.code()),
        other: None,
        query,
        from: None,
        noindex: true,
    };
    layout(s, &frame, main)
}

pub fn not_found(s: &Settings, lang: Lang) -> Markup {
    let t = |w: Web<'_>| w.text(lang);
    let main = html! {
        h1 { (t(Web::NotFoundTitle)) }
        p { (t(Web::NotFoundText)) }
        p { a href=(format!("/{}/", lang.code())) { (t(Web::Home)) } }
    };
    let frame = Frame {
        lang,
        title: t(Web::NotFoundTitle),
        description: t(Web::NotFoundText),
        path: format!("/{}/", lang.code()),
        other: None,
        query: "",
        from: None,
        noindex: true,
    };
    layout(s, &frame, main)
}
