//! Known issues (ITIL problem management): `/problem new TITLE` opens one; `/link N P`
//! links a ticket to it; `/problem update P text` tells every linked requester;
//! `/problem resolve P text` resolves every linked open ticket at once (each requester
//! confirms as usual); `/problem list`, `/problem show P`.

use frontline_kb::{Article, Slug};

use crate::announce::Texts;
use crate::articles::ArticleState;
use crate::desk::{Acting, Done};
use crate::domain::{EventKind, Lang, ProblemId, Status, TicketId};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::i18n::announce::AnnounceAck;
use crate::i18n::staff::Ack;
use crate::store::{Problem, Store};

/// Longest known issue title.
const MAX_TITLE_CHARS: usize = 200;

/// A `/problem` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemCommand {
    New(String),
    Update(ProblemId, String),
    Resolve(ProblemId, String),
    List,
    Show(ProblemId),
    /// The knowledge-base article with the workaround, sent to linked requesters.
    Article(ProblemId, String),
    /// An update told to the linked requesters and drafted as an announcement: the
    /// audience and text, as `/announce` takes them.
    Announce(ProblemId, String),
}

pub(crate) fn parse(args: &str) -> Result<ProblemCommand, &'static str> {
    let (sub, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    let rest = rest.trim();
    let numbered = |rest: &str| -> Result<(ProblemId, String), &'static str> {
        let (p, text) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let p = ProblemId::parse(p).map_err(|_| "a known issue's number, such as P3")?;
        Ok((p, text.trim().to_string()))
    };
    Ok(match sub.to_lowercase().as_str() {
        "new" if rest.is_empty() => return Err("the known issue's title"),
        "new" if rest.chars().count() > MAX_TITLE_CHARS => {
            return Err("a title of 200 characters at most");
        }
        "new" => ProblemCommand::New(rest.to_string()),
        "update" | "resolve" => {
            let (p, text) = numbered(rest)?;
            if text.is_empty() {
                return Err("P and the text the requesters are told");
            }
            if sub.eq_ignore_ascii_case("update") {
                ProblemCommand::Update(p, text)
            } else {
                ProblemCommand::Resolve(p, text)
            }
        }
        "announce" => {
            let (p, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let p = ProblemId::parse(p).map_err(|_| "a known issue's number, such as P3")?;
            if rest.trim().is_empty() {
                return Err("P, the audience and the text: announce P3 all, then the text");
            }
            ProblemCommand::Announce(p, rest.trim().to_string())
        }
        "list" | "" => ProblemCommand::List,
        "show" => ProblemCommand::Show(numbered(rest)?.0),
        "article" => match numbered(rest)? {
            (_, slug) if slug.is_empty() || slug.contains(char::is_whitespace) => {
                return Err("P and an article's slug");
            }
            (p, slug) => ProblemCommand::Article(p, slug),
        },
        _ => return Err("new, update, announce, resolve, list, show or article"),
    })
}

pub(crate) async fn run(a: &mut Acting<'_, '_, '_>, cmd: ProblemCommand) -> Done {
    match cmd {
        ProblemCommand::New(title) => {
            let id = Store::problem_new(a.desk.conn, &title, &a.me.name, a.turn.now).await?;
            publish(a, id, &title).await?;
            a.turn.ack(Ack::ProblemOpened {
                problem: id,
                title: &title,
            });
        }
        ProblemCommand::List => {
            let open = Store::problems_open(a.desk.conn).await?;
            a.turn.ack(Ack::Problems { problems: &open });
        }
        ProblemCommand::Show(id) => {
            let p = problem(a, id).await?;
            let tickets = Store::problem_tickets(a.desk.conn, id).await?;
            a.turn.ack(Ack::ProblemShown {
                problem: &p,
                tickets: &tickets,
            });
        }
        ProblemCommand::Article(id, slug) => {
            problem(a, id).await?;
            let parsed = Slug::parse(&slug).map_err(|_| UserError::NoArticle(slug.clone()))?;
            let lang = a.desk.config.default_lang;
            if a.desk.article_in(&parsed, lang)?.is_none() {
                return Err(UserError::NoArticle(slug).into());
            }
            Store::problem_set_article(a.desk.conn, id, &slug).await?;
            a.turn.ack(Ack::ProblemArticle {
                problem: id,
                slug: &slug,
            });
        }
        ProblemCommand::Update(id, text) => tell_all(a, id, text, false).await?,
        ProblemCommand::Resolve(id, text) => tell_all(a, id, text, true).await?,
        ProblemCommand::Announce(id, args) => announce(a, id, &args).await?,
    }
    Ok(())
}

async fn problem(a: &mut Acting<'_, '_, '_>, id: ProblemId) -> Result<Problem, crate::desk::Stop> {
    Store::problem(a.desk.conn, id)
        .await?
        .ok_or_else(|| UserError::NoProblem(id).into())
}

/// The slug of known issue `id`'s article: what new users' questions are matched against.
pub(crate) fn article_slug(id: ProblemId) -> String {
    format!("{KNOWN_ISSUE_PREFIX}{}", id.get())
}

/// Known issue `id`, if `slug` is one's article.
pub(crate) fn of_article(slug: &str) -> Option<ProblemId> {
    ProblemId::parse(slug.strip_prefix(KNOWN_ISSUE_PREFIX)?).ok()
}

const KNOWN_ISSUE_PREFIX: &str = "known-issue-";

/// Publishes the known issue as an article of its own, so a new user's question is matched
/// to it by the knowledge base's search and decision rules, like any article.
async fn publish(a: &mut Acting<'_, '_, '_>, id: ProblemId, title: &str) -> Done {
    let lang = Lang::detect(title).unwrap_or(a.desk.config.default_lang);
    let slug = Slug::parse(&article_slug(id)).map_err(|e| UserError::BadArticle(e.to_string()))?;
    let mut article = Article::new(slug, lang, title.to_string(), title.to_string())
        .map_err(|e| UserError::BadArticle(e.to_string()))?;
    article.category = Some(crate::articles::KNOWN_ISSUE_CATEGORY.into());
    let note = format!("known issue {id}");
    let (state, author) = (ArticleState::Published, a.me.name.clone());
    crate::cmd::kb::put_article(a.desk, a.turn, &article, state, &author, &note).await?;
    Ok(())
}

/// The fixed issue's article goes, so nobody new is told it is still being worked on.
async fn withdraw(a: &mut Acting<'_, '_, '_>, id: ProblemId) -> Done {
    let Ok(slug) = Slug::parse(&article_slug(id)) else {
        return Ok(());
    };
    for v in Store::article_langs(a.desk.conn, &slug).await? {
        let (deleted, author) = (ArticleState::Deleted, a.me.name.clone());
        let note = format!("known issue {id} resolved");
        crate::cmd::kb::put_article(a.desk, a.turn, &v.article, deleted, &author, &note).await?;
    }
    Ok(())
}

/// `/link N P`: the ticket is one of the known issue's.
pub(crate) async fn link(a: &mut Acting<'_, '_, '_>, ticket: TicketId, id: ProblemId) -> Done {
    let t = a.desk.ticket(ticket).await?;
    let p = problem(a, id).await?;
    if !p.open {
        return Err(UserError::ProblemClosed(id).into());
    }
    if Store::problem_link(a.desk.conn, t.id, id, a.turn.now).await? {
        let actor = a.actor();
        let body = format!("linked to known issue {id}: {}", p.title);
        Store::add_event(
            a.desk.conn,
            t.id,
            a.turn.now,
            &actor,
            EventKind::Note,
            &body,
        )
        .await?;
        // The workaround, if the issue has one, goes to the requester meanwhile.
        if let Some(article) = workaround(a, &p, t.lang)? {
            let text = frontline_kb::text::markdown_to_plain(&article.body);
            let msg = Msg::Workaround {
                ticket: t.id,
                issue: &p.title,
                title: article.display_title(),
                body: &text,
            };
            a.turn.tell_requester(&t, msg.text(t.lang), Vec::new());
            let event = crate::cmd::reply::article_event(&article.slug, article.lang);
            let now = a.turn.now;
            Store::add_event(
                a.desk.conn,
                t.id,
                now,
                &actor,
                EventKind::MessageOut,
                &event,
            )
            .await?;
        }
    }
    a.turn.ack(Ack::Linked {
        ticket,
        problem: id,
    });
    Ok(())
}

/// The article with `p`'s workaround, in `lang` or else the other language.
fn workaround(
    a: &Acting<'_, '_, '_>,
    p: &Problem,
    lang: Lang,
) -> Result<Option<frontline_kb::Article>, crate::desk::Stop> {
    let Some(slug) = p.article.as_deref().and_then(|s| Slug::parse(s).ok()) else {
        return Ok(None);
    };
    Ok(a.desk.article_in(&slug, lang)?)
}

/// News of known issue `id` to the requesters of its open tickets; with `fixed`, each of
/// those tickets is resolved and its requester asked to confirm, and the issue closes.
/// Tells every linked requester with an open ticket, in their language; returns how many.
async fn tell(
    a: &mut Acting<'_, '_, '_>,
    id: ProblemId,
    texts: &Texts,
    fixed: bool,
) -> Result<usize, crate::desk::Stop> {
    let p = problem(a, id).await?;
    if !p.open {
        return Err(UserError::ProblemClosed(id).into());
    }
    let actor = a.actor();
    let now = a.turn.now;
    let mut told = 0;
    for t in Store::problem_tickets(a.desk.conn, id).await? {
        if !t.status.is_open() {
            continue;
        }
        a.turn.touched.insert(t.id);
        let text = texts.for_lang(t.lang);
        let note = format!("known issue {id}: {text}");
        Store::add_event(a.desk.conn, t.id, now, &actor, EventKind::MessageOut, &note).await?;
        if !fixed {
            let msg = Msg::ProblemUpdate {
                ticket: t.id,
                title: &p.title,
                text,
            };
            a.turn.tell_requester(&t, msg.text(t.lang), Vec::new());
            told += 1;
            continue;
        }
        if t.status != Status::Resolved {
            a.desk.transition(&t, Status::Resolved, &actor, now).await?;
        }
        Store::stamp_first_response(a.desk.conn, t.id, now).await?;
        let buttons = super::status::confirm_buttons(t.id, t.lang);
        let fixed_msg = Msg::ProblemFixed {
            ticket: t.id,
            title: &p.title,
            text,
        };
        let ask = Msg::ResolvedAsk { ticket: t.id }.text(t.lang);
        a.turn
            .tell_requester(&t, format!("{}\n\n{ask}", fixed_msg.text(t.lang)), buttons);
        told += 1;
    }
    if fixed {
        Store::problem_resolve(a.desk.conn, id, now).await?;
        withdraw(a, id).await?;
    }
    Ok(told)
}

/// `/problem update|resolve P text`: the linked requesters are told, and the admin how many.
async fn tell_all(a: &mut Acting<'_, '_, '_>, id: ProblemId, text: String, fixed: bool) -> Done {
    let told = tell(a, id, &Texts::one(text), fixed).await?;
    a.turn.ack(Ack::ProblemTold {
        problem: id,
        tickets: told,
        fixed,
    });
    Ok(())
}

/// `/problem announce P AUDIENCE` + text: the update goes to the linked requesters in their
/// tickets, and an announcement of it to the audience is drafted in the same step (its
/// preview leaves out those already told).
async fn announce(a: &mut Acting<'_, '_, '_>, id: ProblemId, args: &str) -> Done {
    let (audience, texts) = crate::cmd::announce::parse_draft(args)?;
    let p = problem(a, id).await?;
    let told = tell(a, id, &texts, false).await?;
    let news = |lang: Lang, t: &Option<String>| {
        t.as_ref().map(|text| {
            AnnounceAck::ProblemNews {
                title: &p.title,
                text,
            }
            .text(lang)
        })
    };
    let headed = Texts {
        en: news(Lang::En, &texts.en),
        ru: news(Lang::Ru, &texts.ru),
    };
    crate::cmd::announce::draft(a, &audience, &headed, Some((id, told))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_commands_parse() {
        let p3 = ProblemId::parse("P3").expect("id");
        assert_eq!(
            parse("new VPN drops every hour"),
            Ok(ProblemCommand::New("VPN drops every hour".into()))
        );
        assert_eq!(
            parse("update P3 a fix is coming"),
            Ok(ProblemCommand::Update(p3, "a fix is coming".into()))
        );
        assert_eq!(
            parse("resolve 3 fixed in 2.1"),
            Ok(ProblemCommand::Resolve(p3, "fixed in 2.1".into()))
        );
        assert_eq!(parse("show p3"), Ok(ProblemCommand::Show(p3)));
        assert_eq!(parse("list"), Ok(ProblemCommand::List));
        assert!(parse("new").is_err());
        assert!(parse("update P3").is_err());
        assert!(parse("resolve X fixed").is_err());
        assert!(parse("frobnicate").is_err());
    }
}
