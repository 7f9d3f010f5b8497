//! Organisations from chat: the admins' `/org …`, and the users' `/join CODE` (or the deep
//! link `?start=org-CODE`).

use crate::desk::{Acting, Desk, Done, Turn};
use crate::domain::{Actor, ChannelKind};
use crate::error::{AdminTask, UserError};
use crate::i18n::org::{OrgAck, SHOW_MEMBERS};
use crate::org::{Consultations, MAX_ORG_NAME_CHARS, Org, OrgKey};
use crate::staff::Role;
use crate::store::{OrgField, Store};

/// An admin's `/org` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgCommand {
    Add { key: OrgKey, name: String },
    List,
    Show(OrgKey),
    Set(OrgKey, OrgField),
    MemberAdd(OrgKey, ChannelKind, String),
    MemberRemove(OrgKey, ChannelKind, String),
    Code(OrgKey),
    Revoke(String),
}

const USAGE: &str = "add KEY NAME | list | show KEY | set KEY partner|manager|consultations VALUE | \
     member add|remove KEY CHANNEL:ID | code KEY | revoke CODE";

/// Parses `/org`'s arguments; the usage when they do not fit.
///
/// # Errors
/// What was expected, or a bad key.
pub(crate) fn parse(args: &str) -> Result<OrgCommand, ParseError> {
    let mut words = args.split_whitespace();
    let sub = words.next().unwrap_or("").to_lowercase();
    let key = |w: Option<&str>| -> Result<OrgKey, ParseError> {
        OrgKey::parse(w.ok_or(ParseError::Usage(USAGE))?).map_err(ParseError::Bad)
    };
    Ok(match sub.as_str() {
        "add" => {
            let key = key(words.next())?;
            let name = words.collect::<Vec<_>>().join(" ");
            if name.is_empty() {
                return Err(ParseError::Usage("add KEY NAME (the organisation's name)"));
            }
            if name.chars().count() > MAX_ORG_NAME_CHARS {
                return Err(ParseError::Usage("a name of at most 100 characters"));
            }
            OrgCommand::Add { key, name }
        }
        "list" => OrgCommand::List,
        "show" => OrgCommand::Show(key(words.next())?),
        "set" => {
            let k = key(words.next())?;
            let field = words.next().unwrap_or("").to_lowercase();
            let value = words.collect::<Vec<_>>().join(" ");
            let none = value.is_empty() || value == "-" || value.eq_ignore_ascii_case("none");
            let f = match field.as_str() {
                "partner" if none => OrgField::Partner(None),
                "partner" => OrgField::Partner(Some(key(Some(&value))?)),
                "manager" if none => OrgField::Manager(None),
                "manager" => OrgField::Manager(Some(value)),
                "consultations" => OrgField::Consultations(
                    Consultations::from_code(&value)
                        .ok_or(ParseError::Usage("included, billable or partner"))?,
                ),
                _ => {
                    return Err(ParseError::Usage(
                        "set KEY partner|manager|consultations VALUE (- clears)",
                    ));
                }
            };
            OrgCommand::Set(k, f)
        }
        "member" => {
            let how = words.next().unwrap_or("").to_lowercase();
            let k = key(words.next())?;
            let (channel, id) =
                words
                    .next()
                    .and_then(crate::store::identity)
                    .ok_or(ParseError::Usage(
                        "member add|remove KEY CHANNEL:ID (telegram:123)",
                    ))?;
            match how.as_str() {
                "add" => OrgCommand::MemberAdd(k, channel, id),
                "remove" => OrgCommand::MemberRemove(k, channel, id),
                _ => return Err(ParseError::Usage("member add|remove KEY CHANNEL:ID")),
            }
        }
        "code" => OrgCommand::Code(key(words.next())?),
        "revoke" => OrgCommand::Revoke(crate::org::normalise_code(
            words.next().ok_or(ParseError::Usage("revoke CODE"))?,
        )),
        _ => return Err(ParseError::Usage(USAGE)),
    })
}

/// Why `/org`'s arguments did not parse.
#[derive(Debug)]
pub(crate) enum ParseError {
    Usage(&'static str),
    Bad(UserError),
}

fn admin(a: &Acting<'_, '_, '_>) -> Result<Actor, UserError> {
    if a.me.role == Role::Admin {
        Ok(Actor::Agent(a.me.name.clone()))
    } else {
        Err(UserError::AdminOnly(AdminTask::ManageOrgs))
    }
}

async fn existing(a: &mut Acting<'_, '_, '_>, key: &OrgKey) -> Result<Org, crate::desk::Stop> {
    Store::org(a.desk.conn, key)
        .await?
        .ok_or_else(|| UserError::NoOrg(key.to_string()).into())
}

pub(crate) async fn run(a: &mut Acting<'_, '_, '_>, cmd: OrgCommand) -> Done {
    let actor = admin(a)?;
    let (now, lang) = (a.turn.now, a.turn.person.lang);
    let text = match cmd {
        OrgCommand::Add { key, name } => {
            let org = Org {
                key: key.clone(),
                name,
                partner: None,
                manager: None,
                consultations: Consultations::default(),
                from_config: false,
            };
            if !Store::org_add(a.desk.conn, &org, &actor, now).await? {
                return Err(UserError::OrgExists(key.to_string()).into());
            }
            OrgAck::Added(&org).text(lang)
        }
        OrgCommand::List => {
            let orgs = Store::orgs(a.desk.conn).await?;
            OrgAck::List(&orgs).text(lang)
        }
        OrgCommand::Show(key) => {
            let org = existing(a, &key).await?;
            let members = Store::org_members(a.desk.conn, &key, SHOW_MEMBERS).await?;
            let count = Store::org_member_count(a.desk.conn, &key).await?;
            OrgAck::Show {
                org: &org,
                members: &members,
                count,
            }
            .text(lang)
        }
        OrgCommand::Set(key, field) => {
            if let OrgField::Partner(Some(p)) = &field {
                if *p == key {
                    return Err(UserError::BadOrgKey(p.to_string()).into());
                }
                existing(a, p).await?;
            }
            if !Store::org_set(a.desk.conn, &key, &field, &actor, now).await? {
                return Err(UserError::NoOrg(key.to_string()).into());
            }
            let org = existing(a, &key).await?;
            OrgAck::Set(&org).text(lang)
        }
        OrgCommand::MemberAdd(key, channel, id) => {
            existing(a, &key).await?;
            let left = Store::org_member_add(a.desk.conn, &key, channel, &id, &actor, now).await?;
            OrgAck::MemberAdded {
                key: &key,
                channel,
                id: &id,
                left: left.as_ref(),
            }
            .text(lang)
        }
        OrgCommand::MemberRemove(key, channel, id) => {
            existing(a, &key).await?;
            if !Store::org_member_remove(a.desk.conn, &key, channel, &id, &actor, now).await? {
                return Err(UserError::NotOrgMember(
                    format!("{}:{id}", channel.code()),
                    key.to_string(),
                )
                .into());
            }
            OrgAck::MemberRemoved {
                key: &key,
                channel,
                id: &id,
            }
            .text(lang)
        }
        OrgCommand::Code(key) => {
            existing(a, &key).await?;
            let code = crate::org::new_code();
            Store::org_code_add(a.desk.conn, &key, &code, &actor, now).await?;
            OrgAck::Code {
                key: &key,
                code: &code,
                link: None,
            }
            .text(lang)
        }
        OrgCommand::Revoke(code) => {
            let Some(key) = Store::org_code_revoke(a.desk.conn, &code, &actor, now).await? else {
                return Err(UserError::BadOrgCode.into());
            };
            OrgAck::Revoked { key: &key }.text(lang)
        }
    };
    a.turn.reply(text);
    Ok(())
}

/// Where `org`'s manager is told of what concerns it: their own chat when the desk knows
/// it, else the ticket's channels naming them.
pub(crate) async fn manager_notice(
    conn: &mut sqlx::AnyConnection,
    config: &crate::config::EngineConfig,
    t: &crate::domain::Ticket,
    text: &str,
) -> crate::error::CoreResult<Vec<crate::message::Outbound>> {
    let Some(key) = &t.org else {
        return Ok(Vec::new());
    };
    let Some(org) = Store::org(conn, key).await? else {
        return Ok(Vec::new());
    };
    let Some(manager) = &org.manager else {
        return Ok(Vec::new());
    };
    let body = crate::i18n::staff::Card::ManagerNotice {
        org: &org.name,
        text,
    }
    .text(config.default_lang);
    Ok(match config.staff.chat_of(manager) {
        Some(chat) => vec![crate::message::Outbound::text(chat, body).about(t)],
        None => config
            .chats_for(t)
            .into_iter()
            .map(|chat| crate::message::Outbound::text(chat, format!("{manager}: {body}")))
            .collect(),
    })
}

/// The partner that serves `t`'s consultation, when its organisation's contract says so.
pub(crate) async fn partner_for(
    conn: &mut sqlx::AnyConnection,
    t: &crate::domain::Ticket,
) -> crate::error::CoreResult<Option<(Org, Org)>> {
    if t.kind != crate::domain::TicketKind::Consultation {
        return Ok(None);
    }
    let Some(key) = &t.org else {
        return Ok(None);
    };
    let Some(org) = Store::org(conn, key).await? else {
        return Ok(None);
    };
    let (Consultations::Partner, Some(partner)) = (org.consultations, &org.partner) else {
        return Ok(None);
    };
    Ok(Store::org(conn, partner).await?.map(|p| (org, p)))
}

/// A user's `/join CODE` (or `?start=org-CODE`): they belong to the code's organisation.
pub(crate) async fn join(desk: &mut Desk<'_>, turn: &mut Turn<'_>, code: &str) -> Done {
    let code = crate::org::normalise_code(code);
    let Some(key) = Store::org_code_valid(desk.conn, &code).await? else {
        return Err(UserError::BadOrgCode.into());
    };
    let Some(org) = Store::org(desk.conn, &key).await? else {
        return Err(UserError::BadOrgCode.into());
    };
    let actor = turn.actor();
    Store::org_member_add(
        desk.conn,
        &key,
        turn.from.channel,
        &turn.from.id,
        &actor,
        turn.now,
    )
    .await?;
    turn.reply(OrgAck::Joined { name: &org.name }.text(turn.person.lang));
    Ok(())
}
