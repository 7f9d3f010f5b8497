//! Admins keep the knowledge base current from chat: `/kb add|edit|delete|list|show|history|
//! revert|publish`, and agents turn resolved tickets into drafts with `/kb draft N`.
//!
//! Articles live in the database (see [`crate::articles`]); every change is a new version,
//! and the search index follows right after the commit.

mod draft;
mod read;
mod write;

use frontline_kb::{Article, Lang, Slug};

use crate::articles::{ArticleState, ArticleVersion};
use crate::desk::{Acting, Desk, Done, Stop, Turn};
use crate::domain::TicketId;
use crate::error::{AdminTask, UserError};
use crate::staff::Role;
use crate::store::Store;

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
    let args = args.trim_start_matches([' ', '\t']);
    let (head, rest) = args.split_once('\n').unwrap_or((args, ""));
    let rest = rest.trim_matches(['\r', '\n']);
    let mut words = head.split_whitespace();
    let sub = words.next().unwrap_or("").to_lowercase();
    let w = &mut words;
    Ok(match sub.as_str() {
        "add" => parse_add(w.collect(), rest)?,
        "edit" => {
            let target = target(w)?;
            no_more(w, "the new text on the lines after /kb edit SLUG [LANG]")?;
            KbCommand::Edit {
                target,
                content: (!rest.trim().is_empty()).then(|| rest.to_string()),
            }
        }
        "delete" => {
            let t = target(w)?;
            no_more(w, "only a slug and a language")?;
            KbCommand::Delete(t)
        }
        "show" => KbCommand::Show(target(w)?),
        "history" => KbCommand::History(target(w)?),
        "publish" => KbCommand::Publish(target(w)?),
        "revert" => {
            let t = target(w)?;
            let version = w
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
            let t = target(w)?;
            no_more(w, "only a slug and a language")?;
            KbCommand::Learned(t)
        }
        "unlearn" => {
            let t = target(w)?;
            let n = w
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n > 0)
                .ok_or(missing(
                    "the number of the phrasing to remove, such as 2 (see /kb learned)",
                ))?;
            no_more(w, "only a slug, a language and a number")?;
            KbCommand::Unlearn(t, n)
        }
        "list" => KbCommand::List(w.collect::<Vec<_>>().join(" ")),
        "draft" => KbCommand::Draft(TicketId::parse(
            w.next().ok_or(missing("a ticket number"))?,
        )?),
        _ => return Err(missing(USAGE)),
    })
}

fn missing(what: &'static str) -> UserError {
    UserError::MissingArgument {
        command: "kb",
        what,
    }
}

/// `SLUG [LANG]`.
fn target(words: &mut std::str::SplitWhitespace<'_>) -> Result<Target, UserError> {
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
}

/// Nothing more on the command's line; else `what` it takes.
fn no_more(words: &mut std::str::SplitWhitespace<'_>, what: &'static str) -> Result<(), UserError> {
    match words.next() {
        Some(_) => Err(missing(what)),
        None => Ok(()),
    }
}

/// `/kb add LANG TITLE` with the body on the next lines, or `/kb add` with a Markdown file.
fn parse_add(head: Vec<&str>, rest: &str) -> Result<KbCommand, UserError> {
    if head.is_empty() {
        if rest.trim_start().starts_with("---") {
            return Ok(KbCommand::AddMarkdown(rest.to_string()));
        }
        return Err(missing(
            "LANG TITLE and the body on the next lines, or a Markdown file with front matter",
        ));
    }
    let lang = Lang::parse(head[0]).map_err(|_| missing("a language first: /kb add en TITLE"))?;
    let title = head[1..].join(" ");
    if title.is_empty() {
        return Err(missing("a title after the language"));
    }
    if rest.trim().is_empty() {
        return Err(missing("the article's body on the lines after the title"));
    }
    Ok(KbCommand::Add {
        lang,
        title,
        body: rest.trim().to_string(),
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

fn bad(e: impl std::fmt::Display) -> UserError {
    UserError::BadArticle(e.to_string())
}

/// Runs a `/kb` command for `me`.
pub(crate) async fn run(a: &mut Acting<'_, '_, '_>, cmd: KbCommand) -> Done {
    if cmd.admin_only() && a.me.role != Role::Admin {
        return Err(UserError::AdminOnly(AdminTask::ChangeArticles).into());
    }
    match cmd {
        KbCommand::Add { lang, title, body } => write::add(a, lang, title, body).await,
        KbCommand::AddMarkdown(text) => write::add_markdown(a, &text).await,
        KbCommand::Edit { target, content } => write::edit(a, &target, content).await,
        KbCommand::Delete(target) => write::delete(a, &target).await,
        KbCommand::Revert(target, version) => write::revert(a, &target, version).await,
        KbCommand::Publish(target) => write::publish(a, &target).await,
        KbCommand::List(query) => read::list(a, &query).await,
        KbCommand::Show(target) => read::show(a, &target).await,
        KbCommand::History(target) => read::history(a, &target).await,
        KbCommand::Learned(target) => read::learned(a, &target).await,
        KbCommand::Unlearn(target, n) => write::unlearn(a, &target, n).await,
        KbCommand::Draft(id) => draft::draft(a, id).await,
    }
}

/// The article a command names: in the language given, or the only one it has.
async fn target_article(
    desk: &mut Desk<'_>,
    target: &Target,
    hint: Option<Lang>,
) -> Result<ArticleVersion, Stop> {
    let slug = Slug::parse(&target.slug).map_err(|_| UserError::NoArticle(target.slug.clone()))?;
    match target.lang.or(hint) {
        Some(lang) => Ok(Store::article_latest(desk.conn, &slug, lang)
            .await?
            .ok_or_else(|| UserError::NoArticle(format!("{} ({lang})", target.slug)))?),
        None => {
            let mut all = Store::article_langs(desk.conn, &slug).await?;
            match all.len() {
                0 => Err(UserError::NoArticle(target.slug.clone()).into()),
                1 => Ok(all.remove(0)),
                _ => Err(UserError::ArticleLangs(target.slug.clone()).into()),
            }
        }
    }
}

/// Stores a new version and marks the turn so the index follows after the commit; `None`
/// when the article already reads so.
pub(crate) async fn put_article(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    article: &Article,
    state: ArticleState,
    author: &str,
    note: &str,
) -> Result<Option<ArticleVersion>, Stop> {
    let stored = Store::article_put(desk.conn, article, state, author, note, turn.now).await?;
    if stored.is_some() {
        turn.kb_changed = true;
    }
    Ok(stored)
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
