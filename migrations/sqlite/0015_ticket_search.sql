-- Tickets found by the words of their thread (`/find`): each ticket's words as the desk's
-- analyzer writes them (stemmed for Russian and English, stop words out), one row per ticket,
-- its rowid the ticket's number. FTS5 ranks the matches (bm25).
CREATE VIRTUAL TABLE ticket_search USING fts5(terms);
