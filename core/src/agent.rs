//! The agents' command grammar: a pure parser from text to a typed command.

pub use crate::cmd::admin::StaffCommand;
pub use crate::cmd::queue::QueueView;
use crate::cmd::{admin, fields, queue, status};
use crate::commands::{Name, TicketArg, Who};
use crate::domain::{ChannelKind, Line, Priority, TicketId, TicketKind};
use crate::error::UserError;

/// An agent's command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentCommand {
    /// `/queue [line] [all]`.
    Queue(QueueView),
    /// The agent's own open tickets.
    Mine,
    /// Tickets by words, requester or number.
    Find(crate::cmd::find::FindQuery),
    /// Hand the ticket to the colleague named.
    Assign(TicketId, String),
    /// Known issues.
    Problem(crate::cmd::problem::ProblemCommand),
    /// Link a ticket to a known issue.
    Link(TicketId, crate::domain::ProblemId),
    /// The duty rota.
    Duty(crate::cmd::duty::DutyCommand),
    /// Saved replies.
    Macro(crate::cmd::macros::MacroCommand),
    Claim(TicketId),
    Release(TicketId),
    Reply(TicketId, String),
    /// A question to the requester: the ticket waits on them.
    Ask(TicketId, String),
    Note(TicketId, String),
    Priority(TicketId, Priority, String),
    Type(TicketId, TicketKind),
    Resolve(TicketId),
    Reopen(TicketId),
    Transcript(TicketId),
    /// Time spent, in minutes, with an optional note.
    Hours(TicketId, u32, String),
    /// Send a knowledge-base article as the answer.
    Answer(TicketId, String),
    Escalate(TicketId, Line, String),
    Stats,
    /// Per-agent figures over the last 30 days (admins).
    AgentStats,
    Staff(StaffCommand),
    /// Client organisations (admins).
    Org(crate::cmd::org::OrgCommand),
    Announce(crate::cmd::announce::AnnounceCommand),
    /// Knowledge-base articles.
    Kb(crate::cmd::kb::KbCommand),
    /// An admin's: the sender's updates are no longer answered (channel, id, reason).
    Block(ChannelKind, String, String),
    Unblock(ChannelKind, String),
    /// An admin's: erase a person's data.
    Forget(ChannelKind, String),
}

impl AgentCommand {
    /// The ticket the command is about, if any.
    pub fn ticket(&self) -> Option<TicketId> {
        match self {
            AgentCommand::Claim(id)
            | AgentCommand::Release(id)
            | AgentCommand::Assign(id, _)
            | AgentCommand::Link(id, _)
            | AgentCommand::Macro(crate::cmd::macros::MacroCommand::Send { ticket: id, .. })
            | AgentCommand::Reply(id, _)
            | AgentCommand::Ask(id, _)
            | AgentCommand::Note(id, _)
            | AgentCommand::Priority(id, ..)
            | AgentCommand::Type(id, _)
            | AgentCommand::Resolve(id)
            | AgentCommand::Reopen(id)
            | AgentCommand::Transcript(id)
            | AgentCommand::Hours(id, ..)
            | AgentCommand::Answer(id, _)
            | AgentCommand::Escalate(id, ..) => Some(*id),
            AgentCommand::Kb(crate::cmd::kb::KbCommand::Draft(id)) => Some(*id),
            AgentCommand::Queue(_)
            | AgentCommand::Mine
            | AgentCommand::Find(_)
            | AgentCommand::Duty(_)
            | AgentCommand::Problem(_)
            | AgentCommand::Macro(_)
            | AgentCommand::Stats
            | AgentCommand::AgentStats
            | AgentCommand::Staff(_)
            | AgentCommand::Org(_)
            | AgentCommand::Announce(_)
            | AgentCommand::Kb(_)
            | AgentCommand::Block(..)
            | AgentCommand::Unblock(..)
            | AgentCommand::Forget(..) => None,
        }
    }
}

/// A staff command's arguments: the first word and the rest, with the ticket a thread
/// implies when the command is about one and its first word is not a number.
struct Args<'a> {
    command: &'static str,
    first: &'a str,
    rest: &'a str,
    implied: Option<TicketId>,
}

impl<'a> Args<'a> {
    fn new(name: Name, args: &'a str, thread: Option<TicketId>) -> Args<'a> {
        let (first, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        let implied = thread.filter(|_| {
            name.spec().ticket == TicketArg::Implied && TicketId::parse(first).is_err()
        });
        let (first, rest) = match implied {
            Some(_) => ("", args),
            None => (first, rest.trim()),
        };
        Args {
            command: name.spec().name,
            first,
            rest,
            implied,
        }
    }

    fn missing(&self, what: &'static str) -> UserError {
        UserError::MissingArgument {
            command: self.command,
            what,
        }
    }

    /// The ticket: the thread's, or the first word.
    fn ticket(&self) -> Result<TicketId, UserError> {
        match (self.implied, self.first) {
            (Some(t), _) => Ok(t),
            (None, "") => Err(self.missing("a ticket number")),
            (None, first) => TicketId::parse(first),
        }
    }

    /// The text after the ticket, which must be there.
    fn text(&self, what: &'static str) -> Result<String, UserError> {
        match self.rest {
            "" => Err(self.missing(what)),
            rest => Ok(rest.to_string()),
        }
    }
}

/// Parses `text` if it starts with an agent command; `None` otherwise.
///
/// # Errors
/// A [`UserError`] naming the missing or bad argument.
pub fn parse(text: &str) -> Option<Result<AgentCommand, UserError>> {
    parse_in(text, None)
}

/// Parses staff text written in a ticket's thread: plain text is a reply to the thread's
/// ticket, and a command about a ticket given without its number is about the thread's.
///
/// # Errors
/// A [`UserError`] naming the missing or bad argument.
pub fn parse_in(text: &str, thread: Option<TicketId>) -> Option<Result<AgentCommand, UserError>> {
    if let Some(ticket) = thread
        && !text.trim_start().starts_with('/')
    {
        return Some(Ok(AgentCommand::Reply(ticket, text.trim().to_string())));
    }
    let rest = text.trim().strip_prefix('/')?;
    let (head, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let typed = head.split('@').next().unwrap_or("").to_lowercase();
    let args = args.trim();
    // A bare `/forget` is anyone's own (the users' command); with an identity, an admin's.
    let name = match Name::lookup(&typed)? {
        Name::Forget if !args.is_empty() => Name::ForgetPerson,
        n => n,
    };
    if name.spec().who != Who::Staff {
        return None;
    }
    let a = Args::new(name, args, thread);
    let (first, rest) = (a.first, a.rest);
    let missing = |what: &'static str| a.missing(what);
    let ticket = || a.ticket();
    let text_arg = |what: &'static str| a.text(what);
    let command = a.command;
    Some((|| {
        Ok(match name {
            Name::Queue => AgentCommand::Queue(queue::parse_view(args).map_err(missing)?),
            Name::Mine => AgentCommand::Mine,
            Name::Duty => AgentCommand::Duty(crate::cmd::duty::parse(args).map_err(missing)?),
            Name::Problem => {
                AgentCommand::Problem(crate::cmd::problem::parse(args).map_err(missing)?)
            }
            Name::Link => {
                let id = ticket()?;
                let p = crate::domain::ProblemId::parse(&text_arg(
                    "a known issue's number, such as P3",
                )?)?;
                AgentCommand::Link(id, p)
            }
            Name::Find => AgentCommand::Find(crate::cmd::find::parse(args).map_err(missing)?),
            Name::Macro => {
                AgentCommand::Macro(crate::cmd::macros::parse(args, thread).map_err(missing)?)
            }
            Name::Assign => {
                let id = ticket()?;
                let name = text_arg("the colleague's name")?;
                if name.contains(char::is_whitespace) {
                    return Err(missing("one colleague's name"));
                }
                AgentCommand::Assign(id, name)
            }
            Name::Claim => AgentCommand::Claim(ticket()?),
            Name::Release => AgentCommand::Release(ticket()?),
            Name::Reply => AgentCommand::Reply(ticket()?, text_arg("the text of the reply")?),
            Name::Ask => AgentCommand::Ask(ticket()?, text_arg("the question to the requester")?),
            Name::Note => AgentCommand::Note(ticket()?, text_arg("the text of the note")?),
            Name::Priority => {
                let id = ticket()?;
                let (p, reason) = fields::parse_priority(rest).map_err(missing)?;
                AgentCommand::Priority(id, p, reason)
            }
            Name::Type => {
                let id = ticket()?;
                AgentCommand::Type(id, fields::parse_kind(rest).map_err(missing)?)
            }
            Name::Resolve => AgentCommand::Resolve(ticket()?),
            Name::Stats => match args.to_lowercase().as_str() {
                "" => AgentCommand::Stats,
                "agents" => AgentCommand::AgentStats,
                _ => return Err(missing("nothing, or `agents`")),
            },
            Name::Block | Name::Unblock | Name::ForgetPerson => {
                let usage = if name == Name::Block {
                    "CHANNEL:ID and a reason (telegram:123 spam)"
                } else {
                    "CHANNEL:ID (telegram:123)"
                };
                let (channel, id) = crate::store::identity(first).ok_or(missing(usage))?;
                match name {
                    Name::Block => AgentCommand::Block(channel, id, text_arg(usage)?),
                    Name::Unblock => AgentCommand::Unblock(channel, id),
                    _ => AgentCommand::Forget(channel, id),
                }
            }
            // Only `/kb draft` is about a ticket.
            Name::Kb => match thread {
                Some(t) if args.eq_ignore_ascii_case("draft") => {
                    AgentCommand::Kb(crate::cmd::kb::KbCommand::Draft(t))
                }
                _ => AgentCommand::Kb(crate::cmd::kb::parse(args)?),
            },
            Name::Staff => AgentCommand::Staff(admin::parse_staff(first, rest).map_err(missing)?),
            Name::Org => AgentCommand::Org(crate::cmd::org::parse(args).map_err(|e| match e {
                crate::cmd::org::ParseError::Usage(u) => missing(u),
                crate::cmd::org::ParseError::Bad(e) => e,
            })?),
            Name::Announce => AgentCommand::Announce(crate::cmd::announce::parse(args)?),
            Name::Hours => {
                let id = ticket()?;
                let (minutes, note) = fields::parse_hours(rest).map_err(missing)?;
                AgentCommand::Hours(id, minutes, note)
            }
            Name::Answer => {
                let id = ticket()?;
                if rest.is_empty() || rest.contains(char::is_whitespace) {
                    return Err(missing("an article's slug"));
                }
                AgentCommand::Answer(id, rest.to_string())
            }
            Name::Escalate => {
                let id = ticket()?;
                let (line, reason) = status::parse_escalate(rest).map_err(missing)?;
                AgentCommand::Escalate(id, line, reason)
            }
            Name::Reopen => AgentCommand::Reopen(ticket()?),
            Name::Transcript => AgentCommand::Transcript(ticket()?),
            // Users' commands returned above.
            Name::Start
            | Name::Help
            | Name::New
            | Name::My
            | Name::Status
            | Name::Close
            | Name::Lang
            | Name::Cancel
            | Name::Join
            | Name::Mute
            | Name::Unmute
            | Name::Forget => return Err(UserError::UnknownCommand(command.into())),
        })
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: &str) -> TicketId {
        TicketId::parse(n).expect("ticket id")
    }

    #[test]
    fn in_a_thread_the_threads_ticket_is_meant() {
        let t = Some(id("7"));
        assert_eq!(
            parse_in("Try again please", t),
            Some(Ok(AgentCommand::Reply(id("7"), "Try again please".into())))
        );
        assert_eq!(
            parse_in("/resolve", t),
            Some(Ok(AgentCommand::Resolve(id("7"))))
        );
        assert_eq!(
            parse_in("/priority high whole floor", t),
            Some(Ok(AgentCommand::Priority(
                id("7"),
                Priority::High,
                "whole floor".into()
            )))
        );
        assert_eq!(
            parse_in("/claim 9", t),
            Some(Ok(AgentCommand::Claim(id("9"))))
        );
        assert_eq!(
            parse_in("/queue", t),
            Some(Ok(AgentCommand::Queue(QueueView::default())))
        );
        assert_eq!(
            parse_in("/kb draft", t),
            Some(Ok(AgentCommand::Kb(crate::cmd::kb::KbCommand::Draft(id(
                "7"
            )))))
        );
        // Commands about a person, not a ticket, keep their own argument.
        assert!(matches!(
            parse_in("/block telegram:5 spam", t),
            Some(Ok(AgentCommand::Block(_, ref who, _))) if who == "5"
        ));
        // Out of a thread, plain text is not a command, and a number is still needed.
        assert_eq!(parse_in("Try again please", None), None);
        assert!(matches!(parse_in("/resolve", None), Some(Err(_))));
    }

    #[test]
    fn agent_commands_parse_with_their_arguments() {
        assert_eq!(
            parse("/queue"),
            Some(Ok(AgentCommand::Queue(QueueView::default())))
        );
        assert_eq!(
            parse("/queue 3 all"),
            Some(Ok(AgentCommand::Queue(QueueView {
                line: Line::new(3).ok(),
                all: true
            })))
        );
        assert_eq!(parse("/mine"), Some(Ok(AgentCommand::Mine)));
        assert_eq!(
            parse("/assign 4 boris"),
            Some(Ok(AgentCommand::Assign(id("4"), "boris".into())))
        );
        assert!(matches!(parse("/queue 9"), Some(Err(_))));
        assert!(matches!(parse("/assign 4"), Some(Err(_))));
        assert_eq!(parse("/claim #4"), Some(Ok(AgentCommand::Claim(id("4")))));
        assert_eq!(
            parse("/reply 4 Try restarting,\nthen tell me"),
            Some(Ok(AgentCommand::Reply(
                id("4"),
                "Try restarting,\nthen tell me".into()
            )))
        );
        assert_eq!(
            parse("/priority 4 HIGH the whole floor is down"),
            Some(Ok(AgentCommand::Priority(
                id("4"),
                Priority::High,
                "the whole floor is down".into()
            )))
        );
        assert_eq!(
            parse("/type 4 access request"),
            Some(Ok(AgentCommand::Type(id("4"), TicketKind::AccessRequest)))
        );
        assert_eq!(
            parse("/status 4"),
            None,
            "a user command is not an agent command"
        );
        assert_eq!(parse("hello"), None);
    }

    #[test]
    fn admins_block_unblock_and_forget_by_identity() {
        assert_eq!(
            parse("/block telegram:123 sends spam all day"),
            Some(Ok(AgentCommand::Block(
                ChannelKind::Telegram,
                "123".into(),
                "sends spam all day".into()
            )))
        );
        assert_eq!(
            parse("/unblock discord:9"),
            Some(Ok(AgentCommand::Unblock(ChannelKind::Discord, "9".into())))
        );
        assert_eq!(
            parse("/forget console:ann"),
            Some(Ok(AgentCommand::Forget(ChannelKind::Console, "ann".into())))
        );
        assert_eq!(parse("/forget"), None, "a bare /forget is the user's own");
        assert!(
            matches!(parse("/block telegram:123"), Some(Err(_))),
            "a reason is required"
        );
        assert!(matches!(parse("/block nowhere:1 x"), Some(Err(_))));
        assert!(matches!(parse("/unblock 123"), Some(Err(_))));
    }

    #[test]
    fn bad_agent_commands_say_what_is_missing() {
        assert_eq!(
            parse("/hours 4 1,5 setup call"),
            Some(Ok(AgentCommand::Hours(id("4"), 90, "setup call".into())))
        );
        assert!(
            matches!(parse("/escalate 4 3 needs a code fix"), Some(Ok(AgentCommand::Escalate(_, l, _))) if l.get() == 3)
        );
        assert_eq!(
            parse("/answer 4 vpn-connect"),
            Some(Ok(AgentCommand::Answer(id("4"), "vpn-connect".into())))
        );
        for bad in [
            "/hours 4",
            "/hours 4 -1",
            "/hours 4 99",
            "/escalate 4 1 x",
            "/escalate 4 5 x",
            "/escalate 4 3",
            "/answer 4",
            "/claim",
            "/reply 4",
            "/note 4",
            "/priority 4 urgent now",
            "/priority 4 high",
            "/type 4 bug",
            "/resolve x",
        ] {
            assert!(matches!(parse(bad), Some(Err(_))), "{bad}");
        }
    }
}
