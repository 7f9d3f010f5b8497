//! The desk's domain types: tickets, their kinds, priorities, statuses and lines, people and
//! where they talk to us. Every value here is valid by construction.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::UserError;
pub use frontline_kb::Lang;

/// A ticket's number: sequential, told to the user, typed by agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TicketId(i64);

impl TicketId {
    /// Parses a ticket number as a user types it: `12`, `#12`, ` 12 `.
    ///
    /// # Errors
    /// [`UserError::BadTicketNumber`] for anything else.
    pub fn parse(s: &str) -> Result<Self, UserError> {
        let t = s.trim();
        let t = t.strip_prefix('#').unwrap_or(t);
        match t.parse::<i64>() {
            Ok(n) if n > 0 => Ok(TicketId(n)),
            _ => Err(UserError::BadTicketNumber(
                s.trim().chars().take(20).collect(),
            )),
        }
    }

    pub(crate) fn from_db(n: i64) -> Self {
        TicketId(n)
    }

    /// A ticket number carried by a button: positive, or the press is stale.
    pub(crate) fn from_db_checked(n: i64) -> Result<Self, UserError> {
        if n > 0 {
            Ok(TicketId(n))
        } else {
            Err(UserError::StaleChoice)
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A known issue's number, shown as `P3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProblemId(i64);

impl ProblemId {
    /// `P3`, `p3` or `3`.
    ///
    /// # Errors
    /// [`UserError::BadProblemNumber`] for anything else.
    pub fn parse(s: &str) -> Result<Self, UserError> {
        let t = s.trim();
        let t = t.strip_prefix(['P', 'p']).unwrap_or(t);
        match t.parse::<i64>() {
            Ok(n) if n > 0 => Ok(ProblemId(n)),
            _ => Err(UserError::BadProblemNumber(
                s.trim().chars().take(20).collect(),
            )),
        }
    }

    pub(crate) fn from_db(n: i64) -> Self {
        ProblemId(n)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ProblemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{}", self.0)
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A person known to the desk, with identities on one or more channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonId(pub(crate) i64);

impl PersonId {
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Defines an enum stored and shown by a stable code, with the parse/code pair in one place.
macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and used in commands.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The value with this code, if any.
            pub fn from_code(s: &str) -> Option<Self> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

coded_enum!(
    /// What kind of request a ticket is.
    TicketKind {
        Incident = "incident",
        Consultation = "consultation",
        AccessRequest = "access_request",
        LicenceKey = "licence_key",
        Update = "update",
        Wish = "wish",
        Question = "question",
    }
);

impl TicketKind {
    /// The priority a new ticket of this kind starts with; agents adjust it.
    pub fn default_priority(self) -> Priority {
        match self {
            TicketKind::Incident => Priority::High,
            TicketKind::AccessRequest | TicketKind::Consultation => Priority::Normal,
            TicketKind::LicenceKey | TicketKind::Update | TicketKind::Question => Priority::Normal,
            TicketKind::Wish => Priority::Low,
        }
    }

    /// Whether time spent on it is billed (paid consultations).
    pub fn billable(self) -> bool {
        self == TicketKind::Consultation
    }
}

coded_enum!(
    /// How urgent a ticket is.
    Priority {
        Low = "low",
        Normal = "normal",
        High = "high",
        Critical = "critical",
    }
);

coded_enum!(
    /// Where a ticket is in its life.
    Status {
        New = "new",
        InProgress = "in_progress",
        WaitingOnCustomer = "waiting",
        Resolved = "resolved",
        Closed = "closed",
    }
);

impl Status {
    /// The colour shown wherever a status is.
    pub fn emoji(self) -> &'static str {
        match self {
            Status::New => "🆕",
            Status::InProgress => "🔵",
            Status::WaitingOnCustomer => "🟡",
            Status::Resolved => "🟢",
            Status::Closed => "⚫",
        }
    }

    /// Whether the ticket still needs work or an answer (anything but closed).
    pub fn is_open(self) -> bool {
        self != Status::Closed
    }

    /// Whether a ticket may go from `self` to `to`.
    ///
    /// new → in progress, waiting, resolved, closed; in progress → waiting, resolved, closed;
    /// waiting → in progress, resolved, closed; resolved → closed, or reopened to in progress;
    /// closed → reopened to in progress. Nothing goes back to new.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (New, InProgress | WaitingOnCustomer | Resolved | Closed)
                | (InProgress, WaitingOnCustomer | Resolved | Closed)
                | (WaitingOnCustomer, InProgress | Resolved | Closed)
                | (Resolved, Closed | InProgress)
                | (Closed, InProgress)
        )
    }
}

/// A support line: 1 the bot, 2 agents, 3 developers, 4 vendors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Line(u8);

impl Line {
    pub const BOT: Line = Line(1);
    pub const AGENTS: Line = Line(2);

    /// # Errors
    /// [`UserError::BadLine`] outside 1–4.
    pub fn new(n: i64) -> Result<Self, UserError> {
        match n {
            1..=4 => Ok(Line(n as u8)),
            _ => Err(UserError::BadLine(n)),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

coded_enum!(
    /// The chat platform a message came from or goes to.
    ChannelKind {
        Console = "console",
        Telegram = "telegram",
        Discord = "discord",
    }
);

coded_enum!(
    /// Where an announcement stands: a draft awaiting [Send], being sent, paused by
    /// `/announce stop`, sent to everyone it could be, or cancelled before it went.
    AnnounceState {
        Draft = "draft",
        Sending = "sending",
        Stopped = "stopped",
        Done = "done",
        Cancelled = "cancelled",
    }
);

coded_enum!(
    /// One recipient of an announcement: waiting its turn, in the outbox, sent, refused for
    /// good (`failed`), refused because they blocked the bot or left, or skipped because
    /// they muted announcements.
    RecipientState {
        Pending = "pending",
        Queued = "queued",
        Sent = "sent",
        Failed = "failed",
        Blocked = "blocked",
        Muted = "muted",
    }
);

/// Somewhere messages can be sent: a user's private chat or an agents' channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChatRef {
    pub channel: ChannelKind,
    /// The platform's id of the chat (console: the person's name, or `#channel`).
    pub chat: String,
}

impl ChatRef {
    pub fn new(channel: ChannelKind, chat: impl Into<String>) -> Self {
        ChatRef {
            channel,
            chat: chat.into(),
        }
    }
}

/// Who sent something, as the platform knows them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserRef {
    pub channel: ChannelKind,
    /// The platform's stable user id.
    pub id: String,
    /// A name to show agents.
    pub display: String,
}

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    pub id: TicketId,
    pub requester: PersonId,
    /// Where the requester talks to us: replies and questions go there.
    pub chat: ChatRef,
    pub subject: String,
    pub kind: TicketKind,
    pub priority: Priority,
    pub status: Status,
    pub line: Line,
    pub category: Option<String>,
    pub lang: Lang,
    pub assignee: Option<String>,
    pub created_ms: i64,
    pub first_response_ms: Option<i64>,
    pub resolved_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    /// The requester's rating, 1–5, once given.
    pub csat: Option<u8>,
    /// Service-level deadlines (see `sla.rs`): set at registration, moved by priority
    /// changes and by time spent waiting on the customer.
    pub first_due_ms: Option<i64>,
    pub resolve_due_ms: Option<i64>,
    /// Business time spent waiting on the customer, in total, and since when it waits now.
    pub paused_ms: i64,
    pub paused_at_ms: Option<i64>,
    pub first_breached: bool,
    pub resolve_breached: bool,
    /// The client organisation it was registered for: its contract sets the deadlines.
    pub org: Option<crate::org::OrgKey>,
}

coded_enum!(
    /// What happened to a ticket; together, a ticket's events are its thread.
    EventKind {
        Created = "created",
        MessageIn = "message_in",
        MessageOut = "message_out",
        StatusChanged = "status_changed",
        PriorityRequested = "priority_requested",
        PriorityChanged = "priority_changed",
        Note = "note",
        Claimed = "claimed",
        Released = "released",
        KindChanged = "kind_changed",
        Rated = "rated",
        Assigned = "assigned",
    }
);

/// Who did something: written in a ticket's thread and in the staff audit as `user:<person
/// id>`, `agent:<name>`, `bot`, or another tool's name (`cli`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Actor {
    User(PersonId),
    Agent(String),
    Bot,
    /// A tool acting outside chat, such as the command line.
    Tool(String),
}

impl Actor {
    /// Reads what [`fmt::Display`] wrote; anything else is a tool's name.
    pub fn parse(s: &str) -> Actor {
        if let Some(id) = s.strip_prefix("user:").and_then(|n| n.parse().ok()) {
            return Actor::User(PersonId(id));
        }
        if let Some(name) = s.strip_prefix("agent:") {
            return Actor::Agent(name.to_string());
        }
        match s {
            "bot" => Actor::Bot,
            other => Actor::Tool(other.to_string()),
        }
    }

    pub fn is_agent(&self) -> bool {
        matches!(self, Actor::Agent(_))
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::User(p) => write!(f, "user:{}", p.0),
            Actor::Agent(name) => write!(f, "agent:{name}"),
            Actor::Bot => f.write_str("bot"),
            Actor::Tool(name) => f.write_str(name),
        }
    }
}

impl From<Actor> for String {
    fn from(a: Actor) -> String {
        a.to_string()
    }
}

/// An article in one language, as questions record what they were answered or offered
/// with; stored as `slug:lang`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArticleKey {
    pub slug: frontline_kb::Slug,
    pub lang: Lang,
}

impl ArticleKey {
    pub fn of(article: &frontline_kb::Article) -> ArticleKey {
        ArticleKey {
            slug: article.slug.clone(),
            lang: article.lang,
        }
    }

    /// Reads what [`fmt::Display`] wrote.
    pub fn parse(s: &str) -> Option<ArticleKey> {
        let (slug, lang) = s.rsplit_once(':')?;
        Some(ArticleKey {
            slug: frontline_kb::Slug::parse(slug).ok()?,
            lang: Lang::parse(lang).ok()?,
        })
    }
}

impl fmt::Display for ArticleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.slug, self.lang)
    }
}

/// One entry of a ticket's thread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketEvent {
    pub ticket: TicketId,
    pub at_ms: i64,
    pub actor: Actor,
    pub kind: EventKind,
    pub body: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_keys_read_back_what_they_write() {
        let key = ArticleKey::parse("vpn-connect:ru").expect("key");
        assert_eq!((key.slug.as_str(), key.lang), ("vpn-connect", Lang::Ru));
        assert_eq!(ArticleKey::parse(&key.to_string()), Some(key));
        for bad in ["vpn-connect", "vpn-connect:de", ":en", "a b:en"] {
            assert_eq!(ArticleKey::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn actors_read_back_what_they_write() {
        for a in [
            Actor::User(PersonId(42)),
            Actor::Agent("anna".into()),
            Actor::Bot,
            Actor::Tool("cli".into()),
        ] {
            assert_eq!(Actor::parse(&a.to_string()), a);
        }
        assert_eq!(Actor::parse("user:x"), Actor::Tool("user:x".into()));
        assert!(Actor::parse("agent:boris").is_agent());
    }

    #[test]
    fn ticket_numbers_parse_as_typed() {
        assert_eq!(TicketId::parse("12").map(TicketId::get), Ok(12));
        assert_eq!(TicketId::parse(" #7 ").map(TicketId::get), Ok(7));
        for bad in ["", "0", "-3", "abc", "1.5", "99999999999999999999"] {
            assert!(TicketId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_transition_is_legal_or_refused_as_specified() {
        use Status::*;
        let legal = [
            (New, InProgress),
            (New, WaitingOnCustomer),
            (New, Resolved),
            (New, Closed),
            (InProgress, WaitingOnCustomer),
            (InProgress, Resolved),
            (InProgress, Closed),
            (WaitingOnCustomer, InProgress),
            (WaitingOnCustomer, Resolved),
            (WaitingOnCustomer, Closed),
            (Resolved, Closed),
            (Resolved, InProgress),
            (Closed, InProgress),
        ];
        for &from in Status::ALL {
            for &to in Status::ALL {
                assert_eq!(
                    from.can_become(to),
                    legal.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn codes_round_trip_and_each_status_has_its_own_colour() {
        for &k in TicketKind::ALL {
            assert_eq!(TicketKind::from_code(k.code()), Some(k));
        }
        for &p in Priority::ALL {
            assert_eq!(Priority::from_code(p.code()), Some(p));
        }
        let mut emojis: Vec<_> = Status::ALL.iter().map(|s| s.emoji()).collect();
        emojis.dedup();
        assert_eq!(emojis.len(), Status::ALL.len());
        assert!(Line::new(0).is_err() && Line::new(5).is_err() && Line::new(3).is_ok());
    }
}

/// A staff member's role. Admins can do everything agents can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Agent,
    Admin,
}

/// One member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// The name users and colleagues see.
    pub name: String,
    pub role: Role,
    /// The support lines they work.
    pub lines: Vec<Line>,
}

impl StaffMember {
    /// Whether they may see and take tickets of `line`: admins every line, agents theirs.
    pub fn works(&self, line: Line) -> bool {
        self.role == Role::Admin || self.lines.contains(&line)
    }

    /// The lines whose queue they see; `None` for all (admins).
    pub fn queue_lines(&self) -> Option<&[Line]> {
        (self.role != Role::Admin).then_some(self.lines.as_slice())
    }
}

/// A person as the desk knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: PersonId,
    pub lang: Lang,
    pub display: String,
    /// The ticket their messages go to, if any (it may have been closed since).
    pub current_ticket: Option<TicketId>,
    /// Their staff role, when an admin added them from chat.
    pub staff: Option<StaffMember>,
    /// A ticket they just rated: their next text, within `comment_until_ms`, is its comment.
    pub comment_for: Option<TicketId>,
    /// Until when a message is the comment of `comment_for`'s rating.
    pub comment_until_ms: Option<i64>,
    /// The help centre's article (slug) they came from by its deep link, until the ticket
    /// it leads to is registered.
    pub came_from: Option<String>,
    /// Why an admin blocked this identity, if one did.
    pub blocked: Option<String>,
    /// The client organisation this identity belongs to.
    pub org: Option<crate::org::OrgRef>,
}

/// A logged question and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: i64,
    pub person: PersonId,
    pub text: String,
    pub lang: Lang,
    pub state: QuestionState,
    pub article: Option<ArticleKey>,
    /// Suggested articles, in the order offered.
    pub suggested: Vec<ArticleKey>,
    pub guessed_kind: TicketKind,
    pub ticket: Option<TicketId>,
}

/// Where a question stands; the outcome, once it is final. Counting outcomes gives the
/// deflection rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionState {
    /// An article was given; waiting for Helped / Not helped.
    Answered,
    /// Articles were offered; waiting for a pick or None of these.
    Suggested,
    /// Registration asked for the kind.
    ChoosingKind,
    /// Final: the article helped.
    Helped,
    /// Final: a ticket was registered.
    Ticket,
    /// Final: the user moved on or cancelled.
    Dropped,
}

impl QuestionState {
    pub fn code(self) -> &'static str {
        match self {
            QuestionState::Answered => "answered",
            QuestionState::Suggested => "suggested",
            QuestionState::ChoosingKind => "choosing_kind",
            QuestionState::Helped => "helped",
            QuestionState::Ticket => "ticket",
            QuestionState::Dropped => "dropped",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Some(match s {
            "answered" => QuestionState::Answered,
            "suggested" => QuestionState::Suggested,
            "choosing_kind" => QuestionState::ChoosingKind,
            "helped" => QuestionState::Helped,
            "ticket" => QuestionState::Ticket,
            "dropped" => QuestionState::Dropped,
            _ => return None,
        })
    }

    /// Whether the question still waits for the user.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            QuestionState::Answered | QuestionState::Suggested | QuestionState::ChoosingKind
        )
    }
}
