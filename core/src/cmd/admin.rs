//! Admins' commands about people: `/staff list|add|remove`, `/block`, `/unblock` and
//! `/forget CHANNEL:ID`. Each is refused to agents before anything is read.

use crate::desk::{Acting, Done, Stop};
use crate::domain::{Actor, ChannelKind, Line};
use crate::error::{AdminTask, UserError};
use crate::i18n::staff::Ack;
use crate::staff::{Role, StaffMember};
use crate::store::{Store, StoredStaff};

fn admin(me: &StaffMember, task: AdminTask) -> Result<Actor, Stop> {
    if me.role == Role::Admin {
        Ok(Actor::Agent(me.name.clone()))
    } else {
        Err(UserError::AdminOnly(task).into())
    }
}

pub(crate) async fn staff(a: &mut Acting<'_, '_, '_>, cmd: StaffCommand) -> Done {
    let actor = admin(a.me, AdminTask::ManageStaff)?;
    match cmd {
        StaffCommand::List => {
            let list = Store::staff_list(a.desk.conn).await?;
            a.turn.ack(Ack::StaffList { staff: &list });
        }
        StaffCommand::Add {
            name,
            admin,
            channel,
            id,
            lines,
        } => {
            let stored = StoredStaff {
                member: StaffMember {
                    name: name.clone(),
                    role: if admin { Role::Admin } else { Role::Agent },
                    lines,
                },
                channel,
                external_id: id.clone(),
            };
            if !Store::staff_add(a.desk.conn, &stored, &actor, a.turn.now).await? {
                return Err(UserError::StaffExists(name).into());
            }
            a.turn.ack(Ack::StaffAdded {
                name: &name,
                admin,
                channel,
                id: &id,
            });
        }
        StaffCommand::Remove(name) => {
            if !Store::staff_remove(a.desk.conn, &name, &actor, a.turn.now).await? {
                return Err(UserError::NoStaff(name).into());
            }
            a.turn.ack(Ack::StaffRemoved { name: &name });
        }
    }
    Ok(())
}

pub(crate) async fn block(
    a: &mut Acting<'_, '_, '_>,
    channel: ChannelKind,
    id: &str,
    reason: &str,
) -> Done {
    let actor = admin(a.me, AdminTask::Block)?;
    Store::block(a.desk.conn, channel, id, reason, &actor, a.turn.now).await?;
    a.turn.ack(Ack::Blocked { channel, id });
    Ok(())
}

pub(crate) async fn unblock(a: &mut Acting<'_, '_, '_>, channel: ChannelKind, id: &str) -> Done {
    let actor = admin(a.me, AdminTask::Unblock)?;
    let was = Store::unblock(a.desk.conn, channel, id, &actor, a.turn.now).await?;
    a.turn.ack(Ack::Unblocked { channel, id, was });
    Ok(())
}

pub(crate) async fn forget(a: &mut Acting<'_, '_, '_>, channel: ChannelKind, id: &str) -> Done {
    let actor = admin(a.me, AdminTask::Forget)?;
    let erased = Store::forget(a.desk.conn, channel, id, &actor, a.turn.now).await?;
    a.turn.ack(Ack::Forgot {
        channel,
        id,
        erased: erased.as_ref(),
    });
    Ok(())
}

/// Admins' management of staff from chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffCommand {
    List,
    /// Name, admin?, channel, platform id, lines.
    Add {
        name: String,
        admin: bool,
        channel: ChannelKind,
        id: String,
        lines: Vec<Line>,
    },
    Remove(String),
}

/// The arguments of `/staff`: `list`, `add NAME agent|admin CHANNEL:ID [lines 2,3]`,
/// `remove NAME`; what is missing, if anything.
pub(crate) fn parse_staff(first: &str, rest: &str) -> Result<StaffCommand, &'static str> {
    Ok(match first {
        "" | "list" => StaffCommand::List,
        "remove" if rest.is_empty() => return Err("the name to remove"),
        "remove" => StaffCommand::Remove(rest.to_string()),
        "add" => parse_add(rest)?,
        _ => return Err("list, add or remove"),
    })
}

fn parse_add(rest: &str) -> Result<StaffCommand, &'static str> {
    const USAGE: &str = "NAME agent|admin CHANNEL:ID [lines 2,3]";
    let mut words = rest.split_whitespace();
    let (Some(name), Some(role), Some(identity)) = (words.next(), words.next(), words.next())
    else {
        return Err(USAGE);
    };
    let admin = match role {
        "agent" => false,
        "admin" => true,
        _ => return Err(USAGE),
    };
    let (channel, id) = identity.split_once(':').ok_or(USAGE)?;
    let channel = ChannelKind::from_code(channel).ok_or(USAGE)?;
    if id.is_empty() {
        return Err(USAGE);
    }
    let lines = match words.next() {
        None => vec![Line::AGENTS],
        Some(l) => l
            .split(',')
            .map(|n| {
                n.parse::<i64>()
                    .ok()
                    .and_then(|n| Line::new(n).ok())
                    .filter(|l| l.get() >= 2)
            })
            .collect::<Option<Vec<_>>>()
            .ok_or(USAGE)?,
    };
    Ok(StaffCommand::Add {
        name: name.to_string(),
        admin,
        channel,
        id: id.to_string(),
        lines,
    })
}
