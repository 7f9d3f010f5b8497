//! Who is staff: agents and admins, recognised by their identity on each channel.

use std::collections::HashMap;

use crate::domain::ChannelKind;
pub use crate::domain::{Role, StaffMember};

/// The staff, by platform identity.
#[derive(Debug, Clone, Default)]
pub struct Staff {
    by_identity: HashMap<(ChannelKind, String), StaffMember>,
    /// Platform roles whose holders are staff (a Discord role id): the member's role and
    /// lines come from here, their name from the platform.
    by_role: HashMap<(ChannelKind, String), StaffMember>,
}

impl Staff {
    /// The identities staff are known by (not the platform roles): announcements to users
    /// leave them out.
    pub fn identities(&self) -> impl Iterator<Item = &(ChannelKind, String)> {
        self.by_identity.keys()
    }

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

    /// Holders of `role` on `channel` are staff like `member` (under their own names).
    pub fn add_role(&mut self, channel: ChannelKind, role: impl Into<String>, member: StaffMember) {
        self.by_role.insert((channel, role.into()), member);
    }

    /// The staff member behind an identity or, failing that, one of its platform roles
    /// (admin before agent when several match), named `display`.
    pub fn recognise(
        &self,
        channel: ChannelKind,
        id: &str,
        roles: &[String],
        display: &str,
    ) -> Option<StaffMember> {
        if let Some(m) = self.get(channel, id) {
            return Some(m.clone());
        }
        roles
            .iter()
            .filter_map(|r| self.by_role.get(&(channel, r.clone())))
            .max_by_key(|m| m.role == Role::Admin)
            .map(|m| StaffMember {
                name: display.to_string(),
                ..m.clone()
            })
    }

    /// The staff member called `name` (the first identity listed under it).
    pub fn named(&self, name: &str) -> Option<&StaffMember> {
        self.by_identity.values().find(|m| m.name == name)
    }

    /// The staff member behind an identity, if any.
    pub fn get(&self, channel: ChannelKind, id: &str) -> Option<&StaffMember> {
        self.by_identity.get(&(channel, id.to_string()))
    }
}
