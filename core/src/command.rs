//! The users' command grammar: a pure parser from text to a typed command.

use crate::commands::Name;
use crate::domain::{Lang, TicketId};
use crate::error::UserError;

/// A user's command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/start`, with what the deep link that opened the chat carried.
    Start(Option<StartFrom>),
    Help,
    New,
    My,
    Status(TicketId),
    Close(TicketId),
    Lang(Lang),
    Cancel,
    /// Erase what the desk keeps of me (asks for confirmation first).
    Forget,
    /// Join an organisation with its invite code.
    Join(String),
    /// No more announcements, or (`false`) announcements again.
    Mute(bool),
}

/// Where a deep link (`https://t.me/BOT?start=…`) says the person came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartFrom {
    /// `kb-SLUG`: the help centre's article they read before asking.
    Article(frontline_kb::Slug),
    /// `org-CODE`: an organisation's invite.
    Org(String),
}

impl StartFrom {
    /// The deep link's parameter for this origin; `None` when it cannot be one (Telegram
    /// allows only `A-Za-z0-9_-`, 64 characters: a slug in Cyrillic or with a dot is linked
    /// without it).
    pub fn payload(&self) -> Option<String> {
        let p = match self {
            StartFrom::Article(slug) => format!("kb-{slug}"),
            StartFrom::Org(code) => format!("org-{code}"),
        };
        (p.len() <= 64
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then_some(p)
    }

    /// The origin a `/start` parameter names; `None` for one the desk does not know (a
    /// link from elsewhere is a plain start, not an error).
    pub fn parse(payload: &str) -> Option<StartFrom> {
        if let Some(code) = payload.strip_prefix("org-") {
            return (!code.is_empty()).then(|| StartFrom::Org(crate::org::normalise_code(code)));
        }
        let slug = payload.strip_prefix("kb-")?;
        frontline_kb::Slug::parse(slug).ok().map(StartFrom::Article)
    }
}

/// Parses `text` if it is a command (starts with `/`); `None` when it is ordinary text.
///
/// `/cmd@botname` (as Telegram sends in groups) is accepted.
///
/// # Errors
/// A [`UserError`] for an unknown command or a bad or missing argument.
pub fn parse(text: &str) -> Option<Result<Command, UserError>> {
    let text = text.trim();
    let rest = text.strip_prefix('/')?;
    let mut parts = rest.split_whitespace();
    let head = parts.next().unwrap_or("");
    let name = head.split('@').next().unwrap_or("").to_lowercase();
    let arg = parts.next();
    let ticket = |command: &'static str| -> Result<TicketId, UserError> {
        let a = arg.ok_or(UserError::MissingArgument {
            command,
            what: "a ticket number",
        })?;
        TicketId::parse(a)
    };
    let Some(name) = Name::lookup(&name) else {
        return Some(Err(UserError::UnknownCommand(
            name.chars().take(32).collect(),
        )));
    };
    Some(match name {
        Name::Start => Ok(Command::Start(arg.and_then(StartFrom::parse))),
        Name::Help => Ok(Command::Help),
        Name::New => Ok(Command::New),
        Name::My => Ok(Command::My),
        Name::Status => ticket("status").map(Command::Status),
        Name::Close => ticket("close").map(Command::Close),
        Name::Cancel => Ok(Command::Cancel),
        Name::Forget => Ok(Command::Forget),
        Name::Mute => Ok(Command::Mute(true)),
        Name::Unmute => Ok(Command::Mute(false)),
        Name::Join => arg
            .map(|c| Command::Join(c.chars().take(40).collect()))
            .ok_or(UserError::MissingArgument {
                command: "join",
                what: "your organisation's code",
            }),
        Name::Lang => match arg {
            None => Err(UserError::MissingArgument {
                command: "lang",
                what: "ru or en",
            }),
            Some(l) => Lang::parse(l)
                .map(Command::Lang)
                .map_err(|_| UserError::BadLang(l.chars().take(20).collect())),
        },
        // Staff commands are parsed (and refused to others) by `agent::parse` first.
        staff @ (Name::Queue
        | Name::Mine
        | Name::Duty
        | Name::Problem
        | Name::Link
        | Name::Find
        | Name::Macro
        | Name::Assign
        | Name::Claim
        | Name::Release
        | Name::Reply
        | Name::Ask
        | Name::Note
        | Name::Priority
        | Name::Type
        | Name::Resolve
        | Name::Reopen
        | Name::Transcript
        | Name::Hours
        | Name::Answer
        | Name::Escalate
        | Name::Stats
        | Name::Staff
        | Name::Kb
        | Name::Block
        | Name::Unblock
        | Name::ForgetPerson
        | Name::Org
        | Name::Announce) => Err(UserError::StaffOnly(staff.spec().name.into())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_their_arguments() {
        assert_eq!(parse("/start"), Some(Ok(Command::Start(None))));
        let slug = frontline_kb::Slug::parse("vpn-connect").expect("slug");
        assert_eq!(
            parse("/start kb-vpn-connect"),
            Some(Ok(Command::Start(Some(StartFrom::Article(slug.clone())))))
        );
        assert_eq!(
            StartFrom::Article(slug).payload().as_deref(),
            Some("kb-vpn-connect")
        );
        let dotted = frontline_kb::Slug::parse("v1.2-notes").expect("slug");
        assert_eq!(StartFrom::Article(dotted).payload(), None);
        // Another site's parameter, or a bad slug, is a plain start.
        assert_eq!(parse("/start ref-42"), Some(Ok(Command::Start(None))));
        assert_eq!(parse("/start kb-"), Some(Ok(Command::Start(None))));
        assert_eq!(parse("  /HELP "), Some(Ok(Command::Help)));
        assert_eq!(parse("/my@frontline_bot"), Some(Ok(Command::My)));
        assert_eq!(
            parse("/status #12").map(|r| r.map(|c| format!("{c:?}"))),
            Some(Ok("Status(TicketId(12))".into()))
        );
        assert_eq!(parse("/lang RU"), Some(Ok(Command::Lang(Lang::Ru))));
        assert_eq!(parse("just text"), None);
    }

    #[test]
    fn bad_commands_say_what_is_wrong() {
        assert_eq!(
            parse("/frobnicate"),
            Some(Err(UserError::UnknownCommand("frobnicate".into())))
        );
        assert!(matches!(
            parse("/status"),
            Some(Err(UserError::MissingArgument { .. }))
        ));
        assert!(matches!(
            parse("/status abc"),
            Some(Err(UserError::BadTicketNumber(_)))
        ));
        assert!(matches!(
            parse("/close -1"),
            Some(Err(UserError::BadTicketNumber(_)))
        ));
        assert_eq!(
            parse("/lang de"),
            Some(Err(UserError::BadLang("de".into())))
        );
        assert!(matches!(
            parse("/"),
            Some(Err(UserError::UnknownCommand(_)))
        ));
    }
}
