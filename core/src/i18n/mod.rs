//! Every text the desk says, in Russian and English, in one place.
//!
//! Texts are built here and nowhere else, so a translation is never missing in one language
//! and a wording is changed once.

use crate::domain::{Lang, Priority, Status, Ticket, TicketId, TicketKind};
use crate::error::UserError;

pub mod announce;
pub mod kb;
pub mod org;
pub mod staff;
pub mod web;

/// Whole messages that are conversation, not a question ([`crate::small_talk`]), as
/// [`crate::small_talk::normalize`] writes them. A message made only of these (one after
/// another: "hi thanks") is answered as conversation.
#[rustfmt::skip]
pub const SMALL_TALK: &[(&str, crate::small_talk::SmallTalk)] = {
    use crate::small_talk::SmallTalk::{Ack, Greeting, Presence, Thanks};
    &[
        // English
        ("hi", Greeting), ("hello", Greeting), ("hey", Greeting), ("hiya", Greeting),
        ("hi there", Greeting), ("hello there", Greeting), ("hey there", Greeting),
        ("good morning", Greeting), ("good afternoon", Greeting), ("good evening", Greeting),
        ("good day", Greeting), ("morning", Greeting), ("greetings", Greeting), ("yo", Greeting),
        ("hello everyone", Greeting), ("hi all", Greeting), ("hi team", Greeting),
        ("thanks", Thanks), ("thank you", Thanks), ("thx", Thanks), ("ty", Thanks),
        ("thanks a lot", Thanks), ("many thanks", Thanks), ("thank you very much", Thanks),
        ("thank you so much", Thanks), ("thanks so much", Thanks), ("cheers", Thanks),
        ("much appreciated", Thanks), ("great", Ack), ("perfect", Ack), ("awesome", Ack),
        ("it worked", Thanks), ("that worked", Thanks), ("that helped", Thanks),
        ("anyone there", Presence), ("is anyone there", Presence), ("anybody there", Presence),
        ("is anybody there", Presence), ("are you there", Presence), ("you there", Presence),
        ("is somebody there", Presence), ("is someone there", Presence), ("hello anyone", Presence),
        ("are you a bot", Presence), ("is this a bot", Presence), ("is this working", Presence),
        ("ok", Ack), ("okay", Ack), ("k", Ack), ("kk", Ack), ("got it", Ack), ("i see", Ack),
        ("alright", Ack), ("all right", Ack), ("fine", Ack), ("sure", Ack), ("yes", Ack),
        ("no", Ack), ("yep", Ack), ("nope", Ack), ("understood", Ack), ("cool", Ack),
        ("nice", Ack), ("noted", Ack), ("please", Ack), ("bye", Ack), ("goodbye", Ack),
        // Russian
        ("привет", Greeting), ("приветик", Greeting), ("здравствуйте", Greeting),
        ("здравствуй", Greeting), ("здрасте", Greeting), ("здрасьте", Greeting),
        ("добрый день", Greeting), ("доброе утро", Greeting), ("добрый вечер", Greeting),
        ("доброго дня", Greeting), ("приветствую", Greeting), ("хай", Greeting),
        ("салют", Greeting), ("всем привет", Greeting), ("добрый", Greeting),
        ("спасибо", Thanks), ("спс", Thanks), ("благодарю", Thanks), ("спасибо большое", Thanks),
        ("большое спасибо", Thanks), ("огромное спасибо", Thanks), ("спасибо огромное", Thanks),
        ("благодарю вас", Thanks), ("сработало", Thanks), ("помогло", Thanks),
        ("есть кто", Presence), ("есть кто-нибудь", Presence), ("есть кто-то", Presence),
        ("есть кто живой", Presence), ("кто-нибудь здесь", Presence), ("вы тут", Presence),
        ("вы здесь", Presence), ("ау", Presence), ("алло", Presence), ("это бот", Presence),
        ("ты бот", Presence), ("вы бот", Presence),
        ("ок", Ack), ("окей", Ack), ("хорошо", Ack), ("понятно", Ack), ("ясно", Ack),
        ("ладно", Ack), ("угу", Ack), ("ага", Ack), ("да", Ack), ("нет", Ack), ("понял", Ack),
        ("поняла", Ack), ("отлично", Ack), ("супер", Ack), ("пожалуйста", Ack), ("пока", Ack),
        ("до свидания", Ack), ("принято", Ack),
    ]
};

/// Politeness and filler around a question, left out before it is searched (with the
/// greetings and thanks of [`SMALL_TALK`]).
#[rustfmt::skip]
pub const FILLER_PHRASES: &[&str] = &[
    "please", "pls", "plz", "can you help", "can you help me", "could you help",
    "could you help me", "can anyone help", "can someone help", "help me", "help",
    "i have a question", "quick question", "a question", "question", "sorry to bother you",
    "sorry", "excuse me", "hey guys", "hi guys", "hello guys", "team", "folks", "everyone",
    "thanks in advance", "thank you in advance", "in advance",
    "подскажите", "подскажите пожалуйста", "пожалуйста", "помогите", "помогите пожалуйста",
    "скажите", "скажите пожалуйста", "у меня вопрос", "вопрос", "извините", "простите",
    "коллеги", "ребята", "заранее спасибо", "спасибо заранее", "будьте добры",
];

/// Asking for a person, found anywhere in a short message.
#[rustfmt::skip]
pub const OPERATOR_PHRASES: &[&str] = &[
    "operator", "a human", "human please", "real person", "live agent", "live person",
    "talk to someone", "speak to someone", "talk to a person", "speak to a person",
    "talk to an agent", "speak to an agent", "talk to support", "human being",
    "оператор", "оператора", "оператором", "живой человек", "живого человека",
    "с человеком", "позовите человека", "с сотрудником", "со специалистом",
    "позовите специалиста",
];

/// What the bot can say.
#[derive(Debug)]
pub enum Msg<'a> {
    Welcome,
    /// A partner's client asked for a consultation: the partner serves those.
    PartnerReferral {
        org: &'a str,
        partner: &'a str,
    },
    /// `/start kb-SLUG`: they read this article in the help centre and still need help.
    CameFromArticle {
        title: &'a str,
    },
    Help,
    /// In a group that is not the staff's: the desk talks only in private.
    PrivateOnly,
    /// A sticker, a location, a contact…: what the desk can read instead.
    Unsupported,
    /// The user's `/forget`: what will be erased, and the button that does it.
    ForgetConfirm,
    ForgetButton,
    /// Done: the user's data is erased.
    Forgotten,
    /// More messages in a minute than the limit: one notice, nothing else done.
    SlowDown,
    /// Small talk answered as such.
    TalkGreeting,
    TalkPresence,
    TalkAck,
    /// An answer from the knowledge base: title, snippet.
    Answer {
        title: &'a str,
        snippet: &'a str,
    },
    HelpedButton,
    NotHelpedButton,
    GladItHelped,
    Suggestions,
    NoneOfTheseButton,
    /// Why a ticket is proposed, and the question of its kind.
    AskKind {
        after_no_match: bool,
    },
    KindName(TicketKind),
    PriorityName(Priority),
    StatusName(Status),
    /// Registration done.
    Registered {
        ticket: &'a Ticket,
        /// The promised first response, as the user reads it ("Tue 11:30").
        answer_by: Option<&'a str>,
        /// Outside business hours with nobody on duty: when the desk opens.
        opens: Option<&'a str>,
    },
    AddedToTicket(TicketId),
    PriorityRequestNoted(TicketId),
    NewQuestionPrompt,
    MyTickets {
        tickets: &'a [Ticket],
        /// The organisation they belong to.
        org: Option<&'a str>,
    },
    TicketStatus {
        ticket: &'a Ticket,
    },
    ClosedByYou(TicketId),
    LangSet,
    Cancelled,
    Error(&'a UserError),
    Internal,
    /// To the requester: an agent took the ticket.
    TookYourTicket {
        ticket: TicketId,
        agent: &'a str,
    },
    /// To the requester: an agent's reply.
    AgentReply {
        ticket: TicketId,
        agent: &'a str,
        text: &'a str,
    },
    /// To the requester: the priority changed, and why.
    /// To the requester: when to expect an answer (`first`) or a solution.
    Deadline {
        at: &'a str,
        first: bool,
    },
    PriorityChanged {
        ticket: TicketId,
        priority: Priority,
        reason: &'a str,
    },
    /// To the requester: the ticket is resolved; is it solved?
    ResolvedAsk {
        ticket: TicketId,
    },
    SolvedYes,
    SolvedNo,
    /// To the requester after they confirmed: closed, and how did we do?
    ClosedRate {
        ticket: TicketId,
    },
    ThanksForRating,
    /// After a rating: a comment, if they like.
    AskComment,
    NoCommentButton,
    CommentSaved,
    /// To the requester: it is being worked on again.
    Reopened {
        ticket: TicketId,
    },
    /// To the requester: the ticket went to another line.
    Escalated {
        ticket: TicketId,
        line: crate::domain::Line,
    },
    /// To the requester: an article sent by an agent as the answer.
    ArticleAnswer {
        ticket: TicketId,
        agent: &'a str,
        title: &'a str,
        body: &'a str,
    },
    /// To the requester: the ticket waits for them and will close by itself at `at`.
    CloseReminder {
        ticket: TicketId,
        resolved: bool,
        at: &'a str,
    },
    /// To the requester: closed after `days` business days without an answer; rate us.
    AutoClosed {
        ticket: TicketId,
        days: u32,
    },
    /// To the requester: an agent's question; the ticket now waits for their answer.
    /// A question matched to a known issue: it is being worked on; join it?
    KnownIssue {
        title: &'a str,
    },
    JoinProblemButton,
    NotMyProblemButton,
    /// The user's ticket joined the known issue.
    JoinedProblem {
        ticket: TicketId,
    },
    /// To the requester of a ticket just linked to a known issue: its workaround.
    Workaround {
        ticket: TicketId,
        issue: &'a str,
        title: &'a str,
        body: &'a str,
    },
    /// To the requester of a ticket linked to a known issue: news of it.
    ProblemUpdate {
        ticket: TicketId,
        title: &'a str,
        text: &'a str,
    },
    /// To the requester: the known issue behind their ticket is fixed.
    ProblemFixed {
        ticket: TicketId,
        title: &'a str,
        text: &'a str,
    },
    AgentAsks {
        ticket: TicketId,
        agent: &'a str,
        text: &'a str,
    },
}

pub(crate) fn kind_name(k: TicketKind, lang: Lang) -> &'static str {
    use TicketKind::*;
    match (lang, k) {
        (Lang::En, Incident) => "incident",
        (Lang::En, Consultation) => "paid consultation",
        (Lang::En, AccessRequest) => "access request",
        (Lang::En, LicenceKey) => "licence key",
        (Lang::En, Update) => "update",
        (Lang::En, Wish) => "wish",
        (Lang::En, Question) => "question",
        (Lang::Ru, Incident) => "инцидент",
        (Lang::Ru, Consultation) => "платная консультация",
        (Lang::Ru, AccessRequest) => "запрос доступа",
        (Lang::Ru, LicenceKey) => "лицензионный ключ",
        (Lang::Ru, Update) => "обновление",
        (Lang::Ru, Wish) => "пожелание",
        (Lang::Ru, Question) => "вопрос",
    }
}

pub(crate) fn priority_name(p: Priority, lang: Lang) -> &'static str {
    use Priority::*;
    match (lang, p) {
        (Lang::En, Low) => "low",
        (Lang::En, Normal) => "normal",
        (Lang::En, High) => "high",
        (Lang::En, Critical) => "critical",
        (Lang::Ru, Low) => "низкий",
        (Lang::Ru, Normal) => "обычный",
        (Lang::Ru, High) => "высокий",
        (Lang::Ru, Critical) => "критический",
    }
}

pub(crate) fn status_name(s: Status, lang: Lang) -> String {
    use Status::*;
    let name = match (lang, s) {
        (Lang::En, New) => "new",
        (Lang::En, InProgress) => "in progress",
        (Lang::En, WaitingOnCustomer) => "waiting for you",
        (Lang::En, Resolved) => "resolved",
        (Lang::En, Closed) => "closed",
        (Lang::Ru, New) => "новая",
        (Lang::Ru, InProgress) => "в работе",
        (Lang::Ru, WaitingOnCustomer) => "ждёт вашего ответа",
        (Lang::Ru, Resolved) => "решена",
        (Lang::Ru, Closed) => "закрыта",
    };
    format!("{} {name}", s.emoji())
}

fn ticket_line(t: &Ticket, lang: Lang) -> String {
    format!(
        "{} {} · {} · {}",
        t.id,
        status_name(t.status, lang),
        kind_name(t.kind, lang),
        t.subject
    )
}

impl Msg<'_> {
    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let ru = lang == Lang::Ru;
        match self {
            Msg::Welcome => if ru {
                "Здравствуйте! Я бот поддержки. Опишите вопрос своими словами — я поищу ответ в базе знаний, а если не найду, оформлю заявку.\n\n".to_string() + &Msg::Help.text(lang)
            } else {
                "Hello! I am the support bot. Describe your question in your own words: I will look for an answer in the knowledge base, and if there is none, register a ticket.\n\n".to_string() + &Msg::Help.text(lang)
            },
            Msg::PartnerReferral { org, partner } => if ru {
                format!("Консультации для {org} оказывает ваш партнёр — {partner}. Обратитесь к нему: заявка передана и ему.")
            } else {
                format!("Consultations for {org} are given by your partner, {partner}. Please contact them: the ticket has been passed to them too.")
            },
            Msg::CameFromArticle { title } => if ru {
                format!("Здравствуйте! Вы пришли из центра поддержки, со статьи «{title}». Напишите, на что она не ответила: я поищу ещё, а если не найду, оформлю заявку, и агент будет знать, что вы уже прочли.")
            } else {
                format!("Hello! You came from the help centre's article “{title}”. Write what it did not answer: I will look further, and if there is nothing, register a ticket, and the agent will know what you have already read.")
            },
            Msg::Help => crate::commands::user_help(lang),
            Msg::PrivateOnly => if ru {
                "Я отвечаю только в личных сообщениях, чтобы ваши вопросы и заявки не видели другие. Напишите мне в личный чат."
            } else {
                "I answer in private messages only, so nobody else sees your questions and tickets. Write to me in a private chat."
            }.into(),
            Msg::Unsupported => if ru {
                "Я понимаю текст, фотографии и файлы. Опишите вопрос словами."
            } else {
                "I can read text, photos and files. Please describe your question in words."
            }.into(),
            Msg::ForgetConfirm => if ru {
                "Удалить ваши данные? Я сотру ваше имя, ваши сообщения и вопросы и забуду ваш аккаунт; заявки останутся только как номера для отчётов. Это нельзя отменить. Если передумали — просто не нажимайте кнопку."
            } else {
                "Erase your data? I will erase your name, your messages and questions, and forget your account; your tickets stay only as numbers for the reports. This cannot be undone. If you change your mind, just do not press the button."
            }.into(),
            Msg::ForgetButton => if ru { "Удалить мои данные" } else { "Erase my data" }.into(),
            Msg::Forgotten => if ru {
                "Готово: ваши данные удалены. Если напишете снова, я начну с чистого листа."
            } else {
                "Done: your data is erased. If you write again, I will start afresh."
            }.into(),
            Msg::TalkGreeting => if ru {
                "Здравствуйте! Опишите, что случилось, в одном-двух предложениях — я поищу ответ, а если не найду, оформлю заявку."
            } else {
                "Hello! Tell me what is wrong in a sentence or two: I will look for an answer, and if there is none, register a ticket."
            }.into(),
            Msg::TalkPresence => if ru {
                "Да, я здесь — это бот поддержки. Опишите проблему, и я поищу ответ или передам её специалисту."
            } else {
                "Yes, I am here: this is the support bot. Describe the problem and I will look for an answer or pass it to an agent."
            }.into(),
            Msg::TalkAck => if ru {
                "👍 Если появится вопрос — просто напишите его."
            } else {
                "👍 If you have a question, just write it."
            }.into(),
            Msg::SlowDown => if ru {
                "Слишком много сообщений подряд. Подождите минуту и напишите снова — всё, что пришло сейчас, я не обработаю."
            } else {
                "That is too many messages at once. Please wait a minute and write again: I will not act on the ones sent just now."
            }.into(),
            Msg::Answer { title, snippet } => if ru {
                format!("📄 {title}\n\n{snippet}\n\nЭто помогло?")
            } else {
                format!("📄 {title}\n\n{snippet}\n\nDid this help?")
            },
            Msg::HelpedButton => if ru { "Помогло" } else { "Helped" }.into(),
            Msg::NotHelpedButton => if ru { "Не помогло" } else { "Not helped" }.into(),
            Msg::GladItHelped => if ru {
                "Рад, что помогло! Если появится новый вопрос — просто напишите."
            } else {
                "Glad it helped! If you have another question, just write."
            }.into(),
            Msg::Suggestions => if ru {
                "Возможно, вам подойдёт одна из этих статей:"
            } else {
                "One of these articles may help:"
            }.into(),
            Msg::NoneOfTheseButton => if ru { "Ничего из этого" } else { "None of these" }.into(),
            Msg::AskKind { after_no_match } => match (ru, after_no_match) {
                (true, true) => "В базе знаний нет ответа на этот вопрос. Оформлю заявку — какого она типа? (предполагаемый тип отмечен ✓)",
                (true, false) => "Оформлю заявку. Какого она типа? (предполагаемый тип отмечен ✓)",
                (false, true) => "The knowledge base has no answer to this. I will register a ticket — what kind of request is it? (my guess is marked ✓)",
                (false, false) => "I will register a ticket. What kind of request is it? (my guess is marked ✓)",
            }.into(),
            Msg::KindName(k) => kind_name(*k, lang).into(),
            Msg::PriorityName(p) => priority_name(*p, lang).into(),
            Msg::StatusName(s) => status_name(*s, lang),
            Msg::Registered { ticket: t, answer_by, opens } => if ru {
                format!(
                    "Заявка {} зарегистрирована.\nТип: {}\nПриоритет: {}\nСтатус: {}{}\n\nЧто дальше: специалист второй линии возьмёт её в работу, его ответы придут сюда. Всё, что вы напишете сейчас, попадёт в эту заявку. /status {} — состояние, /new — другой вопрос.",
                    t.id, kind_name(t.kind, lang), priority_name(t.priority, lang), status_name(t.status, lang),
                    answer_by.map(|a| format!("\nОтветим до: {a}")).unwrap_or_default()
                        + &opens.map(|o| format!("\nСейчас мы не работаем; специалист ответит с {o}.")).unwrap_or_default(),
                    t.id.get()
                )
            } else {
                format!(
                    "Ticket {} is registered.\nType: {}\nPriority: {}\nStatus: {}{}\n\nWhat happens next: an agent of line 2 will take it, and their replies will come here. Anything you write now goes into this ticket. /status {} shows its state, /new starts another question.",
                    t.id, kind_name(t.kind, lang), priority_name(t.priority, lang), status_name(t.status, lang),
                    answer_by.map(|a| format!("\nWe will answer by {a}.")).unwrap_or_default()
                        + &opens.map(|o| format!("\nWe are closed now; an agent will answer from {o}.")).unwrap_or_default(),
                    t.id.get()
                )
            },
            Msg::AddedToTicket(id) => if ru {
                format!("Добавлено в заявку {id}.")
            } else {
                format!("Added to ticket {id}.")
            },
            Msg::PriorityRequestNoted(id) => if ru {
                format!("Просьба о срочности записана в заявку {id}. Приоритет решает специалист по вашему описанию.")
            } else {
                format!("Your request for urgency is recorded in ticket {id}. An agent decides the priority from your description.")
            },
            Msg::NewQuestionPrompt => if ru {
                "Слушаю: опишите новый вопрос."
            } else {
                "I am listening: describe your new question."
            }.into(),
            Msg::MyTickets { tickets, org } => {
                let org = org.map_or(String::new(), |o| if ru {
                    format!("Организация: {o}\n")
                } else {
                    format!("Organisation: {o}\n")
                });
                if tickets.is_empty() {
                    return org + if ru { "У вас пока нет заявок." } else { "You have no tickets yet." };
                }
                let head = if ru { "Ваши заявки:" } else { "Your tickets:" };
                let lines: Vec<String> = tickets.iter().map(|t| ticket_line(t, lang)).collect();
                format!("{org}{head}\n{}", lines.join("\n"))
            }
            Msg::TicketStatus { ticket: t } => if ru {
                format!(
                    "Заявка {}: {}\nТип: {}\nПриоритет: {}\nСтатус: {}{}",
                    t.id, t.subject, kind_name(t.kind, lang), priority_name(t.priority, lang), status_name(t.status, lang),
                    t.assignee.as_deref().map(|a| format!("\nСпециалист: {a}")).unwrap_or_default()
                )
            } else {
                format!(
                    "Ticket {}: {}\nType: {}\nPriority: {}\nStatus: {}{}",
                    t.id, t.subject, kind_name(t.kind, lang), priority_name(t.priority, lang), status_name(t.status, lang),
                    t.assignee.as_deref().map(|a| format!("\nAgent: {a}")).unwrap_or_default()
                )
            },
            Msg::ClosedByYou(id) => if ru {
                format!("Заявка {id} закрыта. Спасибо!")
            } else {
                format!("Ticket {id} is closed. Thank you!")
            },
            Msg::LangSet => if ru { "Язык: русский." } else { "Language: English." }.into(),
            Msg::Cancelled => if ru { "Отменено." } else { "Cancelled." }.into(),
            Msg::Error(e) => user_error(e, lang),
            Msg::Internal => if ru {
                "Внутренняя ошибка — мы уже разбираемся. Попробуйте ещё раз чуть позже."
            } else {
                "An internal error occurred — we are looking into it. Please try again a little later."
            }.into(),
            Msg::TookYourTicket { ticket, agent } => if ru {
                format!("{agent} взял(а) вашу заявку {ticket} в работу.")
            } else {
                format!("{agent} has taken your ticket {ticket}.")
            },
            Msg::AgentReply { ticket, agent, text } => format!("💬 {ticket} · {agent}:\n{text}"),
            Msg::Deadline { at, first: true } => if ru {
                format!("Ответим до: {at}.")
            } else {
                format!("We will answer by {at}.")
            },
            Msg::Deadline { at, first: false } => if ru {
                format!("Решить планируем до: {at}.")
            } else {
                format!("We aim to solve it by {at}.")
            },
            Msg::PriorityChanged { ticket, priority, reason } => if ru {
                format!("Приоритет заявки {ticket}: {}. Причина: {reason}", priority_name(*priority, lang))
            } else {
                format!("The priority of ticket {ticket} is now {}: {reason}", priority_name(*priority, lang))
            },
            Msg::ResolvedAsk { ticket } => if ru {
                format!("{} Заявка {ticket} решена. Проблема устранена?", Status::Resolved.emoji())
            } else {
                format!("{} Ticket {ticket} is resolved. Is the problem solved?", Status::Resolved.emoji())
            },
            Msg::SolvedYes => if ru { "Да, решено" } else { "Yes, solved" }.into(),
            Msg::SolvedNo => if ru { "Нет, не работает" } else { "No, still broken" }.into(),
            Msg::ClosedRate { ticket } => if ru {
                format!("{} Заявка {ticket} закрыта. Оцените, пожалуйста, нашу работу от 1 до 5.", Status::Closed.emoji())
            } else {
                format!("{} Ticket {ticket} is closed. Please rate our help from 1 to 5.", Status::Closed.emoji())
            },
            Msg::ThanksForRating => if ru { "Спасибо за оценку!" } else { "Thank you for your rating!" }.into(),
            Msg::AskComment => if ru {
                "Спасибо за оценку! Если хотите, напишите комментарий следующим сообщением."
            } else {
                "Thank you for your rating! If you like, write a comment in your next message."
            }.into(),
            Msg::NoCommentButton => if ru { "Без комментария" } else { "No comment" }.into(),
            Msg::CommentSaved => if ru { "Комментарий сохранён. Спасибо!" } else { "Your comment is saved. Thank you!" }.into(),
            Msg::Reopened { ticket } => if ru {
                format!("{} Заявка {ticket} снова в работе.", Status::InProgress.emoji())
            } else {
                format!("{} Ticket {ticket} is being worked on again.", Status::InProgress.emoji())
            },
            Msg::Escalated { ticket, line } => match (ru, line.get()) {
                (true, 4) => format!("Заявка {ticket} передана поставщику (линия 4). Мы следим за ней и сообщим ответ."),
                (true, 2) => format!("Заявка {ticket} вернулась к специалистам поддержки (линия 2). Ответ придёт сюда."),
                (true, _) => format!("Заявка {ticket} передана разработчикам (линия 3). Ответ придёт сюда."),
                (false, 4) => format!("Ticket {ticket} went to the vendor (line 4). We track it and will tell you the answer."),
                (false, 2) => format!("Ticket {ticket} is back with the support team (line 2). Their answer will come here."),
                (false, _) => format!("Ticket {ticket} went to the developers (line 3). Their answer will come here."),
            },
            Msg::ArticleAnswer { ticket, agent, title, body } => format!("💬 {ticket} · {agent}:\n📄 {title}\n\n{body}"),
            Msg::CloseReminder { ticket, resolved: true, at } => if ru {
                format!("Заявка {ticket} решена и ждёт вашего подтверждения. Если ответа не будет, она закроется сама: {at}.")
            } else {
                format!("Ticket {ticket} is resolved and waits for you to confirm it. Without an answer it closes by itself on {at}.")
            },
            Msg::CloseReminder { ticket, resolved: false, at } => if ru {
                format!("Заявка {ticket} ждёт вашего ответа. Если ответа не будет, она закроется сама: {at}. Просто напишите сюда, чтобы продолжить.")
            } else {
                format!("Ticket {ticket} is waiting for your answer. Without one it closes by itself on {at}. Just write here to go on.")
            },
            Msg::AutoClosed { ticket, days } => if ru {
                format!("{} Заявка {ticket} закрыта: ответа не было {days} рабочих дней. Если вопрос остался, напишите — откроем новую. Оцените, пожалуйста, помощь от 1 до 5.", Status::Closed.emoji())
            } else {
                format!("{} Ticket {ticket} is closed: there was no answer for {days} business days. If the problem remains, just write and we will open a new one. Please rate our help from 1 to 5.", Status::Closed.emoji())
            },
            Msg::KnownIssue { title } => if ru {
                format!("⚠️ Похоже, это известная проблема, над которой мы уже работаем: «{title}». Присоединитесь — и мы сообщим, когда её устраним.")
            } else {
                format!("⚠️ This looks like a known issue we are already working on: “{title}”. Join it and we will tell you when it is fixed.")
            },
            Msg::JoinProblemButton => if ru { "Присоединиться" } else { "Join it" }.into(),
            Msg::NotMyProblemButton => if ru { "У меня другое" } else { "Not my problem" }.into(),
            Msg::JoinedProblem { ticket } => if ru {
                format!("Заявка {ticket} присоединена к известной проблеме: сообщим, когда её устраним.")
            } else {
                format!("Ticket {ticket} joined the known issue: we will tell you when it is fixed.")
            },
            Msg::Workaround { ticket, issue, title, body } => if ru {
                format!("ℹ️ {ticket} — это известная проблема «{issue}», мы над ней работаем. Пока можно так:\n📄 {title}\n\n{body}")
            } else {
                format!("ℹ️ {ticket} is the known issue “{issue}”, which we are working on. Meanwhile:\n📄 {title}\n\n{body}")
            },
            Msg::ProblemUpdate { ticket, title, text } => if ru {
                format!("ℹ️ {ticket}: новости по известной проблеме «{title}»:\n{text}")
            } else {
                format!("ℹ️ {ticket}: news of the known issue “{title}”:\n{text}")
            },
            Msg::ProblemFixed { ticket, title, text } => if ru {
                format!("✅ {ticket}: известная проблема «{title}» устранена:\n{text}")
            } else {
                format!("✅ {ticket}: the known issue “{title}” is fixed:\n{text}")
            },
            Msg::AgentAsks { ticket, agent, text } => if ru {
                format!("{} {ticket} · {agent} спрашивает:\n{text}\n\nОтветьте сюда: заявка ждёт вашего ответа.", Status::WaitingOnCustomer.emoji())
            } else {
                format!("{} {ticket} · {agent} asks:\n{text}\n\nAnswer here: the ticket waits for your answer.", Status::WaitingOnCustomer.emoji())
            },
        }
    }
}

fn admin_only(task: crate::error::AdminTask, lang: Lang) -> String {
    use crate::error::AdminTask::*;
    let what = match (task, lang) {
        (ManageStaff, Lang::En) => "manage staff",
        (ManageOrgs, Lang::En) => "manage organisations",
        (ManageOrgs, Lang::Ru) => "управлять организациями",
        (Announce, Lang::En) => "send announcements",
        (Announce, Lang::Ru) => "рассылать объявления",
        (Block, Lang::En) => "block senders",
        (Unblock, Lang::En) => "unblock senders",
        (Forget, Lang::En) => "erase a person's data",
        (ChangeArticles, Lang::En) => "change knowledge-base articles",
        (ManageMacros, Lang::En) => "change saved replies",
        (SeeAgentFigures, Lang::En) => "see each agent's figures",
        (SeeAgentFigures, Lang::Ru) => "видеть показатели агентов",
        (ManageMacros, Lang::Ru) => "менять сохранённые ответы",
        (ManageStaff, Lang::Ru) => "управлять сотрудниками",
        (Block, Lang::Ru) => "блокировать отправителей",
        (Unblock, Lang::Ru) => "разблокировать отправителей",
        (Forget, Lang::Ru) => "стирать данные человека",
        (ChangeArticles, Lang::Ru) => "менять статьи базы знаний",
    };
    match lang {
        Lang::En => format!("Only admins {what}."),
        Lang::Ru => format!("Только администраторы могут {what}."),
    }
}

fn user_error(e: &UserError, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let pick = |ru_text: String, en_text: String| if ru { ru_text } else { en_text };
    match e {
        UserError::BadTicketNumber(s) => {
            if ru {
                format!("«{s}» — не номер заявки. Пример: /status 12")
            } else {
                format!("“{s}” is not a ticket number. Example: /status 12")
            }
        }
        UserError::BadLine(n) => {
            if ru {
                format!("Линии {n} нет: есть 1–4.")
            } else {
                format!("There is no line {n}: lines are 1–4.")
            }
        }
        UserError::UnknownCommand(c) => {
            if ru {
                format!("Не знаю команду /{c}. /help — список команд.")
            } else {
                format!("I do not know the command /{c}. /help lists the commands.")
            }
        }
        UserError::MissingArgument { command, what } => {
            if ru {
                // `what` is English: in Russian, the command's usage from the table says it.
                match crate::commands::Name::lookup(command).map(|n| n.spec()) {
                    Some(spec) => format!(
                        "Команде /{command} нужны аргументы: /{command} {} ({}).",
                        spec.usage, spec.ru
                    ),
                    None => format!("Команде /{command} не хватает аргументов: /help — справка."),
                }
            } else {
                format!("/{command} needs {what}.")
            }
        }
        UserError::NoSuchTicket(id) => {
            if ru {
                format!("У вас нет заявки {id}. /my — ваши заявки.")
            } else {
                format!("You have no ticket {id}. /my lists yours.")
            }
        }
        UserError::IllegalTransition { ticket, from, to } => {
            if ru {
                format!(
                    "Заявку {ticket} нельзя перевести из «{}» в «{}».",
                    status_name(*from, lang),
                    status_name(*to, lang)
                )
            } else {
                format!(
                    "Ticket {ticket} cannot go from “{}” to “{}”.",
                    status_name(*from, lang),
                    status_name(*to, lang)
                )
            }
        }
        UserError::Empty => if ru {
            "Пустое сообщение: напишите вопрос словами."
        } else {
            "The message is empty: please write your question in words."
        }
        .into(),
        UserError::TooLong(n) => {
            if ru {
                format!(
                    "Сообщение слишком длинное ({n} символов). Сократите его до {} или пришлите файлом.",
                    crate::message::MAX_TEXT_CHARS
                )
            } else {
                format!(
                    "The message is too long ({n} characters). Shorten it to {} or send it as a file.",
                    crate::message::MAX_TEXT_CHARS
                )
            }
        }
        UserError::BadLang(l) => {
            if ru {
                format!("Язык «{l}» не поддерживается: /lang ru или /lang en.")
            } else {
                format!("Language “{l}” is not supported: /lang ru or /lang en.")
            }
        }
        UserError::NothingToCancel => if ru {
            "Отменять нечего."
        } else {
            "There is nothing to cancel."
        }
        .into(),
        UserError::StaffOnly(c) => {
            if ru {
                format!("Команда /{c} — для сотрудников поддержки.")
            } else {
                format!("/{c} is for support staff.")
            }
        }
        UserError::NoTicket(id) => pick(
            format!("Заявки {id} нет."),
            format!("There is no ticket {id}."),
        ),
        UserError::AlreadyClaimed { ticket, by } => pick(
            format!("Заявку {ticket} уже взял(а) {by}."),
            format!("Ticket {ticket} is already claimed by {by}."),
        ),
        UserError::NotHolder(id) => pick(
            format!("Заявка {id} не ваша: вернуть её в очередь может тот, кто её взял."),
            format!("Ticket {id} is not yours to release."),
        ),
        UserError::NotYoursToAssign(id) => pick(
            format!("Заявка {id} не ваша: передать её может тот, кто её взял, или администратор."),
            format!("Ticket {id} is not yours to hand over: its holder or an admin can."),
        ),
        UserError::BadProblemNumber(s) => pick(
            format!("«{s}» — не номер известной проблемы. Пример: /problem show P3"),
            format!("“{s}” is not a known issue's number. Example: /problem show P3"),
        ),
        UserError::NoProblem(p) => pick(
            format!("Известной проблемы {p} нет: /problem list — открытые."),
            format!("There is no known issue {p}: /problem list shows the open ones."),
        ),
        UserError::ProblemClosed(p) => pick(
            format!("Известная проблема {p} уже решена."),
            format!("Known issue {p} is already resolved."),
        ),
        UserError::NoMacro(n) => pick(
            format!("Сохранённого ответа {n} нет: /macro list — какие есть."),
            format!("There is no macro {n}: /macro list shows them."),
        ),
        UserError::UnknownColleague(n) => pick(
            format!("Сотрудника {n} нет. /staff list — кто добавлен из чата."),
            format!("There is no colleague called {n}. /staff list shows those added from chat."),
        ),
        UserError::ColleagueNotOnLine { name, line } => pick(
            format!("{name} не работает на линии {line}: передайте заявку сотруднику этой линии."),
            format!("{name} does not work line {line}: hand it to someone of that line."),
        ),
        UserError::LineNotYours(line) => pick(
            format!("Линия {line} — не ваша: /queue показывает ваши линии."),
            format!("Line {line} is not one of yours: /queue shows your lines."),
        ),
        UserError::NoArticle(s) => pick(
            format!("Статьи `{s}` нет."),
            format!("There is no article `{s}`."),
        ),
        UserError::AdminOnly(task) => admin_only(*task, lang),
        UserError::ArticleLangs(slug) => pick(
            format!(
                "`{slug}` есть на русском и английском: укажите язык, например `/kb show {slug} ru`."
            ),
            format!("`{slug}` exists in Russian and English: name one, e.g. `/kb show {slug} en`."),
        ),
        UserError::NoArticleVersion { slug, version } => pick(
            format!("У `{slug}` нет версии {version}: см. /kb history {slug}."),
            format!("`{slug}` has no version {version}: see /kb history {slug}."),
        ),
        UserError::NoLearned { article, n, count } => pick(
            format!("У `{article}` нет выученной формулировки {n}: их {count}; см. /kb learned."),
            format!("`{article}` has no learned phrasing {n}: it has {count}; see /kb learned."),
        ),
        UserError::NotYourLine { ticket, line } => pick(
            format!(
                "Заявка {ticket} на линии {line}, а вы на ней не работаете: её берут сотрудники линии {line}."
            ),
            format!(
                "Ticket {ticket} is on line {line}, which you do not work: staff of line {line} take it."
            ),
        ),
        UserError::SameLine { ticket, line } => pick(
            format!("Заявка {ticket} уже на линии {line}."),
            format!("Ticket {ticket} is already on line {line}."),
        ),
        // The reason comes from the article parser and names the field or line at fault.
        UserError::BadArticle(why) => pick(
            format!("Статью не прочитать. Причина (от разборщика): {why}."),
            format!("The article cannot be read: {why}."),
        ),
        UserError::ArticleExists(slug) => pick(
            format!("Статья `{slug}` уже есть: измените её через /kb edit {slug}."),
            format!("Article `{slug}` already exists: change it with /kb edit {slug}."),
        ),
        UserError::NotDraft(slug) => pick(
            format!("`{slug}` — не черновик."),
            format!("`{slug}` is not a draft."),
        ),
        UserError::NotResolved(id) => pick(
            format!("Заявка {id} ещё не решена: черновики делают из решённых заявок."),
            format!("Ticket {id} is not resolved yet: drafts are made from resolved tickets."),
        ),
        UserError::StaffExists(n) => pick(
            format!("{n} уже сотрудник, или эта учётная запись занята."),
            format!("{n} is already staff, or that identity is taken."),
        ),
        UserError::NoStaff(n) => pick(
            format!("{n} не добавлен(а) из чата (сотрудники из конфигурации остаются)."),
            format!("{n} is not staff added from chat (people in the configuration stay)."),
        ),
        UserError::BadOrgKey(k) => pick(
            format!(
                "«{k}» не годится как ключ организации: латинские буквы, цифры, - и _, до 32 знаков (acme)."
            ),
            format!("`{k}` is not an organisation key: letters, digits, - and _, up to 32 (acme)."),
        ),
        UserError::OrgExists(k) => pick(
            format!("Организация {k} уже есть."),
            format!("Organisation {k} already exists."),
        ),
        UserError::NoOrg(k) => pick(
            format!("Организации {k} нет: /org list покажет все."),
            format!("There is no organisation {k}: /org list shows them all."),
        ),
        UserError::BadOrgCode => pick(
            "Такого кода нет или он отозван. Попросите у своей организации новый.".into(),
            "That code is unknown or has been revoked. Ask your organisation for a new one.".into(),
        ),
        UserError::NotOrgMember(who, k) => pick(
            format!("{who} не состоит в {k}."),
            format!("{who} is not a member of {k}."),
        ),
        UserError::BadAudience(_)
        | UserError::BadAnnouncementText(_)
        | UserError::NoAnnouncement(_)
        | UserError::AnnouncementIs(..)
        | UserError::NothingSending => announce::refusal(e, lang),
        UserError::StaleChoice => if ru {
            "Этот выбор уже не действует. Напишите вопрос заново."
        } else {
            "That choice is no longer open. Please ask again."
        }
        .into(),
    }
}
