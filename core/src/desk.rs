//! The desk context every command works on: the event's transaction, the knowledge base and
//! the desk's configuration ([`Desk`]), and the event being handled ([`Turn`]: who speaks,
//! where, what is said back). Commands are functions over these two, not methods of the
//! engine, so each reads on its own and needs nothing the engine keeps for itself (the pool,
//! the flood gate, the index lock).

use std::sync::Arc;

use sqlx::AnyConnection;

use frontline_kb::KnowledgeBase;

use crate::config::EngineConfig;
use crate::domain::{Actor, ChatRef, EventKind, Person, Status, Ticket, TicketId, UserRef};
use crate::error::{CoreError, CoreResult, UserError};
use crate::i18n::Msg;
use crate::message::{Attachment, Button, Media, Outbound, Reaction, TicketThread};
use crate::staff::StaffMember;
use crate::store::Store;

/// Why a handler stopped: a user's mistake (answered, nothing changed) or an internal error.
pub(crate) enum Stop {
    User(UserError),
    Internal(CoreError),
}

impl From<UserError> for Stop {
    fn from(e: UserError) -> Self {
        Stop::User(e)
    }
}

impl<E: Into<CoreError>> From<E> for Stop {
    fn from(e: E) -> Self {
        Stop::Internal(e.into())
    }
}

/// The state one event is handled in.
pub(crate) struct Turn<'a> {
    pub(crate) person: Person,
    /// Who sent the event, on their platform.
    pub(crate) from: &'a UserRef,
    /// The sender, when they are staff.
    pub(crate) staff: Option<crate::staff::StaffMember>,
    pub(crate) chat: &'a ChatRef,
    /// The platform's reference to the person's message, when the event is one.
    pub(crate) message: Option<&'a str>,
    pub(crate) now: i64,
    pub(crate) out: Vec<Outbound>,
    /// Articles changed: the search index follows after the commit.
    pub(crate) kb_changed: bool,
    /// Tickets this event changed: their deadlines and timers are recomputed before commit.
    pub(crate) touched: std::collections::BTreeSet<TicketId>,
    /// The photo or file that came with this event, passed on with what it causes.
    pub(crate) media: Option<Media>,
    /// The ticket whose thread staff wrote in: their plain text replies to it, and its
    /// commands may leave its number out.
    pub(crate) thread: Option<TicketId>,
}

impl Turn<'_> {
    pub(crate) fn reply(&mut self, text: String) {
        self.out.push(Outbound::text(self.chat.clone(), text));
    }

    /// A reaction on the person's own message, in their chat.
    pub(crate) fn react(&mut self, message: &str, emoji: &str) {
        let mut out = Outbound::text(self.chat.clone(), String::new());
        out.reaction = Some(Reaction {
            message: message.to_string(),
            emoji: emoji.to_string(),
        });
        self.out.push(out);
    }

    pub(crate) fn reply_with(&mut self, text: String, buttons: Vec<Button>) {
        self.out.push(Outbound {
            to: self.chat.clone(),
            text,
            buttons,
            attachment: None,
            about: None,
            forward: None,
            delivery: None,
            reaction: None,
            bulk: false,
        });
    }

    pub(crate) fn reply_file(&mut self, text: String, attachment: Attachment) {
        self.out.push(Outbound {
            to: self.chat.clone(),
            text,
            buttons: Vec::new(),
            attachment: Some(attachment),
            about: None,
            forward: None,
            delivery: None,
            reaction: None,
            bulk: false,
        });
    }

    /// A message to a ticket's requester, in their language.
    pub(crate) fn tell_requester(&mut self, ticket: &Ticket, text: String, buttons: Vec<Button>) {
        self.out.push(Outbound {
            to: ticket.chat.clone(),
            text,
            buttons,
            attachment: None,
            about: None,
            // An agent's photo or file in the ticket's thread goes to the requester too.
            forward: self.media.clone(),
            delivery: None,
            reaction: None,
            bulk: false,
        });
    }

    /// What a staff command did, to the agent who ran it, in their language.
    pub(crate) fn ack(&mut self, ack: crate::i18n::staff::Ack<'_>) {
        let text = ack.text(self.person.lang);
        self.reply(text);
    }

    /// What a `/kb` command did, in the admin's language.
    pub(crate) fn ack_kb(&mut self, ack: crate::i18n::kb::KbAck<'_>) {
        let text = ack.text(self.person.lang);
        self.reply(text);
    }

    pub(crate) fn actor(&self) -> Actor {
        Actor::User(self.person.id)
    }
}

/// One event's view of the desk.
pub(crate) struct Desk<'a> {
    /// The event's transaction: everything a command changes commits or rolls back together.
    pub(crate) conn: &'a mut AnyConnection,
    pub(crate) kb: &'a Arc<KnowledgeBase>,
    pub(crate) config: &'a EngineConfig,
}

impl Desk<'_> {
    /// Any ticket, for staff: they see them all.
    pub(crate) async fn ticket(&mut self, id: TicketId) -> Result<Ticket, Stop> {
        Store::ticket(self.conn, id)
            .await?
            .ok_or_else(|| UserError::NoTicket(id).into())
    }

    /// The ticket `id` if it is the user's; the same refusal whether it is missing or not
    /// theirs, so numbers of other people's tickets leak nothing.
    pub(crate) async fn own_ticket(
        &mut self,
        turn: &Turn<'_>,
        id: TicketId,
    ) -> Result<Ticket, Stop> {
        Store::ticket(self.conn, id)
            .await?
            .filter(|t| t.requester == turn.person.id)
            .ok_or_else(|| UserError::NoSuchTicket(id).into())
    }

    /// The published article `key` names, if the index has it.
    pub(crate) fn article(
        &self,
        key: &crate::domain::ArticleKey,
    ) -> CoreResult<Option<frontline_kb::Article>> {
        Ok(self.kb.get(&key.slug, key.lang)?)
    }

    /// Published article `slug` in `lang`, else in the other language (looked up only when
    /// the first has none).
    pub(crate) fn article_in(
        &self,
        slug: &frontline_kb::Slug,
        lang: crate::domain::Lang,
    ) -> CoreResult<Option<frontline_kb::Article>> {
        match self.kb.get(slug, lang)? {
            Some(a) => Ok(Some(a)),
            None => Ok(self.kb.get(slug, lang.other())?),
        }
    }

    /// Recomputes ticket `id`'s deadlines and timers.
    pub(crate) async fn reschedule(&mut self, id: TicketId, now: i64) -> CoreResult<()> {
        self.config.sla.reschedule(self.conn, id, now).await
    }

    /// Moves `t` to `to` if the move is legal and nobody moved it first, with the thread's
    /// record of it: the one way every path changes a ticket's status.
    pub(crate) async fn transition(
        &mut self,
        t: &Ticket,
        to: Status,
        actor: &Actor,
        now: i64,
    ) -> Result<(), Stop> {
        let illegal = UserError::IllegalTransition {
            ticket: t.id,
            from: t.status,
            to,
        };
        if !t.status.can_become(to)
            || !Store::set_status(self.conn, t.id, t.status, to, now).await?
        {
            return Err(illegal.into());
        }
        Store::add_event(
            self.conn,
            t.id,
            now,
            actor,
            EventKind::StatusChanged,
            &format!("{} -> {to}", t.status),
        )
        .await?;
        Ok(())
    }

    /// Claims `t` for `me` (one conditional update) and tells the requester who took it.
    pub(crate) async fn claim(
        &mut self,
        turn: &mut Turn<'_>,
        me: &StaffMember,
        t: &Ticket,
    ) -> Result<(), Stop> {
        if t.status == Status::Closed {
            return Err(UserError::IllegalTransition {
                ticket: t.id,
                from: t.status,
                to: Status::InProgress,
            }
            .into());
        }
        if !me.works(t.line) {
            return Err(UserError::NotYourLine {
                ticket: t.id,
                line: t.line,
            }
            .into());
        }
        if !Store::claim(self.conn, t.id, &me.name, turn.now).await? {
            let by = Store::ticket(self.conn, t.id)
                .await?
                .and_then(|now| now.assignee)
                .unwrap_or_else(|| "someone else".to_string());
            return Err(UserError::AlreadyClaimed { ticket: t.id, by }.into());
        }
        Store::add_event(
            self.conn,
            t.id,
            turn.now,
            &Actor::Agent(me.name.clone()),
            EventKind::Claimed,
            &me.name,
        )
        .await?;
        let msg = Msg::TookYourTicket {
            ticket: t.id,
            agent: &me.name,
        }
        .text(t.lang);
        turn.tell_requester(t, msg, Vec::new());
        Ok(())
    }

    /// Tells the agents' channels `ticket` is routed to, in the desk's language.
    pub(crate) fn to_agents(&self, turn: &mut Turn<'_>, ticket: &Ticket, text: String) {
        self.to_agents_with(turn, ticket, text, Vec::new());
    }

    /// [`Self::to_agents`] with buttons.
    pub(crate) fn to_agents_with(
        &self,
        turn: &mut Turn<'_>,
        ticket: &Ticket,
        text: String,
        buttons: Vec<Button>,
    ) {
        self.to_chats_with(turn, ticket, self.config.chats_for(ticket), text, buttons);
    }

    /// [`Self::to_agents_with`] to the chats given.
    pub(crate) fn to_chats_with(
        &self,
        turn: &mut Turn<'_>,
        ticket: &Ticket,
        chats: Vec<crate::domain::ChatRef>,
        text: String,
        buttons: Vec<Button>,
    ) {
        for chat in chats {
            turn.out.push(Outbound {
                to: chat,
                text: text.clone(),
                buttons: buttons.clone(),
                attachment: None,
                about: Some(TicketThread::of(ticket)),
                forward: turn.media.clone(),
                delivery: None,
                reaction: None,
                bulk: false,
            });
        }
    }

    /// Tells the agents that the requester closed `t` (as it is now: closed, so a thread
    /// platform closes its thread).
    pub(crate) fn tell_agents_closed_by_requester(&self, turn: &mut Turn<'_>, t: &Ticket) {
        let requester = turn.person.display.clone();
        let closed = Ticket {
            status: Status::Closed,
            ..t.clone()
        };
        let text = crate::i18n::staff::Card::ClosedBy {
            ticket: t.id,
            requester: &requester,
        }
        .text(self.config.default_lang);
        self.to_agents(turn, &closed, text);
    }
}

/// A staff member's command at work: the desk, the event, and who is acting. Staff
/// commands are functions of this one value.
pub(crate) struct Acting<'a, 'd, 't> {
    pub(crate) desk: &'a mut Desk<'d>,
    pub(crate) turn: &'a mut Turn<'t>,
    pub(crate) me: &'a StaffMember,
}

impl Acting<'_, '_, '_> {
    /// The acting staff member, as the thread records them.
    pub(crate) fn actor(&self) -> Actor {
        Actor::Agent(self.me.name.clone())
    }
}

/// What a command comes to: done, or stopped with a refusal or an internal error.
pub(crate) type Done = Result<(), Stop>;
