//! Line 2 in chat: agents' commands, and the requester's side of a resolution (confirm,
//! rate). Every command is checked against the sender's role before anything changes.

use sqlx::AnyConnection;

use crate::action::Action;
use crate::agent::{AgentCommand, StaffCommand};
use crate::domain::{EventKind, Lang, Status, Ticket, TicketId};
use crate::engine::{Attachment, Button, Engine, Outbound, Stop, Turn};
use crate::error::UserError;
use crate::i18n::Msg;
use crate::staff::{Role, StaffMember};
use crate::store::Store;

/// Longest transcript sent as a message; a longer one is attached as a text file.
pub const TRANSCRIPT_INLINE_CHARS: usize = 3_500;

/// Minutes as hours for agents: `1.5 h`.
fn hours(minutes: i64) -> String {
    format!("{:.2} h", minutes as f64 / 60.0).replace(".00 h", " h")
}

impl Engine {
    /// Any ticket, for staff: they see them all.
    async fn staff_ticket(&self, conn: &mut AnyConnection, id: TicketId) -> Result<Ticket, Stop> {
        Store::ticket(conn, id)
            .await?
            .ok_or_else(|| UserError::NoTicket(id).into())
    }

    /// A message to a ticket's requester, in their language.
    fn to_requester(
        &self,
        turn: &mut Turn<'_>,
        ticket: &Ticket,
        text: String,
        buttons: Vec<Button>,
    ) {
        turn.out.push(Outbound {
            to: ticket.chat.clone(),
            text,
            buttons,
            attachment: None,
            about: None,
            // An agent's photo or file in the ticket's thread goes to the requester too.
            forward: turn.media.clone(),
            delivery: None,
            reaction: None,
        });
    }

    pub(crate) async fn on_agent_command(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        me: &StaffMember,
        cmd: AgentCommand,
    ) -> Result<(), Stop> {
        let actor = crate::domain::Actor::Agent(me.name.clone());
        let now = turn.now;
        let ack = |turn: &mut Turn<'_>, s: String| turn.reply(Msg::Ack(s).text(Lang::En));
        if let Some(id) = cmd.ticket() {
            // Whatever a command does to a ticket, its deadlines follow.
            turn.touched.insert(id);
        }
        match cmd {
            AgentCommand::Queue => {
                let tickets = Store::queue(conn, me.queue_lines(), 20).await?;
                let left: Vec<Option<String>> = tickets
                    .iter()
                    .map(|t| self.config().sla.sla_line(t, now))
                    .collect();
                turn.reply(
                    Msg::Queue {
                        tickets: &tickets,
                        left: &left,
                    }
                    .text(Lang::En),
                );
            }
            AgentCommand::Claim(id) => {
                let t = self.staff_ticket(conn, id).await?;
                self.claim(conn, turn, me, &t).await?;
                // [Resolve] right there: the agent answers in the thread, then presses it.
                turn.reply_with(
                    Msg::Ack(format!(
                        "{} {id} is yours: {}",
                        Status::InProgress.emoji(),
                        t.subject
                    ))
                    .text(Lang::En),
                    vec![crate::engine::Button {
                        label: "Resolve".into(),
                        data: crate::action::Action::Resolve { ticket: id.get() }.encode(),
                    }],
                );
            }
            AgentCommand::Release(id) => {
                self.staff_ticket(conn, id).await?;
                let holder = if me.role == Role::Admin {
                    None
                } else {
                    Some(me.name.as_str())
                };
                if !Store::release(conn, id, holder, now).await? {
                    return Err(UserError::NotHolder(id).into());
                }
                Store::add_event(conn, id, now, &actor, EventKind::Released, "").await?;
                ack(turn, format!("{id} is back in the queue."));
            }
            AgentCommand::Reply(id, text) => self.reply(conn, turn, me, id, &text, false).await?,
            AgentCommand::Ask(id, text) => self.reply(conn, turn, me, id, &text, true).await?,
            AgentCommand::Note(id, text) => {
                self.staff_ticket(conn, id).await?;
                Store::add_event(conn, id, now, &actor, EventKind::Note, &text).await?;
                ack(
                    turn,
                    format!("Note added to {id} (not sent to the requester)."),
                );
            }
            AgentCommand::Priority(id, priority, reason) => {
                let t = self.staff_ticket(conn, id).await?;
                Store::set_priority(conn, id, priority, now).await?;
                Store::add_event(
                    conn,
                    id,
                    now,
                    &actor,
                    EventKind::PriorityChanged,
                    &format!("{} -> {priority}: {reason}", t.priority),
                )
                .await?;
                let mut msg = Msg::PriorityChanged {
                    ticket: id,
                    priority,
                    reason: &reason,
                }
                .text(t.lang);
                // The deadlines follow the priority; the requester hears the new one.
                self.config().sla.reschedule(conn, id, now).await?;
                let moved = self.staff_ticket(conn, id).await?;
                if let Some(promise) = moved
                    .status
                    .is_open()
                    .then(|| self.config().sla.promise(&moved, now, t.lang))
                    .flatten()
                {
                    msg.push_str(&format!("\n{promise}"));
                }
                self.to_requester(turn, &t, msg, Vec::new());
                ack(
                    turn,
                    format!("{id} priority: {} -> {priority}.", t.priority),
                );
            }
            AgentCommand::Type(id, kind) => {
                let t = self.staff_ticket(conn, id).await?;
                Store::set_kind(conn, id, kind, now).await?;
                Store::add_event(
                    conn,
                    id,
                    now,
                    &actor,
                    EventKind::KindChanged,
                    &format!("{} -> {kind}", t.kind),
                )
                .await?;
                ack(turn, format!("{id} type: {} -> {kind}.", t.kind));
            }
            AgentCommand::Resolve(id) => {
                let t = self.staff_ticket(conn, id).await?;
                self.transition(conn, &t, Status::Resolved, &actor, now)
                    .await?;
                Store::stamp_first_response(conn, id, now).await?;
                let buttons = vec![
                    Button {
                        label: Msg::SolvedYes.text(t.lang),
                        data: Action::Confirm {
                            ticket: id.get(),
                            solved: true,
                        }
                        .encode(),
                    },
                    Button {
                        label: Msg::SolvedNo.text(t.lang),
                        data: Action::Confirm {
                            ticket: id.get(),
                            solved: false,
                        }
                        .encode(),
                    },
                ];
                self.to_requester(
                    turn,
                    &t,
                    Msg::ResolvedAsk { ticket: id }.text(t.lang),
                    buttons,
                );
                ack(
                    turn,
                    format!(
                        "{} {id} resolved; the requester is asked to confirm.",
                        Status::Resolved.emoji()
                    ),
                );
            }
            AgentCommand::Reopen(id) => {
                let t = self.staff_ticket(conn, id).await?;
                self.transition(conn, &t, Status::InProgress, &actor, now)
                    .await?;
                self.to_requester(
                    turn,
                    &t,
                    Msg::Reopened { ticket: id }.text(t.lang),
                    Vec::new(),
                );
                // Told through the ticket's channels, so a closed thread opens again first.
                let reopened = Ticket {
                    status: Status::InProgress,
                    ..t.clone()
                };
                self.to_agents(
                    turn,
                    &reopened,
                    format!(
                        "{} {id} reopened by {}.",
                        Status::InProgress.emoji(),
                        me.name
                    ),
                );
            }
            AgentCommand::Hours(id, minutes, note) => {
                let t = self.staff_ticket(conn, id).await?;
                let billable = t.kind.billable();
                Store::add_time(conn, id, &me.name, minutes, billable, &note, now).await?;
                let (total, billed) = Store::time_total(conn, id).await?;
                let body = format!(
                    "{minutes} min{}{}",
                    if billable { " (billable)" } else { "" },
                    if note.is_empty() {
                        String::new()
                    } else {
                        format!(": {note}")
                    }
                );
                Store::add_event(
                    conn,
                    id,
                    now,
                    &actor,
                    EventKind::Note,
                    &format!("time: {body}"),
                )
                .await?;
                ack(
                    turn,
                    format!(
                        "{id}: {body}. Total {}, billable {}.",
                        hours(total),
                        hours(billed)
                    ),
                );
            }
            AgentCommand::Answer(id, slug) => {
                let t = self.staff_ticket(conn, id).await?;
                let parsed = frontline_kb::Slug::parse(&slug)
                    .map_err(|_| UserError::NoArticle(slug.clone()))?;
                let article = match self.kb().get(&parsed, t.lang)? {
                    Some(a) => a,
                    None => self
                        .kb()
                        .get(&parsed, t.lang.other())?
                        .ok_or(UserError::NoArticle(slug.clone()))?,
                };
                if t.status == Status::Closed {
                    return Err(UserError::IllegalTransition {
                        ticket: id,
                        from: t.status,
                        to: Status::InProgress,
                    }
                    .into());
                }
                if t.assignee.is_none() {
                    self.claim(conn, turn, me, &t).await?;
                }
                Store::add_event(
                    conn,
                    id,
                    now,
                    &actor,
                    EventKind::MessageOut,
                    &article_event(&article.slug, article.lang),
                )
                .await?;
                Store::stamp_first_response(conn, id, now).await?;
                let body = frontline_kb::text::markdown_to_plain(&article.body);
                let msg = Msg::ArticleAnswer {
                    ticket: id,
                    agent: &me.name,
                    title: article.display_title(),
                    body: &body,
                }
                .text(t.lang);
                self.to_requester(turn, &t, msg, Vec::new());
                ack(
                    turn,
                    format!("Article {} sent to the requester of {id}.", article.slug),
                );
            }
            AgentCommand::Escalate(id, line, reason) => {
                let t = self.staff_ticket(conn, id).await?;
                if !t.status.is_open() {
                    return Err(UserError::IllegalTransition {
                        ticket: id,
                        from: t.status,
                        to: Status::InProgress,
                    }
                    .into());
                }
                if line == t.line {
                    return Err(UserError::SameLine { ticket: id, line }.into());
                }
                Store::set_line(conn, id, line, now).await?;
                Store::add_event(
                    conn,
                    id,
                    now,
                    &actor,
                    EventKind::Note,
                    &format!("escalated line {} -> {line}: {reason}", t.line),
                )
                .await?;
                let (arrow, verb) = if line.get() > t.line.get() {
                    ("⬆️", "escalated to")
                } else {
                    ("⬇️", "sent back to")
                };
                let mut card = format!(
                    "{arrow} {id} {verb} line {line} by {}: {reason}\n{} {} · {} · {}",
                    me.name,
                    t.status.emoji(),
                    t.kind,
                    t.priority,
                    t.subject
                );
                if let Some(left) = self.config().sla.sla_line(&t, now) {
                    card.push_str(&format!("\n{left}"));
                }
                let moved = Ticket {
                    line,
                    assignee: None,
                    ..t.clone()
                };
                self.to_agents_with(turn, &moved, card, vec![crate::engine::claim_button(id)]);
                self.to_requester(
                    turn,
                    &t,
                    Msg::Escalated { ticket: id, line }.text(t.lang),
                    Vec::new(),
                );
                ack(turn, format!("{id} {verb} line {line}."));
            }
            AgentCommand::Stats => {
                // "Today" is the UTC day of the engine's clock.
                let day = now - now.rem_euclid(86_400_000);
                let counts = Store::counts_since(conn, day).await?;
                if counts.is_empty() {
                    ack(turn, "No tickets today.".to_string());
                } else {
                    let lines: Vec<String> = counts
                        .iter()
                        .map(|(s, line, n)| format!("line {line} · {} {s}: {n}", s.emoji()))
                        .collect();
                    ack(turn, format!("Tickets today:\n{}", lines.join("\n")));
                }
            }
            AgentCommand::Staff(cmd) => {
                if me.role != Role::Admin {
                    return Err(UserError::AdminOnly("manage staff").into());
                }
                match cmd {
                    StaffCommand::List => {
                        let list = Store::staff_list(conn).await?;
                        let lines: Vec<String> = list
                            .iter()
                            .map(|s| {
                                let lines: Vec<String> =
                                    s.member.lines.iter().map(|l| l.to_string()).collect();
                                format!(
                                    "{} · {:?} · {}:{} · lines {}",
                                    s.member.name,
                                    s.member.role,
                                    s.channel,
                                    s.external_id,
                                    lines.join(",")
                                )
                            })
                            .collect();
                        ack(
                            turn,
                            if lines.is_empty() {
                                "No staff added from chat (the configuration lists the rest)."
                                    .into()
                            } else {
                                format!("Staff added from chat:\n{}", lines.join("\n"))
                            },
                        );
                    }
                    StaffCommand::Add {
                        name,
                        admin,
                        channel,
                        id,
                        lines,
                    } => {
                        let member = StaffMember {
                            name: name.clone(),
                            role: if admin { Role::Admin } else { Role::Agent },
                            lines,
                        };
                        let stored = crate::store::StoredStaff {
                            member,
                            channel,
                            external_id: id.clone(),
                        };
                        if !Store::staff_add(conn, &stored, &actor, now).await? {
                            return Err(UserError::StaffExists(name).into());
                        }
                        ack(
                            turn,
                            format!(
                                "{name} is now {} ({channel}:{id}).",
                                if admin { "an admin" } else { "an agent" }
                            ),
                        );
                    }
                    StaffCommand::Remove(name) => {
                        if !Store::staff_remove(conn, &name, &actor, now).await? {
                            return Err(UserError::NoStaff(name).into());
                        }
                        ack(turn, format!("{name} is no longer staff."));
                    }
                }
            }
            AgentCommand::Kb(cmd) => self.on_kb(conn, turn, me, cmd).await?,
            AgentCommand::Block(channel, id, reason) => {
                if me.role != Role::Admin {
                    return Err(UserError::AdminOnly("block senders").into());
                }
                Store::block(conn, channel, &id, &reason, &actor, now).await?;
                ack(
                    turn,
                    format!("{channel}:{id} is blocked: their messages get no reply."),
                );
            }
            AgentCommand::Unblock(channel, id) => {
                if me.role != Role::Admin {
                    return Err(UserError::AdminOnly("unblock senders").into());
                }
                let text = if Store::unblock(conn, channel, &id, &actor, now).await? {
                    format!("{channel}:{id} is unblocked.")
                } else {
                    format!("{channel}:{id} was not blocked.")
                };
                ack(turn, text);
            }
            AgentCommand::Forget(channel, id) => {
                if me.role != Role::Admin {
                    return Err(UserError::AdminOnly("erase a person's data").into());
                }
                let text = match Store::forget(conn, channel, &id, &actor, now).await? {
                    Some(e) => format!(
                        "{channel}:{id} is erased: {} identities, {} messages, {} questions; \
                         their {} tickets stay as numbers.",
                        e.identities, e.messages, e.questions, e.tickets
                    ),
                    None => format!("Nobody is known as {channel}:{id}."),
                };
                ack(turn, text);
            }
            AgentCommand::Transcript(id) => {
                let t = self.staff_ticket(conn, id).await?;
                let thread = Store::thread_in(conn, id).await?;
                let mut lines = vec![format!(
                    "{} {id} {} · {} · {} · {}",
                    t.status.emoji(),
                    t.kind,
                    t.priority,
                    t.assignee.as_deref().unwrap_or("unclaimed"),
                    t.subject
                )];
                for e in thread {
                    let at = chrono::DateTime::from_timestamp_millis(e.at_ms)
                        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default();
                    lines.push(format!("[{at}] {} {}: {}", e.actor, e.kind, e.body));
                }
                let text = lines.join("\n");
                // A long thread is a file: a chat message would be split into many.
                if text.chars().count() > TRANSCRIPT_INLINE_CHARS {
                    turn.reply_file(
                        format!(
                            "Transcript of {id}: {} entries, attached as ticket-{}.txt",
                            lines.len() - 1,
                            id.get()
                        ),
                        Attachment {
                            name: format!("ticket-{}.txt", id.get()),
                            text: text + "\n",
                        },
                    );
                } else {
                    ack(turn, text);
                }
            }
        }
        Ok(())
    }

    /// An agent's answer to the requester; with `ask`, a question that leaves the ticket
    /// waiting on the customer (the SLA clock stops until they answer).
    async fn reply(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        me: &StaffMember,
        id: TicketId,
        text: &str,
        ask: bool,
    ) -> Result<(), Stop> {
        let now = turn.now;
        let actor = crate::domain::Actor::Agent(me.name.clone());
        let mut t = self.staff_ticket(conn, id).await?;
        if matches!(t.status, Status::Closed) || (ask && t.status == Status::Resolved) {
            return Err(UserError::IllegalTransition {
                ticket: id,
                from: t.status,
                to: if ask {
                    Status::WaitingOnCustomer
                } else {
                    Status::InProgress
                },
            }
            .into());
        }
        if t.assignee.is_none() {
            self.claim(conn, turn, me, &t).await?;
            t = self.staff_ticket(conn, id).await?;
        }
        Store::add_event(conn, id, now, &actor, EventKind::MessageOut, text).await?;
        Store::stamp_first_response(conn, id, now).await?;
        if ask && t.status != Status::WaitingOnCustomer {
            self.transition(conn, &t, Status::WaitingOnCustomer, &actor, now)
                .await?;
        }
        let msg = if ask {
            Msg::AgentAsks {
                ticket: id,
                agent: &me.name,
                text,
            }
        } else {
            Msg::AgentReply {
                ticket: id,
                agent: &me.name,
                text,
            }
        }
        .text(t.lang);
        self.to_requester(turn, &t, msg, Vec::new());
        let done = if ask {
            format!(
                "Asked the requester of {id}; it waits on them ({} with its clock stopped).",
                Status::WaitingOnCustomer.emoji()
            )
        } else {
            format!("Sent to the requester of {id}.")
        };
        turn.reply(Msg::Ack(done).text(Lang::En));
        Ok(())
    }

    /// Claims `t` for `me` (one conditional update) and tells the requester who took it.
    async fn claim(
        &self,
        conn: &mut AnyConnection,
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
        if !Store::claim(conn, t.id, &me.name, turn.now).await? {
            let by = Store::ticket(conn, t.id)
                .await?
                .and_then(|now| now.assignee)
                .unwrap_or_else(|| "someone else".to_string());
            return Err(UserError::AlreadyClaimed { ticket: t.id, by }.into());
        }
        Store::add_event(
            conn,
            t.id,
            turn.now,
            &crate::domain::Actor::Agent(me.name.clone()),
            EventKind::Claimed,
            &me.name,
        )
        .await?;
        let msg = Msg::TookYourTicket {
            ticket: t.id,
            agent: &me.name,
        }
        .text(t.lang);
        self.to_requester(turn, t, msg, Vec::new());
        Ok(())
    }

    /// Moves `t` to `to` if the move is legal and nobody moved it first, with the thread's
    /// record of it: the one way every path changes a ticket's status.
    pub(crate) async fn transition(
        &self,
        conn: &mut AnyConnection,
        t: &Ticket,
        to: Status,
        actor: &crate::domain::Actor,
        now: i64,
    ) -> Result<(), Stop> {
        let illegal = UserError::IllegalTransition {
            ticket: t.id,
            from: t.status,
            to,
        };
        if !t.status.can_become(to) || !Store::set_status(conn, t.id, t.status, to, now).await? {
            return Err(illegal.into());
        }
        Store::add_event(
            conn,
            t.id,
            now,
            actor,
            EventKind::StatusChanged,
            &format!("{} -> {to}", t.status),
        )
        .await?;
        Ok(())
    }

    /// The requester answers "is it solved?": yes closes and asks for a rating; no reopens
    /// it to the same agent.
    pub(crate) async fn on_confirm(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        id: TicketId,
        solved: bool,
    ) -> Result<(), Stop> {
        let t = self
            .own_ticket(conn, turn, id)
            .await
            .map_err(|_| Stop::User(UserError::StaleChoice))?;
        if t.status != Status::Resolved {
            return Err(UserError::StaleChoice.into());
        }
        turn.touched.insert(id);
        let actor = turn.actor();
        let lang = turn.person.lang;
        if solved {
            self.transition(conn, &t, Status::Closed, &actor, turn.now)
                .await?;
            if turn.person.current_ticket == Some(id) {
                Store::set_current_ticket(conn, turn.person.id, None, turn.now).await?;
            }
            turn.reply_with(
                Msg::ClosedRate { ticket: id }.text(lang),
                crate::sla::rating_buttons(id),
            );
            self.tell_agents_closed_by_requester(turn, &t);
        } else {
            self.transition(conn, &t, Status::InProgress, &actor, turn.now)
                .await?;
            Store::set_current_ticket(conn, turn.person.id, Some(id), turn.now).await?;
            turn.reply(Msg::Reopened { ticket: id }.text(lang));
            let who = t.assignee.as_deref().unwrap_or("line 2");
            self.to_agents(
                turn,
                &t,
                format!(
                    "{} {id} reopened by the requester: still broken (back to {who})",
                    Status::InProgress.emoji()
                ),
            );
        }
        Ok(())
    }

    /// The requester's rating of a closed ticket, once.
    pub(crate) async fn on_rate(
        &self,
        conn: &mut AnyConnection,
        turn: &mut Turn<'_>,
        id: TicketId,
        score: u8,
    ) -> Result<(), Stop> {
        let t = self
            .own_ticket(conn, turn, id)
            .await
            .map_err(|_| Stop::User(UserError::StaleChoice))?;
        if t.status != Status::Closed || !Store::rate(conn, id, score, turn.now).await? {
            return Err(UserError::StaleChoice.into());
        }
        let actor = turn.actor();
        Store::add_event(
            conn,
            id,
            turn.now,
            &actor,
            EventKind::Rated,
            &score.to_string(),
        )
        .await?;
        Store::set_comment_for(conn, turn.person.id, Some(id), turn.now).await?;
        let lang = turn.person.lang;
        turn.reply_with(
            Msg::AskComment.text(lang),
            vec![Button {
                label: Msg::NoCommentButton.text(lang),
                data: Action::NoComment { ticket: id.get() }.encode(),
            }],
        );
        self.to_agents(turn, &t, format!("⭐ {id} rated {score}/5"));
        Ok(())
    }
}

/// The thread event of an article sent with `/answer`: what was sent, by key.
pub(crate) fn article_event(slug: &frontline_kb::Slug, lang: Lang) -> String {
    let key = crate::domain::ArticleKey {
        slug: slug.clone(),
        lang,
    };
    format!("{ARTICLE_EVENT}{key}")
}

/// The article an `/answer` event names, if `body` is one.
pub(crate) fn parse_article_event(body: &str) -> Option<crate::domain::ArticleKey> {
    crate::domain::ArticleKey::parse(body.strip_prefix(ARTICLE_EVENT)?)
}

const ARTICLE_EVENT: &str = "article ";
