-- Service levels: each ticket's deadlines (UTC ms, computed in business time), the business
-- time it spent waiting on the customer (the clock stops then), and whether a target was
-- missed. Timers are what the scheduler acts on: warnings, breaches, auto-close; each fires
-- once (fired_ms), and they live here so they survive restarts.
ALTER TABLE tickets ADD COLUMN first_due_ms INTEGER;
ALTER TABLE tickets ADD COLUMN resolve_due_ms INTEGER;
ALTER TABLE tickets ADD COLUMN paused_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN paused_at_ms INTEGER;
ALTER TABLE tickets ADD COLUMN first_breached INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN resolve_breached INTEGER NOT NULL DEFAULT 0;

CREATE TABLE timers (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind      TEXT    NOT NULL,
    due_ms    INTEGER NOT NULL,
    fired_ms  INTEGER
);
CREATE INDEX timers_due ON timers(due_ms) WHERE fired_ms IS NULL;
CREATE INDEX timers_ticket ON timers(ticket_id);
