//! Line 1: registering a ticket — its kind (guessed, then chosen), priority and subject —
//! telling the user its number and handing it to line 2.

use crate::action::Action;
use crate::classify;
use crate::desk::{Desk, Done, Stop, Turn};
use crate::domain::{EventKind, Lang, Line, Ticket, TicketId, TicketKind};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::i18n::staff::{Card, KbNote};
use crate::message::Button;
use crate::store::{NewTicket, QuestionState, Store};

/// Line 1: registers the ticket, tells the user, and hands it to line 2; its number.
/// Longest ticket subject, taken from the question's first line.
const MAX_SUBJECT_CHARS: usize = 100;

pub(crate) async fn register(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    q: &crate::store::Question,
    kind: TicketKind,
) -> Result<TicketId, Stop> {
    let subject = subject_of(&q.text);
    metrics::counter!("frontline_tickets_opened_total", "kind" => kind.code()).increment(1);
    let ticket = Store::insert_ticket(
        desk.conn,
        &NewTicket {
            requester: turn.person.id,
            chat: turn.chat,
            subject: &subject,
            kind,
            priority: kind.default_priority(),
            line: Line::AGENTS,
            lang: turn.person.lang,
            category: category_of(desk, q, turn.person.came_from.as_deref()),
            org: turn.person.org.as_ref().map(|o| &o.key),
        },
        turn.now,
    )
    .await?;
    if !Store::advance_question(
        desk.conn,
        q.id,
        QuestionState::ChoosingKind,
        QuestionState::Ticket,
        None,
        Some(ticket.id),
        turn.now,
    )
    .await?
    {
        // A second press of a kind button: the first one registered the ticket.
        return Err(UserError::StaleChoice.into());
    }
    record_opening(desk, turn, &ticket, q, &subject).await?;
    if turn.person.came_from.is_some() {
        // Said once, on the ticket it led to; the card below still names it.
        Store::set_came_from(desk.conn, turn.person.id, None, turn.now).await?;
    }
    Store::set_current_ticket(desk.conn, turn.person.id, Some(ticket.id), turn.now).await?;
    // Deadlines are set now, so the user is told when to expect an answer.
    let (first_due_ms, resolve_due_ms) = desk
        .config
        .sla
        .reschedule_ticket(desk.conn, &ticket, turn.now, true)
        .await?;
    let ticket = Ticket {
        first_due_ms,
        resolve_due_ms,
        ..ticket
    };
    let answer_by = ticket
        .first_due_ms
        .map(|due| desk.config.sla.when(due, turn.now, turn.person.lang));
    let duty = super::duty::on_duty(desk, ticket.line, turn.now).await?;
    // Outside business hours with nobody on duty: when someone will look at it.
    let opens = desk.config.sla.calendar.next_open(turn.now);
    let opens = (duty.is_none() && opens > turn.now)
        .then(|| desk.config.sla.when(opens, turn.now, turn.person.lang));
    let referral = super::org::partner_for(desk.conn, &ticket).await?;
    let mut told = Msg::Registered {
        ticket: &ticket,
        answer_by: answer_by.as_deref(),
        opens: opens.as_deref(),
    }
    .text(turn.person.lang);
    if let Some((org, partner)) = &referral {
        told.push_str("\n\n");
        told.push_str(
            &Msg::PartnerReferral {
                org: &org.name,
                partner: &partner.name,
            }
            .text(turn.person.lang),
        );
    }
    // What the user was told is part of the thread too.
    Store::add_event(
        desk.conn,
        ticket.id,
        turn.now,
        &crate::domain::Actor::Bot,
        EventKind::MessageOut,
        &told,
    )
    .await?;
    turn.reply(told);
    let card = tell_agents(
        desk,
        turn,
        &ticket,
        q,
        referral.as_ref().map(|(_, p)| &p.key),
    );
    if ticket.priority == crate::domain::Priority::Critical {
        // The organisation's manager hears of its critical tickets at once.
        let notes = super::org::manager_notice(desk.conn, desk.config, &ticket, &card).await?;
        turn.out.extend(notes);
    }
    // The line's agent on duty hears of it directly; where the desk has no chat of theirs,
    // by name in the line's channels.
    if let Some(d) = duty {
        let lang = desk.config.default_lang;
        let card = Card::OnDutyNew {
            ticket: ticket.id,
            who: &d.who,
            subject: &ticket.subject,
        }
        .text(lang);
        match desk.config.staff.chat_of(&d.who) {
            Some(chat) => turn
                .out
                .push(crate::message::Outbound::text(chat, card).about(&ticket)),
            None => desk.to_agents(turn, &ticket, card),
        }
    }
    Ok(ticket.id)
}

/// The new ticket's first thread entries: its creation, the question, and a request for
/// urgency when the question asked for one.
async fn record_opening(
    desk: &mut Desk<'_>,
    turn: &Turn<'_>,
    ticket: &Ticket,
    q: &crate::store::Question,
    subject: &str,
) -> Done {
    let kind = ticket.kind;
    let actor = turn.actor();
    Store::add_event(
        desk.conn,
        ticket.id,
        turn.now,
        &crate::domain::Actor::Bot,
        EventKind::Created,
        &format!("{} · {} · {}", kind, ticket.priority, subject),
    )
    .await?;
    Store::add_event(
        desk.conn,
        ticket.id,
        turn.now,
        &actor,
        EventKind::MessageIn,
        &q.text,
    )
    .await?;
    if classify::asks_for_urgency(&q.text) {
        Store::add_event(
            desk.conn,
            ticket.id,
            turn.now,
            &actor,
            EventKind::PriorityRequested,
            &q.text,
        )
        .await?;
    }
    Ok(())
}

/// Line 2's card of the new ticket, with what the knowledge base did and the deadline; to
/// the partner's channel instead when a partner serves it and has one. The card's text.
fn tell_agents(
    desk: &Desk<'_>,
    turn: &mut Turn<'_>,
    ticket: &Ticket,
    q: &crate::store::Question,
    partner: Option<&crate::org::OrgKey>,
) -> String {
    let kb = match (&q.article, q.suggested.is_empty()) {
        (Some(a), _) => KbNote::Answered(a),
        (None, false) => KbNote::Suggested(&q.suggested),
        (None, true) => KbNote::NoMatch,
    };
    let requester = turn.person.display.clone();
    let lang = desk.config.default_lang;
    let left = desk.config.sla.sla_line(ticket, turn.now, lang);
    let card = Card::New {
        ticket,
        requester: &requester,
        question: &q.text,
        kb,
        came_from: turn.person.came_from.as_deref(),
        org: turn.person.org.as_ref().map(|o| o.name.as_str()),
        left: left.as_deref(),
    }
    .text(lang);
    let claim = crate::cmd::claim_button(ticket.id, lang);
    let partners = partner.and_then(|p| {
        desk.config.route_chats(&Ticket {
            org: Some(p.clone()),
            ..ticket.clone()
        })
    });
    let chats = partners.unwrap_or_else(|| desk.config.chats_for(ticket));
    desk.to_chats_with(turn, ticket, chats, card.clone(), vec![claim]);
    card
}

/// The kind buttons, the guess first and marked, so one tap confirms it.
pub(crate) fn kind_buttons(question: i64, guess: TicketKind, lang: Lang) -> Vec<Button> {
    let mut kinds: Vec<TicketKind> = vec![guess];
    kinds.extend(TicketKind::ALL.iter().copied().filter(|&k| k != guess));
    kinds
        .into_iter()
        .map(|kind| Button {
            label: if kind == guess {
                format!("✓ {}", Msg::KindName(kind).text(lang))
            } else {
                Msg::KindName(kind).text(lang)
            },
            data: Action::Kind { question, kind }.encode(),
        })
        .collect()
}

/// A ticket's subject: the question's first line, cut at a word within the limit.
pub(crate) fn subject_of(question: &str) -> String {
    let first = question
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if first.chars().count() <= MAX_SUBJECT_CHARS {
        return first.to_string();
    }
    let cut: String = first.chars().take(MAX_SUBJECT_CHARS).collect();
    let at_word = cut
        .rfind(' ')
        .filter(|&i| i > MAX_SUBJECT_CHARS / 2)
        .unwrap_or(cut.len());
    format!("{}…", cut[..at_word].trim_end())
}

/// The category of the article the question came closest to (the answer, or the first
/// suggestion, else the help centre's article the person came from), for routing.
pub(crate) fn category_of(
    desk: &Desk<'_>,
    q: &crate::store::Question,
    came_from: Option<&str>,
) -> Option<String> {
    match q.article.as_ref().or(q.suggested.first()) {
        Some(key) => desk.article(key).ok().flatten()?.category,
        // Nothing matched the question: the article they came from says what it is about.
        None => {
            let slug = frontline_kb::Slug::parse(came_from?).ok()?;
            desk.article_in(&slug, q.lang).ok().flatten()?.category
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_come_from_the_first_line_cut_at_a_word() {
        assert_eq!(subject_of("\n  VPN is down\nmore details"), "VPN is down");
        let long = "word ".repeat(40);
        let s = subject_of(&long);
        assert!(
            s.ends_with('…') && s.chars().count() <= MAX_SUBJECT_CHARS + 1,
            "{s}"
        );
    }

    #[test]
    fn the_guessed_kind_comes_first_and_is_marked() {
        let b = kind_buttons(7, TicketKind::AccessRequest, Lang::En);
        assert_eq!(b.len(), TicketKind::ALL.len());
        assert!(b[0].label.starts_with('✓'));
        assert_eq!(
            Action::decode(&b[0].data),
            Some(Action::Kind {
                question: 7,
                kind: TicketKind::AccessRequest
            })
        );
    }
}
