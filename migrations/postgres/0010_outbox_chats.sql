-- Delivery at platform speed: the dispatcher leases chats, not rows. One row per chat that
-- has ever had mail; `next_due_ms` says when a dispatcher should look at it (NULL: nothing
-- waits), `holder` and `until_ms` who sends to it now (one sender per chat keeps the chat's
-- order across instances), and `version` counts enqueues, so a dispatcher that releases a
-- chat can tell whether mail arrived after it last looked.
CREATE TABLE outbox_chats (
    channel     TEXT    NOT NULL,
    chat        TEXT    NOT NULL,
    next_due_ms BIGINT,
    holder      TEXT    NOT NULL DEFAULT '',
    until_ms    BIGINT NOT NULL DEFAULT 0,
    version     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, chat)
);
CREATE INDEX outbox_chats_due ON outbox_chats(next_due_ms);

-- Every message queued marks its chat due, in the statement that queues it (no second round
-- trip per transaction): a trigger, so no code path can queue without it.
CREATE FUNCTION outbox_chat_due() RETURNS trigger AS $$
BEGIN
    INSERT INTO outbox_chats (channel, chat, next_due_ms)
        VALUES (NEW.channel, NEW.chat, NEW.next_attempt_ms)
        ON CONFLICT (channel, chat) DO UPDATE
        SET next_due_ms = excluded.next_due_ms, version = outbox_chats.version + 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER outbox_chat_due AFTER INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_chat_due();

INSERT INTO outbox_chats (channel, chat, next_due_ms)
    SELECT channel, chat, MIN(next_attempt_ms) FROM outbox
    WHERE sent_ms IS NULL AND next_attempt_ms < 9223372036854775807
    GROUP BY channel, chat;

-- Pending rows (unsent, not parked), per chat in order: what a chat's sender reads. The
-- predicate is repeated literally in the queries, so both planners may use the index.
CREATE INDEX outbox_chat_pending ON outbox(channel, chat, id)
    WHERE sent_ms IS NULL AND next_attempt_ms < 9223372036854775807;
DROP INDEX outbox_due;
