-- A closed ticket whose rating may still get a comment from its requester.
ALTER TABLE conversations ADD COLUMN comment_for BIGINT REFERENCES tickets(id);
