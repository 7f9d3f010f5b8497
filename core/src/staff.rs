//! Who is staff: agents and admins, recognised by their identity on each channel.

use std::collections::HashMap;

use crate::domain::{ChannelKind, Line};

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

/// The staff, by platform identity.
#[derive(Debug, Clone, Default)]
pub struct Staff {
    by_identity: HashMap<(ChannelKind, String), StaffMember>,
}

impl Staff {
    /// Recognises `id` on `channel` as `member`.
    pub fn add(&mut self, channel: ChannelKind, id: impl Into<String>, member: StaffMember) {
        self.by_identity.insert((channel, id.into()), member);
    }

    /// Where to write to staff member `name` directly: their first identity, console before
    /// Telegram before Discord (a private chat's id is the user's id on all three).
    pub fn chat_of(&self, name: &str) -> Option<crate::domain::ChatRef> {
        let mut mine: Vec<&(ChannelKind, String)> = self
            .by_identity
            .iter()
            .filter(|(_, m)| m.name == name)
            .map(|(k, _)| k)
            .collect();
        mine.sort_by_key(|(c, id)| (c.code(), id.clone()));
        mine.first()
            .map(|(c, id)| crate::domain::ChatRef::new(*c, id.clone()))
    }

    /// The staff member behind an identity, if any.
    pub fn get(&self, channel: ChannelKind, id: &str) -> Option<&StaffMember> {
        self.by_identity.get(&(channel, id.to_string()))
    }
}
