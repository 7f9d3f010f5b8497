//! The one table of commands: each command's name, who may use it, its arguments and its
//! help in both languages, declared once. The parsers (`command.rs` for users, `agent.rs`
//! for staff) match on [`Name`] exhaustively, so a command added here without a parser arm
//! fails to compile; `/help`, a ticket thread's implied ticket, Telegram's `setMyCommands`
//! and Discord's slash commands are all built from [`COMMANDS`].

use crate::domain::Lang;

/// Who may use a command. Finer rules (what only admins may do) are the handlers' own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Anyone in a private chat.
    User,
    /// Agents and admins.
    Staff,
}

/// Whether a command is about a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketArg {
    No,
    /// `N` first; in a ticket's thread it may be left out and the thread's ticket is meant.
    Implied,
    /// `N` first, always.
    Required,
}

/// Whether a command takes text after its other arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextArg {
    No,
    Optional,
    Required,
}

/// One command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub name: &'static str,
    pub who: Who,
    pub ticket: TicketArg,
    pub text: TextArg,
    /// The arguments as help shows them ("N text"), empty for none.
    pub usage: &'static str,
    pub en: &'static str,
    pub ru: &'static str,
}

impl Spec {
    /// The help line in `lang`, such as "/status N — the state of ticket N".
    pub fn help(&self, lang: Lang) -> String {
        let usage = if self.usage.is_empty() {
            String::new()
        } else {
            format!(" {}", self.usage)
        };
        format!("/{}{usage} — {}", self.name, self.about(lang))
    }

    /// What it does, in `lang` (the platform menus' description).
    pub fn about(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ru => self.ru,
            Lang::En => self.en,
        }
    }
}

macro_rules! commands {
    ($($variant:ident: $name:literal, $who:ident, $ticket:ident, $text:ident, $usage:literal,
        $en:literal, $ru:literal;)+) => {
        /// Every command's name, as a type: matching on it is exhaustive.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Name {
            $($variant,)+
        }

        /// Every command, in the order help and menus list them.
        pub const COMMANDS: &[Spec] = &[
            $(Spec {
                name: $name,
                who: Who::$who,
                ticket: TicketArg::$ticket,
                text: TextArg::$text,
                usage: $usage,
                en: $en,
                ru: $ru,
            },)+
        ];

        impl Name {
            /// Every name, in [`COMMANDS`] order.
            pub const ALL: &[Name] = &[$(Name::$variant,)+];

            /// The name typed, lower case, without the `/` and any `@bot`; the first entry of
            /// that name.
            pub fn lookup(name: &str) -> Option<Name> {
                COMMANDS.iter().position(|s| s.name == name).map(|i| Name::ALL[i])
            }

            pub fn spec(self) -> &'static Spec {
                // `ALL` and `COMMANDS` are built from the same list, in the same order.
                &COMMANDS[self as usize]
            }
        }
    };
}

commands! {
    // Users.
    Start: "start", User, No, No, "",
        "start", "начать";
    Help: "help", User, No, No, "",
        "this help", "эта справка";
    New: "new", User, No, No, "",
        "a new question or ticket", "новый вопрос или заявка";
    My: "my", User, No, No, "",
        "your tickets", "мои заявки";
    Status: "status", User, Required, No, "N",
        "the state of ticket N", "состояние заявки N";
    Close: "close", User, Required, No, "N",
        "close ticket N", "закрыть заявку N";
    Lang: "lang", User, No, Required, "ru|en",
        "language", "язык";
    Cancel: "cancel", User, No, No, "",
        "cancel the current choice", "отменить текущий выбор";
    Forget: "forget", User, No, No, "",
        "erase my data", "удалить мои данные";
    Join: "join", User, No, Required, "CODE",
        "join your organisation with its code", "вступить в свою организацию по её коду";
    Mute: "mute", User, No, No, "",
        "stop the desk's announcements", "не получать объявления";
    Unmute: "unmute", User, No, No, "",
        "get the desk's announcements again", "снова получать объявления";
    // Staff.
    Queue: "queue", Staff, No, Optional, "[2|3|4] [all]",
        "unclaimed tickets of your lines, most urgent first (all: claimed too)",
        "свободные заявки ваших линий, самые срочные первыми (all: и взятые)";
    Find: "find", Staff, No, Required, "words | @USER | #N",
        "find tickets by their words, requester or number",
        "найти заявки по словам, заявителю или номеру";
    Mine: "mine", Staff, No, No, "",
        "your open tickets, most urgent first", "ваши открытые заявки, самые срочные первыми";
    Claim: "claim", Staff, Implied, No, "N",
        "take ticket N", "взять заявку N";
    Release: "release", Staff, Implied, No, "N",
        "give ticket N back to the queue", "вернуть заявку N в очередь";
    Assign: "assign", Staff, Implied, Required, "N NAME",
        "hand ticket N to a colleague", "передать заявку N коллеге";
    Reply: "reply", Staff, Implied, Required, "N text",
        "answer the requester", "ответить заявителю";
    Ask: "ask", Staff, Implied, Required, "N text",
        "ask the requester (the ticket waits on them)",
        "спросить заявителя (заявка ждёт ответа)";
    Note: "note", Staff, Implied, Required, "N text",
        "an internal note", "внутренняя заметка";
    Priority: "priority", Staff, Implied, Required, "N level reason",
        "change the priority, with a reason", "изменить приоритет, с причиной";
    Type: "type", Staff, Implied, Required, "N type",
        "change the ticket's type", "изменить тип заявки";
    Resolve: "resolve", Staff, Implied, No, "N",
        "resolve; the requester confirms", "решить; заявитель подтверждает";
    Reopen: "reopen", Staff, Implied, No, "N",
        "reopen a resolved ticket", "открыть решённую заявку снова";
    Transcript: "transcript", Staff, Implied, No, "N",
        "the whole thread", "вся переписка";
    Hours: "hours", Staff, Implied, Required, "N hours [note]",
        "bill hours of a paid consultation", "учесть часы платной консультации";
    Answer: "answer", Staff, Implied, Required, "N slug",
        "answer with a knowledge-base article", "ответить статьёй базы знаний";
    Escalate: "escalate", Staff, Implied, Required, "N 2|3|4 reason",
        "to line 3 (developers), 4 (vendors) or back to 2",
        "на линию 3 (разработчики), 4 (поставщик) или обратно на 2";
    Macro: "macro", Staff, No, Required, "NAME N | add NAME [ru|en] text | list | remove NAME",
        "saved replies", "сохранённые ответы";
    Problem: "problem", Staff, No, Required, "new TITLE | update P text | announce P AUDIENCE + text | resolve P text | list | show P",
        "known issues behind many tickets", "известные проблемы за многими заявками";
    Link: "link", Staff, Implied, Required, "N P",
        "link ticket N to known issue P", "привязать заявку N к известной проблеме P";
    Duty: "duty", Staff, No, Optional, "[take [2|3|4]]",
        "who is on duty now and next; take: take the duty now",
        "кто дежурит сейчас и следующим; take: взять дежурство";
    Stats: "stats", Staff, No, Optional, "[agents]",
        "today's counts; agents: each agent's figures (admins)",
        "счётчики за сегодня; agents: показатели агентов (администраторы)";
    Staff: "staff", Staff, No, Optional, "list|add|remove",
        "staff from chat (admins)", "сотрудники из чата (администраторы)";
    Org: "org", Staff, No, Required, "add|list|show|set|member|code|revoke",
        "client organisations (admins)", "организации клиентов (администраторы)";
    Announce: "announce", Staff, No, Required, "AUDIENCE + text | stop | resume N | list",
        "tell users something (admins): all, org KEY, lang, platform, active 30d",
        "объявление пользователям (администраторы): all, org КЛЮЧ, lang, platform, active 30d";
    Kb: "kb", Staff, No, Required, "list|show|add|edit|…",
        "knowledge-base articles", "статьи базы знаний";
    Block: "block", Staff, No, Required, "CHANNEL:ID reason",
        "stop answering a sender (admins)", "перестать отвечать отправителю (администраторы)";
    Unblock: "unblock", Staff, No, Required, "CHANNEL:ID",
        "answer a blocked sender again (admins)", "снова отвечать отправителю (администраторы)";
    // The same name as the users' `/forget`, told apart by its argument: `lookup` gives
    // `Forget`, and the staff parser takes `/forget CHANNEL:ID` as this.
    ForgetPerson: "forget", Staff, No, Required, "CHANNEL:ID",
        "erase a person's data (admins)", "удалить данные человека (администраторы)";
}

/// The commands `who` may use.
pub fn of(who: Who) -> impl Iterator<Item = &'static Spec> {
    COMMANDS.iter().filter(move |s| s.who == who)
}

/// Whether `name` (as typed) is a staff command: a user who types one is told it is for staff.
pub fn is_staff(name: &str) -> bool {
    of(Who::Staff).any(|s| s.name == name)
}

/// `/help` for users in `lang`.
pub fn user_help(lang: Lang) -> String {
    let head = match lang {
        Lang::Ru => "Команды:",
        Lang::En => "Commands:",
    };
    let mut lines = vec![head.to_string()];
    // Start is what opens the chat; help lists itself last, as the way back to this.
    let listed = of(Who::User).filter(|s| s.name != "start" && s.name != "help");
    lines.extend(listed.map(|s| s.help(lang)));
    lines.push(Name::Help.spec().help(lang));
    lines.join("\n")
}

/// `/help` for staff: the users' commands, then the agents' and admins'.
pub fn staff_help(lang: Lang) -> String {
    let head = match lang {
        Lang::Ru => "Команды сотрудников:",
        Lang::En => "Staff commands:",
    };
    let mut lines = vec![user_help(lang), String::new(), head.to_string()];
    lines.extend(of(Who::Staff).map(|s| s.help(lang)));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_its_own_entry_in_order() {
        assert_eq!(Name::ALL.len(), COMMANDS.len());
        for (i, n) in Name::ALL.iter().enumerate() {
            assert_eq!(*n as usize, i);
            let found = Name::lookup(n.spec().name);
            assert!(found == Some(*n) || (*n, found) == (Name::ForgetPerson, Some(Name::Forget)));
        }
    }

    #[test]
    fn entries_fit_both_platforms_menus() {
        for s in COMMANDS {
            let name = s.name;
            // Telegram: 1–32 of a–z, 0–9, _; Discord: the same within 1–32.
            assert!(
                !name.is_empty()
                    && name.len() <= 32
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{name}"
            );
            for d in [s.en, s.ru] {
                // Discord allows 100 characters of description, Telegram 256.
                assert!((3..=100).contains(&d.chars().count()), "{name}: {d}");
            }
        }
    }

    #[test]
    fn staff_and_user_commands_are_told_apart() {
        assert!(is_staff("claim") && is_staff("kb") && is_staff("forget"));
        assert!(!is_staff("status") && !is_staff("frobnicate"));
        assert!(user_help(Lang::En).starts_with("Commands:\n/new — a new question or ticket"));
        assert!(user_help(Lang::Ru).ends_with("/help — эта справка"));
    }
}
