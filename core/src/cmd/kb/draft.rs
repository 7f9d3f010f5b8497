//! `/kb draft N`: a draft article from a resolved ticket — its question and what the
//! requester was answered — for an admin to review and publish.

use frontline_kb::{Article, Slug};

use super::{Target, bad, put_article, target_article};
use crate::articles::ArticleState;
use crate::cmd::reply::parse_article_event;
use crate::desk::{Acting, Done};
use crate::domain::{ArticleKey, EventKind, Status, TicketId};
use crate::error::UserError;
use crate::i18n::kb::KbAck;
use crate::store::Store;

/// Longest question kept as the draft's phrasing to match.
const MAX_QUESTION_CHARS: usize = 300;

pub(super) async fn draft(a: &mut Acting<'_, '_, '_>, id: TicketId) -> Done {
    let t = a.desk.ticket(id).await?;
    if !matches!(t.status, Status::Resolved | Status::Closed) {
        return Err(UserError::NotResolved(id).into());
    }
    let thread = Store::thread_in(a.desk.conn, id).await?;
    let question = thread
        .iter()
        .find(|e| e.kind == EventKind::MessageIn)
        .map(|e| e.body.clone())
        .unwrap_or_else(|| t.subject.clone());
    // An article sent with /answer is recorded by its key; the draft gets what the user
    // read: its title and text.
    let answers: Vec<String> = thread
        .iter()
        .filter(|e| e.kind == EventKind::MessageOut && e.actor.is_agent())
        .map(|e| match parse_article_event(&e.body) {
            Some(ArticleKey { slug, lang }) => match a.desk.kb.get(&slug, lang) {
                Ok(Some(a)) => format!("**{}**\n\n{}", a.display_title(), a.body.trim()),
                _ => KbAck::GoneArticle { slug: &slug, lang }.text(t.lang),
            },
            None => e.body.clone(),
        })
        .collect();
    let body = KbAck::DraftBody {
        question: &question,
        answers: &answers,
    }
    .text(t.lang);
    let slug = Slug::parse(&format!("ticket-{}", id.get())).map_err(bad)?;
    let mut article = Article::new(slug, t.lang, t.subject.clone(), body).map_err(bad)?;
    if question.chars().count() <= MAX_QUESTION_CHARS {
        article.questions = vec![question];
    }
    article.category = t.category.clone();
    let note = format!("draft from ticket {id}");
    let v = match put_article(
        a.desk,
        a.turn,
        &article,
        ArticleState::Draft,
        &a.me.name,
        &note,
    )
    .await?
    {
        Some(v) => v,
        None => {
            let target = Target {
                slug: article.slug.to_string(),
                lang: Some(article.lang),
            };
            target_article(a.desk, &target, None).await?
        }
    };
    let actor = a.actor();
    let event = format!("draft article {} v{}", v.article.slug, v.version);
    Store::add_event(a.desk.conn, id, a.turn.now, &actor, EventKind::Note, &event).await?;
    a.turn.ack_kb(KbAck::Drafted { v: &v, ticket: id });
    Ok(())
}
