-- A rating's comment is the message right after it, within a few minutes: until when the
-- next message is taken as the comment. Later, it is a new message.
ALTER TABLE conversations ADD COLUMN comment_until_ms BIGINT;
