//! Line 1's guesses from a question's words: the ticket's kind, and whether the user says it
//! is urgent. A guess only pre-selects a button; the user confirms it and an agent can change it.

use crate::domain::TicketKind;

/// Word beginnings that point at each kind, in both languages, most specific kinds first.
const CUES: &[(TicketKind, &[&str])] = &[
    (
        TicketKind::LicenceKey,
        &[
            "licen",
            "license",
            "activation key",
            "serial",
            "лиценз",
            "ключ актив",
            "ключ продук",
        ],
    ),
    (
        TicketKind::AccessRequest,
        &[
            "access",
            "permission",
            "rights",
            "role",
            "доступ",
            "прав",
            "рол",
            "разреш",
        ],
    ),
    (
        TicketKind::Consultation,
        &[
            "consult",
            "training",
            "teach",
            "set up a report",
            "консульт",
            "обучен",
            "научит",
            "настроить отчёт",
        ],
    ),
    (
        TicketKind::Update,
        &[
            "update",
            "upgrade",
            "new version",
            "patch",
            "обновл",
            "новая версия",
            "верси",
        ],
    ),
    (
        TicketKind::Wish,
        &[
            "would be nice",
            "feature",
            "suggest",
            "wish",
            "please add",
            "хорошо бы",
            "пожелан",
            "предлага",
            "добавьте",
        ],
    ),
    (
        TicketKind::Incident,
        &[
            "not work",
            "doesn't work",
            "does not work",
            "isn't working",
            "won't",
            "not print",
            "not connect",
            "not open",
            "not start",
            "no sound",
            "jam",
            "broken",
            "error",
            "fail",
            "crash",
            "cannot",
            "can't",
            "down",
            "stuck",
            "не работает",
            "не могу",
            "ошибк",
            "слома",
            "завис",
            "не запуска",
            "не открыва",
            "не печата",
            "не подключ",
            "упал",
            "сбой",
        ],
    ),
];

/// The most likely kind of request for `text`; a plain question when nothing points anywhere.
pub fn guess_kind(text: &str) -> TicketKind {
    let lower = text.to_lowercase();
    CUES.iter()
        .find(|(_, cues)| cues.iter().any(|c| lower.contains(c)))
        .map_or(TicketKind::Question, |(kind, _)| *kind)
}

/// Whether the user asks for urgency. It is recorded for agents; it never changes the
/// priority by itself (an agent decides, as in any real desk).
pub fn asks_for_urgency(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "urgent",
        "asap",
        "immediately",
        "right now",
        "срочно",
        "срочн",
        "немедленно",
        "побыстрее",
        "как можно скорее",
    ]
    .iter()
    .any(|c| lower.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_guessed_in_both_languages() {
        assert_eq!(
            guess_kind("The printer does not work"),
            TicketKind::Incident
        );
        assert_eq!(guess_kind("Принтер не печатает"), TicketKind::Incident);
        assert_eq!(guess_kind("I need access to 1C"), TicketKind::AccessRequest);
        assert_eq!(guess_kind("Нужен доступ к CRM"), TicketKind::AccessRequest);
        assert_eq!(
            guess_kind("need a license for Visio"),
            TicketKind::LicenceKey
        );
        assert_eq!(
            guess_kind("Нужна лицензия на Visio"),
            TicketKind::LicenceKey
        );
        assert_eq!(
            guess_kind("training on Excel pivot tables"),
            TicketKind::Consultation
        );
        assert_eq!(guess_kind("what is the guest wifi?"), TicketKind::Question);
    }

    #[test]
    fn urgency_is_noticed_but_plain_text_is_not() {
        assert!(asks_for_urgency("This is URGENT!!"));
        assert!(asks_for_urgency("срочно нужно"));
        assert!(!asks_for_urgency("the printer is jammed"));
    }
}
