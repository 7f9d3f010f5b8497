//! Client organisations: a company the desk serves under a contract, with a responsible
//! manager, and possibly a partner that serves its consultations.

use std::fmt;

use crate::error::UserError;

/// An organisation's short, unique key (`acme`): letters, digits, `-` and `_`, up to 32.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct OrgKey(String);

impl OrgKey {
    /// # Errors
    /// [`UserError::BadOrgKey`] for anything else.
    pub fn parse(s: &str) -> Result<OrgKey, UserError> {
        let s = s.trim().to_lowercase();
        let ok = !s.is_empty()
            && s.chars().count() <= 32
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(OrgKey(s))
        } else {
            Err(UserError::BadOrgKey(s.chars().take(40).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key read back from the database or the configuration (already checked).
    pub(crate) fn from_db(s: String) -> OrgKey {
        OrgKey(s)
    }
}

impl fmt::Display for OrgKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the contract says of paid consultations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Consultations {
    /// Part of the contract: not billed.
    #[default]
    Included,
    /// Billed by the hour, as the desk's default.
    Billable,
    /// Served by the organisation's partner: its users are referred there.
    Partner,
}

impl Consultations {
    pub fn code(self) -> &'static str {
        match self {
            Consultations::Included => "included",
            Consultations::Billable => "billable",
            Consultations::Partner => "partner",
        }
    }

    pub fn from_code(s: &str) -> Option<Consultations> {
        Some(match s.trim().to_lowercase().as_str() {
            "included" => Consultations::Included,
            "billable" => Consultations::Billable,
            "partner" => Consultations::Partner,
            _ => return None,
        })
    }
}

/// One organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub key: OrgKey,
    pub name: String,
    /// The organisation that serves this one's consultations.
    pub partner: Option<OrgKey>,
    /// The staff member responsible for it (told of its critical tickets and breaches).
    pub manager: Option<String>,
    pub consultations: Consultations,
    /// Declared in the configuration: kept in step at every start, never removed from chat.
    pub from_config: bool,
}

/// The organisation a person belongs to, as their messages are handled with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRef {
    pub key: OrgKey,
    pub name: String,
}

/// Longest organisation name.
pub const MAX_ORG_NAME_CHARS: usize = 100;

/// A new invite code: 10 characters without look-alikes (no 0/O, 1/I/L), ~49 bits.
pub fn new_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(10);
    for _ in 0..10 {
        let i = rand::random_range(0..ALPHABET.len());
        out.push(ALPHABET[i] as char);
    }
    out
}

/// A code as typed: case and spaces do not matter.
pub fn normalise_code(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_and_plain() {
        assert_eq!(OrgKey::parse(" ACME ").expect("key").as_str(), "acme");
        assert!(OrgKey::parse("").is_err());
        assert!(OrgKey::parse("a b").is_err());
        assert!(OrgKey::parse(&"x".repeat(33)).is_err());
        assert!(OrgKey::parse("рога").is_err());
    }

    #[test]
    fn codes_are_distinct_and_readable() {
        let a = new_code();
        let b = new_code();
        assert_eq!(a.len(), 10);
        assert_ne!(a, b);
        assert!(!a.contains(['0', 'O', '1', 'I', 'L']));
        assert_eq!(normalise_code(&format!(" {} ", a.to_lowercase())), a);
    }
}
