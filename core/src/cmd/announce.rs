//! The admins' `/announce`: a draft with its preview and [Send] [Cancel], then `stop`,
//! `resume` and `list`; and the users' `/mute` and `/unmute`. Sending itself is the pump's
//! ([`crate::announce`]).

use crate::action::Action;
use crate::announce::{Audience, Texts};
use crate::desk::{Acting, Done, Turn};
use crate::domain::{AnnounceState, ChannelKind, ProblemId};
use crate::error::{AdminTask, UserError};
use crate::i18n::announce::AnnounceAck;
use crate::message::Button;
use crate::staff::Role;
use crate::store::{NewAnnouncement, Store};

/// Announcements `/announce list` shows.
const LIST: i64 = 10;

/// An admin's `/announce` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnnounceCommand {
    Draft {
        audience: Audience,
        texts: Texts,
    },
    Send(i64),
    Cancel(i64),
    /// Pauses one, or (`None`) every announcement being sent.
    Stop(Option<i64>),
    Resume(i64),
    List,
}

fn number(w: Option<&str>) -> Result<i64, UserError> {
    let w = w.unwrap_or("");
    w.trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(UserError::MissingArgument {
            command: "announce",
            what: "an announcement's number, such as 3",
        })
}

/// An audience and the text after it: the rest of the first line and the lines below.
///
/// # Errors
/// A bad audience or text, said as such.
pub(crate) fn parse_draft(args: &str) -> Result<(Audience, Texts), UserError> {
    let (first, below) = args.split_once('\n').unwrap_or((args, ""));
    let words: Vec<&str> = first.split_whitespace().collect();
    let (audience, took) = Audience::parse(&words)?;
    // What follows the audience's words on its line starts the text.
    let mut rest = first.trim_start();
    for _ in 0..took {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    let text = if rest.is_empty() {
        below.to_string()
    } else {
        format!("{rest}\n{below}")
    };
    Ok((audience, Texts::parse(&text)?))
}

/// Parses `/announce`'s arguments.
///
/// # Errors
/// What is wrong with them, as the admin is told.
pub(crate) fn parse(args: &str) -> Result<AnnounceCommand, UserError> {
    let mut words = args.split_whitespace();
    let sub = words.next().unwrap_or("").to_lowercase();
    Ok(match sub.as_str() {
        "send" => AnnounceCommand::Send(number(words.next())?),
        "cancel" => AnnounceCommand::Cancel(number(words.next())?),
        "resume" => AnnounceCommand::Resume(number(words.next())?),
        "stop" | "pause" => match words.next() {
            None => AnnounceCommand::Stop(None),
            w => AnnounceCommand::Stop(Some(number(w)?)),
        },
        "list" => AnnounceCommand::List,
        _ => {
            let (audience, texts) = parse_draft(args)?;
            AnnounceCommand::Draft { audience, texts }
        }
    })
}

fn admin(a: &Acting<'_, '_, '_>) -> Result<(), UserError> {
    if a.me.role == Role::Admin {
        Ok(())
    } else {
        Err(UserError::AdminOnly(AdminTask::Announce))
    }
}

/// The staff identities, whom announcements to users leave out.
fn staff_ids(a: &Acting<'_, '_, '_>) -> Vec<(ChannelKind, String)> {
    a.desk.config.staff.identities().cloned().collect()
}

/// Why announcement `id` could not be moved: it is not there, or not in that state.
async fn refused(a: &mut Acting<'_, '_, '_>, id: i64) -> crate::desk::Stop {
    match Store::announcement(a.desk.conn, id).await {
        Ok(Some(found)) => UserError::AnnouncementIs(id, found.state).into(),
        Ok(None) => UserError::NoAnnouncement(id).into(),
        Err(e) => e.into(),
    }
}

pub(crate) async fn run(a: &mut Acting<'_, '_, '_>, cmd: AnnounceCommand) -> Done {
    admin(a)?;
    let (now, lang) = (a.turn.now, a.turn.person.lang);
    match cmd {
        AnnounceCommand::Draft { audience, texts } => draft(a, &audience, &texts, None).await?,
        AnnounceCommand::Send(id) => {
            let Some(found) = Store::announcement(a.desk.conn, id).await? else {
                return Err(UserError::NoAnnouncement(id).into());
            };
            let staff = staff_ids(a);
            if !Store::announcement_start(a.desk.conn, &found, &staff, now).await? {
                return Err(refused(a, id).await);
            }
            let counts = Store::announcement_counts(a.desk.conn, id).await?;
            a.turn.reply(AnnounceAck::Started { id, counts }.text(lang));
        }
        AnnounceCommand::Cancel(id) => {
            let moved = Store::announcement_move(
                a.desk.conn,
                Some(id),
                AnnounceState::Draft,
                AnnounceState::Cancelled,
            )
            .await?;
            if moved.is_empty() {
                return Err(refused(a, id).await);
            }
            a.turn.reply(AnnounceAck::Cancelled(id).text(lang));
        }
        AnnounceCommand::Stop(which) => {
            let moved = Store::announcement_move(
                a.desk.conn,
                which,
                AnnounceState::Sending,
                AnnounceState::Stopped,
            )
            .await?;
            if moved.is_empty() {
                return Err(match which {
                    Some(id) => refused(a, id).await,
                    None => UserError::NothingSending.into(),
                });
            }
            for id in moved {
                let counts = Store::announcement_counts(a.desk.conn, id).await?;
                a.turn.reply(AnnounceAck::Stopped { id, counts }.text(lang));
            }
        }
        AnnounceCommand::Resume(id) => {
            let moved = Store::announcement_move(
                a.desk.conn,
                Some(id),
                AnnounceState::Stopped,
                AnnounceState::Sending,
            )
            .await?;
            if moved.is_empty() {
                return Err(refused(a, id).await);
            }
            a.turn.reply(AnnounceAck::Resumed(id).text(lang));
        }
        AnnounceCommand::List => {
            let list = Store::announcements_recent(a.desk.conn, LIST).await?;
            a.turn.reply(AnnounceAck::List(&list).text(lang));
        }
    }
    Ok(())
}

/// Drafts an announcement and shows its preview with [Send] [Cancel]; `problem`: the known
/// issue it updates, and how many of its linked requesters were told in their tickets.
pub(crate) async fn draft(
    a: &mut Acting<'_, '_, '_>,
    audience: &Audience,
    texts: &Texts,
    problem: Option<(ProblemId, usize)>,
) -> Done {
    admin(a)?;
    let (now, lang) = (a.turn.now, a.turn.person.lang);
    if let Audience::Org(key) = audience
        && Store::org(a.desk.conn, key).await?.is_none()
    {
        return Err(UserError::NoOrg(key.to_string()).into());
    }
    let staff = staff_ids(a);
    let problem_id = problem.map(|(p, _)| p);
    let size = Store::audience_size(a.desk.conn, audience, problem_id, &staff, now).await?;
    let id = Store::announcement_add(
        a.desk.conn,
        &NewAnnouncement {
            audience,
            texts,
            problem: problem_id,
            author: &a.me.name,
            admin: a.turn.chat,
            admin_lang: lang,
        },
        now,
    )
    .await?;
    let text = AnnounceAck::Preview {
        id,
        audience: &audience.code(),
        size,
        texts,
        problem_told: problem.map(|(_, told)| told),
    }
    .text(lang);
    let buttons = vec![
        Button {
            label: AnnounceAck::SendButton(id).text(lang),
            data: Action::Announce { id, send: true }.encode(),
        },
        Button {
            label: AnnounceAck::CancelButton.text(lang),
            data: Action::Announce { id, send: false }.encode(),
        },
    ];
    a.turn.reply_with(text, buttons);
    Ok(())
}

/// The users' `/mute` and `/unmute`.
pub(crate) async fn mute(
    desk: &mut crate::desk::Desk<'_>,
    turn: &mut Turn<'_>,
    muted: bool,
) -> Done {
    let (channel, id) = (turn.from.channel, turn.from.id.clone());
    let changed = Store::set_muted(desk.conn, channel, &id, muted, turn.now).await?;
    let ack = match (muted, changed) {
        (true, true) => AnnounceAck::Muted,
        (true, false) => AnnounceAck::AlreadyMuted,
        (false, true) => AnnounceAck::Unmuted,
        (false, false) => AnnounceAck::NotMuted,
    };
    turn.reply(ack.text(turn.person.lang));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;

    #[test]
    fn the_subcommands_and_a_draft_parse() {
        assert_eq!(parse("send 3"), Ok(AnnounceCommand::Send(3)));
        assert_eq!(parse("cancel #3"), Ok(AnnounceCommand::Cancel(3)));
        assert_eq!(parse("stop"), Ok(AnnounceCommand::Stop(None)));
        assert_eq!(parse("stop 4"), Ok(AnnounceCommand::Stop(Some(4))));
        assert_eq!(parse("resume 4"), Ok(AnnounceCommand::Resume(4)));
        assert_eq!(parse("list"), Ok(AnnounceCommand::List));
        assert!(matches!(
            parse("send x"),
            Err(UserError::MissingArgument { .. })
        ));
        let Ok(AnnounceCommand::Draft { audience, texts }) =
            parse("org acme\nru: Обновление\nen: An update")
        else {
            panic!("a draft");
        };
        assert_eq!(audience.code(), "org acme");
        assert_eq!(texts.for_lang(Lang::Ru), "Обновление");
        // The text may start on the audience's line.
        let (a, t) = parse_draft("active 30d   Version 2 is out\nsee the notes").expect("draft");
        assert_eq!(a.code(), "active 30d");
        assert_eq!(t.for_lang(Lang::En), "Version 2 is out\nsee the notes");
        assert!(matches!(parse(""), Err(UserError::BadAudience(a)) if a.is_empty()));
        assert!(matches!(
            parse("all"),
            Err(UserError::BadAnnouncementText(_))
        ));
    }
}
