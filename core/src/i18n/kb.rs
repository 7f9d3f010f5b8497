//! What the desk says about knowledge-base articles to the staff who keep them (`/kb`), in
//! their language; and the scaffold of a draft made from a ticket, in the ticket's.

use frontline_kb::Slug;

use crate::articles::{ArticleState, ArticleVersion};
use crate::domain::{Lang, TicketId};

/// Articles `/kb list` shows at most.
pub const LIST_LIMIT: usize = 30;

fn state_name(s: ArticleState, lang: Lang) -> &'static str {
    match (s, lang) {
        (ArticleState::Published, Lang::En) => "published",
        (ArticleState::Draft, Lang::En) => "draft",
        (ArticleState::Deleted, Lang::En) => "deleted",
        (ArticleState::Published, Lang::Ru) => "опубликована",
        (ArticleState::Draft, Lang::Ru) => "черновик",
        (ArticleState::Deleted, Lang::Ru) => "удалена",
    }
}

/// `2026-12-01 17:00 UTC`.
fn stamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// `` `vpn` (en) v3 ``.
fn label(v: &ArticleVersion) -> String {
    format!("`{}` ({}) v{}", v.article.slug, v.article.lang, v.version)
}

/// What a `/kb` command did.
#[derive(Debug)]
pub enum KbAck<'a> {
    Added {
        v: &'a ArticleVersion,
    },
    /// `/kb edit` without content: the source to change and send back.
    Source {
        v: &'a ArticleVersion,
    },
    Saved {
        v: &'a ArticleVersion,
    },
    Unchanged {
        v: &'a ArticleVersion,
    },
    /// Deleted; `last` is the version that brings it back.
    Deleted {
        v: &'a ArticleVersion,
        last: i64,
    },
    Reverted {
        v: &'a ArticleVersion,
        version: i64,
    },
    AlreadyAs {
        v: &'a ArticleVersion,
        version: i64,
    },
    Published {
        v: &'a ArticleVersion,
    },
    Unlearned {
        v: &'a ArticleVersion,
        n: usize,
        text: &'a str,
    },
    List {
        query: &'a str,
        found: &'a [&'a ArticleVersion],
    },
    Show {
        v: &'a ArticleVersion,
    },
    History {
        v: &'a ArticleVersion,
        history: &'a [ArticleVersion],
    },
    /// The learned phrasings, with the most an article keeps.
    Learned {
        v: &'a ArticleVersion,
        cap: usize,
    },
    Drafted {
        v: &'a ArticleVersion,
        ticket: TicketId,
    },
    /// In a draft: an article sent as an answer that is no longer in the knowledge base.
    GoneArticle {
        slug: &'a Slug,
        lang: Lang,
    },
    /// A draft's body: the question and the answers, under headings in the ticket's language.
    DraftBody {
        question: &'a str,
        answers: &'a [String],
    },
}

impl KbAck<'_> {
    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let ru = lang == Lang::Ru;
        let pick = |ru_text: String, en_text: String| if ru { ru_text } else { en_text };
        match self {
            KbAck::Added { v } => pick(
                format!(
                    "📗 Добавлена {}: {}. Пользователи получают её с этой минуты.",
                    label(v),
                    v.article.display_title()
                ),
                format!(
                    "📗 Added {}: {}. Users get it from now on.",
                    label(v),
                    v.article.display_title()
                ),
            ),
            KbAck::Source { v } => {
                let (slug, l, state) = (&v.article.slug, v.article.lang, state_name(v.state, lang));
                let source = v.article.to_markdown();
                pick(
                    format!(
                        "{} · {state}. Пришлите изменённой: /kb edit {slug} {l} и текст со следующей строки:\n\n{source}",
                        label(v)
                    ),
                    format!(
                        "{} · {state}. Send it back changed with /kb edit {slug} {l} and the text on the next lines:\n\n{source}",
                        label(v)
                    ),
                )
            }
            KbAck::Saved { v } => {
                let state = state_name(v.state, lang);
                pick(
                    format!("✏️ {} сохранена ({state}).", label(v)),
                    format!("✏️ {} saved ({state}).", label(v)),
                )
            }
            KbAck::Unchanged { v } => pick(
                format!("Без изменений: {} уже так и написана.", label(v)),
                format!("No change: {} already reads so.", label(v)),
            ),
            KbAck::Deleted { v, last } => {
                let (slug, l) = (&v.article.slug, v.article.lang);
                pick(
                    format!(
                        "🗑 {} удалена; пользователи её больше не получают. /kb revert {slug} {l} {last} вернёт её.",
                        label(v)
                    ),
                    format!(
                        "🗑 Deleted {}; users no longer get it. /kb revert {slug} {l} {last} brings it back.",
                        label(v)
                    ),
                )
            }
            KbAck::Reverted { v, version } => {
                let state = state_name(v.state, lang);
                pick(
                    format!("↩️ {} теперь такая же, как v{version} ({state}).", label(v)),
                    format!("↩️ {} now reads as v{version} did ({state}).", label(v)),
                )
            }
            KbAck::AlreadyAs { v, version } => pick(
                format!("Без изменений: {} уже такая же, как v{version}.", label(v)),
                format!("No change: {} already reads as v{version}.", label(v)),
            ),
            KbAck::Published { v } => pick(
                format!(
                    "📗 {} опубликована: пользователи получают её с этой минуты.",
                    label(v)
                ),
                format!("📗 Published {}: users get it from now on.", label(v)),
            ),
            KbAck::Unlearned { v, n, text } => pick(
                format!(
                    "Формулировка {n} убрана из {}: «{text}». Кто спросит так, больше не попадёт на статью по ней.",
                    label(v)
                ),
                format!(
                    "Removed phrasing {n} of {}: “{text}”. Users who ask so are no longer matched to it by that phrasing.",
                    label(v)
                ),
            ),
            KbAck::List { query, found } => list(query, found, lang),
            KbAck::Show { v } => {
                let by = pick("автор".into(), "by".into());
                format!(
                    "{} · {} · {by} {}, {}\n# {}\n\n{}",
                    label(v),
                    state_name(v.state, lang),
                    v.author,
                    stamp(v.at_ms),
                    v.article.display_title(),
                    v.article.body.trim_end()
                )
            }
            KbAck::History { v, history } => {
                let (slug, l) = (&v.article.slug, v.article.lang);
                let mut lines = vec![pick(
                    format!("История `{slug}` ({l}):"),
                    format!("History of `{slug}` ({l}):"),
                )];
                lines.extend(history.iter().map(|h| {
                    format!(
                        "v{} · {} · {} · {} · {}",
                        h.version,
                        stamp(h.at_ms),
                        h.author,
                        h.note,
                        state_name(h.state, lang)
                    )
                }));
                lines.join("\n")
            }
            KbAck::Learned { v, cap } => learned(v, *cap, lang),
            KbAck::Drafted { v, ticket } => {
                let slug = &v.article.slug;
                pick(
                    format!(
                        "📝 Черновик {} из заявки {ticket}. Посмотреть: /kb show {slug}, изменить: /kb edit {slug}; опубликует администратор: /kb publish {slug}.",
                        label(v)
                    ),
                    format!(
                        "📝 Draft {} from ticket {ticket}. Review it with /kb show {slug}, change it with /kb edit {slug}; an admin publishes it with /kb publish {slug}.",
                        label(v)
                    ),
                )
            }
            KbAck::GoneArticle { slug, lang: l } => pick(
                format!("(статья `{slug}` ({l}), которой больше нет в базе знаний)"),
                format!("(the article `{slug}` ({l}), no longer in the knowledge base)"),
            ),
            KbAck::DraftBody { question, answers } => {
                let (q, a, none) = match lang {
                    Lang::Ru => ("Вопрос", "Ответ", "(ответа в заявке нет — допишите)"),
                    Lang::En => (
                        "Question",
                        "Answer",
                        "(the ticket has no answer: write one)",
                    ),
                };
                let answer = if answers.is_empty() {
                    none.to_string()
                } else {
                    answers.join("\n\n")
                };
                format!("## {q}\n\n{question}\n\n## {a}\n\n{answer}")
            }
        }
    }
}

fn list(query: &str, found: &[&ArticleVersion], lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let mut lines = vec![match (found.len(), query.is_empty(), ru) {
        (0, true, false) => "The knowledge base has no articles.".to_string(),
        (0, true, true) => "В базе знаний нет статей.".to_string(),
        (0, false, false) => format!("No article matches “{query}”."),
        (0, false, true) => format!("Статей по «{query}» нет."),
        (n, _, false) => format!("{n} articles:"),
        (n, _, true) => format!("Статей: {n}"),
    }];
    for v in found.iter().take(LIST_LIMIT) {
        let state = match v.state {
            ArticleState::Published => String::new(),
            s => format!(" [{}]", state_name(s, lang)),
        };
        lines.push(format!(
            "{} ({}) v{}{state} · {}",
            v.article.slug,
            v.article.lang,
            v.version,
            v.article.display_title()
        ));
    }
    if found.len() > LIST_LIMIT {
        let more = found.len() - LIST_LIMIT;
        lines.push(if ru {
            format!("… и ещё {more}: уточните, /kb list СЛОВА")
        } else {
            format!("… and {more} more: narrow it with /kb list WORDS")
        });
    }
    lines.join("\n")
}

fn learned(v: &ArticleVersion, cap: usize, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let (slug, l, learned) = (&v.article.slug, v.article.lang, &v.article.learned);
    let mut lines = vec![match (learned.is_empty(), ru) {
        (true, false) => format!(
            "`{slug}` ({l}) has no learned phrasings yet: a user's question becomes one when they press Helped on this article."
        ),
        (true, true) => format!(
            "У `{slug}` ({l}) пока нет выученных формулировок: вопрос пользователя становится ею, когда он нажимает «Помогло» на этой статье."
        ),
        (false, false) => format!(
            "`{slug}` ({l}): {} learned phrasings (at most {cap}; the oldest go first):",
            learned.len()
        ),
        (false, true) => format!(
            "`{slug}` ({l}): выученных формулировок — {} (не больше {cap}; старые уходят первыми):",
            learned.len()
        ),
    }];
    for (i, p) in learned.iter().enumerate() {
        lines.push(format!(
            "{}. “{}” · {} · {}",
            i + 1,
            p.text,
            p.by,
            stamp(p.at_ms)
        ));
    }
    if !learned.is_empty() {
        lines.push(if ru {
            format!("Убрать одну: /kb unlearn {slug} {l} N.")
        } else {
            format!("Remove one with /kb unlearn {slug} {l} N.")
        });
    }
    lines.join("\n")
}
