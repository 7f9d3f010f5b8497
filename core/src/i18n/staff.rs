//! What the desk says to staff, in Russian and English: [`Ack`] to the agent who ran a
//! command (in their own language, `/lang`), [`Card`] to the agents' channels (in the
//! desk's `default_lang`: many people read them).

use super::{kind_name, priority_name};
use crate::domain::{
    ArticleKey, ChannelKind, Lang, Line, Priority, ProblemId, Status, Ticket, TicketId, TicketKind,
};
use crate::report::AgentRow;
use crate::store::Erased;
use crate::store::{Macro, Problem, StoredStaff};

/// A status as staff name it ("waiting on the customer", not the requester's "waiting for
/// you").
pub(crate) fn status_name(s: Status, lang: Lang) -> &'static str {
    use Status::*;
    match (lang, s) {
        (Lang::En, New) => "new",
        (Lang::En, InProgress) => "in progress",
        (Lang::En, WaitingOnCustomer) => "waiting on the customer",
        (Lang::En, Resolved) => "resolved",
        (Lang::En, Closed) => "closed",
        (Lang::Ru, New) => "новая",
        (Lang::Ru, InProgress) => "в работе",
        (Lang::Ru, WaitingOnCustomer) => "ждёт клиента",
        (Lang::Ru, Resolved) => "решена",
        (Lang::Ru, Closed) => "закрыта",
    }
}

/// `2h 30m`, `45m`, `3d 4h` (24-hour days); `2 ч 30 мин` in Russian.
pub fn span(ms: i64, lang: Lang) -> String {
    let minutes = ms.max(0).div_euclid(60_000);
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let (dn, hn, mn) = match lang {
        Lang::En => ("d", "h", "m"),
        Lang::Ru => (" д", " ч", " мин"),
    };
    match (d, h, m) {
        (0, 0, m) => format!("{m}{mn}"),
        (0, h, 0) => format!("{h}{hn}"),
        (0, h, m) => format!("{h}{hn} {m}{mn}"),
        (d, 0, _) => format!("{d}{dn}"),
        (d, h, _) => format!("{d}{dn} {h}{hn}"),
    }
}

/// Minutes as hours: `1.50 h`, `2 h`, `1,50 ч`.
fn hours(minutes: i64, lang: Lang) -> String {
    let h = format!("{:.2}", minutes as f64 / 60.0);
    let h = h.strip_suffix(".00").unwrap_or(&h).to_string();
    match lang {
        Lang::En => format!("{h} h"),
        Lang::Ru => format!("{} ч", h.replace('.', ",")),
    }
}

/// Which promise a deadline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    FirstResponse,
    Resolution,
}

fn target_name(t: Target, lang: Lang) -> &'static str {
    match (t, lang) {
        (Target::FirstResponse, Lang::En) => "first response",
        (Target::Resolution, Lang::En) => "resolution",
        (Target::FirstResponse, Lang::Ru) => "первый ответ",
        (Target::Resolution, Lang::Ru) => "решение",
    }
}

/// Time left to a deadline (`⏱ 2h left (by Tue 15:00)`), or how late it is.
pub fn time_left(overdue: bool, span: &str, by: &str, lang: Lang) -> String {
    match (overdue, lang) {
        (true, Lang::En) => format!("🔴 overdue by {span}"),
        (true, Lang::Ru) => format!("🔴 просрочено на {span}"),
        (false, Lang::En) => format!("⏱ {span} left (by {by})"),
        (false, Lang::Ru) => format!("⏱ осталось {span} (до {by})"),
    }
}

/// A card's deadline line: `first response ⏱ 2h left (by Tue 15:00)`.
pub fn deadline_line(target: Target, left: &str, lang: Lang) -> String {
    format!("{} {left}", target_name(target, lang))
}

/// A ticket in one line, for staff: `🔵 #12 incident · high · anna · VPN drops`.
fn ticket_line(t: &Ticket, lang: Lang) -> String {
    let holder = ticket_holder(t, lang);
    format!(
        "{} {} {} · {} · {holder} · {}",
        t.status.emoji(),
        t.id,
        kind_name(t.kind, lang),
        priority_name(t.priority, lang),
        t.subject
    )
}

/// What the knowledge base did before a ticket was registered, for its card.
#[derive(Debug, Clone, Copy)]
pub enum KbNote<'a> {
    /// The article the user was answered with and said did not help.
    Answered(&'a ArticleKey),
    /// The articles offered, none of which helped.
    Suggested(&'a [ArticleKey]),
    NoMatch,
}

/// To the agent who ran a command.
#[derive(Debug)]
pub enum Ack<'a> {
    Claimed {
        ticket: TicketId,
        subject: &'a str,
    },
    ResolveButton,
    Released {
        ticket: TicketId,
    },
    Replied {
        ticket: TicketId,
    },
    Asked {
        ticket: TicketId,
    },
    NoteAdded {
        ticket: TicketId,
    },
    ArticleSent {
        ticket: TicketId,
        slug: &'a str,
    },
    PriorityChanged {
        ticket: TicketId,
        from: Priority,
        to: Priority,
    },
    KindChanged {
        ticket: TicketId,
        from: TicketKind,
        to: TicketKind,
    },
    HoursLogged {
        ticket: TicketId,
        minutes: u32,
        billable: bool,
        note: &'a str,
        total: i64,
        billed: i64,
    },
    Resolved {
        ticket: TicketId,
    },
    Escalated {
        ticket: TicketId,
        from: Line,
        to: Line,
    },
    /// A list of tickets (the unclaimed queue, all open ones, the agent's own), with each
    /// ticket's deadline line.
    Queue {
        listing: Listing,
        tickets: &'a [Ticket],
        left: &'a [Option<String>],
    },
    /// A ticket handed to a colleague.
    Assigned {
        ticket: TicketId,
        to: &'a str,
    },
    /// `/find` found nothing.
    NothingFound {
        query: &'a str,
    },
    /// Who is on duty per line: now (until when) and next (from when).
    Duty {
        rows: &'a [DutyRow],
    },
    DutyTaken {
        line: Line,
        until: &'a str,
    },
    ProblemOpened {
        problem: ProblemId,
        title: &'a str,
    },
    ProblemArticle {
        problem: ProblemId,
        slug: &'a str,
    },
    Linked {
        ticket: TicketId,
        problem: ProblemId,
    },
    /// An update or the fix went to this many linked tickets' requesters.
    ProblemTold {
        problem: ProblemId,
        tickets: usize,
        fixed: bool,
    },
    Problems {
        problems: &'a [Problem],
    },
    ProblemShown {
        problem: &'a Problem,
        tickets: &'a [Ticket],
    },
    /// Each agent's figures over the last `days` days.
    AgentFigures {
        rows: &'a [AgentRow],
        days: i64,
    },
    /// The saved replies, each with its languages.
    Macros {
        macros: &'a [Macro],
    },
    MacroSaved {
        name: &'a str,
        lang: Lang,
    },
    MacroRemoved {
        name: &'a str,
    },
    /// Today's tickets by status and line.
    Today {
        counts: &'a [(Status, i64, i64)],
    },
    /// A ticket in one line (a transcript's head).
    TicketLine {
        ticket: &'a Ticket,
    },
    TranscriptAttached {
        ticket: TicketId,
        entries: usize,
        file: &'a str,
    },
    StaffList {
        staff: &'a [StoredStaff],
    },
    StaffAdded {
        name: &'a str,
        admin: bool,
        channel: ChannelKind,
        id: &'a str,
    },
    StaffRemoved {
        name: &'a str,
    },
    Blocked {
        channel: ChannelKind,
        id: &'a str,
    },
    Unblocked {
        channel: ChannelKind,
        id: &'a str,
        was: bool,
    },
    Forgot {
        channel: ChannelKind,
        id: &'a str,
        erased: Option<&'a Erased>,
    },
}

impl Ack<'_> {
    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let ru = lang == Lang::Ru;
        let pick = |ru_text: String, en_text: String| if ru { ru_text } else { en_text };
        match self {
            Ack::Claimed { ticket, subject } => {
                let e = Status::InProgress.emoji();
                pick(
                    format!("{e} {ticket} теперь ваша: {subject}"),
                    format!("{e} {ticket} is yours: {subject}"),
                )
            }
            Ack::ResolveButton => pick("Решено".into(), "Resolve".into()),
            Ack::Released { ticket } => pick(
                format!("{ticket} снова в очереди."),
                format!("{ticket} is back in the queue."),
            ),
            Ack::Replied { ticket } => pick(
                format!("Отправлено заявителю {ticket}."),
                format!("Sent to the requester of {ticket}."),
            ),
            Ack::Asked { ticket } => {
                let e = Status::WaitingOnCustomer.emoji();
                pick(
                    format!(
                        "Вопрос заявителю {ticket} отправлен; заявка ждёт его ответа ({e}, часы SLA стоят)."
                    ),
                    format!(
                        "Asked the requester of {ticket}; it waits on them ({e} with its clock stopped)."
                    ),
                )
            }
            Ack::NoteAdded { ticket } => pick(
                format!("Заметка добавлена к {ticket} (заявитель её не видит)."),
                format!("Note added to {ticket} (not sent to the requester)."),
            ),
            Ack::ArticleSent { ticket, slug } => pick(
                format!("Статья {slug} отправлена заявителю {ticket}."),
                format!("Article {slug} sent to the requester of {ticket}."),
            ),
            Ack::PriorityChanged { ticket, from, to } => {
                let (f, t) = (priority_name(*from, lang), priority_name(*to, lang));
                pick(
                    format!("{ticket} приоритет: {f} → {t}."),
                    format!("{ticket} priority: {f} -> {t}."),
                )
            }
            Ack::KindChanged { ticket, from, to } => {
                let (f, t) = (kind_name(*from, lang), kind_name(*to, lang));
                pick(
                    format!("{ticket} тип: {f} → {t}."),
                    format!("{ticket} type: {f} -> {t}."),
                )
            }
            Ack::HoursLogged {
                ticket,
                minutes,
                billable,
                note,
                total,
                billed,
            } => {
                let note = if note.is_empty() {
                    String::new()
                } else {
                    format!(": {note}")
                };
                let (total, billed) = (hours(*total, lang), hours(*billed, lang));
                pick(
                    format!(
                        "{ticket}: {minutes} мин{}{note}. Всего {total}, к оплате {billed}.",
                        if *billable { " (к оплате)" } else { "" }
                    ),
                    format!(
                        "{ticket}: {minutes} min{}{note}. Total {total}, billable {billed}.",
                        if *billable { " (billable)" } else { "" }
                    ),
                )
            }
            Ack::Resolved { ticket } => {
                let e = Status::Resolved.emoji();
                pick(
                    format!("{e} {ticket} решена; заявителя просят подтвердить."),
                    format!("{e} {ticket} resolved; the requester is asked to confirm."),
                )
            }
            Ack::Escalated { ticket, from, to } => match (to.get() > from.get(), ru) {
                (true, true) => format!("{ticket} передана на линию {to}."),
                (false, true) => format!("{ticket} возвращена на линию {to}."),
                (true, false) => format!("{ticket} escalated to line {to}."),
                (false, false) => format!("{ticket} sent back to line {to}."),
            },
            Ack::Queue {
                listing,
                tickets,
                left,
            } => queue(*listing, tickets, left, lang),
            Ack::Macros { macros } => macro_list(macros, lang),
            Ack::Duty { rows } => duty_list(rows, lang),
            Ack::DutyTaken { line, until } => pick(
                format!("Вы дежурите на линии {line} до {until}: новые заявки приходят вам."),
                format!("You are on duty for line {line} until {until}: new tickets come to you."),
            ),
            Ack::ProblemOpened { problem, title } => pick(
                format!(
                    "⚠️ Известная проблема {problem} открыта: {title}. Привязать заявку: /link N {problem}."
                ),
                format!(
                    "⚠️ Known issue {problem} opened: {title}. Link tickets with /link N {problem}."
                ),
            ),
            Ack::Linked { ticket, problem } => pick(
                format!("{ticket} привязана к известной проблеме {problem}."),
                format!("{ticket} is linked to known issue {problem}."),
            ),
            Ack::ProblemTold {
                problem,
                tickets,
                fixed: false,
            } => pick(
                format!("Новость по {problem} отправлена заявителям: заявок — {tickets}."),
                format!("The news of {problem} went to the requesters of {tickets} tickets."),
            ),
            Ack::ProblemTold {
                problem,
                tickets,
                fixed: true,
            } => pick(
                format!(
                    "{problem} решена; заявок решено: {tickets}, заявителей просят подтвердить."
                ),
                format!(
                    "{problem} resolved; {tickets} tickets resolved, their requesters are asked to confirm."
                ),
            ),
            Ack::Problems { problems } => problem_list(problems, lang),
            Ack::ProblemArticle { problem, slug } => pick(
                format!(
                    "Обходной путь для {problem}: статья {slug}; её получат заявители, чьи заявки вы привяжете."
                ),
                format!(
                    "{problem}'s workaround is article {slug}: requesters of tickets you link get it."
                ),
            ),
            Ack::ProblemShown { problem, tickets } => {
                let state = match (problem.open, ru) {
                    (true, false) => "open",
                    (false, false) => "resolved",
                    (true, true) => "открыта",
                    (false, true) => "решена",
                };
                let mut lines = vec![format!(
                    "⚠️ {} · {state} · {} · {}",
                    problem.id, problem.author, problem.title
                )];
                lines.extend(tickets.iter().map(|t| ticket_line(t, lang)));
                if tickets.is_empty() {
                    lines.push(pick(
                        "Привязанных заявок нет.".into(),
                        "No tickets linked.".into(),
                    ));
                }
                lines.join("\n")
            }
            Ack::AgentFigures { rows, days } => agent_figures(rows, *days, lang),
            Ack::NothingFound { query } => pick(
                format!("По «{query}» заявок не нашлось."),
                format!("No ticket matches “{query}”."),
            ),
            Ack::MacroSaved { name, lang: l } => pick(
                format!("Сохранённый ответ {name} ({l}) записан. Отправить: /macro {name} N."),
                format!("Macro {name} ({l}) saved. Send it with /macro {name} N."),
            ),
            Ack::MacroRemoved { name } => pick(
                format!("Сохранённый ответ {name} удалён."),
                format!("Macro {name} removed."),
            ),
            Ack::Assigned { ticket, to } => pick(
                format!("{ticket} передана: {to}."),
                format!("{ticket} is now {to}'s."),
            ),
            Ack::Today { counts } => {
                if counts.is_empty() {
                    return pick("Сегодня заявок нет.".into(), "No tickets today.".into());
                }
                let line = pick("линия".into(), "line".into());
                let lines: Vec<String> = counts
                    .iter()
                    // In English the status's code, as reports and exports name it.
                    .map(|(s, l, n)| {
                        let name = if ru {
                            status_name(*s, lang).to_string()
                        } else {
                            s.to_string()
                        };
                        format!("{line} {l} · {} {name}: {n}", s.emoji())
                    })
                    .collect();
                pick(
                    format!("Заявки за сегодня:\n{}", lines.join("\n")),
                    format!("Tickets today:\n{}", lines.join("\n")),
                )
            }
            Ack::TicketLine { ticket } => ticket_line(ticket, lang),
            Ack::TranscriptAttached {
                ticket,
                entries,
                file,
            } => pick(
                format!("Переписка по {ticket}: записей — {entries}, во вложении {file}"),
                format!("Transcript of {ticket}: {entries} entries, attached as {file}"),
            ),
            Ack::StaffList { staff } => staff_list(staff, lang),
            Ack::StaffAdded {
                name,
                admin,
                channel,
                id,
            } => match (ru, admin) {
                (true, true) => format!("{name} теперь администратор ({channel}:{id})."),
                (true, false) => format!("{name} теперь агент ({channel}:{id})."),
                (false, true) => format!("{name} is now an admin ({channel}:{id})."),
                (false, false) => format!("{name} is now an agent ({channel}:{id})."),
            },
            Ack::StaffRemoved { name } => pick(
                format!("{name} больше не сотрудник."),
                format!("{name} is no longer staff."),
            ),
            Ack::Blocked { channel, id } => pick(
                format!("{channel}:{id} заблокирован: его сообщения остаются без ответа."),
                format!("{channel}:{id} is blocked: their messages get no reply."),
            ),
            Ack::Unblocked {
                channel,
                id,
                was: true,
            } => pick(
                format!("{channel}:{id} разблокирован."),
                format!("{channel}:{id} is unblocked."),
            ),
            Ack::Unblocked {
                channel,
                id,
                was: false,
            } => pick(
                format!("{channel}:{id} не был заблокирован."),
                format!("{channel}:{id} was not blocked."),
            ),
            Ack::Forgot {
                channel,
                id,
                erased: Some(e),
            } => pick(
                format!(
                    "Данные {channel}:{id} удалены: учётных записей — {}, сообщений — {}, вопросов — {}; его заявки ({}) остались только номерами.",
                    e.identities, e.messages, e.questions, e.tickets
                ),
                format!(
                    "{channel}:{id} is erased: {} identities, {} messages, {} questions; their {} tickets stay as numbers.",
                    e.identities, e.messages, e.questions, e.tickets
                ),
            ),
            Ack::Forgot {
                channel,
                id,
                erased: None,
            } => pick(
                format!("Никто не известен как {channel}:{id}."),
                format!("Nobody is known as {channel}:{id}."),
            ),
        }
    }
}

/// Which tickets a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Unclaimed,
    /// Open ones, claimed or not: each shows its holder.
    Open,
    Mine,
    /// What `/find` found: each shows its status and holder.
    Found,
}

fn queue(listing: Listing, tickets: &[Ticket], left: &[Option<String>], lang: Lang) -> String {
    let (empty, head) = match (listing, lang) {
        (Listing::Unclaimed, Lang::En) => (
            "The queue is empty.",
            "Unclaimed tickets, most urgent first:",
        ),
        (Listing::Unclaimed, Lang::Ru) => {
            ("Очередь пуста.", "Невзятые заявки, сначала самые срочные:")
        }
        (Listing::Open, Lang::En) => ("No open tickets.", "Open tickets, most urgent first:"),
        (Listing::Open, Lang::Ru) => (
            "Открытых заявок нет.",
            "Открытые заявки, сначала самые срочные:",
        ),
        (Listing::Mine, Lang::En) => (
            "You hold no open tickets.",
            "Your open tickets, most urgent first:",
        ),
        (Listing::Mine, Lang::Ru) => (
            "У вас нет открытых заявок.",
            "Ваши открытые заявки, сначала самые срочные:",
        ),
        (Listing::Found, Lang::En) => ("Nothing found.", "Found, best first:"),
        (Listing::Found, Lang::Ru) => ("Ничего не нашлось.", "Найдено, сначала лучшие:"),
    };
    if tickets.is_empty() {
        return empty.into();
    }
    let lines: Vec<String> = tickets
        .iter()
        .zip(left.iter().chain(std::iter::repeat(&None)))
        .map(|(t, left)| {
            let holder = match listing {
                Listing::Open | Listing::Found => format!(" · {}", ticket_holder(t, lang)),
                Listing::Unclaimed | Listing::Mine => String::new(),
            };
            format!(
                "{} {} {} · {} · {}{holder}{}",
                t.status.emoji(),
                t.id,
                priority_name(t.priority, lang),
                kind_name(t.kind, lang),
                t.subject,
                left.as_deref()
                    .map(|l| format!(" · {l}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    format!("{head}\n{}", lines.join("\n"))
}

fn agent_figures(rows: &[AgentRow], days: i64, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    if rows.is_empty() {
        return if ru {
            format!("За {days} дней агенты заявок не брали.")
        } else {
            format!("No agent worked a ticket in the last {days} days.")
        };
    }
    let min = |m: Option<f64>| match (m, ru) {
        (Some(m), false) => format!("{m:.0} min"),
        (Some(m), true) => format!("{m:.0} мин"),
        (None, _) => "—".into(),
    };
    let mut lines = vec![if ru {
        format!("Агенты за {days} дней (время рабочее):")
    } else {
        format!("Agents, last {days} days (business time):")
    }];
    for r in rows {
        let sla = r
            .sla_met
            .map_or("—".into(), |s| format!("{:.0}%", s * 100.0));
        let csat = r
            .csat_average
            .map_or("—".into(), |c| format!("{c:.2} ({})", r.csat_count));
        lines.push(if ru {
            format!(
                "{} · взято {} · решено {} · первый ответ {} · решение {} · SLA {sla} · оценка {csat} · часы {:.2}",
                r.agent, r.claimed, r.resolved, min(r.median_first_response_min), min(r.median_resolution_min), r.billable_hours
            )
        } else {
            format!(
                "{} · claimed {} · resolved {} · first response {} · resolution {} · SLA met {sla} · CSAT {csat} · hours {:.2}",
                r.agent, r.claimed, r.resolved, min(r.median_first_response_min), min(r.median_resolution_min), r.billable_hours
            )
        });
    }
    lines.join("\n")
}

/// One line's duty, as `/duty` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyRow {
    pub line: Line,
    /// Who, and until when (as people read it).
    pub now: Option<(String, String)>,
    /// Who, and from when.
    pub next: Option<(String, String)>,
}

fn duty_list(rows: &[DutyRow], lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    if rows.is_empty() {
        return if ru {
            "Дежурств нет: в конфигурации нет [[rota]]."
        } else {
            "No duty: the configuration has no [[rota]]."
        }
        .into();
    }
    let mut lines = vec![
        if ru {
            "Дежурства:"
        } else {
            "On duty:"
        }
        .to_string(),
    ];
    for r in rows {
        let now = match (&r.now, ru) {
            (Some((who, until)), false) => format!("{who} until {until}"),
            (Some((who, until)), true) => format!("{who} до {until}"),
            (None, false) => "nobody now".into(),
            (None, true) => "сейчас никто".into(),
        };
        let next = match (&r.next, ru) {
            (Some((who, from)), false) => format!(" · next {who} from {from}"),
            (Some((who, from)), true) => format!(" · далее {who} с {from}"),
            (None, _) => String::new(),
        };
        let line = if ru { "линия" } else { "line" };
        lines.push(format!("{line} {} · {now}{next}", r.line));
    }
    lines.join("\n")
}

fn problem_list(problems: &[Problem], lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    if problems.is_empty() {
        return if ru {
            "Открытых известных проблем нет."
        } else {
            "No open known issues."
        }
        .into();
    }
    let mut lines = vec![
        if ru {
            "Открытые известные проблемы:"
        } else {
            "Open known issues:"
        }
        .to_string(),
    ];
    lines.extend(problems.iter().map(|p| {
        if ru {
            format!("⚠️ {} · заявок: {} · {}", p.id, p.linked, p.title)
        } else {
            format!("⚠️ {} · {} tickets · {}", p.id, p.linked, p.title)
        }
    }));
    lines.join("\n")
}

/// Longest part of a macro's text a list shows.
const MACRO_PREVIEW_CHARS: usize = 60;

fn macro_list(macros: &[Macro], lang: Lang) -> String {
    if macros.is_empty() {
        return match lang {
            Lang::Ru => "Сохранённых ответов нет. /macro add NAME [ru|en] текст — добавить (администраторы).",
            Lang::En => "No macros yet. /macro add NAME [ru|en] text adds one (admins).",
        }
        .into();
    }
    let head = match lang {
        Lang::Ru => "Сохранённые ответы (/macro NAME N — отправить):",
        Lang::En => "Macros (send one with /macro NAME N):",
    };
    let rows: Vec<String> = macros
        .iter()
        .map(|m| {
            let preview: String = m.body.chars().take(MACRO_PREVIEW_CHARS).collect();
            let more = if m.body.chars().count() > MACRO_PREVIEW_CHARS {
                "…"
            } else {
                ""
            };
            format!("{} ({}) · {preview}{more}", m.name, m.lang)
        })
        .collect();
    format!("{head}\n{}", rows.join("\n"))
}

fn staff_list(staff: &[StoredStaff], lang: Lang) -> String {
    let (none, head, lines_word) = match lang {
        Lang::Ru => (
            "Из чата сотрудников не добавляли (остальные — в конфигурации).",
            "Сотрудники, добавленные из чата:",
            "линии",
        ),
        Lang::En => (
            "No staff added from chat (the configuration lists the rest).",
            "Staff added from chat:",
            "lines",
        ),
    };
    if staff.is_empty() {
        return none.into();
    }
    let rows: Vec<String> = staff
        .iter()
        .map(|s| {
            let lines: Vec<String> = s.member.lines.iter().map(|l| l.to_string()).collect();
            let role = match (s.member.role, lang) {
                (crate::staff::Role::Admin, Lang::En) => "Admin",
                (crate::staff::Role::Agent, Lang::En) => "Agent",
                (crate::staff::Role::Admin, Lang::Ru) => "администратор",
                (crate::staff::Role::Agent, Lang::Ru) => "агент",
            };
            format!(
                "{} · {role} · {}:{} · {lines_word} {}",
                s.member.name,
                s.channel,
                s.external_id,
                lines.join(",")
            )
        })
        .collect();
    format!("{head}\n{}", rows.join("\n"))
}

/// To the agents' channels about a ticket.
#[derive(Debug)]
pub enum Card<'a> {
    /// A new ticket: who asked what, and what the knowledge base did.
    New {
        ticket: &'a Ticket,
        requester: &'a str,
        question: &'a str,
        kb: KbNote<'a>,
        /// The help centre's article (slug) the requester read before asking.
        came_from: Option<&'a str>,
        /// The requester's organisation's name.
        org: Option<&'a str>,
        left: Option<&'a str>,
    },
    ClaimButton,
    /// A ticket handed from one agent (or nobody) to another.
    Assigned {
        ticket: TicketId,
        to: &'a str,
        by: &'a str,
    },
    /// At a change of shift, to the person now on duty: the line's open tickets.
    HandOver {
        line: Line,
        who: &'a str,
        tickets: &'a [Ticket],
    },
    /// To an organisation's manager: what concerns it (a critical ticket, a breach).
    ManagerNotice {
        org: &'a str,
        text: &'a str,
    },
    /// To the agent on duty: a new ticket of their line.
    OnDutyNew {
        ticket: TicketId,
        who: &'a str,
        subject: &'a str,
    },
    /// An internal note, for the colleagues in the ticket's thread.
    Note {
        ticket: TicketId,
        by: &'a str,
        text: &'a str,
    },
    /// A requester's follow-up in their ticket.
    Relay {
        ticket: TicketId,
        requester: &'a str,
        text: &'a str,
    },
    PriorityRequest {
        ticket: TicketId,
        requester: &'a str,
    },
    ClosedBy {
        ticket: TicketId,
        requester: &'a str,
    },
    ReopenedBy {
        ticket: TicketId,
        agent: &'a str,
    },
    /// The requester said the resolution did not solve it.
    StillBroken {
        ticket: TicketId,
        assignee: Option<&'a str>,
    },
    Rated {
        ticket: TicketId,
        score: u8,
    },
    Escalated {
        ticket: &'a Ticket,
        to: Line,
        by: &'a str,
        reason: &'a str,
        left: Option<&'a str>,
    },
    /// Closed by the desk after `days` business days waiting on the requester.
    AutoClosed {
        ticket: TicketId,
        days: u32,
    },
    /// Deadlines missed, each with when it was due.
    Breach {
        ticket: &'a Ticket,
        missed: &'a [(Target, String)],
    },
    /// A deadline is near.
    Warning {
        ticket: &'a Ticket,
        target: Target,
        left: &'a str,
    },
}

impl Card<'_> {
    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let ru = lang == Lang::Ru;
        let pick = |ru_text: String, en_text: String| if ru { ru_text } else { en_text };
        match self {
            Card::New {
                ticket,
                requester,
                question,
                kb,
                came_from,
                org,
                left,
            } => new_card(
                ticket,
                requester,
                question,
                (*kb, *came_from, *org),
                *left,
                lang,
            ),
            Card::ClaimButton => pick("Взять".into(), "Claim".into()),
            Card::Relay {
                ticket,
                requester,
                text,
            } => format!("💬 {ticket} {requester}: {text}"),
            Card::Assigned { ticket, to, by } => pick(
                format!("👤 {ticket} передана {to} ({by})"),
                format!("👤 {ticket} handed to {to} by {by}"),
            ),
            Card::HandOver { line, who, tickets } => {
                let mut lines = vec![pick(
                    format!(
                        "🔄 Смена: {who} дежурит на линии {line}. Открытые заявки: {}",
                        tickets.len()
                    ),
                    format!(
                        "🔄 Shift change: {who} is on duty for line {line}. Open tickets: {}",
                        tickets.len()
                    ),
                )];
                lines.extend(tickets.iter().map(|t| ticket_line(t, lang)));
                lines.join("\n")
            }
            Card::ManagerNotice { org, text } => pick(
                format!("👔 {org} (вы её менеджер): {text}"),
                format!("👔 {org} (you manage it): {text}"),
            ),
            Card::OnDutyNew {
                ticket,
                who,
                subject,
            } => pick(
                format!(
                    "🔔 {who}, вы дежурите: новая заявка {ticket}: {subject} (/claim {})",
                    ticket.get()
                ),
                format!(
                    "🔔 {who}, you are on duty: new ticket {ticket}: {subject} (/claim {})",
                    ticket.get()
                ),
            ),
            Card::Note { ticket, by, text } => pick(
                format!("🔒 {ticket} заметка {by} (заявитель не видит):\n{text}"),
                format!("🔒 {ticket} note by {by} (not sent to the requester):\n{text}"),
            ),
            Card::PriorityRequest { ticket, requester } => pick(
                format!(
                    "⚠️ {ticket} {requester} просит повысить приоритет (решите через /priority)"
                ),
                format!(
                    "⚠️ {ticket} {requester} asks for a higher priority (decide with /priority)"
                ),
            ),
            Card::ClosedBy { ticket, requester } => {
                let e = Status::Closed.emoji();
                pick(
                    format!("{e} {ticket} закрыта заявителем: {requester}"),
                    format!("{e} {ticket} closed by {requester}"),
                )
            }
            Card::ReopenedBy { ticket, agent } => {
                let e = Status::InProgress.emoji();
                pick(
                    format!("{e} {ticket} снова открыта: {agent}."),
                    format!("{e} {ticket} reopened by {agent}."),
                )
            }
            Card::StillBroken { ticket, assignee } => {
                let e = Status::InProgress.emoji();
                let who = assignee.map(str::to_string);
                pick(
                    format!(
                        "{e} {ticket} снова открыта заявителем: не решено (обратно к {})",
                        who.clone().unwrap_or_else(|| "линии 2".into())
                    ),
                    format!(
                        "{e} {ticket} reopened by the requester: still broken (back to {})",
                        who.unwrap_or_else(|| "line 2".into())
                    ),
                )
            }
            Card::Rated { ticket, score } => pick(
                format!("⭐ {ticket} оценена на {score}/5"),
                format!("⭐ {ticket} rated {score}/5"),
            ),
            Card::Escalated {
                ticket: t,
                to,
                by,
                reason,
                left,
            } => {
                let up = to.get() > t.line.get();
                let head = match (up, ru) {
                    (true, true) => format!("⬆️ {} передана на линию {to} ({by}): {reason}", t.id),
                    (false, true) => {
                        format!("⬇️ {} возвращена на линию {to} ({by}): {reason}", t.id)
                    }
                    (true, false) => {
                        format!("⬆️ {} escalated to line {to} by {by}: {reason}", t.id)
                    }
                    (false, false) => {
                        format!("⬇️ {} sent back to line {to} by {by}: {reason}", t.id)
                    }
                };
                let mut card = format!(
                    "{head}\n{} {} · {} · {}",
                    t.status.emoji(),
                    kind_name(t.kind, lang),
                    priority_name(t.priority, lang),
                    t.subject
                );
                if let Some(left) = left {
                    card.push_str(&format!("\n{left}"));
                }
                card
            }
            Card::AutoClosed { ticket, days } => {
                let e = Status::Closed.emoji();
                pick(
                    format!(
                        "{e} {ticket} закрылась сама: заявитель не отвечал {days} рабочих дней"
                    ),
                    format!(
                        "{e} {ticket} closed by itself: no answer from the requester for {days} business days"
                    ),
                )
            }
            Card::Breach { ticket: t, missed } => {
                let what: Vec<String> = missed
                    .iter()
                    .map(|(target, due)| match lang {
                        Lang::Ru => format!("{}: срок был {due}", target_name(*target, lang)),
                        Lang::En => format!("{} was due {due}", target_name(*target, lang)),
                    })
                    .collect();
                let head = pick("🔴 Нарушен SLA".into(), "🔴 SLA breach".into());
                let holder = ticket_holder(t, lang);
                format!(
                    "{head} {}: {} · {} · {} · {holder} · {}",
                    t.id,
                    what.join(", "),
                    priority_name(t.priority, lang),
                    kind_name(t.kind, lang),
                    t.subject
                )
            }
            Card::Warning {
                ticket: t,
                target,
                left,
            } => format!(
                "⏰ {}: {} {left} · {} · {}",
                t.id,
                target_name(*target, lang),
                priority_name(t.priority, lang),
                t.subject
            ),
        }
    }
}

fn ticket_holder(t: &Ticket, lang: Lang) -> String {
    match (&t.assignee, lang) {
        (Some(a), _) => a.clone(),
        (None, Lang::En) => "unclaimed".into(),
        (None, Lang::Ru) => "не взята".into(),
    }
}

fn new_card(
    t: &Ticket,
    requester: &str,
    question: &str,
    (kb, came_from, org): (KbNote<'_>, Option<&str>, Option<&str>),
    left: Option<&str>,
    lang: Lang,
) -> String {
    // The whole question only when the subject (its first line, cut) is not all of it.
    let body = if question.trim() == t.subject {
        String::new()
    } else {
        format!("\n\n{question}")
    };
    let kb = match (kb, lang) {
        (KbNote::Answered(a), Lang::En) => format!("answered with {a}, did not help"),
        (KbNote::Answered(a), Lang::Ru) => format!("ответ статьёй {a} не помог"),
        (KbNote::Suggested(keys), lang) => {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            match lang {
                Lang::En => format!("suggested {}, none helped", keys.join(", ")),
                Lang::Ru => format!("предложены {}, ни одна не помогла", keys.join(", ")),
            }
        }
        (KbNote::NoMatch, Lang::En) => "no match".into(),
        (KbNote::NoMatch, Lang::Ru) => "ничего не нашлось".into(),
    };
    let (line, from, kb_head) = match lang {
        Lang::En => ("line", "from", "KB"),
        Lang::Ru => ("линия", "от", "База знаний"),
    };
    let kb = match (came_from, lang) {
        (Some(slug), Lang::En) => format!("came from the help centre, article {slug}; {kb}"),
        (Some(slug), Lang::Ru) => format!("пришёл из центра поддержки, статья {slug}; {kb}"),
        (None, _) => kb,
    };
    let org = org.map_or(String::new(), |o| format!(" · {o}"));
    let mut card = format!(
        "{} {} {} · {}{org} · {} · {line} {}\n{from} {requester}: {}{body}\n{kb_head}: {kb}",
        t.status.emoji(),
        t.id,
        kind_name(t.kind, lang),
        priority_name(t.priority, lang),
        t.lang,
        t.line,
        t.subject
    );
    if let Some(left) = left {
        card.push_str(&format!("\n{left}"));
    }
    card
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_hours_read_in_each_language() {
        assert_eq!(span(150 * 60_000, Lang::En), "2h 30m");
        assert_eq!(span(150 * 60_000, Lang::Ru), "2 ч 30 мин");
        assert_eq!(span(3 * 86_400_000 + 4 * 3_600_000, Lang::En), "3d 4h");
        assert_eq!(hours(90, Lang::En), "1.50 h");
        assert_eq!(hours(90, Lang::Ru), "1,50 ч");
        assert_eq!(hours(120, Lang::En), "2 h");
    }

    #[test]
    fn russian_acks_hold_no_english_words() {
        let id = TicketId::from_db(7);
        let texts = [
            Ack::Released { ticket: id }.text(Lang::Ru),
            Ack::NoteAdded { ticket: id }.text(Lang::Ru),
            Ack::Resolved { ticket: id }.text(Lang::Ru),
            Ack::PriorityChanged {
                ticket: id,
                from: Priority::Normal,
                to: Priority::High,
            }
            .text(Lang::Ru),
            Ack::KindChanged {
                ticket: id,
                from: TicketKind::Question,
                to: TicketKind::Incident,
            }
            .text(Lang::Ru),
            Ack::HoursLogged {
                ticket: id,
                minutes: 90,
                billable: true,
                note: "",
                total: 90,
                billed: 90,
            }
            .text(Lang::Ru),
            Ack::Queue {
                listing: Listing::Unclaimed,
                tickets: &[],
                left: &[],
            }
            .text(Lang::Ru),
            Ack::Queue {
                listing: Listing::Mine,
                tickets: &[],
                left: &[],
            }
            .text(Lang::Ru),
            Ack::Today {
                counts: &[(Status::New, 2, 3)],
            }
            .text(Lang::Ru),
            Card::Rated {
                ticket: id,
                score: 5,
            }
            .text(Lang::Ru),
            Card::AutoClosed {
                ticket: id,
                days: 5,
            }
            .text(Lang::Ru),
        ];
        for t in texts {
            assert!(
                !t.chars().any(|c| c.is_ascii_alphabetic()),
                "English in: {t}"
            );
        }
    }
}
