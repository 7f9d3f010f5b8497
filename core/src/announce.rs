//! Announcements: the desk telling its users something itself (a new version, an outage).
//!
//! An admin writes `/announce AUDIENCE` with the text on the next lines and gets a preview
//! with the audience's size; [Send] takes a snapshot of the audience as one row per
//! recipient. From then on the pump ([`Engine::announce_round`]) feeds the outbox a window
//! of recipients at a time — each recipient's row is marked `queued` in the transaction that
//! queues its message, so nobody gets it twice across restarts or instances — and settles
//! the window from the outbox rows as they are sent or refused. The window is small (about
//! two seconds of Telegram's 30 messages a second), so an announcement to ten thousand
//! people never stands between a user and the answer to their question: the outbox works
//! chats in parallel, and only this window of announcement chats waits on the platform's
//! overall limit beside them.

use std::time::Duration;

use crate::domain::{AnnounceState, ChannelKind, ChatRef, Lang, ProblemId, RecipientState};
use crate::engine::Engine;
use crate::error::{CoreResult, UserError};
use crate::i18n::announce::AnnounceAck;
use crate::message::Outbound;
use crate::org::OrgKey;
use crate::store::Store;

/// Recipients in the outbox at once, per announcement: about a second of Telegram's rate,
/// and half the chats a dispatcher works at once (the other half stay free for users).
pub const WINDOW: i64 = 32;
/// How often the pump looks while something is being sent.
pub const PUMP_EVERY: Duration = Duration::from_millis(300);
/// How often progress is posted to the admin who sent it.
pub const PROGRESS_EVERY_MS: i64 = 30_000;
/// The longest text of one language (one Telegram message, with the footer).
pub const MAX_TEXT_CHARS: usize = 3_500;
/// The longest `active Nd`.
const MAX_ACTIVE_DAYS: u32 = 3_650;

/// Who an announcement goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    All,
    Org(OrgKey),
    Lang(Lang),
    Platform(ChannelKind),
    /// People who wrote within the last `days` days.
    Active {
        days: u32,
    },
}

impl Audience {
    /// The audience at the start of `words`, and how many words it took.
    ///
    /// # Errors
    /// [`UserError::BadAudience`] naming what was written.
    pub fn parse(words: &[&str]) -> Result<(Audience, usize), UserError> {
        let first = words.first().copied().unwrap_or("");
        let second = words.get(1).copied().unwrap_or("");
        let bad = || {
            UserError::BadAudience(
                format!("{first} {second}")
                    .trim()
                    .chars()
                    .take(60)
                    .collect(),
            )
        };
        Ok(match first.to_lowercase().as_str() {
            "all" => (Audience::All, 1),
            "org" => (Audience::Org(OrgKey::parse(second).map_err(|_| bad())?), 2),
            "lang" => (
                Audience::Lang(Lang::parse(&second.to_lowercase()).map_err(|_| bad())?),
                2,
            ),
            "platform" => match ChannelKind::from_code(&second.to_lowercase()) {
                Some(c) => (Audience::Platform(c), 2),
                None => return Err(bad()),
            },
            "active" => {
                // `30d`, or `30 d`.
                let (n, took) = match second.strip_suffix(['d', 'D', 'д']) {
                    Some(n) => (n, 2),
                    None if words
                        .get(2)
                        .is_some_and(|d| d.eq_ignore_ascii_case("d") || *d == "д") =>
                    {
                        (second, 3)
                    }
                    None => return Err(bad()),
                };
                let days: u32 = n.parse().map_err(|_| bad())?;
                if days == 0 || days > MAX_ACTIVE_DAYS {
                    return Err(bad());
                }
                (Audience::Active { days }, took)
            }
            _ => return Err(bad()),
        })
    }

    /// The stored and shown form: `all`, `org acme`, `lang ru`, `platform telegram`,
    /// `active 30d`.
    pub fn code(&self) -> String {
        match self {
            Audience::All => "all".into(),
            Audience::Org(k) => format!("org {k}"),
            Audience::Lang(l) => format!("lang {}", l.code()),
            Audience::Platform(c) => format!("platform {}", c.code()),
            Audience::Active { days } => format!("active {days}d"),
        }
    }

    /// The audience of a stored code.
    pub fn from_code(s: &str) -> Option<Audience> {
        let words: Vec<&str> = s.split_whitespace().collect();
        match Audience::parse(&words) {
            Ok((a, n)) if n == words.len() => Some(a),
            _ => None,
        }
    }
}

/// What was wrong with an announcement's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// Nothing after the audience.
    Missing,
    /// Words before the first `ru:` / `en:` block.
    BeforeBlocks,
    /// A block with nothing in it.
    EmptyBlock(Lang),
    /// The same language's block twice.
    Twice(Lang),
    /// Longer than [`MAX_TEXT_CHARS`].
    TooLong(Lang),
}

/// An announcement's text: one per language, or one for all (then both are the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    pub en: Option<String>,
    pub ru: Option<String>,
}

impl Texts {
    /// Reads `ru:` / `en:` blocks (each starts a line; the text goes on until the next), or
    /// one text for everyone when there are none.
    ///
    /// # Errors
    /// [`UserError::BadAnnouncementText`] saying what is wrong.
    pub fn parse(text: &str) -> Result<Texts, UserError> {
        let bad = |p| Err(UserError::BadAnnouncementText(p));
        let mut before = String::new();
        let mut blocks: Vec<(Lang, String)> = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim_start();
            let marker = [Lang::En, Lang::Ru].into_iter().find(|l| {
                trimmed
                    .get(..3)
                    .is_some_and(|h| h.eq_ignore_ascii_case(&format!("{}:", l.code())))
            });
            match (marker, blocks.last_mut()) {
                (Some(lang), _) => {
                    if blocks.iter().any(|(l, _)| *l == lang) {
                        return bad(TextProblem::Twice(lang));
                    }
                    blocks.push((lang, trimmed[3..].trim_start().to_string()));
                }
                (None, Some((_, body))) => {
                    body.push('\n');
                    body.push_str(line);
                }
                (None, None) => {
                    before.push_str(line);
                    before.push('\n');
                }
            }
        }
        let check = |lang: Lang, body: &str| -> Result<String, UserError> {
            let body = body.trim();
            if body.is_empty() {
                return Err(UserError::BadAnnouncementText(TextProblem::EmptyBlock(
                    lang,
                )));
            }
            if body.chars().count() > MAX_TEXT_CHARS {
                return Err(UserError::BadAnnouncementText(TextProblem::TooLong(lang)));
            }
            Ok(body.to_string())
        };
        if blocks.is_empty() {
            let one = before.trim();
            if one.is_empty() {
                return bad(TextProblem::Missing);
            }
            let lang = Lang::detect(one).unwrap_or(Lang::En);
            let one = check(lang, one)?;
            return Ok(Texts {
                en: Some(one.clone()),
                ru: Some(one),
            });
        }
        if !before.trim().is_empty() {
            return bad(TextProblem::BeforeBlocks);
        }
        let mut texts = Texts { en: None, ru: None };
        for (lang, body) in blocks {
            let body = check(lang, &body)?;
            match lang {
                Lang::En => texts.en = Some(body),
                Lang::Ru => texts.ru = Some(body),
            }
        }
        Ok(texts)
    }

    /// One text for everyone.
    pub fn one(text: String) -> Texts {
        Texts {
            en: Some(text.clone()),
            ru: Some(text),
        }
    }

    /// The text for a reader of `lang`: theirs, else the other.
    pub fn for_lang(&self, lang: Lang) -> &str {
        let (mine, other) = match lang {
            Lang::En => (&self.en, &self.ru),
            Lang::Ru => (&self.ru, &self.en),
        };
        mine.as_deref().or(other.as_deref()).unwrap_or("")
    }

    /// Whether there is one text for everyone.
    pub fn is_one(&self) -> bool {
        self.en == self.ru
    }
}

/// An announcement as stored.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub id: i64,
    pub audience: Audience,
    pub texts: Texts,
    /// The known issue it is an update of.
    pub problem: Option<ProblemId>,
    pub author: String,
    /// Where its preview and progress go, and in which language.
    pub admin: ChatRef,
    pub admin_lang: Lang,
    pub state: AnnounceState,
    pub created_ms: i64,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    pub progress_ms: i64,
    /// How many recipients were settled when progress was last posted.
    pub progress_done: i64,
}

/// An audience's size before sending: who would get it, who muted announcements, who is
/// known to have blocked the bot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AudienceSize {
    pub reach: i64,
    pub muted: i64,
    pub blocked: i64,
}

/// Where an announcement's recipients stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub total: i64,
    pub pending: i64,
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub blocked: i64,
    pub muted: i64,
}

impl Counts {
    pub fn add(&mut self, state: RecipientState, n: i64) {
        self.total += n;
        let slot = match state {
            RecipientState::Pending => &mut self.pending,
            RecipientState::Queued => &mut self.queued,
            RecipientState::Sent => &mut self.sent,
            RecipientState::Failed => &mut self.failed,
            RecipientState::Blocked => &mut self.blocked,
            RecipientState::Muted => &mut self.muted,
        };
        *slot += n;
    }

    /// Recipients whose outcome is known.
    pub fn settled(&self) -> i64 {
        self.sent + self.failed + self.blocked + self.muted
    }

    /// Those it is meant to reach (the muted are not).
    pub fn to_send(&self) -> i64 {
        self.total - self.muted
    }
}

/// One recipient taken into the window.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub to: ChatRef,
    pub lang: Lang,
}

impl Engine {
    /// One round of the pump for every announcement being sent: settles what the outbox
    /// sent or refused, queues the next window, posts progress to the admin every
    /// [`PROGRESS_EVERY_MS`] and the summary at the end. `kinds` are the channels this
    /// process delivers to (recipients elsewhere wait for an instance that does). Returns
    /// whether anything is still being sent.
    ///
    /// # Errors
    /// Database failures (the next round tries again; nothing is sent twice).
    #[tracing::instrument(skip(self))]
    pub async fn announce_round(&self, kinds: &[ChannelKind]) -> CoreResult<bool> {
        let sending = self
            .store()
            .announcements_in(AnnounceState::Sending)
            .await?;
        let mut busy = false;
        for a in sending {
            busy |= self.pump(&a, kinds).await?;
        }
        // A paused one's window in flight still goes out: its counts follow it (an index
        // read when nothing is queued).
        for a in self
            .store()
            .announcements_in(AnnounceState::Stopped)
            .await?
        {
            let mut tx = self.store().begin().await?;
            Store::announcement_settle(&mut tx, a.id, self.clock().now_ms()).await?;
            tx.commit().await?;
        }
        Ok(busy)
    }

    /// Works one announcement; `true` while it is not finished.
    async fn pump(&self, a: &Announcement, kinds: &[ChannelKind]) -> CoreResult<bool> {
        let now = self.clock().now_ms();
        let mut tx = self.store().begin().await?;
        Store::announcement_settle(&mut tx, a.id, now).await?;
        let counts = Store::announcement_counts(&mut tx, a.id).await?;
        let room = WINDOW - counts.queued;
        let mut out = Vec::new();
        if room > 0 && counts.pending > 0 {
            let backend = self.store().backend();
            let taken = Store::announcement_claim(&mut tx, a.id, room, kinds, backend).await?;
            let footer = |lang| AnnounceAck::Footer.text(lang);
            let rows: Vec<(&ChatRef, String)> = taken
                .iter()
                .map(|r| {
                    let text = format!("{}\n\n{}", a.texts.for_lang(r.lang), footer(r.lang));
                    let mut m = Outbound::text(r.to.clone(), text);
                    m.bulk = true;
                    serde_json::to_string(&m)
                        .map(|p| (&r.to, p))
                        .map_err(|e| crate::error::CoreError::Corrupt(e.to_string()))
                })
                .collect::<CoreResult<_>>()?;
            Store::enqueue_for(&mut tx, &rows, now, Some(a.id)).await?;
        }
        let counts = Store::announcement_counts(&mut tx, a.id).await?;
        let waiting_here = counts.queued > 0
            || (counts.pending > 0
                && Store::announcement_has_pending(&mut tx, a.id, kinds).await?);
        if !waiting_here {
            if Store::announcement_finish(&mut tx, a.id, now).await? {
                let text = AnnounceAck::Finished { id: a.id, counts }.text(a.admin_lang);
                out.push(Outbound::text(a.admin.clone(), text));
            }
        } else if now - a.progress_ms >= PROGRESS_EVERY_MS
            && counts.settled() > a.progress_done
            && Store::announcement_progress(&mut tx, a.id, a.progress_ms, now, counts.settled())
                .await?
        {
            let text = AnnounceAck::Progress { id: a.id, counts }.text(a.admin_lang);
            out.push(Outbound::text(a.admin.clone(), text));
        }
        self.enqueue_all(&mut tx, &out, now).await?;
        tx.commit().await?;
        self.outbox_ready().notify_one();
        Ok(waiting_here)
    }

    /// The pump: a round every [`PUMP_EVERY`] while something is being sent, else every
    /// second (a press of [Send] on any instance is seen within that: one indexed read).
    /// Runs until dropped.
    pub async fn run_announcer(&self, kinds: Vec<ChannelKind>) {
        loop {
            let busy = match self.announce_round(&kinds).await {
                Ok(busy) => busy,
                Err(e) => {
                    tracing::error!(error = %e, "announcement round failed");
                    true
                }
            };
            let wait = if busy {
                PUMP_EVERY
            } else {
                Duration::from_secs(1)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audience(s: &str) -> Result<(Audience, usize), UserError> {
        let words: Vec<&str> = s.split_whitespace().collect();
        Audience::parse(&words)
    }

    #[test]
    fn audiences_parse_and_round_trip() {
        for (typed, code, took) in [
            ("all", "all", 1),
            ("ALL then text", "all", 1),
            ("org acme", "org acme", 2),
            ("lang RU", "lang ru", 2),
            ("platform telegram", "platform telegram", 2),
            ("active 30d", "active 30d", 2),
            ("active 7 d", "active 7d", 3),
        ] {
            let (a, n) = audience(typed).expect(typed);
            assert_eq!(a.code(), code, "{typed}");
            assert_eq!(n, took, "{typed}");
            assert_eq!(Audience::from_code(code), Some(a));
        }
        for bad in [
            "",
            "everyone",
            "org",
            "org !!",
            "lang de",
            "platform icq",
            "active",
            "active 0d",
            "active 30",
            "active lots",
        ] {
            assert!(
                matches!(audience(bad), Err(UserError::BadAudience(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn texts_come_in_blocks_or_as_one() {
        let t = Texts::parse("ru: Вышла версия 2.0\nподробности в блоге\nEN: Version 2.0 is out")
            .expect("blocks");
        assert_eq!(
            t.ru.as_deref(),
            Some("Вышла версия 2.0\nподробности в блоге")
        );
        assert_eq!(t.en.as_deref(), Some("Version 2.0 is out"));
        assert!(!t.is_one());
        let one = Texts::parse("\nVersion 2.0 is out\n").expect("one");
        assert_eq!(one.for_lang(Lang::Ru), "Version 2.0 is out");
        assert!(one.is_one());
        let en_only = Texts::parse("en: only English").expect("one block");
        assert_eq!(
            en_only.for_lang(Lang::Ru),
            "only English",
            "the other language"
        );
        // A line that merely mentions "en:" later on is text.
        let mid = Texts::parse("Note: token: abc").expect("one");
        assert_eq!(mid.for_lang(Lang::En), "Note: token: abc");
    }

    #[test]
    fn bad_texts_are_named() {
        let problem = |s: &str| match Texts::parse(s) {
            Err(UserError::BadAnnouncementText(p)) => Some(p),
            _ => None,
        };
        assert_eq!(problem(""), Some(TextProblem::Missing));
        assert_eq!(problem("  \n "), Some(TextProblem::Missing));
        assert_eq!(
            problem("hello\nru: привет"),
            Some(TextProblem::BeforeBlocks)
        );
        assert_eq!(
            problem("ru:\nen: hi"),
            Some(TextProblem::EmptyBlock(Lang::Ru))
        );
        assert_eq!(problem("en: a\nen: b"), Some(TextProblem::Twice(Lang::En)));
        assert_eq!(
            problem(&format!("en: {}", "x".repeat(MAX_TEXT_CHARS + 1))),
            Some(TextProblem::TooLong(Lang::En))
        );
    }
}
