//! What an agent says on a ticket: `/reply` and `/ask` (to the requester), `/note` (to
//! staff only) and `/answer` (a knowledge-base article as the answer).

use crate::desk::{Acting, Done};
use crate::domain::{ArticleKey, EventKind, Lang, Status, TicketId};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::i18n::staff::{Ack, Card};
use crate::store::Store;

/// An agent's answer to the requester; with `ask`, a question that leaves the ticket
/// waiting on the customer (the SLA clock stops until they answer).
pub(crate) async fn reply(a: &mut Acting<'_, '_, '_>, id: TicketId, text: &str, ask: bool) -> Done {
    let now = a.turn.now;
    let actor = a.actor();
    let mut t = a.desk.ticket(id).await?;
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
        a.desk.claim(a.turn, a.me, &t).await?;
        t = a.desk.ticket(id).await?;
    }
    Store::add_event(a.desk.conn, id, now, &actor, EventKind::MessageOut, text).await?;
    Store::stamp_first_response(a.desk.conn, id, now).await?;
    if ask && t.status != Status::WaitingOnCustomer {
        a.desk
            .transition(&t, Status::WaitingOnCustomer, &actor, now)
            .await?;
    }
    let agent = &a.me.name;
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
    a.turn.tell_requester(&t, msg.text(t.lang), Vec::new());
    a.turn.ack(if ask {
        Ack::Asked { ticket: id }
    } else {
        Ack::Replied { ticket: id }
    });
    Ok(())
}

/// A note in the thread that the requester never sees.
pub(crate) async fn note(a: &mut Acting<'_, '_, '_>, id: TicketId, text: &str) -> Done {
    let t = a.desk.ticket(id).await?;
    let actor = a.actor();
    Store::add_event(a.desk.conn, id, a.turn.now, &actor, EventKind::Note, text).await?;
    // Colleagues in the ticket's thread see it, marked internal; never the requester.
    let card = Card::Note {
        ticket: id,
        by: &a.me.name,
        text,
    }
    .text(a.desk.config.default_lang);
    a.desk.to_agents(a.turn, &t, card);
    a.turn.ack(Ack::NoteAdded { ticket: id });
    Ok(())
}

/// Sends article `slug` (in the requester's language, else the other) as the answer.
pub(crate) async fn answer(a: &mut Acting<'_, '_, '_>, id: TicketId, slug: &str) -> Done {
    let now = a.turn.now;
    let t = a.desk.ticket(id).await?;
    let parsed =
        frontline_kb::Slug::parse(slug).map_err(|_| UserError::NoArticle(slug.to_string()))?;
    let article = a
        .desk
        .article_in(&parsed, t.lang)?
        .ok_or_else(|| UserError::NoArticle(slug.to_string()))?;
    if t.status == Status::Closed {
        return Err(UserError::IllegalTransition {
            ticket: id,
            from: t.status,
            to: Status::InProgress,
        }
        .into());
    }
    if t.assignee.is_none() {
        a.desk.claim(a.turn, a.me, &t).await?;
    }
    let actor = a.actor();
    let body = article_event(&article.slug, article.lang);
    Store::add_event(a.desk.conn, id, now, &actor, EventKind::MessageOut, &body).await?;
    Store::stamp_first_response(a.desk.conn, id, now).await?;
    let text = frontline_kb::text::markdown_to_plain(&article.body);
    let msg = Msg::ArticleAnswer {
        ticket: id,
        agent: &a.me.name,
        title: article.display_title(),
        body: &text,
    }
    .text(t.lang);
    a.turn.tell_requester(&t, msg, Vec::new());
    a.turn.ack(Ack::ArticleSent {
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
