-- Tickets found by the words of their thread (`/find`): each ticket's words as the desk's
-- analyzer writes them (stemmed for Russian and English, stop words out), one row per ticket.
-- The column is named `rowid` so the statements that keep it are SQLite's FTS5 ones too; the
-- `simple` configuration only splits, since the words come stemmed.
CREATE TABLE ticket_search (
    rowid BIGINT PRIMARY KEY REFERENCES tickets(id),
    terms TEXT NOT NULL,
    doc tsvector GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED
);
CREATE INDEX ticket_search_doc ON ticket_search USING GIN (doc);
