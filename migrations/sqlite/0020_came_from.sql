-- The help centre's article a person came from (the deep link `/start kb-SLUG`), until the
-- ticket it leads to is registered.
ALTER TABLE conversations ADD COLUMN came_from TEXT;
