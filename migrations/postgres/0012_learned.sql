-- Learned phrasings (users' questions an article answered, with who and when), as a JSON
-- list on each article version: learning is an edit, so every instance's index follows it
-- through the same sync as an admin's change, and history shows it.
ALTER TABLE article_versions ADD COLUMN learned TEXT NOT NULL DEFAULT '[]';
