//! A pressed button: its action, decoded and checked against where things stand now, so a
//! stale or second press changes nothing.

use crate::action::Action;
use crate::agent::AgentCommand;
use crate::desk::{Desk, Done, Turn};
use crate::domain::TicketId;
use crate::domain::{EventKind, Question, TicketKind};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::store::{QuestionState, Store};

pub(crate) async fn button(desk: &mut Desk<'_>, turn: &mut Turn<'_>, data: &str) -> Done {
    let action = Action::decode(data).ok_or(UserError::StaleChoice)?;
    match action {
        Action::Confirm { ticket, solved } => {
            let id = TicketId::from_db_checked(ticket)?;
            crate::cmd::resolution::confirm(desk, turn, id, solved).await
        }
        Action::Rate { ticket, score } => {
            let id = TicketId::from_db_checked(ticket)?;
            crate::cmd::resolution::rate(desk, turn, id, score).await
        }
        Action::NoComment { ticket } => no_comment(desk, turn, ticket).await,
        Action::Forget { person } => forget(desk, turn, person).await,
        // Staff's buttons are their commands: the same checks, the same effects.
        Action::Claim { ticket } => {
            let id = TicketId::from_db_checked(ticket)?;
            as_staff(desk, turn, "claim", AgentCommand::Claim(id)).await
        }
        Action::Resolve { ticket } => {
            let id = TicketId::from_db_checked(ticket)?;
            as_staff(desk, turn, "resolve", AgentCommand::Resolve(id)).await
        }
        Action::Announce { id, send } => {
            use crate::cmd::announce::AnnounceCommand;
            let cmd = if send {
                AnnounceCommand::Send(id)
            } else {
                AnnounceCommand::Cancel(id)
            };
            as_staff(desk, turn, "announce", AgentCommand::Announce(cmd)).await
        }
        Action::Helped { question }
        | Action::JoinProblem { question }
        | Action::NotHelped { question }
        | Action::Pick { question, .. }
        | Action::NoneOfThese { question }
        | Action::Kind { question, .. } => on_question(desk, turn, action, question).await,
    }
}

/// Declining to comment ends the wait for one; only the wait it was offered for.
async fn no_comment(desk: &mut Desk<'_>, turn: &mut Turn<'_>, ticket: i64) -> Done {
    if turn.person.comment_for.map(TicketId::get) != Some(ticket) {
        return Err(UserError::StaleChoice.into());
    }
    Store::set_comment_for(desk.conn, turn.person.id, None, turn.now).await?;
    turn.reply(Msg::ThanksForRating.text(turn.person.lang));
    Ok(())
}

/// The confirmed `/forget`: only the person who asked can confirm; a forwarded button
/// erases nobody.
async fn forget(desk: &mut Desk<'_>, turn: &mut Turn<'_>, person: i64) -> Done {
    if person != turn.person.id.get() {
        return Err(UserError::StaleChoice.into());
    }
    let actor = turn.actor();
    let (channel, id) = (turn.from.channel, turn.from.id.clone());
    Store::forget(desk.conn, channel, &id, &actor, turn.now).await?;
    turn.reply(Msg::Forgotten.text(turn.person.lang));
    Ok(())
}

async fn as_staff(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    name: &str,
    command: AgentCommand,
) -> Done {
    let Some(member) = turn.staff.clone() else {
        return Err(UserError::StaffOnly(name.into()).into());
    };
    crate::cmd::staff(desk, turn, &member, command).await
}

/// A press on an answer, a suggestion or a kind: about question `id`, the presser's own.
async fn on_question(desk: &mut Desk<'_>, turn: &mut Turn<'_>, action: Action, id: i64) -> Done {
    let q = Store::question(desk.conn, id)
        .await?
        .filter(|q| q.person == turn.person.id)
        .ok_or(UserError::StaleChoice)?;
    let lang = turn.person.lang;
    match action {
        Action::Helped { .. } => {
            let (from, to) = (QuestionState::Answered, QuestionState::Helped);
            advance(desk.conn, id, from, to, turn.now).await?;
            super::learn::learn(desk, turn, &q).await?;
            turn.reply(Msg::GladItHelped.text(lang));
        }
        Action::NotHelped { .. } | Action::NoneOfThese { .. } => {
            let from = if matches!(action, Action::NotHelped { .. }) {
                QuestionState::Answered
            } else {
                QuestionState::Suggested
            };
            advance(desk.conn, id, from, QuestionState::ChoosingKind, turn.now).await?;
            turn.reply_with(
                Msg::AskKind {
                    after_no_match: false,
                }
                .text(lang),
                super::register::kind_buttons(id, q.guessed_kind, lang),
            );
        }
        Action::Pick { index, .. } => pick(desk, turn, &q, index as usize).await?,
        Action::JoinProblem { .. } => join_problem(desk, turn, &q).await?,
        Action::Kind { kind, .. } => {
            super::register::register(desk, turn, &q, kind).await?;
        }
        // Routed by `button`; not about a question.
        Action::Confirm { .. }
        | Action::Rate { .. }
        | Action::NoComment { .. }
        | Action::Claim { .. }
        | Action::Resolve { .. }
        | Action::Forget { .. }
        | Action::Announce { .. } => return Err(UserError::StaleChoice.into()),
    }
    Ok(())
}

/// [Join it]: the question becomes an incident linked to the known issue it matched, and
/// the user is told they will hear when it is fixed.
async fn join_problem(desk: &mut Desk<'_>, turn: &mut Turn<'_>, q: &Question) -> Done {
    let problem = q
        .article
        .as_ref()
        .and_then(|a| super::problem::of_article(a.slug.as_str()))
        .ok_or(UserError::StaleChoice)?;
    let open = Store::problem(desk.conn, problem)
        .await?
        .is_some_and(|p| p.open);
    if !open {
        return Err(UserError::StaleChoice.into());
    }
    let (from, to) = (QuestionState::Answered, QuestionState::ChoosingKind);
    advance(desk.conn, q.id, from, to, turn.now).await?;
    let ticket = super::register::register(desk, turn, q, TicketKind::Incident).await?;
    Store::problem_link(desk.conn, ticket, problem, turn.now).await?;
    let actor = turn.actor();
    let body = format!("joined known issue {problem}");
    Store::add_event(desk.conn, ticket, turn.now, &actor, EventKind::Note, &body).await?;
    turn.reply(Msg::JoinedProblem { ticket }.text(turn.person.lang));
    Ok(())
}

/// One of the offered articles, picked: it is the answer now, asking whether it helped.
async fn pick(desk: &mut Desk<'_>, turn: &mut Turn<'_>, q: &Question, index: usize) -> Done {
    let key = q.suggested.get(index).ok_or(UserError::StaleChoice)?;
    let article = desk.article(key)?.ok_or(UserError::StaleChoice)?;
    let (from, to) = (QuestionState::Suggested, QuestionState::Answered);
    if !Store::advance_question(desk.conn, q.id, from, to, Some(key), None, turn.now).await? {
        return Err(UserError::StaleChoice.into());
    }
    let lang = turn.person.lang;
    let snippet = frontline_kb::snippet::for_question(&article, &q.text);
    turn.reply_with(
        Msg::Answer {
            title: article.display_title(),
            snippet: &snippet,
        }
        .text(lang),
        super::ask::feedback_buttons(q.id, lang),
    );
    Ok(())
}

/// Moves question `id` from `from` to `to`, or refuses the press as stale (a second press,
/// or a press after the question moved on).
pub(crate) async fn advance(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    from: QuestionState,
    to: QuestionState,
    now: i64,
) -> Done {
    if Store::advance_question(conn, id, from, to, None, None, now).await? {
        Ok(())
    } else {
        Err(UserError::StaleChoice.into())
    }
}
