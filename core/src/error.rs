//! Errors of the desk: what a user caused (shown to them in their language) apart from what
//! went wrong inside (logged; the user sees only that an internal error occurred).

use crate::domain::{Lang, Status, TicketId};
use crate::i18n::Msg;

/// A mistake of the person who wrote to the bot. Nothing changes when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("`{0}` is not a ticket number")]
    BadTicketNumber(String),
    #[error("line {0} does not exist (1-4)")]
    BadLine(i64),
    #[error("unknown command /{0}")]
    UnknownCommand(String),
    #[error("/{command} needs {what}")]
    MissingArgument {
        command: &'static str,
        what: &'static str,
    },
    /// Said both when the ticket does not exist and when it is someone else's: a user must
    /// not learn which numbers exist.
    #[error("you have no ticket {0}")]
    NoSuchTicket(TicketId),
    #[error("ticket {ticket} cannot go from {from} to {to}")]
    IllegalTransition {
        ticket: TicketId,
        from: Status,
        to: Status,
    },
    #[error("the message is empty")]
    Empty,
    #[error("the message is too long ({0} characters)")]
    TooLong(usize),
    #[error("unknown language `{0}`")]
    BadLang(String),
    #[error("nothing to cancel")]
    NothingToCancel,
    #[error("that choice is no longer open")]
    StaleChoice,
    #[error("/{0} is for support staff")]
    StaffOnly(String),
    /// Staff see every ticket, so they are told plainly that it does not exist.
    #[error("there is no ticket {0}")]
    NoTicket(TicketId),
    #[error("ticket {ticket} is already claimed by {by}")]
    AlreadyClaimed { ticket: TicketId, by: String },
    #[error("ticket {0} is not yours to release")]
    NotHolder(TicketId),
    #[error("ticket {0} is not yours to hand over")]
    NotYoursToAssign(TicketId),
    #[error("{0:?} is not a known issue's number")]
    BadProblemNumber(String),
    #[error("there is no known issue {0}")]
    NoProblem(crate::domain::ProblemId),
    #[error("known issue {0} is already resolved")]
    ProblemClosed(crate::domain::ProblemId),
    #[error("there is no macro {0}")]
    NoMacro(String),
    #[error("no colleague is called {0}")]
    UnknownColleague(String),
    #[error("{name} does not work line {line}")]
    ColleagueNotOnLine {
        name: String,
        line: crate::domain::Line,
    },
    #[error("line {0} is not one of yours")]
    LineNotYours(crate::domain::Line),
    #[error("no article `{0}`")]
    NoArticle(String),
    /// Said to an agent who tried what only admins do.
    #[error("only admins may {0:?}")]
    AdminOnly(AdminTask),
    #[error("`{0}` exists in more than one language: name one")]
    ArticleLangs(String),
    #[error("`{slug}` has no version {version}")]
    NoArticleVersion { slug: String, version: i64 },
    #[error("{article} has no learned phrasing {n} (it has {count})")]
    NoLearned {
        article: String,
        n: usize,
        count: usize,
    },
    #[error("ticket {ticket} is on line {line}, which is not yours")]
    NotYourLine {
        ticket: TicketId,
        line: crate::domain::Line,
    },
    #[error("ticket {ticket} is already on line {line}")]
    SameLine {
        ticket: TicketId,
        line: crate::domain::Line,
    },
    #[error("the article cannot be read: {0}")]
    BadArticle(String),
    #[error("article `{0}` already exists")]
    ArticleExists(String),
    #[error("`{0}` is not a draft")]
    NotDraft(String),
    #[error("ticket {0} is not resolved yet")]
    NotResolved(TicketId),
    #[error("{0} is already staff (or the identity is taken)")]
    StaffExists(String),
    #[error("{0} is not staff added from chat")]
    NoStaff(String),
    #[error("`{0}` is not an organisation key")]
    BadOrgKey(String),
    #[error("organisation {0} already exists")]
    OrgExists(String),
    #[error("no organisation {0}")]
    NoOrg(String),
    #[error("the code is unknown or revoked")]
    BadOrgCode,
    #[error("{0} is not a member of {1}")]
    NotOrgMember(String, String),
    #[error("`{0}` is not an audience")]
    BadAudience(String),
    #[error("the announcement's text: {0:?}")]
    BadAnnouncementText(crate::announce::TextProblem),
    #[error("no announcement {0}")]
    NoAnnouncement(i64),
    #[error("announcement {0} is {1}")]
    AnnouncementIs(i64, crate::domain::AnnounceState),
    #[error("no announcement is being sent")]
    NothingSending,
}

impl UserError {
    /// The message shown to the user, in their language.
    pub fn message(&self, lang: Lang) -> String {
        Msg::Error(self).text(lang)
    }
}

/// Something that went wrong inside the desk.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("knowledge base error: {0}")]
    Kb(#[from] frontline_kb::KbError),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("unsupported database URL `{0}`: use sqlite://… or postgres://…")]
    UnsupportedDatabase(String),
    #[error("a background task ended: {0}")]
    TaskEnded(String),
}

impl CoreError {
    /// Whether the error is a transaction losing a race to another (a unique key taken
    /// meanwhile, a serialization failure, a deadlock, a busy SQLite file): done again
    /// whole, it succeeds or sees the other's result.
    pub fn is_conflict(&self) -> bool {
        let CoreError::Db(sqlx::Error::Database(e)) = self else {
            return false;
        };
        matches!(e.kind(), sqlx::error::ErrorKind::UniqueViolation)
            || matches!(
                e.code().as_deref(),
                // PostgreSQL: serialization failure, deadlock; SQLite: busy, locked.
                Some("40001" | "40P01" | "5" | "6" | "517" | "261")
            )
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

/// What only admins may do, named in [`UserError::AdminOnly`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminTask {
    ManageStaff,
    ManageOrgs,
    Announce,
    Block,
    Unblock,
    Forget,
    ChangeArticles,
    ManageMacros,
    SeeAgentFigures,
}
