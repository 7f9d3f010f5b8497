//! Line 0: a question goes to the knowledge base, which answers it, offers articles, or
//! leads to registration.

use frontline_kb::Decision;

use crate::action::Action;
use crate::classify;
use crate::desk::{Desk, Done, Turn};
use crate::domain::Lang;
use crate::i18n::Msg;
use crate::message::Button;
use crate::store::{NewQuestion, QuestionState, Store};

/// Line 0's search, as every channel runs it (the chat and the help centre): conversation
/// ("hi", "thanks") is not searched (`None`); greetings and politeness around a question are
/// left out; the language is the text's, else `lang_hint`.
///
/// # Errors
/// Only when the index cannot be read.
pub fn search(
    kb: &frontline_kb::KnowledgeBase,
    text: &str,
    lang_hint: Option<Lang>,
) -> Option<Result<frontline_kb::SearchOutcome, frontline_kb::KbError>> {
    if crate::small_talk::classify(text).is_some() {
        return None;
    }
    let lang_hint = lang_hint.or_else(|| Lang::detect(text));
    Some(kb.search(crate::small_talk::question_of(text), lang_hint))
}

/// Line 0: the knowledge base decides; the user is answered, offered articles, or asked
/// for the kind of ticket to register.
pub(crate) async fn question(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    text: &str,
    outcome: frontline_kb::SearchOutcome,
) -> Done {
    // Earlier questions stay open: their buttons still work when the user scrolls back
    // (each press is checked against its own question). /cancel and /new drop them.
    let lang = turn.person.lang;
    let guessed_kind = classify::guess_kind(text);
    let mut q = NewQuestion {
        person: turn.person.id,
        text,
        lang,
        decision: outcome.decision.kind(),
        state: QuestionState::ChoosingKind,
        article: None,
        suggested: Vec::new(),
        confidence: None,
        guessed_kind,
    };
    metrics::counter!("frontline_kb_decisions_total", "decision" => outcome.decision.kind())
        .increment(1);
    match &outcome.decision {
        Decision::Answer {
            article,
            confidence,
            snippet,
        } => {
            q.state = QuestionState::Answered;
            q.article = Some(crate::domain::ArticleKey::of(article));
            q.confidence = Some(*confidence);
            let id = Store::insert_question(desk.conn, &q, turn.now).await?;
            if super::problem::of_article(article.slug.as_str()).is_some() {
                // A known issue: the user may join it instead of waiting in the queue.
                offer_known_issue(turn, id, article.display_title());
                return Ok(());
            }
            turn.reply_with(
                Msg::Answer {
                    title: article.display_title(),
                    snippet,
                }
                .text(lang),
                feedback_buttons(id, lang),
            );
        }
        Decision::Suggest {
            articles,
            confidence,
        } => {
            q.state = QuestionState::Suggested;
            q.suggested = articles.iter().map(crate::domain::ArticleKey::of).collect();
            q.confidence = Some(*confidence);
            let id = Store::insert_question(desk.conn, &q, turn.now).await?;
            let mut buttons: Vec<Button> = articles
                .iter()
                .enumerate()
                .map(|(i, a)| Button {
                    label: a.display_title().to_string(),
                    data: Action::Pick {
                        question: id,
                        index: i as u8,
                    }
                    .encode(),
                })
                .collect();
            buttons.push(Button {
                label: Msg::NoneOfTheseButton.text(lang),
                data: Action::NoneOfThese { question: id }.encode(),
            });
            turn.reply_with(Msg::Suggestions.text(lang), buttons);
        }
        Decision::NoMatch { .. } => {
            let id = Store::insert_question(desk.conn, &q, turn.now).await?;
            turn.reply_with(
                Msg::AskKind {
                    after_no_match: true,
                }
                .text(lang),
                super::register::kind_buttons(id, guessed_kind, lang),
            );
        }
    }
    Ok(())
}

/// "This is a known issue we are working on": [Join it] or [Not my problem].
fn offer_known_issue(turn: &mut Turn<'_>, question: i64, title: &str) {
    let lang = turn.person.lang;
    let buttons = vec![
        Button {
            label: Msg::JoinProblemButton.text(lang),
            data: Action::JoinProblem { question }.encode(),
        },
        Button {
            label: Msg::NotMyProblemButton.text(lang),
            data: Action::NotHelped { question }.encode(),
        },
    ];
    turn.reply_with(Msg::KnownIssue { title }.text(lang), buttons);
}

pub(crate) fn feedback_buttons(question: i64, lang: Lang) -> Vec<Button> {
    vec![
        Button {
            label: Msg::HelpedButton.text(lang),
            data: Action::Helped { question }.encode(),
        },
        Button {
            label: Msg::NotHelpedButton.text(lang),
            data: Action::NotHelped { question }.encode(),
        },
    ]
}
