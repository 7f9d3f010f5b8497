//! The `/kb` commands that change what users are told: add, edit, delete, revert, publish,
//! unlearn. Each stores a new version; none rewrites one.

use frontline_kb::{Article, Lang, Slug};

use super::{Target, bad, put_article, slugify, target_article};
use crate::articles::ArticleState;
use crate::desk::{Acting, Done};
use crate::error::UserError;
use crate::i18n::kb::KbAck;
use crate::store::Store;

/// `/kb add LANG TITLE` and the body: a new article under a slug made from the title (with
/// `-2`, `-3`… when the slug is taken).
pub(super) async fn add(
    a: &mut Acting<'_, '_, '_>,
    lang: Lang,
    title: String,
    body: String,
) -> Done {
    let base = slugify(&title);
    let mut slug = base.clone();
    let mut n = 2;
    while !Store::article_langs(a.desk.conn, &Slug::parse(&slug).map_err(bad)?)
        .await?
        .is_empty()
    {
        slug = format!("{base}-{n}");
        n += 1;
    }
    let article = Article::new(Slug::parse(&slug).map_err(bad)?, lang, title, body).map_err(bad)?;
    store_new(a, &article).await
}

/// `/kb add` with a whole Markdown file: its front matter names the slug and language.
pub(super) async fn add_markdown(a: &mut Acting<'_, '_, '_>, text: &str) -> Done {
    let article = Article::parse_markdown(text, None).map_err(bad)?;
    if Store::article_latest(a.desk.conn, &article.slug, article.lang)
        .await?
        .is_some_and(|v| v.state != ArticleState::Deleted)
    {
        return Err(UserError::ArticleExists(article.slug.to_string()).into());
    }
    store_new(a, &article).await
}

async fn store_new(a: &mut Acting<'_, '_, '_>, article: &Article) -> Done {
    let v = put_article(
        a.desk,
        a.turn,
        article,
        ArticleState::Published,
        &a.me.name,
        "added",
    )
    .await?
    .ok_or_else(|| UserError::ArticleExists(article.slug.to_string()))?;
    a.turn.ack_kb(KbAck::Added { v: &v });
    Ok(())
}

/// `/kb edit SLUG [LANG]`: without content, the source to change and send back; with a
/// Markdown file, the whole article; with plain text, the body.
pub(super) async fn edit(
    a: &mut Acting<'_, '_, '_>,
    target: &Target,
    content: Option<String>,
) -> Done {
    let from_markdown = match &content {
        Some(c) if c.trim_start().starts_with("---") => {
            Some(Article::parse_markdown(c, target.lang).map_err(bad)?)
        }
        _ => None,
    };
    let current = target_article(a.desk, target, from_markdown.as_ref().map(|a| a.lang)).await?;
    let Some(content) = content else {
        a.turn.ack_kb(KbAck::Source { v: &current });
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
        // A file without a `learned` list keeps what users taught the article, as
        // `kb import` does; the list shown by `/kb edit SLUG` edits it.
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
    match put_article(a.desk, a.turn, &article, state, &a.me.name, "edited").await? {
        Some(v) => a.turn.ack_kb(KbAck::Saved { v: &v }),
        None => a.turn.ack_kb(KbAck::Unchanged { v: &current }),
    }
    Ok(())
}

pub(super) async fn delete(a: &mut Acting<'_, '_, '_>, target: &Target) -> Done {
    let current = target_article(a.desk, target, None).await?;
    if current.state == ArticleState::Deleted {
        return Err(UserError::NoArticle(target.slug.clone()).into());
    }
    let deleted = ArticleState::Deleted;
    let v = put_article(
        a.desk,
        a.turn,
        &current.article,
        deleted,
        &a.me.name,
        "deleted",
    )
    .await?
    .unwrap_or(current.clone());
    a.turn.ack_kb(KbAck::Deleted {
        v: &v,
        last: current.version,
    });
    Ok(())
}

/// `/kb revert SLUG [LANG] N`: a new version that reads as version N did.
pub(super) async fn revert(a: &mut Acting<'_, '_, '_>, target: &Target, version: i64) -> Done {
    let current = target_article(a.desk, target, None).await?;
    let (slug, lang) = (&current.article.slug, current.article.lang);
    let old = Store::article_version(a.desk.conn, slug, lang, version)
        .await?
        .ok_or_else(|| UserError::NoArticleVersion {
            slug: target.slug.clone(),
            version,
        })?;
    // Going back to a deleted version would delete; going back means publishing what that
    // version said.
    let state = match old.state {
        ArticleState::Deleted => ArticleState::Published,
        s => s,
    };
    let note = format!("reverted to v{version}");
    match put_article(a.desk, a.turn, &old.article, state, &a.me.name, &note).await? {
        Some(v) => a.turn.ack_kb(KbAck::Reverted { v: &v, version }),
        None => a.turn.ack_kb(KbAck::AlreadyAs {
            v: &current,
            version,
        }),
    }
    Ok(())
}

pub(super) async fn publish(a: &mut Acting<'_, '_, '_>, target: &Target) -> Done {
    let current = target_article(a.desk, target, None).await?;
    if current.state != ArticleState::Draft {
        return Err(UserError::NotDraft(target.slug.clone()).into());
    }
    let published = ArticleState::Published;
    let v = put_article(
        a.desk,
        a.turn,
        &current.article,
        published,
        &a.me.name,
        "published",
    )
    .await?
    .unwrap_or(current);
    a.turn.ack_kb(KbAck::Published { v: &v });
    Ok(())
}

/// `/kb unlearn SLUG [LANG] N`: the N-th learned phrasing goes.
pub(super) async fn unlearn(a: &mut Acting<'_, '_, '_>, target: &Target, n: usize) -> Done {
    let v = target_article(a.desk, target, None).await?;
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
    put_article(a.desk, a.turn, &article, v.state, &a.me.name, &note).await?;
    a.turn.ack_kb(KbAck::Unlearned {
        v: &v,
        n,
        text: &gone.text,
    });
    Ok(())
}
