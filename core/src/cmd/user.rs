//! The users' commands: `/start`, `/help`, `/new`, `/my`, `/status N`, `/close N`,
//! `/lang`, `/cancel`, `/forget`. Staff may use them too (`/lang` sets their language).

use crate::action::Action;
use crate::command::Command;
use crate::desk::{Desk, Done, Turn};
use crate::domain::Status;
use crate::error::UserError;
use crate::i18n::Msg;
use crate::message::Button;
use crate::store::Store;

/// Tickets `/my` lists at most.
const MY_LIMIT: i64 = 20;

pub(crate) async fn run(desk: &mut Desk<'_>, turn: &mut Turn<'_>, cmd: Command) -> Done {
    let lang = turn.person.lang;
    let (me, now) = (turn.person.id, turn.now);
    match cmd {
        Command::Start(None) => turn.reply(Msg::Welcome.text(lang)),
        Command::Start(Some(crate::command::StartFrom::Org(code))) | Command::Join(code) => {
            super::org::join(desk, turn, &code).await?;
        }
        Command::Start(Some(crate::command::StartFrom::Article(slug))) => {
            // Only a published article: a link to a withdrawn one is a plain start.
            match desk.article_in(&slug, lang)? {
                Some(article) => {
                    Store::set_came_from(desk.conn, me, Some(slug.as_str()), now).await?;
                    turn.reply(
                        Msg::CameFromArticle {
                            title: article.display_title(),
                        }
                        .text(lang),
                    );
                }
                None => turn.reply(Msg::Welcome.text(lang)),
            }
        }
        Command::Mute(muted) => super::announce::mute(desk, turn, muted).await?,
        Command::Help => {
            let text = if turn.staff.is_some() {
                crate::commands::staff_help(lang)
            } else {
                Msg::Help.text(lang)
            };
            turn.reply(text);
        }
        Command::New => {
            Store::drop_pending_questions(desk.conn, me, now).await?;
            Store::set_current_ticket(desk.conn, me, None, now).await?;
            turn.reply(Msg::NewQuestionPrompt.text(lang));
        }
        Command::My => {
            let tickets = Store::tickets_of(desk.conn, me, MY_LIMIT).await?;
            let org = turn.person.org.as_ref().map(|o| o.name.clone());
            turn.reply(
                Msg::MyTickets {
                    tickets: &tickets,
                    org: org.as_deref(),
                }
                .text(lang),
            );
        }
        Command::Status(id) => {
            let ticket = desk.own_ticket(turn, id).await?;
            let mut text = Msg::TicketStatus { ticket: &ticket }.text(lang);
            // The promise that is still open: the first answer, or the solution.
            if matches!(ticket.status, Status::New | Status::InProgress)
                && let Some(promise) = desk.config.sla.promise(&ticket, now, lang)
            {
                text.push_str(&format!("\n{promise}"));
            }
            turn.reply(text);
        }
        Command::Close(id) => {
            let ticket = desk.own_ticket(turn, id).await?;
            turn.touched.insert(id);
            let actor = turn.actor();
            desk.transition(&ticket, Status::Closed, &actor, now)
                .await?;
            if turn.person.current_ticket == Some(id) {
                Store::set_current_ticket(desk.conn, me, None, now).await?;
            }
            desk.tell_agents_closed_by_requester(turn, &ticket);
            turn.reply(Msg::ClosedByYou(id).text(lang));
        }
        Command::Lang(new) => {
            Store::set_person_lang(desk.conn, me, new).await?;
            turn.person.lang = new;
            turn.reply(Msg::LangSet.text(new));
        }
        Command::Cancel => {
            if Store::drop_pending_questions(desk.conn, me, now).await? == 0 {
                return Err(UserError::NothingToCancel.into());
            }
            turn.reply(Msg::Cancelled.text(lang));
        }
        Command::Forget => turn.reply_with(
            Msg::ForgetConfirm.text(lang),
            vec![Button {
                label: Msg::ForgetButton.text(lang),
                data: Action::Forget { person: me.get() }.encode(),
            }],
        ),
    }
    Ok(())
}
