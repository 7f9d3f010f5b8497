//! The requester's side of a resolution: confirming it ([Yes] closes and asks for a
//! rating, [No] reopens to the same agent) and rating the closed ticket, once.

use crate::action::Action;
use crate::desk::{Desk, Done, Stop, Turn};
use crate::domain::{EventKind, Status, TicketId};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::i18n::staff::Card;
use crate::message::Button;
use crate::store::Store;

pub(crate) async fn confirm(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    id: TicketId,
    solved: bool,
) -> Done {
    let t = desk
        .own_ticket(turn, id)
        .await
        .map_err(|_| Stop::User(UserError::StaleChoice))?;
    if t.status != Status::Resolved {
        return Err(UserError::StaleChoice.into());
    }
    turn.touched.insert(id);
    let actor = turn.actor();
    let (lang, me, now) = (turn.person.lang, turn.person.id, turn.now);
    if solved {
        desk.transition(&t, Status::Closed, &actor, now).await?;
        if turn.person.current_ticket == Some(id) {
            Store::set_current_ticket(desk.conn, me, None, now).await?;
        }
        turn.reply_with(
            Msg::ClosedRate { ticket: id }.text(lang),
            crate::sla::rating_buttons(id),
        );
        desk.tell_agents_closed_by_requester(turn, &t);
    } else {
        desk.transition(&t, Status::InProgress, &actor, now).await?;
        Store::set_current_ticket(desk.conn, me, Some(id), now).await?;
        turn.reply(Msg::Reopened { ticket: id }.text(lang));
        let card = Card::StillBroken {
            ticket: id,
            assignee: t.assignee.as_deref(),
        }
        .text(desk.config.default_lang);
        desk.to_agents(turn, &t, card);
    }
    Ok(())
}

pub(crate) async fn rate(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    id: TicketId,
    score: u8,
) -> Done {
    let t = desk
        .own_ticket(turn, id)
        .await
        .map_err(|_| Stop::User(UserError::StaleChoice))?;
    if t.status != Status::Closed || !Store::rate(desk.conn, id, score, turn.now).await? {
        return Err(UserError::StaleChoice.into());
    }
    let actor = turn.actor();
    let score_text = score.to_string();
    Store::add_event(
        desk.conn,
        id,
        turn.now,
        &actor,
        EventKind::Rated,
        &score_text,
    )
    .await?;
    Store::set_comment_for(desk.conn, turn.person.id, Some(id), turn.now).await?;
    let lang = turn.person.lang;
    turn.reply_with(
        Msg::AskComment.text(lang),
        vec![Button {
            label: Msg::NoCommentButton.text(lang),
            data: Action::NoComment { ticket: id.get() }.encode(),
        }],
    );
    let card = Card::Rated { ticket: id, score }.text(desk.config.default_lang);
    desk.to_agents(turn, &t, card);
    Ok(())
}
