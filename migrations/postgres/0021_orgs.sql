-- Client organisations: from the configuration (kept in step at start) and from chat.
CREATE TABLE orgs (
    org_key       TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    partner       TEXT,
    manager       TEXT,
    consultations TEXT NOT NULL DEFAULT 'included',
    from_config   BIGINT NOT NULL DEFAULT 0,
    created_ms    BIGINT NOT NULL
);
-- Who belongs: one organisation per identity.
CREATE TABLE org_members (
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    org_key     TEXT NOT NULL REFERENCES orgs(org_key),
    added_by    TEXT NOT NULL,
    at_ms       BIGINT NOT NULL,
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX org_members_org ON org_members(org_key);
-- Invite codes: `/join CODE` or the deep link `?start=org-CODE`.
CREATE TABLE org_codes (
    code        TEXT PRIMARY KEY,
    org_key     TEXT NOT NULL REFERENCES orgs(org_key),
    created_by  TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    revoked_ms  BIGINT
);
-- The organisation a ticket was registered for (its contract, routing, reports).
ALTER TABLE tickets ADD COLUMN org_key TEXT;
