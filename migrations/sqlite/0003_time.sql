-- Time spent on tickets; consultations' time is billable.
CREATE TABLE time_entries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    agent      TEXT    NOT NULL,
    minutes    INTEGER NOT NULL,
    billable   INTEGER NOT NULL,
    note       TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL
);
CREATE INDEX time_entries_ticket ON time_entries(ticket_id);
