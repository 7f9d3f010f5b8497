//! What an agent says on a ticket: `/reply` and `/ask` (to the requester), `/note` (to
//! staff only) and `/answer` (a knowledge-base article as the answer).

use crate::desk::{Desk, Stop, Turn};
use crate::domain::{Actor, ArticleKey, EventKind, Lang, Status, TicketId};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::i18n::staff::Ack;
use crate::staff::StaffMember;
use crate::store::Store;

/// An agent's answer to the requester; with `ask`, a question that leaves the ticket
/// waiting on the customer (the SLA clock stops until they answer).
pub(crate) async fn reply(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    me: &StaffMember,
    id: TicketId,
    text: &str,
    ask: bool,
) -> Result<(), Stop> {
    let now = turn.now;
    let actor = Actor::Agent(me.name.clone());
    let mut t = desk.ticket(id).await?;
    if t.status == Status::Closed || (ask && t.status == Status::Resolved) {
        return Err(UserError::IllegalTransition {
            ticket: id,
            from: t.status,
            to: if ask {
                Status::WaitingOnCustomer
            } else {
                Status::InProgress
            },
        }
        .into());
    }
    if t.assignee.is_none() {
        desk.claim(turn, me, &t).await?;
        t = desk.ticket(id).await?;
    }
    Store::add_event(desk.conn, id, now, &actor, EventKind::MessageOut, text).await?;
    Store::stamp_first_response(desk.conn, id, now).await?;
    if ask && t.status != Status::WaitingOnCustomer {
        desk.transition(&t, Status::WaitingOnCustomer, &actor, now)
            .await?;
    }
    let agent = &me.name;
    let msg = if ask {
        Msg::AgentAsks {
            ticket: id,
            agent,
            text,
        }
    } else {
        Msg::AgentReply {
            ticket: id,
            agent,
            text,
        }
    };
    turn.tell_requester(&t, msg.text(t.lang), Vec::new());
    turn.ack(if ask {
        Ack::Asked { ticket: id }
    } else {
        Ack::Replied { ticket: id }
    });
    Ok(())
}

/// A note in the thread that the requester never sees.
pub(crate) async fn note(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    me: &StaffMember,
    id: TicketId,
    text: &str,
) -> Result<(), Stop> {
    desk.ticket(id).await?;
    let actor = Actor::Agent(me.name.clone());
    Store::add_event(desk.conn, id, turn.now, &actor, EventKind::Note, text).await?;
    turn.ack(Ack::NoteAdded { ticket: id });
    Ok(())
}

/// Sends article `slug` (in the requester's language, else the other) as the answer.
pub(crate) async fn answer(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    me: &StaffMember,
    id: TicketId,
    slug: &str,
) -> Result<(), Stop> {
    let now = turn.now;
    let t = desk.ticket(id).await?;
    let parsed =
        frontline_kb::Slug::parse(slug).map_err(|_| UserError::NoArticle(slug.to_string()))?;
    let article = match desk.kb.get(&parsed, t.lang)? {
        Some(a) => a,
        None => desk
            .kb
            .get(&parsed, t.lang.other())?
            .ok_or_else(|| UserError::NoArticle(slug.to_string()))?,
    };
    if t.status == Status::Closed {
        return Err(UserError::IllegalTransition {
            ticket: id,
            from: t.status,
            to: Status::InProgress,
        }
        .into());
    }
    if t.assignee.is_none() {
        desk.claim(turn, me, &t).await?;
    }
    let actor = Actor::Agent(me.name.clone());
    let body = article_event(&article.slug, article.lang);
    Store::add_event(desk.conn, id, now, &actor, EventKind::MessageOut, &body).await?;
    Store::stamp_first_response(desk.conn, id, now).await?;
    let text = frontline_kb::text::markdown_to_plain(&article.body);
    let msg = Msg::ArticleAnswer {
        ticket: id,
        agent: &me.name,
        title: article.display_title(),
        body: &text,
    }
    .text(t.lang);
    turn.tell_requester(&t, msg, Vec::new());
    turn.ack(Ack::ArticleSent {
        ticket: id,
        slug: article.slug.as_str(),
    });
    Ok(())
}

/// The thread event of an article sent with `/answer`: what was sent, by key.
pub(crate) fn article_event(slug: &frontline_kb::Slug, lang: Lang) -> String {
    let key = ArticleKey {
        slug: slug.clone(),
        lang,
    };
    format!("{ARTICLE_EVENT}{key}")
}

/// The article an `/answer` event names, if `body` is one.
pub(crate) fn parse_article_event(body: &str) -> Option<ArticleKey> {
    ArticleKey::parse(body.strip_prefix(ARTICLE_EVENT)?)
}

const ARTICLE_EVENT: &str = "article ";
