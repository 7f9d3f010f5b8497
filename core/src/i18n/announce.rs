//! What the desk says about announcements: to the admins who send them (preview, progress,
//! the summary), to the users who get them (the footer, `/mute`), and the refusals.

use crate::announce::{Announcement, AudienceSize, Counts, TextProblem, Texts};
use crate::domain::{AnnounceState, Lang};
use crate::error::UserError;

/// `3400` as people read it: `3,400` in English, `3 400` in Russian (a no-break space).
pub fn count(n: i64, lang: Lang) -> String {
    let digits = n.unsigned_abs().to_string();
    let sep = match lang {
        Lang::En => ",",
        Lang::Ru => "\u{a0}",
    };
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(d);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn state(s: AnnounceState, lang: Lang) -> &'static str {
    match (s, lang) {
        (AnnounceState::Draft, Lang::En) => "a draft",
        (AnnounceState::Sending, Lang::En) => "being sent",
        (AnnounceState::Stopped, Lang::En) => "paused",
        (AnnounceState::Done, Lang::En) => "sent",
        (AnnounceState::Cancelled, Lang::En) => "cancelled",
        (AnnounceState::Draft, Lang::Ru) => "черновик",
        (AnnounceState::Sending, Lang::Ru) => "рассылается",
        (AnnounceState::Stopped, Lang::Ru) => "на паузе",
        (AnnounceState::Done, Lang::Ru) => "разослано",
        (AnnounceState::Cancelled, Lang::Ru) => "отменено",
    }
}

/// "sent 1,200 of 3,400; 12 blocked the bot; 3 failed; 40 muted".
fn tally(c: &Counts, lang: Lang) -> String {
    let n = |v| count(v, lang);
    let mut parts = vec![match lang {
        Lang::En => format!("sent {} of {}", n(c.sent), n(c.to_send())),
        Lang::Ru => format!("отправлено {} из {}", n(c.sent), n(c.to_send())),
    }];
    if c.blocked > 0 {
        parts.push(match lang {
            Lang::En => format!("{} blocked the bot", n(c.blocked)),
            Lang::Ru => format!("{} заблокировали бота", n(c.blocked)),
        });
    }
    if c.failed > 0 {
        parts.push(match lang {
            Lang::En => format!("{} failed", n(c.failed)),
            Lang::Ru => format!("{} не доставлено", n(c.failed)),
        });
    }
    if c.muted > 0 {
        parts.push(match lang {
            Lang::En => format!("{} muted announcements", n(c.muted)),
            Lang::Ru => format!("{} отключили объявления", n(c.muted)),
        });
    }
    parts.join("; ")
}

/// What `/announce` and the users' `/mute` say.
#[derive(Debug)]
pub enum AnnounceAck<'a> {
    /// Under every announcement a user gets.
    Footer,
    Preview {
        id: i64,
        audience: &'a str,
        size: AudienceSize,
        texts: &'a Texts,
        /// The known issue's update, already told to its linked requesters.
        problem_told: Option<usize>,
    },
    /// The [Send] button's label.
    SendButton(i64),
    CancelButton,
    Started {
        id: i64,
        counts: Counts,
    },
    Cancelled(i64),
    Stopped {
        id: i64,
        counts: Counts,
    },
    Resumed(i64),
    List(&'a [(Announcement, Counts)]),
    Progress {
        id: i64,
        counts: Counts,
    },
    Finished {
        id: i64,
        counts: Counts,
    },
    /// A known issue's update, as its announcement says it.
    ProblemNews {
        title: &'a str,
        text: &'a str,
    },
    Muted,
    AlreadyMuted,
    Unmuted,
    NotMuted,
}

impl AnnounceAck<'_> {
    pub fn text(&self, lang: Lang) -> String {
        let ru = lang == Lang::Ru;
        let pick = |r: String, e: String| if ru { r } else { e };
        let n = |v| count(v, lang);
        match self {
            AnnounceAck::Footer => pick(
                "— /mute: не получать объявления".into(),
                "— /mute: stop these announcements".into(),
            ),
            AnnounceAck::Preview {
                id,
                audience,
                size,
                texts,
                problem_told,
            } => {
                let mut s = pick(
                    format!(
                        "Объявление №{id} — аудитория «{audience}»: {} чел.",
                        n(size.reach)
                    ),
                    format!(
                        "Announcement #{id} — audience “{audience}”: {} people.",
                        n(size.reach)
                    ),
                );
                if size.muted > 0 || size.blocked > 0 {
                    s.push_str(&pick(
                        format!(
                            " Не получат: {} отключили объявления, {} заблокировали бота.",
                            n(size.muted),
                            n(size.blocked)
                        ),
                        format!(
                            " Not sent to: {} who muted announcements, {} who blocked the bot.",
                            n(size.muted),
                            n(size.blocked)
                        ),
                    ));
                }
                if let Some(told) = problem_told {
                    s.push_str(&pick(
                        format!(
                            "\nОбновление записано в известную проблему; {told} связанных заявителей уже сообщено (им объявление не придёт)."
                        ),
                        format!(
                            "\nThe update is recorded on the known issue; {told} linked requesters were told (they are left out)."
                        ),
                    ));
                }
                if texts.is_one() {
                    s.push_str(&format!("\n\n{}", texts.for_lang(lang)));
                } else {
                    for (l, t) in [(Lang::En, &texts.en), (Lang::Ru, &texts.ru)] {
                        match t {
                            Some(t) => s.push_str(&format!("\n\n[{}]\n{t}", l.code())),
                            None => s.push_str(&pick(
                                format!("\n\n[{}] — получат текст на другом языке", l.code()),
                                format!("\n\n[{}] — they get the other language's text", l.code()),
                            )),
                        }
                    }
                }
                s
            }
            AnnounceAck::SendButton(_) => pick("Отправить".into(), "Send".into()),
            AnnounceAck::CancelButton => pick("Отменить".into(), "Cancel".into()),
            AnnounceAck::Started { id, counts } => pick(
                format!(
                    "Объявление №{id} рассылается: {} чел. Ход рассылки буду сообщать сюда; /announce stop — пауза.",
                    n(counts.to_send())
                ),
                format!(
                    "Announcement #{id} is being sent to {} people. Progress comes here; /announce stop pauses it.",
                    n(counts.to_send())
                ),
            ),
            AnnounceAck::Cancelled(id) => pick(
                format!("Объявление №{id} отменено, никому не отправлено."),
                format!("Announcement #{id} is cancelled; nobody got it."),
            ),
            AnnounceAck::Stopped { id, counts } => pick(
                format!(
                    "Объявление №{id} на паузе: {}. /announce resume {id} — продолжить.",
                    tally(counts, lang)
                ),
                format!(
                    "Announcement #{id} is paused: {}. /announce resume {id} goes on.",
                    tally(counts, lang)
                ),
            ),
            AnnounceAck::Resumed(id) => pick(
                format!("Объявление №{id} снова рассылается."),
                format!("Announcement #{id} is being sent again."),
            ),
            AnnounceAck::List([]) => pick(
                "Объявлений ещё не было.".into(),
                "No announcements yet.".into(),
            ),
            AnnounceAck::List(list) => {
                let mut s = pick("Объявления:".into(), "Announcements:".into());
                for (a, c) in *list {
                    s.push_str(&format!(
                        "\n#{} · {} · {} · {}",
                        a.id,
                        a.audience.code(),
                        state(a.state, lang),
                        tally(c, lang)
                    ));
                }
                s
            }
            AnnounceAck::Progress { id, counts } => pick(
                format!("Объявление №{id}: {}.", tally(counts, lang)),
                format!("Announcement #{id}: {}.", tally(counts, lang)),
            ),
            AnnounceAck::Finished { id, counts } => pick(
                format!("Объявление №{id} разослано: {}.", tally(counts, lang)),
                format!("Announcement #{id} is done: {}.", tally(counts, lang)),
            ),
            AnnounceAck::ProblemNews { title, text } => pick(
                format!("ℹ️ Новости по известной проблеме «{title}»:\n{text}"),
                format!("ℹ️ News of the known issue “{title}”:\n{text}"),
            ),
            AnnounceAck::Muted => pick(
                "Больше не буду присылать объявления. /unmute — снова получать.".into(),
                "You will get no more announcements. /unmute turns them back on.".into(),
            ),
            AnnounceAck::AlreadyMuted => pick(
                "Объявления уже отключены. /unmute — снова получать.".into(),
                "Announcements are already off for you. /unmute turns them back on.".into(),
            ),
            AnnounceAck::Unmuted => pick(
                "Объявления снова включены.".into(),
                "Announcements are on again.".into(),
            ),
            AnnounceAck::NotMuted => pick(
                "Объявления и так включены. /mute — отключить.".into(),
                "Announcements are on already. /mute turns them off.".into(),
            ),
        }
    }
}

const AUDIENCES_EN: &str = "all, org KEY, lang ru|en, platform telegram|discord or active 30d";
const AUDIENCES_RU: &str = "all, org КЛЮЧ, lang ru|en, platform telegram|discord или active 30d";

/// The refusals of `/announce`.
pub(crate) fn refusal(e: &UserError, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let pick = |r: String, e: String| if ru { r } else { e };
    let lang_name = |l: Lang| l.code();
    match e {
        UserError::BadAudience(a) if a.is_empty() => pick(
            format!("Кому объявление? /announce АУДИТОРИЯ, где аудитория — {AUDIENCES_RU}; текст — со следующей строки."),
            format!("Who is it for? /announce AUDIENCE, where the audience is {AUDIENCES_EN}; the text on the next lines."),
        ),
        UserError::BadAudience(a) => pick(
            format!("«{a}» — не аудитория. Можно: {AUDIENCES_RU}."),
            format!("“{a}” is not an audience. Use {AUDIENCES_EN}."),
        ),
        UserError::BadAnnouncementText(p) => match p {
            TextProblem::Missing => pick(
                "Нет текста. Напишите его со следующей строки после /announce АУДИТОРИЯ — один для всех или блоками ru: и en:.".into(),
                "There is no text. Write it on the lines after /announce AUDIENCE — one for everyone, or in ru: and en: blocks.".into(),
            ),
            TextProblem::BeforeBlocks => pick(
                "Текст до первого блока ru:/en: — непонятно, чей он. Поместите его в блок.".into(),
                "There is text before the first ru:/en: block, so it belongs to no language. Put it in a block.".into(),
            ),
            TextProblem::EmptyBlock(l) => pick(
                format!("Блок {}: пуст.", lang_name(*l)),
                format!("The {}: block is empty.", lang_name(*l)),
            ),
            TextProblem::Twice(l) => pick(
                format!("Блок {}: встречается дважды.", lang_name(*l)),
                format!("There are two {}: blocks.", lang_name(*l)),
            ),
            TextProblem::TooLong(l) => pick(
                format!(
                    "Текст {} длиннее {} знаков — одно сообщение его не вместит.",
                    lang_name(*l),
                    count(crate::announce::MAX_TEXT_CHARS as i64, lang)
                ),
                format!(
                    "The {} text is longer than {} characters, more than one message holds.",
                    lang_name(*l),
                    count(crate::announce::MAX_TEXT_CHARS as i64, lang)
                ),
            ),
        },
        UserError::NoAnnouncement(id) => pick(
            format!("Объявления №{id} нет: /announce list покажет последние."),
            format!("There is no announcement #{id}: /announce list shows the latest."),
        ),
        UserError::AnnouncementIs(id, s) => pick(
            format!("Объявление №{id} — {}: этого с ним уже не сделать.", state(*s, lang)),
            format!("Announcement #{id} is {}: that cannot be done to it now.", state(*s, lang)),
        ),
        UserError::NothingSending => pick(
            "Сейчас ничего не рассылается.".into(),
            "No announcement is being sent now.".into(),
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_as_each_language_writes_them() {
        assert_eq!(count(0, Lang::En), "0");
        assert_eq!(count(999, Lang::En), "999");
        assert_eq!(count(1_200, Lang::En), "1,200");
        assert_eq!(count(3_400_000, Lang::En), "3,400,000");
        assert_eq!(count(1_200, Lang::Ru), "1\u{a0}200");
        assert_eq!(count(-1_200, Lang::En), "-1,200");
    }

    #[test]
    fn progress_names_the_blocked() {
        let c = Counts {
            total: 3_400,
            pending: 2_188,
            sent: 1_200,
            blocked: 12,
            ..Counts::default()
        };
        let text = AnnounceAck::Progress { id: 3, counts: c }.text(Lang::En);
        assert_eq!(
            text,
            "Announcement #3: sent 1,200 of 3,400; 12 blocked the bot."
        );
        let ru = AnnounceAck::Progress { id: 3, counts: c }.text(Lang::Ru);
        assert!(ru.contains("отправлено 1\u{a0}200 из 3\u{a0}400"), "{ru}");
    }
}
