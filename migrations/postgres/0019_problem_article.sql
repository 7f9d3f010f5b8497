-- A known issue's workaround: a knowledge-base article (by slug) its requesters are sent.
ALTER TABLE problems ADD COLUMN article TEXT;
