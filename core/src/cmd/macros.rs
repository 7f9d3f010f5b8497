//! Saved replies: `/macro add NAME [ru|en] text` (admins), `/macro list`, `/macro remove
//! NAME` (admins), and `/macro NAME N`, which sends the macro to the requester of N as a
//! reply — in the requester's language when the macro has it — with `{name}`, `{ticket}` and
//! `{agent}` filled in.

use crate::desk::{Acting, Done};
use crate::domain::{Lang, TicketId};
use crate::error::{AdminTask, UserError};
use crate::i18n::staff::Ack;
use crate::staff::Role;
use crate::store::{Macro, Store};

/// Longest macro name.
const MAX_NAME_CHARS: usize = 40;

/// A `/macro` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacroCommand {
    Add {
        name: String,
        lang: Option<Lang>,
        text: String,
    },
    List,
    Remove(String),
    Send {
        name: String,
        ticket: TicketId,
    },
}

/// The arguments of `/macro`; in a ticket's thread `/macro NAME` is about the thread's.
pub(crate) fn parse(args: &str, thread: Option<TicketId>) -> Result<MacroCommand, &'static str> {
    let (first, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    let rest = rest.trim();
    Ok(match first.to_lowercase().as_str() {
        "" => return Err("add, list, remove, or a macro's name and a ticket number"),
        "list" => MacroCommand::List,
        "remove" => MacroCommand::Remove(name(rest)?),
        "add" => {
            let (name_word, text) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let (lang, text) = match text.trim_start().split_once(char::is_whitespace) {
                Some((l, t)) if Lang::parse(l).is_ok() => (Lang::parse(l).ok(), t.trim()),
                _ => (None, text.trim()),
            };
            if text.is_empty() {
                return Err("NAME [ru|en] and the reply's text");
            }
            MacroCommand::Add {
                name: name(name_word)?,
                lang,
                text: text.to_string(),
            }
        }
        _ => {
            let ticket = match (rest, thread) {
                ("", Some(t)) => t,
                ("", None) => return Err("a ticket number after the macro's name"),
                (n, _) => {
                    TicketId::parse(n).map_err(|_| "a ticket number after the macro's name")?
                }
            };
            MacroCommand::Send {
                name: name(first)?,
                ticket,
            }
        }
    })
}

/// A macro's name: one word of letters, digits, `-` and `_`, lower case.
fn name(word: &str) -> Result<String, &'static str> {
    let ok = !word.is_empty()
        && word.chars().count() <= MAX_NAME_CHARS
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        && !matches!(word, "add" | "list" | "remove");
    if ok {
        Ok(word.to_lowercase())
    } else {
        Err("a macro's name: one word of letters, digits, - and _")
    }
}

pub(crate) async fn run(a: &mut Acting<'_, '_, '_>, cmd: MacroCommand) -> Done {
    match cmd {
        MacroCommand::List => {
            let all = Store::macros(a.desk.conn).await?;
            a.turn.ack(Ack::Macros { macros: &all });
        }
        MacroCommand::Add { name, lang, text } => {
            admin(a)?;
            let lang = lang
                .or_else(|| Lang::detect(&text))
                .unwrap_or(a.desk.config.default_lang);
            let m = Macro {
                name,
                lang,
                body: text,
            };
            Store::macro_put(a.desk.conn, &m, &a.me.name, a.turn.now).await?;
            a.turn.ack(Ack::MacroSaved {
                name: &m.name,
                lang,
            });
        }
        MacroCommand::Remove(name) => {
            admin(a)?;
            if Store::macro_remove(a.desk.conn, &name).await? == 0 {
                return Err(UserError::NoMacro(name).into());
            }
            a.turn.ack(Ack::MacroRemoved { name: &name });
        }
        MacroCommand::Send { name, ticket } => send(a, &name, ticket).await?,
    }
    Ok(())
}

fn admin(a: &Acting<'_, '_, '_>) -> Done {
    if a.me.role == Role::Admin {
        Ok(())
    } else {
        Err(UserError::AdminOnly(AdminTask::ManageMacros).into())
    }
}

/// The macro as a reply to the requester of `id`: their language's text, else the other.
async fn send(a: &mut Acting<'_, '_, '_>, name: &str, id: TicketId) -> Done {
    let t = a.desk.ticket(id).await?;
    let all = Store::macros(a.desk.conn).await?;
    let texts: Vec<&Macro> = all.iter().filter(|m| m.name == name).collect();
    let chosen = texts
        .iter()
        .find(|m| m.lang == t.lang)
        .or_else(|| texts.first())
        .ok_or_else(|| UserError::NoMacro(name.to_string()))?;
    let requester = Store::person_display(a.desk.conn, t.requester)
        .await?
        .unwrap_or_default();
    let text = fill(&chosen.body, &requester, id, &a.me.name);
    super::reply::reply(a, id, &text, false).await
}

/// The placeholders, filled in.
fn fill(body: &str, name: &str, ticket: TicketId, agent: &str) -> String {
    body.replace("{name}", name)
        .replace("{ticket}", &ticket.to_string())
        .replace("{agent}", agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_commands_parse() {
        let seven = TicketId::parse("7").ok();
        assert_eq!(parse("list", None), Ok(MacroCommand::List));
        assert_eq!(
            parse("add reset ru Сбросьте пароль, {name}.", None),
            Ok(MacroCommand::Add {
                name: "reset".into(),
                lang: Some(Lang::Ru),
                text: "Сбросьте пароль, {name}.".into()
            })
        );
        assert_eq!(
            parse("add reset Try again", None),
            Ok(MacroCommand::Add {
                name: "reset".into(),
                lang: None,
                text: "Try again".into()
            })
        );
        assert_eq!(
            parse("reset 7", None),
            Ok(MacroCommand::Send {
                name: "reset".into(),
                ticket: seven.expect("id")
            })
        );
        assert!(parse("reset", None).is_err());
        assert_eq!(
            parse("Reset", seven),
            Ok(MacroCommand::Send {
                name: "reset".into(),
                ticket: seven.expect("id")
            })
        );
        assert!(parse("add reset", None).is_err());
        assert!(parse("add list some text", None).is_err());
        assert!(parse("", None).is_err());
    }

    #[test]
    fn placeholders_are_filled() {
        let id = TicketId::parse("12").expect("id");
        assert_eq!(
            fill("Hi {name}, {ticket} is done. {agent}", "Uma", id, "anna"),
            "Hi Uma, #12 is done. anna"
        );
    }
}
