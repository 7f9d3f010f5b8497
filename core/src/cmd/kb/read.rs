//! The `/kb` commands that only read: list, show, history, learned. Agents may use them.

use super::{Target, target_article};
use crate::articles::{ArticleState, ArticleVersion};
use crate::desk::{Acting, Done};
use crate::i18n::kb::KbAck;
use crate::store::Store;

/// `/kb list [WORDS]`: articles whose slug, title or tags hold the words.
pub(super) async fn list(a: &mut Acting<'_, '_, '_>, query: &str) -> Done {
    let q = query.to_lowercase();
    let all = Store::articles_latest(a.desk.conn).await?;
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
    a.turn.ack_kb(KbAck::List {
        query,
        found: &found,
    });
    Ok(())
}

pub(super) async fn show(a: &mut Acting<'_, '_, '_>, target: &Target) -> Done {
    let v = target_article(a.desk, target, None).await?;
    a.turn.ack_kb(KbAck::Show { v: &v });
    Ok(())
}

pub(super) async fn history(a: &mut Acting<'_, '_, '_>, target: &Target) -> Done {
    let v = target_article(a.desk, target, None).await?;
    let history = Store::article_history(a.desk.conn, &v.article.slug, v.article.lang).await?;
    a.turn.ack_kb(KbAck::History {
        v: &v,
        history: &history,
    });
    Ok(())
}

/// `/kb learned SLUG [LANG]`: the phrasings users taught the article.
pub(super) async fn learned(a: &mut Acting<'_, '_, '_>, target: &Target) -> Done {
    let v = target_article(a.desk, target, None).await?;
    let cap = a.desk.config.limits.learned_per_article;
    a.turn.ack_kb(KbAck::Learned { v: &v, cap });
    Ok(())
}
