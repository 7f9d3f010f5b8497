//! An article's Markdown as HTML a page can hold: rendered by pulldown-cmark, its headings
//! put under the page's own `<h1>`, and cleaned by ammonia, so whatever an article says
//! (raw HTML, a `javascript:` link, an `onerror`) nothing in it runs in a reader's browser.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Longest meta description, as search engines show it.
const DESCRIPTION_CHARS: usize = 160;

/// The article's body as clean HTML. `title` is the page's heading: a first heading that
/// repeats it is left out, and the others are shifted so the body's top level is `<h2>`
/// (headings in order, as screen readers navigate them).
pub fn article_html(markdown: &str, title: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut events: Vec<Event<'_>> = Parser::new_ext(markdown, options).collect();
    let skip = leading_title_heading(&events, title);
    events.drain(..skip);
    let top = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(*level as usize),
            _ => None,
        })
        .min()
        .unwrap_or(2);
    let shift = |level: HeadingLevel| -> HeadingLevel {
        let n = (level as usize + 2).saturating_sub(top).clamp(2, 6);
        HeadingLevel::try_from(n).unwrap_or(HeadingLevel::H6)
    };
    let events = events.into_iter().map(|e| match e {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: shift(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(shift(level))),
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    clean(&html)
}

/// How many events a first heading that says the title takes (0 when there is none).
fn leading_title_heading(events: &[Event<'_>], title: &str) -> usize {
    let Some(Event::Start(Tag::Heading { .. })) = events.first() else {
        return 0;
    };
    let mut text = String::new();
    for (i, e) in events.iter().enumerate().skip(1) {
        match e {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::End(TagEnd::Heading(_)) => {
                return if text.trim().eq_ignore_ascii_case(title.trim()) {
                    i + 1
                } else {
                    0
                };
            }
            _ => {}
        }
    }
    0
}

/// Markdown of a passage (a search snippet) as clean inline-and-paragraph HTML.
pub fn passage_html(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new(markdown));
    clean(&html)
}

fn clean(html: &str) -> String {
    // ammonia's defaults: no scripts, styles, event handlers or `javascript:` URLs; links get
    // `rel="noopener noreferrer"`.
    ammonia::Builder::default()
        .add_generic_attributes(["id"])
        .clean(html)
        .to_string()
}

/// A page's meta description: the article's opening, cut at a sentence or word.
pub fn description(markdown: &str) -> String {
    let plain = frontline_kb::text::markdown_to_plain(markdown);
    let flat = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= DESCRIPTION_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(DESCRIPTION_CHARS - 1).collect();
    let at = cut
        .rfind(". ")
        .map(|i| i + 1)
        .filter(|&i| i > DESCRIPTION_CHARS / 2)
        .or_else(|| cut.rfind(' '))
        .unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let html = article_html(
            "Hello <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n\
             [click](javascript:alert(3)) <a href=\"https://example.com\">ok</a>",
            "T",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("https://example.com"), "{html}");
    }

    #[test]
    fn headings_go_under_the_page_title_and_a_repeated_title_is_dropped() {
        let html = article_html(
            "# Reset a password\n\nIntro\n\n## Steps\n\n### Detail\n",
            "Reset a password",
        );
        assert!(!html.contains("<h1"), "{html}");
        assert!(!html.contains("Reset a password"), "{html}");
        assert!(html.contains("<h2>Steps</h2>"), "{html}");
        assert!(html.contains("<h3>Detail</h3>"), "{html}");
        let html = article_html("### Only a deep one\n", "Other");
        assert!(html.contains("<h2>Only a deep one</h2>"), "{html}");
    }

    #[test]
    fn malformed_markdown_renders_without_losing_text() {
        let html = article_html("**unclosed *emphasis [link( `code\n\n| a | b\n|--", "T");
        assert!(html.contains("unclosed"), "{html}");
        assert!(html.contains("code"), "{html}");
    }

    #[test]
    fn descriptions_are_cut_at_a_sentence_or_word() {
        let short = description("One line.");
        assert_eq!(short, "One line.");
        let long = description(&"A sentence that goes on. ".repeat(20));
        assert!(long.chars().count() <= DESCRIPTION_CHARS, "{long}");
        assert!(long.ends_with('…'), "{long}");
    }
}
