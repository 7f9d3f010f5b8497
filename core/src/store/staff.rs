//! Staff added from chat (and the audit of who changed what), with their row mapping.

use sqlx::{AnyConnection, Row};

use crate::domain::{ChannelKind, Line};
use crate::error::CoreResult;

use super::{Store, corrupt};

pub(super) fn staff_from(
    name: Option<String>,
    role: Option<String>,
    lines: Option<String>,
) -> Option<crate::staff::StaffMember> {
    let role = match role?.as_str() {
        "admin" => crate::staff::Role::Admin,
        _ => crate::staff::Role::Agent,
    };
    Some(crate::staff::StaffMember {
        name: name?,
        role,
        lines: lines
            .unwrap_or_default()
            .split(',')
            .filter_map(|l| l.trim().parse::<i64>().ok())
            .filter_map(|l| Line::new(l).ok())
            .collect(),
    })
}

/// A staff member added from chat.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStaff {
    pub member: crate::staff::StaffMember,
    pub channel: ChannelKind,
    pub external_id: String,
}

impl Store {
    /// The staff member an admin added for this identity, if any.
    pub async fn staff_of_identity(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        external_id: &str,
    ) -> CoreResult<Option<crate::staff::StaffMember>> {
        let staff = sqlx::query(
            "SELECT name, role, lines FROM staff_members WHERE channel = $1 AND external_id = $2",
        )
        .bind(channel.code())
        .bind(external_id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(match staff {
            Some(r) => staff_from(r.try_get("name")?, r.try_get("role")?, r.try_get("lines")?),
            None => None,
        })
    }

    /// Staff added from chat, by name.
    pub async fn staff_list(conn: &mut AnyConnection) -> CoreResult<Vec<StoredStaff>> {
        let rows = sqlx::query(
            "SELECT name, role, lines, channel, external_id FROM staff_members ORDER BY name",
        )
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let channel: String = r.try_get("channel")?;
                Ok(StoredStaff {
                    member: staff_from(r.try_get("name")?, r.try_get("role")?, r.try_get("lines")?)
                        .ok_or_else(|| corrupt("staff member", "incomplete"))?,
                    channel: ChannelKind::from_code(&channel)
                        .ok_or_else(|| corrupt("channel", &channel))?,
                    external_id: r.try_get("external_id")?,
                })
            })
            .collect()
    }

    /// Adds a staff member and audits it. `false` if the name or identity is taken.
    pub async fn staff_add(
        conn: &mut AnyConnection,
        s: &StoredStaff,
        actor: &crate::domain::Actor,
        now: i64,
    ) -> CoreResult<bool> {
        let role = match s.member.role {
            crate::staff::Role::Admin => "admin",
            crate::staff::Role::Agent => "agent",
        };
        let lines: Vec<String> = s.member.lines.iter().map(|l| l.get().to_string()).collect();
        let r = sqlx::query(
            "INSERT INTO staff_members (name, role, lines, channel, external_id, added_by, added_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(&s.member.name)
        .bind(role)
        .bind(lines.join(","))
        .bind(s.channel.code())
        .bind(&s.external_id)
        .bind(actor.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        Store::staff_audit(
            conn,
            actor,
            "add",
            &s.member.name,
            &format!(
                "{role} {}:{} lines {}",
                s.channel,
                s.external_id,
                lines.join(",")
            ),
            now,
        )
        .await?;
        Ok(true)
    }

    /// Removes a staff member added from chat and audits it. `false` if there was none.
    pub async fn staff_remove(
        conn: &mut AnyConnection,
        name: &str,
        actor: &crate::domain::Actor,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query("DELETE FROM staff_members WHERE name = $1")
            .bind(name)
            .execute(&mut *conn)
            .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        Store::staff_audit(conn, actor, "remove", name, "", now).await?;
        Ok(true)
    }

    pub(crate) async fn staff_audit(
        conn: &mut AnyConnection,
        actor: &crate::domain::Actor,
        action: &str,
        name: &str,
        detail: &str,
        now: i64,
    ) -> CoreResult<()> {
        sqlx::query("INSERT INTO staff_audit (at_ms, actor, action, name, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind(now)
            .bind(actor.to_string())
            .bind(action)
            .bind(name)
            .bind(detail)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}
