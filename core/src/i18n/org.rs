//! What the desk says about organisations: to the admins who keep them (`/org`), and to
//! the users who join them.

use crate::domain::{ChannelKind, Lang};
use crate::org::{Consultations, Org, OrgKey};
use crate::store::OrgMember;

/// Members `/org show` lists at most.
pub const SHOW_MEMBERS: i64 = 30;

fn consultations(c: Consultations, lang: Lang) -> &'static str {
    match (c, lang) {
        (Consultations::Included, Lang::En) => "consultations included",
        (Consultations::Billable, Lang::En) => "consultations billed by the hour",
        (Consultations::Partner, Lang::En) => "consultations by the partner",
        (Consultations::Included, Lang::Ru) => "консультации включены",
        (Consultations::Billable, Lang::Ru) => "консультации почасово",
        (Consultations::Partner, Lang::Ru) => "консультации у партнёра",
    }
}

/// One line of an organisation: `acme — ACME Corp · partner intpartner · manager Anna · …`.
fn line(o: &Org, lang: Lang) -> String {
    let mut parts = vec![format!("{} — {}", o.key, o.name)];
    let (partner, manager, config) = match lang {
        Lang::En => ("partner", "manager", "from the configuration"),
        Lang::Ru => ("партнёр", "менеджер", "из конфигурации"),
    };
    if let Some(p) = &o.partner {
        parts.push(format!("{partner} {p}"));
    }
    if let Some(m) = &o.manager {
        parts.push(format!("{manager} {m}"));
    }
    parts.push(consultations(o.consultations, lang).to_string());
    if o.from_config {
        parts.push(config.to_string());
    }
    parts.join(" · ")
}

/// What an `/org` command or `/join` did.
#[derive(Debug)]
pub enum OrgAck<'a> {
    Added(&'a Org),
    List(&'a [(Org, i64)]),
    Show {
        org: &'a Org,
        members: &'a [OrgMember],
        count: i64,
    },
    Set(&'a Org),
    MemberAdded {
        key: &'a OrgKey,
        channel: ChannelKind,
        id: &'a str,
        left: Option<&'a OrgKey>,
    },
    MemberRemoved {
        key: &'a OrgKey,
        channel: ChannelKind,
        id: &'a str,
    },
    Code {
        key: &'a OrgKey,
        code: &'a str,
        link: Option<&'a str>,
    },
    Revoked {
        key: &'a OrgKey,
    },
    /// To the user who joined.
    Joined {
        name: &'a str,
    },
}

impl OrgAck<'_> {
    pub fn text(&self, lang: Lang) -> String {
        let ru = lang == Lang::Ru;
        match self {
            OrgAck::Added(o) => {
                if ru {
                    format!("Организация добавлена: {}", line(o, lang))
                } else {
                    format!("Organisation added: {}", line(o, lang))
                }
            }
            OrgAck::List([]) => {
                if ru {
                    "Организаций нет. /org add KEY NAME добавит.".into()
                } else {
                    "No organisations. /org add KEY NAME adds one.".into()
                }
            }
            OrgAck::List(orgs) => {
                let head = if ru {
                    "Организации:"
                } else {
                    "Organisations:"
                };
                let members = if ru {
                    "участников"
                } else {
                    "members"
                };
                let mut out = head.to_string();
                for (o, n) in orgs.iter() {
                    out.push_str(&format!("\n{} · {n} {members}", line(o, lang)));
                }
                out
            }
            OrgAck::Show {
                org,
                members,
                count,
            } => {
                let mut out = line(org, lang);
                let head = if ru { "Участники" } else { "Members" };
                out.push_str(&format!("\n{head} ({count}):"));
                for m in members.iter() {
                    out.push_str(&format!("\n• {}:{}", m.channel.code(), m.external_id));
                    if let Some(d) = &m.display {
                        out.push_str(&format!(" ({d})"));
                    }
                }
                if *count > members.len() as i64 {
                    out.push_str("\n…");
                }
                out
            }
            OrgAck::Set(o) => {
                if ru {
                    format!("Изменено: {}", line(o, lang))
                } else {
                    format!("Changed: {}", line(o, lang))
                }
            }
            OrgAck::MemberAdded {
                key,
                channel,
                id,
                left,
            } => {
                let mut out = if ru {
                    format!("{}:{id} теперь в {key}.", channel.code())
                } else {
                    format!("{}:{id} now belongs to {key}.", channel.code())
                };
                if let Some(l) = left {
                    out.push_str(&if ru {
                        format!(" Из {l} выбыл(а): в организации можно состоять только в одной.")
                    } else {
                        format!(" They left {l}: a user belongs to one organisation at most.")
                    });
                }
                out
            }
            OrgAck::MemberRemoved { key, channel, id } => {
                if ru {
                    format!("{}:{id} больше не в {key}.", channel.code())
                } else {
                    format!("{}:{id} no longer belongs to {key}.", channel.code())
                }
            }
            OrgAck::Code { key, code, link } => {
                let mut out = if ru {
                    format!("Код для {key}: {code}\nПользователь вступает командой /join {code}")
                } else {
                    format!("Code for {key}: {code}\nA user joins with /join {code}")
                };
                if let Some(l) = link {
                    out.push_str(&if ru {
                        format!(" или по ссылке {l}")
                    } else {
                        format!(" or the link {l}")
                    });
                }
                out.push_str(if ru {
                    ".\n/org revoke КОД отзовёт его."
                } else {
                    ".\n/org revoke CODE revokes it."
                });
                out
            }
            OrgAck::Revoked { key } => {
                if ru {
                    format!("Код отозван; состоящие в {key} остаются.")
                } else {
                    format!("Code revoked; those who joined {key} stay.")
                }
            }
            OrgAck::Joined { name } => {
                if ru {
                    format!(
                        "Вы в организации {name}. Ваши заявки будут обслуживаться по её договору."
                    )
                } else {
                    format!("You now belong to {name}. Your tickets are served under its contract.")
                }
            }
        }
    }
}
