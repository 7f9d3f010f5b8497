//! Admins keep the knowledge base current from chat: `/kb add|edit|delete|list|show|history|
//! revert|publish`, and agents turn resolved tickets into drafts with `/kb draft N`.
//!
//! Articles live in the database (see [`crate::articles`]); every change is a new version,
//! and the search index follows right after the commit.

use frontline_kb::{Article, Lang, Slug};
use sqlx::AnyConnection;

use crate::articles::{ArticleState, ArticleVersion};
use crate::domain::{EventKind, Status, TicketId};
use crate::engine::{Engine, Stop, Turn};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::staff::{Role, StaffMember};
use crate::store::Store;

/// Articles listed by `/kb list` at most.
const LIST_LIMIT: usize = 30;

/// An article named in a command: its slug and, when given, its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub slug: String,
    pub lang: Option<Lang>,
}

/// A `/kb` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KbCommand {
    /// `/kb add LANG TITLE` with the body on the following lines.
    Add {
        lang: Lang,
        title: String,
        body: String,
    },
    /// `/kb add` followed by a whole Markdown file with front matter (typed or uploaded).
    AddMarkdown(String),
    /// `/kb edit SLUG [LANG]`: with no content, shows the source to change and send back;
    /// with a Markdown file, replaces the article; with plain text, replaces the body.
    Edit {
        target: Target,
        content: Option<String>,
    },
    Delete(Target),
    List(String),
    Show(Target),
    History(Target),
    Revert(Target, i64),
    Publish(Target),
    /// `/kb learned SLUG [LANG]`: the phrasings learned from users' confirmed questions.
    Learned(Target),
    /// `/kb unlearn SLUG [LANG] N`: removes the N-th of them.
    Unlearn(Target, usize),
    /// A draft article from a resolved ticket.
    Draft(TicketId),
}

impl KbCommand {
    /// Whether only admins may run it: everything that changes what users are told.
    fn admin_only(&self) -> bool {
        match self {
            KbCommand::Add { .. }
            | KbCommand::AddMarkdown(_)
            | KbCommand::Delete(_)
            | KbCommand::Revert(..)
            | KbCommand::Unlearn(..)
            | KbCommand::Publish(_) => true,
            KbCommand::Edit { content, .. } => content.is_some(),
            KbCommand::List(_)
            | KbCommand::Show(_)
            | KbCommand::History(_)
            | KbCommand::Learned(_)
            | KbCommand::Draft(_) => false,
        }
    }
}

const USAGE: &str =
    "add, edit, delete, list, show, history, revert, publish, learned, unlearn or draft";

/// Parses the arguments of `/kb` (everything after the command name, newlines kept).
///
/// # Errors
/// [`UserError::MissingArgument`] naming what is missing.
pub fn parse(args: &str) -> Result<KbCommand, UserError> {
    let missing = |what: &'static str| UserError::MissingArgument {
        command: "kb",
        what,
    };
    let args = args.trim_start_matches([' ', '\t']);
    let (head, rest) = args.split_once('\n').unwrap_or((args, ""));
    let rest = rest.trim_matches(['\r', '\n']);
    let mut words = head.split_whitespace();
    let sub = words.next().unwrap_or("").to_lowercase();
    let target = |words: &mut std::str::SplitWhitespace<'_>| -> Result<Target, UserError> {
        let slug = words.next().ok_or(missing("an article's slug"))?;
        let lang = match words.clone().next().map(Lang::parse) {
            Some(Ok(l)) => {
                words.next();
                Some(l)
            }
            _ => None,
        };
        Ok(Target {
            slug: slug.to_string(),
            lang,
        })
    };
    let no_more = |words: &mut std::str::SplitWhitespace<'_>, what| {
        if words.next().is_some() {
            Err(missing(what))
        } else {
            Ok(())
        }
    };
    Ok(match sub.as_str() {
        "add" => {
            let head_rest: Vec<&str> = words.collect();
            if head_rest.is_empty() {
                if rest.trim_start().starts_with("---") {
                    return Ok(KbCommand::AddMarkdown(rest.to_string()));
                }
                return Err(missing(
                    "LANG TITLE and the body on the next lines, or a Markdown file with front matter",
                ));
            }
            let lang = Lang::parse(head_rest[0])
                .map_err(|_| missing("a language first: /kb add en TITLE"))?;
            let title = head_rest[1..].join(" ");
            if title.is_empty() {
                return Err(missing("a title after the language"));
            }
            if rest.trim().is_empty() {
                return Err(missing("the article's body on the lines after the title"));
            }
            KbCommand::Add {
                lang,
                title,
                body: rest.trim().to_string(),
            }
        }
        "edit" => {
            let target = target(&mut words)?;
            no_more(
                &mut words,
                "the new text on the lines after /kb edit SLUG [LANG]",
            )?;
            KbCommand::Edit {
                target,
                content: (!rest.trim().is_empty()).then(|| rest.to_string()),
            }
        }
        "delete" => {
            let t = target(&mut words)?;
            no_more(&mut words, "only a slug and a language")?;
            KbCommand::Delete(t)
        }
        "show" => KbCommand::Show(target(&mut words)?),
        "history" => KbCommand::History(target(&mut words)?),
        "publish" => KbCommand::Publish(target(&mut words)?),
        "revert" => {
            let t = target(&mut words)?;
            let version = words
                .next()
                .map(|v| v.trim_start_matches(['v', 'V']))
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|v| *v > 0)
                .ok_or(missing(
                    "the version to go back to, such as 2 (see /kb history)",
                ))?;
            KbCommand::Revert(t, version)
        }
        "learned" => {
            let t = target(&mut words)?;
            no_more(&mut words, "only a slug and a language")?;
            KbCommand::Learned(t)
        }
        "unlearn" => {
            let t = target(&mut words)?;
            let n = words
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n > 0)
                .ok_or(missing(
                    "the number of the phrasing to remove, such as 2 (see /kb learned)",
                ))?;
            no_more(&mut words, "only a slug, a language and a number")?;
            KbCommand::Unlearn(t, n)
        }
        "list" => KbCommand::List(words.collect::<Vec<_>>().join(" ")),
        "draft" => {
            let n = words.next().ok_or(missing("a ticket number"))?;
            KbCommand::Draft(TicketId::parse(n)?)
        }
        "" => return Err(missing(USAGE)),
        _ => return Err(missing(USAGE)),
    })
}

/// A slug made from a title: lowercase letters and digits joined by dashes (Cyrillic stays).
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.chars().count() >= 60 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "article".to_string()
    } else {
        slug
    }
}

fn stamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn label(v: &ArticleVersion) -> String {
    format!("`{}` ({}) v{}", v.article.slug, v.article.lang, v.version)
}

fn bad(e: impl std::fmt::Display) -> UserError {
    UserError::BadArticle(e.to_string())
}

impl Engine {
    /// The article a command names: in the language given, or the only one it has.
    async fn target_article(
        &self,
        conn: &mut AnyConnection,
        target: &Target,
        hint: Option<Lang>,
    ) -> Result<ArticleVersion, Stop> {
        let slug =
            Slug::parse(&target.slug).map_err(|_| UserError::NoArticle(target.slug.clone()))?;
        match target.lang.or(hint) {
            Some(lang) => Ok(Store::article_latest(conn, &slug, lang)
                .await?
                .ok_or_else(|| UserError::NoArticle(format!("{} ({lang})", target.slug)))?),
            None => {
                let mut all = Store::article_langs(conn, &slug).await?;
                match all.len() {
                    0 => Err(UserError::NoArticle(target.slug.clone()).into()),
                    1 => Ok(all.remove(0)),
                    _ => Err(UserError::ArticleLangs(target.slug.clone()).into()),
                }
            }
        }
    }

    /// Stores a new version and marks the turn so the index follows after the commit.
    pub(crate) async fn put_article(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        article: &Article,
        state: ArticleState,
        author: &str,
        note: &str,
    ) -> Result<Option<ArticleVersion>, Stop> {
        let stored = Store::article_put(conn, article, state, author, note, turn.now).await?;
        if stored.is_some() {
            turn.kb_changed = true;
        }
        Ok(stored)
    }

    pub(crate) async fn on_kb(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        me: &StaffMember,
        cmd: KbCommand,
    ) -> Result<(), Stop> {
        if cmd.admin_only() && me.role != Role::Admin {
            return Err(UserError::AdminOnly("change knowledge-base articles").into());
        }
        let author = me.name.as_str();
        let ack = |turn: &mut Turn<'_>, s: String| turn.reply(Msg::Ack(s).text(Lang::En));
        match cmd {
            KbCommand::Add { lang, title, body } => {
                let base = slugify(&title);
                let mut slug = base.clone();
                let mut n = 2;
                while !Store::article_langs(conn, &Slug::parse(&slug).map_err(bad)?)
                    .await?
                    .is_empty()
                {
                    slug = format!("{base}-{n}");
                    n += 1;
                }
                let article = Article::new(Slug::parse(&slug).map_err(bad)?, lang, title, body)
                    .map_err(bad)?;
                self.add_article(conn, turn, &article, author).await?;
            }
            KbCommand::AddMarkdown(text) => {
                let article = Article::parse_markdown(&text, None).map_err(bad)?;
                if Store::article_latest(conn, &article.slug, article.lang)
                    .await?
                    .is_some_and(|v| v.state != ArticleState::Deleted)
                {
                    return Err(UserError::ArticleExists(article.slug.to_string()).into());
                }
                self.add_article(conn, turn, &article, author).await?;
            }
            KbCommand::Edit { target, content } => {
                let from_markdown = match &content {
                    Some(c) if c.trim_start().starts_with("---") => {
                        Some(Article::parse_markdown(c, target.lang).map_err(bad)?)
                    }
                    _ => None,
                };
                let current = self
                    .target_article(conn, &target, from_markdown.as_ref().map(|a| a.lang))
                    .await?;
                let Some(content) = content else {
                    ack(
                        turn,
                        format!(
                            "{} · {}. Send it back changed with /kb edit {} {} and the text on the next lines:\n\n{}",
                            label(&current),
                            current.state,
                            current.article.slug,
                            current.article.lang,
                            current.article.to_markdown()
                        ),
                    );
                    return Ok(());
                };
                let article = match from_markdown {
                    Some(a) if a.slug != current.article.slug => {
                        return Err(bad(format!(
                            "its front matter names `{}`, not `{}`",
                            a.slug, current.article.slug
                        ))
                        .into());
                    }
                    // A file without a `learned` list keeps what users taught the article,
                    // as `kb import` does; the list shown by `/kb edit SLUG` edits it.
                    Some(a) if a.learned.is_empty() => Article {
                        learned: current.article.learned.clone(),
                        ..a
                    },
                    Some(a) => a,
                    None => Article {
                        body: content.trim().to_string(),
                        ..current.article.clone()
                    },
                };
                // Editing a deleted article brings it back; a draft stays a draft.
                let state = match current.state {
                    ArticleState::Deleted => ArticleState::Published,
                    s => s,
                };
                match self
                    .put_article(conn, turn, &article, state, author, "edited")
                    .await?
                {
                    Some(v) => ack(turn, format!("✏️ {} saved ({}).", label(&v), v.state)),
                    None => ack(
                        turn,
                        format!("No change: {} already reads so.", label(&current)),
                    ),
                }
            }
            KbCommand::Delete(target) => {
                let current = self.target_article(conn, &target, None).await?;
                if current.state == ArticleState::Deleted {
                    return Err(UserError::NoArticle(target.slug).into());
                }
                let v = self
                    .put_article(
                        conn,
                        turn,
                        &current.article,
                        ArticleState::Deleted,
                        author,
                        "deleted",
                    )
                    .await?
                    .unwrap_or(current.clone());
                ack(
                    turn,
                    format!(
                        "🗑 Deleted {}; users no longer get it. /kb revert {} {} {} brings it back.",
                        label(&v),
                        v.article.slug,
                        v.article.lang,
                        current.version
                    ),
                );
            }
            KbCommand::List(query) => {
                let q = query.to_lowercase();
                let all = Store::articles_latest(conn).await?;
                let found: Vec<&ArticleVersion> = all
                    .iter()
                    .filter(|v| v.state != ArticleState::Deleted)
                    .filter(|v| {
                        q.is_empty()
                            || v.article.slug.as_str().to_lowercase().contains(&q)
                            || v.article.title.to_lowercase().contains(&q)
                            || v.article.tags.iter().any(|t| t.to_lowercase().contains(&q))
                    })
                    .collect();
                let mut lines = vec![match (found.len(), q.is_empty()) {
                    (0, true) => "The knowledge base has no articles.".to_string(),
                    (0, false) => format!("No article matches “{query}”."),
                    (n, _) => format!("{n} articles:"),
                }];
                for v in found.iter().take(LIST_LIMIT) {
                    let state = match v.state {
                        ArticleState::Published => String::new(),
                        s => format!(" [{s}]"),
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
                    lines.push(format!(
                        "… and {} more: narrow it with /kb list WORDS",
                        found.len() - LIST_LIMIT
                    ));
                }
                ack(turn, lines.join("\n"));
            }
            KbCommand::Show(target) => {
                let v = self.target_article(conn, &target, None).await?;
                ack(
                    turn,
                    format!(
                        "{} · {} · by {}, {}\n# {}\n\n{}",
                        label(&v),
                        v.state,
                        v.author,
                        stamp(v.at_ms),
                        v.article.display_title(),
                        v.article.body.trim_end()
                    ),
                );
            }
            KbCommand::Learned(target) => {
                let v = self.target_article(conn, &target, None).await?;
                let learned = &v.article.learned;
                let cap = self.config().limits.learned_per_article;
                let mut lines = vec![if learned.is_empty() {
                    format!(
                        "`{}` ({}) has no learned phrasings yet: a user's question becomes one \
                         when they press Helped on this article.",
                        v.article.slug, v.article.lang
                    )
                } else {
                    format!(
                        "`{}` ({}): {} learned phrasings (at most {cap}; the oldest go first):",
                        v.article.slug,
                        v.article.lang,
                        learned.len()
                    )
                }];
                for (i, l) in learned.iter().enumerate() {
                    lines.push(format!(
                        "{}. “{}” · {} · {}",
                        i + 1,
                        l.text,
                        l.by,
                        stamp(l.at_ms)
                    ));
                }
                if !learned.is_empty() {
                    lines.push(format!(
                        "Remove one with /kb unlearn {} {} N.",
                        v.article.slug, v.article.lang
                    ));
                }
                ack(turn, lines.join("\n"));
            }
            KbCommand::Unlearn(target, n) => {
                let v = self.target_article(conn, &target, None).await?;
                let mut article = v.article.clone();
                let Some(gone) = article.unlearn(n) else {
                    return Err(UserError::NoLearned {
                        article: format!("{} ({})", v.article.slug, v.article.lang),
                        n,
                        count: v.article.learned.len(),
                    }
                    .into());
                };
                let note = format!("unlearned phrasing {n}");
                self.put_article(conn, turn, &article, v.state, author, &note)
                    .await?;
                ack(
                    turn,
                    format!(
                        "Removed phrasing {n} of {}: “{}”. Users who ask so are no longer \
                         matched to it by that phrasing.",
                        label(&v),
                        gone.text
                    ),
                );
            }
            KbCommand::History(target) => {
                let v = self.target_article(conn, &target, None).await?;
                let history = Store::article_history(conn, &v.article.slug, v.article.lang).await?;
                let mut lines = vec![format!(
                    "History of `{}` ({}):",
                    v.article.slug, v.article.lang
                )];
                for h in history {
                    lines.push(format!(
                        "v{} · {} · {} · {} · {}",
                        h.version,
                        stamp(h.at_ms),
                        h.author,
                        h.note,
                        h.state
                    ));
                }
                ack(turn, lines.join("\n"));
            }
            KbCommand::Revert(target, version) => {
                let current = self.target_article(conn, &target, None).await?;
                let old = Store::article_version(
                    conn,
                    &current.article.slug,
                    current.article.lang,
                    version,
                )
                .await?
                .ok_or_else(|| UserError::NoArticleVersion {
                    slug: target.slug.clone(),
                    version,
                })?;
                // Going back to a deleted version would delete; going back means publishing
                // what that version said.
                let state = match old.state {
                    ArticleState::Deleted => ArticleState::Published,
                    s => s,
                };
                let note = format!("reverted to v{version}");
                match self
                    .put_article(conn, turn, &old.article, state, author, &note)
                    .await?
                {
                    Some(v) => ack(
                        turn,
                        format!(
                            "↩️ {} now reads as v{version} did ({}).",
                            label(&v),
                            v.state
                        ),
                    ),
                    None => ack(
                        turn,
                        format!(
                            "No change: {} already reads as v{version}.",
                            label(&current)
                        ),
                    ),
                }
            }
            KbCommand::Publish(target) => {
                let current = self.target_article(conn, &target, None).await?;
                if current.state != ArticleState::Draft {
                    return Err(UserError::NotDraft(target.slug).into());
                }
                let v = self
                    .put_article(
                        conn,
                        turn,
                        &current.article,
                        ArticleState::Published,
                        author,
                        "published",
                    )
                    .await?
                    .unwrap_or(current);
                ack(
                    turn,
                    format!("📗 Published {}: users get it from now on.", label(&v)),
                );
            }
            KbCommand::Draft(id) => {
                let t = Store::ticket(conn, id)
                    .await?
                    .ok_or(UserError::NoTicket(id))?;
                if !matches!(t.status, Status::Resolved | Status::Closed) {
                    return Err(UserError::NotResolved(id).into());
                }
                let thread = Store::thread_in(conn, id).await?;
                let question = thread
                    .iter()
                    .find(|e| e.kind == EventKind::MessageIn)
                    .map(|e| e.body.clone())
                    .unwrap_or_else(|| t.subject.clone());
                // An article sent with /answer is recorded by its key; the draft gets what the
                // user read: its title and text.
                let answers: Vec<String> = thread
                    .iter()
                    .filter(|e| e.kind == EventKind::MessageOut && e.actor.is_agent())
                    .map(|e| match crate::line2::parse_article_event(&e.body) {
                        Some(crate::domain::ArticleKey { slug, lang }) => match self.kb().get(&slug, lang) {
                            Ok(Some(a)) => {
                                format!("**{}**\n\n{}", a.display_title(), a.body.trim())
                            }
                            _ => format!(
                                "(the article `{slug}` ({lang}), no longer in the knowledge base)"
                            ),
                        },
                        None => e.body.clone(),
                    })
                    .collect();
                let (q_head, a_head, none) = match t.lang {
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
                let slug = Slug::parse(&format!("ticket-{}", id.get())).map_err(bad)?;
                let mut article = Article::new(
                    slug,
                    t.lang,
                    t.subject.clone(),
                    format!("## {q_head}\n\n{question}\n\n## {a_head}\n\n{answer}"),
                )
                .map_err(bad)?;
                if question.chars().count() <= 300 {
                    article.questions = vec![question];
                }
                article.category = t.category.clone();
                let note = format!("draft from ticket {id}");
                let v = match self
                    .put_article(conn, turn, &article, ArticleState::Draft, author, &note)
                    .await?
                {
                    Some(v) => v,
                    None => {
                        self.target_article(
                            conn,
                            &Target {
                                slug: article.slug.to_string(),
                                lang: Some(article.lang),
                            },
                            None,
                        )
                        .await?
                    }
                };
                Store::add_event(
                    conn,
                    id,
                    turn.now,
                    &crate::domain::Actor::Agent(author.to_string()),
                    EventKind::Note,
                    &format!("draft article {} v{}", v.article.slug, v.version),
                )
                .await?;
                ack(
                    turn,
                    format!(
                        "📝 Draft {} from ticket {id}. Review it with /kb show {slug}, change it with /kb edit {slug}; an admin publishes it with /kb publish {slug}.",
                        label(&v),
                        slug = v.article.slug
                    ),
                );
            }
        }
        Ok(())
    }

    async fn add_article(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        article: &Article,
        author: &str,
    ) -> Result<(), Stop> {
        let v = self
            .put_article(
                conn,
                turn,
                article,
                ArticleState::Published,
                author,
                "added",
            )
            .await?
            .ok_or_else(|| UserError::ArticleExists(article.slug.to_string()))?;
        turn.reply(
            Msg::Ack(format!(
                "📗 Added {}: {}. Users get it from now on.",
                label(&v),
                v.article.display_title()
            ))
            .text(Lang::En),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kb_commands_parse() {
        assert_eq!(
            parse("add en Printer jams\nOpen tray 2.\nPull the sheet."),
            Ok(KbCommand::Add {
                lang: Lang::En,
                title: "Printer jams".into(),
                body: "Open tray 2.\nPull the sheet.".into()
            })
        );
        assert!(matches!(
            parse("add\n---\nslug: x\n---\nbody"),
            Ok(KbCommand::AddMarkdown(_))
        ));
        assert_eq!(
            parse("revert vpn ru v2"),
            Ok(KbCommand::Revert(
                Target {
                    slug: "vpn".into(),
                    lang: Some(Lang::Ru)
                },
                2
            ))
        );
        assert_eq!(
            parse("edit vpn"),
            Ok(KbCommand::Edit {
                target: Target {
                    slug: "vpn".into(),
                    lang: None
                },
                content: None
            })
        );
        assert_eq!(
            parse("list vpn  setup"),
            Ok(KbCommand::List("vpn setup".into()))
        );
        for bad in [
            "",
            "frobnicate",
            "add",
            "add en",
            "add xx Title\nbody",
            "add en Title",
            "revert vpn",
            "revert vpn en zero",
            "delete",
            "draft",
            "draft x",
            "edit vpn en extra words",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn slugs_from_titles() {
        assert_eq!(
            slugify("Printer jams on floor 3!"),
            "printer-jams-on-floor-3"
        );
        assert_eq!(slugify("Не печатает принтер"), "не-печатает-принтер");
        assert_eq!(slugify("???"), "article");
        assert!(slugify(&"long ".repeat(100)).chars().count() <= 60);
    }
}
