//! How a desk is set up: where each line hears about tickets, who is staff, the service
//! levels and limits. Plain data with the routing rules that read it.

use crate::domain::{ChatRef, Lang, Line, Ticket, TicketId, TicketKind};

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Where line 2 is told about new tickets and users' follow-ups.
    pub agent_chats: Vec<ChatRef>,
    /// The language of a first contact whose text and platform say nothing.
    pub default_lang: Lang,
    /// Agents and admins, by platform identity.
    pub staff: crate::staff::Staff,
    /// Where lines 3 (developers) and 4 (vendors) get escalated tickets.
    pub line_chats: Vec<(Line, ChatRef)>,
    /// Routing rules, first match wins; a ticket no rule matches goes to its line's default.
    pub routes: Vec<Route>,
    /// Service levels: business hours, targets, reminders, auto-close.
    pub sla: crate::sla::SlaConfig,
    /// Who is on duty per line.
    pub rotas: Vec<crate::rota::Rota>,
    /// The per-sender message limit.
    pub limits: crate::limits::Limits,
    /// How long operational rows are kept.
    pub retention: crate::limits::Retention,
}

/// A routing rule: tickets of `line` (and, when given, of these types, languages and
/// categories) go to `chats`.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub line: Line,
    pub kinds: Vec<TicketKind>,
    pub langs: Vec<Lang>,
    pub categories: Vec<String>,
    /// Client organisations (empty: any, and none).
    pub orgs: Vec<crate::org::OrgKey>,
    pub chats: Vec<ChatRef>,
}

impl Route {
    pub fn matches(&self, t: &Ticket) -> bool {
        self.line == t.line
            && (self.kinds.is_empty() || self.kinds.contains(&t.kind))
            && (self.langs.is_empty() || self.langs.contains(&t.lang))
            && (self.categories.is_empty()
                || t.category
                    .as_ref()
                    .is_some_and(|c| self.categories.contains(c)))
            && (self.orgs.is_empty() || t.org.as_ref().is_some_and(|o| self.orgs.contains(o)))
    }
}

impl EngineConfig {
    /// Where a ticket's line hears about it: the first route that matches its line, type,
    /// language and category; else the line's default channels.
    /// The chats of the first route that matches `t`, if one does.
    pub fn route_chats(&self, t: &Ticket) -> Option<Vec<ChatRef>> {
        self.routes
            .iter()
            .find(|r| r.matches(t))
            .map(|r| r.chats.clone())
    }

    pub fn chats_for(&self, t: &Ticket) -> Vec<ChatRef> {
        let c = self;
        if let Some(route) = c.routes.iter().find(|r| r.matches(t)) {
            return route.chats.clone();
        }
        if t.line != Line::AGENTS {
            let line: Vec<ChatRef> = c
                .line_chats
                .iter()
                .filter(|(l, _)| *l == t.line)
                .map(|(_, chat)| chat.clone())
                .collect();
            if !line.is_empty() {
                return line;
            }
        }
        c.agent_chats.clone()
    }

    /// Whether `chat` is one of the staff's: the agents' chats, the lines' and routes'
    /// chats, the supervisors', a forum topic in one of them, or a ticket's thread.
    pub fn is_staff_place(&self, chat: &ChatRef, thread: Option<TicketId>) -> bool {
        if thread.is_some() {
            return true;
        }
        let base = chat
            .chat
            .split_once('/')
            .map_or(chat.chat.as_str(), |(c, _)| c);
        let c = self;
        c.agent_chats
            .iter()
            .chain(c.line_chats.iter().map(|(_, chat)| chat))
            .chain(c.routes.iter().flat_map(|r| r.chats.iter()))
            .chain(c.sla.supervisor_chats.iter())
            .any(|s| s.channel == chat.channel && s.chat == base)
    }
}
