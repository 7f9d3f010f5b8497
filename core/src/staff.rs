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

    /// The staff member behind an identity, if any.
    pub fn get(&self, channel: ChannelKind, id: &str) -> Option<&StaffMember> {
        self.by_identity.get(&(channel, id.to_string()))
    }
}
