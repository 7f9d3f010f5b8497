//! A pressed button: its action, decoded and checked against where things stand now, so a
//! stale or second press changes nothing.

use crate::action::Action;
use crate::agent;
use crate::desk::{Desk, Stop, Turn};
use crate::domain::TicketId;
use crate::error::UserError;
use crate::i18n::Msg;
use crate::store::{QuestionState, Store};

pub(crate) async fn button(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    data: &str,
) -> Result<(), Stop> {
    let action = Action::decode(data).ok_or(UserError::StaleChoice)?;
    if let Action::Confirm { ticket, solved } = action {
        return crate::cmd::resolution::confirm(
            desk,
            turn,
            TicketId::from_db_checked(ticket)?,
            solved,
        )
        .await;
    }
    if let Action::Rate { ticket, score } = action {
        return crate::cmd::resolution::rate(desk, turn, TicketId::from_db_checked(ticket)?, score)
            .await;
    }
    if let Action::NoComment { ticket } = action {
        // Declining to comment ends the wait for one; only the wait it was offered for.
        if turn.person.comment_for.map(TicketId::get) != Some(ticket) {
            return Err(UserError::StaleChoice.into());
        }
        Store::set_comment_for(desk.conn, turn.person.id, None, turn.now).await?;
        turn.reply(Msg::ThanksForRating.text(turn.person.lang));
        return Ok(());
    }
    if let Action::Forget { person } = action {
        // Only the person who asked can confirm; a forwarded button erases nobody.
        if person != turn.person.id.get() {
            return Err(UserError::StaleChoice.into());
        }
        let actor = turn.actor();
        Store::forget(
            desk.conn,
            turn.from.channel,
            &turn.from.id,
            &actor,
            turn.now,
        )
        .await?;
        turn.reply(Msg::Forgotten.text(turn.person.lang));
        return Ok(());
    }
    // Staff's buttons are their commands: the same checks, the same effects.
    if let Action::Claim { ticket } | Action::Resolve { ticket } = action {
        let name = if matches!(action, Action::Claim { .. }) {
            "claim"
        } else {
            "resolve"
        };
        let Some(member) = turn.staff.clone() else {
            return Err(UserError::StaffOnly(name.into()).into());
        };
        let id = TicketId::from_db_checked(ticket)?;
        let command = if name == "claim" {
            agent::AgentCommand::Claim(id)
        } else {
            agent::AgentCommand::Resolve(id)
        };
        return crate::cmd::staff(desk, turn, &member, command).await;
    }
    let id = match action {
        Action::Helped { question }
        | Action::NotHelped { question }
        | Action::Pick { question, .. }
        | Action::NoneOfThese { question }
        | Action::Kind { question, .. } => question,
        Action::Confirm { .. }
        | Action::Rate { .. }
        | Action::NoComment { .. }
        | Action::Claim { .. }
        | Action::Resolve { .. }
        | Action::Forget { .. } => {
            return Err(UserError::StaleChoice.into());
        }
    };
    let q = Store::question(desk.conn, id)
        .await?
        .filter(|q| q.person == turn.person.id)
        .ok_or(UserError::StaleChoice)?;
    let lang = turn.person.lang;
    match action {
        Action::Helped { .. } => {
            advance(
                desk.conn,
                id,
                QuestionState::Answered,
                QuestionState::Helped,
                turn.now,
            )
            .await?;
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
        Action::Pick { index, .. } => {
            let key = q
                .suggested
                .get(index as usize)
                .ok_or(UserError::StaleChoice)?;
            let article = desk.article(key)?.ok_or(UserError::StaleChoice)?;
            if !Store::advance_question(
                desk.conn,
                id,
                QuestionState::Suggested,
                QuestionState::Answered,
                Some(key),
                None,
                turn.now,
            )
            .await?
            {
                return Err(UserError::StaleChoice.into());
            }
            let snippet = frontline_kb::snippet::for_question(&article, &q.text);
            turn.reply_with(
                Msg::Answer {
                    title: article.display_title(),
                    snippet: &snippet,
                }
                .text(lang),
                super::ask::feedback_buttons(id, lang),
            );
        }
        Action::Kind { kind, .. } => super::register::register(desk, turn, &q, kind).await?,
        Action::Confirm { .. }
        | Action::Rate { .. }
        | Action::NoComment { .. }
        | Action::Claim { .. }
        | Action::Resolve { .. }
        | Action::Forget { .. } => {
            return Err(UserError::StaleChoice.into());
        }
    }
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
) -> Result<(), Stop> {
    if Store::advance_question(conn, id, from, to, None, None, now).await? {
        Ok(())
    } else {
        Err(UserError::StaleChoice.into())
    }
}
