-- Blocked senders: an admin's /block; their updates are seen and not answered.
CREATE TABLE blocks (
    channel     TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    blocked_by  TEXT    NOT NULL,
    at_ms       INTEGER  NOT NULL,
    PRIMARY KEY (channel, external_id)
);

-- Retention prunes by age in small batches: each needs its rows oldest first.
CREATE INDEX outbox_sent ON outbox(sent_ms) WHERE sent_ms IS NOT NULL;
CREATE INDEX inbound_seen_at ON inbound_seen(at_ms);
CREATE INDEX questions_created ON questions(created_ms);
