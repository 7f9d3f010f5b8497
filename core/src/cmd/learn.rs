//! Learned phrasings: a question confirmed as answered by an article is kept with it.

use crate::desk::{Desk, Done, Turn};
use crate::store::Store;

/// A question the user confirmed becomes a learned phrasing of the article that answered
/// it, so the next user who asks so is answered with more confidence. Never from staff
/// (they try the bot out), never from a question a ticket came from; the text searched
/// (greetings and thanks left out) is what is kept.
pub(crate) async fn learn(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    q: &crate::store::Question,
) -> Done {
    let cap = desk.config.limits.learned_per_article;
    if cap == 0 || turn.staff.is_some() || q.ticket.is_some() {
        return Ok(());
    }
    let Some(crate::domain::ArticleKey { slug, lang }) = q.article.clone() else {
        return Ok(());
    };
    let Some(current) = Store::article_latest(desk.conn, &slug, lang).await? else {
        return Ok(());
    };
    if current.state != crate::articles::ArticleState::Published {
        return Ok(());
    }
    let mut article = current.article;
    let by = crate::articles::learned_by(turn.person.id.get());
    let text = crate::small_talk::question_of(&q.text);
    if let frontline_kb::LearnOutcome::Learned { dropped } = article.learn(text, &by, turn.now, cap)
    {
        tracing::info!(article = %slug, %lang, dropped = dropped.is_some(), "learned a phrasing");
        metrics::counter!("frontline_kb_learned_total").increment(1);
        crate::cmd::kb::put_article(
            desk,
            turn,
            &article,
            crate::articles::ArticleState::Published,
            crate::articles::LEARNED_AUTHOR,
            &format!("learned a phrasing from {by}"),
        )
        .await?;
    }
    Ok(())
}
