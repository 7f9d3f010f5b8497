-- Staff added from chat by admins (the configuration lists the rest), and the audit of it.
CREATE TABLE staff_members (
    name        TEXT    PRIMARY KEY,
    role        TEXT    NOT NULL,
    lines       TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    added_by    TEXT    NOT NULL,
    added_ms    INTEGER NOT NULL
);
CREATE UNIQUE INDEX staff_members_identity ON staff_members(channel, external_id);

CREATE TABLE staff_audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms   INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    name    TEXT    NOT NULL,
    detail  TEXT    NOT NULL
);
