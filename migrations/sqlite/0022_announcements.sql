-- Announcements to users: one row per announcement, and one per recipient — the snapshot of
-- its audience taken when an admin presses [Send], so each person gets it once whatever
-- restarts or instances come between. A recipient row is `queued` in the transaction that
-- puts its message in the outbox, and settled from that outbox row (sent, blocked, failed).
CREATE TABLE announcements (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    audience      TEXT    NOT NULL,
    text_en       TEXT,
    text_ru       TEXT,
    problem_id    BIGINT,
    author        TEXT    NOT NULL,
    admin_channel TEXT    NOT NULL,
    admin_chat    TEXT    NOT NULL,
    admin_lang    TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    created_ms    BIGINT  NOT NULL,
    started_ms    BIGINT,
    finished_ms   BIGINT,
    progress_ms   BIGINT  NOT NULL DEFAULT 0,
    progress_done BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX announcements_state ON announcements(state);

CREATE TABLE announcement_recipients (
    announcement_id BIGINT NOT NULL REFERENCES announcements(id),
    channel         TEXT   NOT NULL,
    chat            TEXT   NOT NULL,
    external_id     TEXT   NOT NULL,
    lang            TEXT   NOT NULL,
    state           TEXT   NOT NULL,
    PRIMARY KEY (announcement_id, channel, chat)
);
CREATE INDEX announcement_recipients_state ON announcement_recipients(announcement_id, state);
-- A person who mutes, or is erased, mid-announcement: their rows without a scan.
CREATE INDEX announcement_recipients_identity ON announcement_recipients(channel, external_id);

-- The outbox row of a recipient names its announcement (the chat names the recipient), and
-- says whether its failure was the recipient's doing (blocked the bot, gone).
ALTER TABLE outbox ADD COLUMN announcement BIGINT;
ALTER TABLE outbox ADD COLUMN unreachable BIGINT NOT NULL DEFAULT 0;
CREATE INDEX outbox_announcement ON outbox(announcement, channel, chat)
    WHERE announcement IS NOT NULL;

-- An identity's side: when it last wrote (for `active 30d`; written at most hourly), whether
-- it muted announcements, and when a send found it had blocked the bot (cleared when it
-- writes again): such a person is counted, not sent to, until then.
ALTER TABLE identities ADD COLUMN seen_ms BIGINT NOT NULL DEFAULT 0;
UPDATE identities SET seen_ms = (SELECT p.created_ms FROM persons p WHERE p.id = identities.person_id);
ALTER TABLE identities ADD COLUMN muted_ms BIGINT;
ALTER TABLE identities ADD COLUMN unreachable_ms BIGINT;
