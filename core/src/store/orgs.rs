//! Organisations, their members and invite codes. Every change from chat is audited.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::{Actor, ChannelKind};
use crate::error::CoreResult;
use crate::org::{Consultations, Org, OrgKey};

use super::{Store, corrupt};

/// What `/org set` changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgField {
    Partner(Option<OrgKey>),
    Manager(Option<String>),
    Consultations(Consultations),
}

/// A member, as `/org show` lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgMember {
    pub channel: ChannelKind,
    pub external_id: String,
    pub display: Option<String>,
}

const COLUMNS: &str = "org_key, name, partner, manager, consultations, from_config";

fn org_from(r: &AnyRow) -> CoreResult<Org> {
    let consultations: String = r.try_get("consultations")?;
    Ok(Org {
        key: OrgKey::from_db(r.try_get("org_key")?),
        name: r.try_get("name")?,
        partner: r
            .try_get::<Option<String>, _>("partner")?
            .map(OrgKey::from_db),
        manager: r.try_get("manager")?,
        consultations: Consultations::from_code(&consultations)
            .ok_or_else(|| corrupt("consultations", &consultations))?,
        from_config: r.try_get::<i64, _>("from_config")? != 0,
    })
}

impl Store {
    /// Adds organisation `org`; `false` when its key is taken.
    pub async fn org_add(
        conn: &mut AnyConnection,
        org: &Org,
        actor: &Actor,
        now: i64,
    ) -> CoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO orgs (org_key, name, partner, manager, consultations, from_config, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_key) DO NOTHING",
        )
        .bind(org.key.as_str())
        .bind(&org.name)
        .bind(org.partner.as_ref().map(OrgKey::as_str))
        .bind(org.manager.as_deref())
        .bind(org.consultations.code())
        .bind(i64::from(org.from_config))
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1;
        if done {
            Store::staff_audit(conn, actor, "org add", org.key.as_str(), &org.name, now).await?;
        }
        Ok(done)
    }

    /// Puts the configuration's organisations in the table as the configuration says them
    /// (at every start: the file is their source).
    pub async fn orgs_from_config(
        conn: &mut AnyConnection,
        orgs: &[Org],
        now: i64,
    ) -> CoreResult<()> {
        for org in orgs {
            sqlx::query(
                "INSERT INTO orgs (org_key, name, partner, manager, consultations, from_config, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, 1, $6) ON CONFLICT (org_key) DO UPDATE SET \
                 name = $2, partner = $3, manager = $4, consultations = $5, from_config = 1",
            )
            .bind(org.key.as_str())
            .bind(&org.name)
            .bind(org.partner.as_ref().map(OrgKey::as_str))
            .bind(org.manager.as_deref())
            .bind(org.consultations.code())
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    pub async fn org(conn: &mut AnyConnection, key: &OrgKey) -> CoreResult<Option<Org>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM orgs WHERE org_key = $1"))
            .bind(key.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        row.as_ref().map(org_from).transpose()
    }

    /// Every organisation with its member count, by key.
    pub async fn orgs(conn: &mut AnyConnection) -> CoreResult<Vec<(Org, i64)>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, (SELECT COUNT(*) FROM org_members m WHERE m.org_key = o.org_key) AS members \
             FROM orgs o ORDER BY org_key"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| Ok((org_from(r)?, r.try_get::<i64, _>("members")?)))
            .collect()
    }

    /// Changes one field of `key`; `false` when there is no such organisation.
    pub async fn org_set(
        conn: &mut AnyConnection,
        key: &OrgKey,
        field: &OrgField,
        actor: &Actor,
        now: i64,
    ) -> CoreResult<bool> {
        let (sql, value, shown) = match field {
            OrgField::Partner(p) => (
                "UPDATE orgs SET partner = $1 WHERE org_key = $2",
                p.as_ref().map(|k| k.as_str().to_string()),
                "partner",
            ),
            OrgField::Manager(m) => (
                "UPDATE orgs SET manager = $1 WHERE org_key = $2",
                m.clone(),
                "manager",
            ),
            OrgField::Consultations(c) => (
                "UPDATE orgs SET consultations = $1 WHERE org_key = $2",
                Some(c.code().to_string()),
                "consultations",
            ),
        };
        let done = sqlx::query(sql)
            .bind(value.clone())
            .bind(key.as_str())
            .execute(&mut *conn)
            .await?
            .rows_affected()
            == 1;
        if done {
            let detail = format!("{shown} = {}", value.as_deref().unwrap_or("-"));
            Store::staff_audit(conn, actor, "org set", key.as_str(), &detail, now).await?;
        }
        Ok(done)
    }

    /// Makes `channel:id` a member of `key`, leaving any other organisation. The one it
    /// belonged to before, if another.
    pub async fn org_member_add(
        conn: &mut AnyConnection,
        key: &OrgKey,
        channel: ChannelKind,
        id: &str,
        actor: &Actor,
        now: i64,
    ) -> CoreResult<Option<OrgKey>> {
        let before = Store::org_ref_of_identity(conn, channel, id)
            .await?
            .map(|o| o.key);
        sqlx::query(
            "INSERT INTO org_members (channel, external_id, org_key, added_by, at_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel, external_id) DO UPDATE SET \
             org_key = $3, added_by = $4, at_ms = $5",
        )
        .bind(channel.code())
        .bind(id)
        .bind(key.as_str())
        .bind(actor.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
        let who = format!("{}:{id}", channel.code());
        Store::staff_audit(conn, actor, "org member add", key.as_str(), &who, now).await?;
        Ok(before.filter(|b| b != key))
    }

    /// Removes `channel:id` from `key`; `false` when it was not a member.
    pub async fn org_member_remove(
        conn: &mut AnyConnection,
        key: &OrgKey,
        channel: ChannelKind,
        id: &str,
        actor: &Actor,
        now: i64,
    ) -> CoreResult<bool> {
        let done = sqlx::query(
            "DELETE FROM org_members WHERE channel = $1 AND external_id = $2 AND org_key = $3",
        )
        .bind(channel.code())
        .bind(id)
        .bind(key.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1;
        if done {
            let who = format!("{}:{id}", channel.code());
            Store::staff_audit(conn, actor, "org member remove", key.as_str(), &who, now).await?;
        }
        Ok(done)
    }

    /// The organisation `channel:id` belongs to, with its name.
    pub(crate) async fn org_ref_of_identity(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        id: &str,
    ) -> CoreResult<Option<crate::org::OrgRef>> {
        let row = sqlx::query(
            "SELECT o.org_key, o.name FROM org_members m JOIN orgs o ON o.org_key = m.org_key \
             WHERE m.channel = $1 AND m.external_id = $2",
        )
        .bind(channel.code())
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        row.map(|r| -> CoreResult<crate::org::OrgRef> {
            Ok(crate::org::OrgRef {
                key: OrgKey::from_db(r.try_get("org_key")?),
                name: r.try_get("name")?,
            })
        })
        .transpose()
    }

    /// Members of `key` (at most `limit`), with the name they show when they have written.
    pub async fn org_members(
        conn: &mut AnyConnection,
        key: &OrgKey,
        limit: i64,
    ) -> CoreResult<Vec<OrgMember>> {
        let rows = sqlx::query(
            "SELECT m.channel, m.external_id, p.display FROM org_members m \
             LEFT JOIN identities i ON i.channel = m.channel AND i.external_id = m.external_id \
             LEFT JOIN persons p ON p.id = i.person_id \
             WHERE m.org_key = $1 ORDER BY m.at_ms, m.external_id LIMIT $2",
        )
        .bind(key.as_str())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let channel: String = r.try_get("channel")?;
                Ok(OrgMember {
                    channel: ChannelKind::from_code(&channel)
                        .ok_or_else(|| corrupt("channel", &channel))?,
                    external_id: r.try_get("external_id")?,
                    display: r.try_get("display")?,
                })
            })
            .collect()
    }

    /// How many identities belong to `key`.
    pub async fn org_member_count(conn: &mut AnyConnection, key: &OrgKey) -> CoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM org_members WHERE org_key = $1")
                .bind(key.as_str())
                .fetch_one(&mut *conn)
                .await?,
        )
    }

    /// A new invite code for `key`.
    pub async fn org_code_add(
        conn: &mut AnyConnection,
        key: &OrgKey,
        code: &str,
        actor: &Actor,
        now: i64,
    ) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO org_codes (code, org_key, created_by, created_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(code)
        .bind(key.as_str())
        .bind(actor.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Store::staff_audit(conn, actor, "org code", key.as_str(), "made", now).await?;
        Ok(())
    }

    /// Revokes `code`; the organisation it was for, `None` when there is no such code
    /// still valid.
    pub async fn org_code_revoke(
        conn: &mut AnyConnection,
        code: &str,
        actor: &Actor,
        now: i64,
    ) -> CoreResult<Option<OrgKey>> {
        let Some(key) = Store::org_code_valid(conn, code).await? else {
            return Ok(None);
        };
        sqlx::query("UPDATE org_codes SET revoked_ms = $1 WHERE code = $2")
            .bind(now)
            .bind(code)
            .execute(&mut *conn)
            .await?;
        Store::staff_audit(conn, actor, "org revoke", key.as_str(), "code revoked", now).await?;
        Ok(Some(key))
    }

    /// The organisation a valid (not revoked) code is for.
    pub async fn org_code_valid(
        conn: &mut AnyConnection,
        code: &str,
    ) -> CoreResult<Option<OrgKey>> {
        let row =
            sqlx::query("SELECT org_key FROM org_codes WHERE code = $1 AND revoked_ms IS NULL")
                .bind(code)
                .fetch_optional(&mut *conn)
                .await?;
        Ok(row
            .map(|r| r.try_get::<String, _>("org_key"))
            .transpose()?
            .map(OrgKey::from_db))
    }

    /// Erasing a person: their memberships go with their identities.
    pub(crate) async fn org_memberships_forget(
        conn: &mut AnyConnection,
        person: i64,
    ) -> CoreResult<()> {
        sqlx::query(
            "DELETE FROM org_members WHERE EXISTS (SELECT 1 FROM identities i WHERE \
             i.person_id = $1 AND i.channel = org_members.channel AND i.external_id = org_members.external_id)",
        )
        .bind(person)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
