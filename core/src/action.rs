//! What a button does, encoded into the short string a platform carries back when the
//! button is pressed (Telegram allows 64 bytes).
//!
//! The format is versioned by its first letter, so a button pressed after an upgrade is
//! either understood or refused as expired — never misread.

use crate::domain::TicketKind;

/// A button's action. Each carries the question it belongs to, so a press is checked against
/// that question's state in the database, not against a conversation state in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Helped {
        question: i64,
    },
    NotHelped {
        question: i64,
    },
    /// One of the suggested articles, by position.
    Pick {
        question: i64,
        index: u8,
    },
    NoneOfThese {
        question: i64,
    },
    Kind {
        question: i64,
        kind: TicketKind,
    },
    /// The user's answer to "is it solved?" after an agent resolved the ticket.
    Confirm {
        ticket: i64,
        solved: bool,
    },
    /// The user's satisfaction rating, 1–5, after the ticket closed.
    Rate {
        ticket: i64,
        score: u8,
    },
    /// "No comment" after a rating.
    NoComment {
        ticket: i64,
    },
    /// [Claim] on a ticket card in an agents' channel.
    Claim {
        ticket: i64,
    },
    /// [Resolve] under "#N is yours", for the agent who claimed it.
    Resolve {
        ticket: i64,
    },
    /// [Join it] under "this is a known issue": register the question as a ticket linked to
    /// the known issue it was matched to.
    JoinProblem {
        question: i64,
    },
    /// [Erase my data] under the user's own `/forget`: only that person's press counts.
    Forget {
        person: i64,
    },
    /// [Send] or [Cancel] under an announcement's preview: an admin's `/announce send|cancel N`.
    Announce {
        id: i64,
        send: bool,
    },
}

impl Action {
    /// The encoded form, at most 64 bytes.
    pub fn encode(self) -> String {
        match self {
            Action::Helped { question } => format!("1h{question}"),
            Action::NotHelped { question } => format!("1n{question}"),
            Action::Pick { question, index } => format!("1p{question}.{index}"),
            Action::NoneOfThese { question } => format!("1x{question}"),
            Action::Kind { question, kind } => format!("1k{question}.{}", kind.code()),
            Action::Confirm { ticket, solved } => {
                format!("1c{ticket}.{}", if solved { "y" } else { "n" })
            }
            Action::Rate { ticket, score } => format!("1r{ticket}.{score}"),
            Action::NoComment { ticket } => format!("1z{ticket}"),
            Action::Claim { ticket } => format!("1a{ticket}"),
            Action::Resolve { ticket } => format!("1s{ticket}"),
            Action::Forget { person } => format!("1f{person}"),
            Action::JoinProblem { question } => format!("1j{question}"),
            Action::Announce { id, send } => format!("1b{id}.{}", if send { "y" } else { "n" }),
        }
    }

    /// The action of an encoded button, or `None` for anything not made by [`Action::encode`].
    pub fn decode(s: &str) -> Option<Action> {
        let rest = s.strip_prefix('1')?;
        let mut chars = rest.chars();
        let tag = chars.next()?;
        let body = chars.as_str();
        let (q, extra) = match body.split_once('.') {
            Some((q, e)) => (q, Some(e)),
            None => (body, None),
        };
        let question: i64 = q.parse().ok().filter(|&n: &i64| n > 0)?;
        Some(match (tag, extra) {
            ('h', None) => Action::Helped { question },
            ('n', None) => Action::NotHelped { question },
            ('x', None) => Action::NoneOfThese { question },
            ('z', None) => Action::NoComment { ticket: question },
            ('a', None) => Action::Claim { ticket: question },
            ('s', None) => Action::Resolve { ticket: question },
            ('f', None) => Action::Forget { person: question },
            ('j', None) => Action::JoinProblem { question },
            ('p', Some(i)) => Action::Pick {
                question,
                index: i.parse().ok().filter(|&i: &u8| i < 3)?,
            },
            ('k', Some(k)) => Action::Kind {
                question,
                kind: TicketKind::from_code(k)?,
            },
            ('b', Some(yes)) => Action::Announce {
                id: question,
                send: match yes {
                    "y" => true,
                    "n" => false,
                    _ => return None,
                },
            },
            ('c', Some("y")) => Action::Confirm {
                ticket: question,
                solved: true,
            },
            ('c', Some("n")) => Action::Confirm {
                ticket: question,
                solved: false,
            },
            ('r', Some(s)) => Action::Rate {
                ticket: question,
                score: s.parse().ok().filter(|s: &u8| (1..=5).contains(s))?,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_within_64_bytes() {
        let q = i64::MAX;
        let mut all = vec![
            Action::Helped { question: q },
            Action::Forget { person: q },
            Action::NotHelped { question: q },
            Action::Pick {
                question: q,
                index: 2,
            },
            Action::NoneOfThese { question: q },
        ];
        all.extend([
            Action::Confirm {
                ticket: q,
                solved: true,
            },
            Action::Confirm {
                ticket: q,
                solved: false,
            },
            Action::Rate {
                ticket: q,
                score: 5,
            },
            Action::NoComment { ticket: q },
            Action::Claim { ticket: q },
            Action::Resolve { ticket: q },
        ]);
        all.extend(
            TicketKind::ALL
                .iter()
                .map(|&kind| Action::Kind { question: q, kind }),
        );
        for a in all {
            let s = a.encode();
            assert!(s.len() <= 64, "{s}");
            assert_eq!(Action::decode(&s), Some(a));
        }
    }

    #[test]
    fn forged_or_old_data_is_refused() {
        for s in [
            "",
            "h1",
            "2h1",
            "1h",
            "1h-5",
            "1p3.9",
            "1kx.incident",
            "1k3.nope",
            "1q3",
            "1h1.2",
            "1c3.x",
            "1r3.6",
            "1r3.0",
            "1a3.1",
            "1a",
        ] {
            assert_eq!(Action::decode(s), None, "{s}");
        }
    }
}
