-- The desk: people, tickets and their threads, questions, conversations, outbox.
-- Times are unix milliseconds (INTEGER): sqlx's Any driver maps no date type on both databases.

CREATE TABLE persons (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    lang        TEXT    NOT NULL,
    display     TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL
);

CREATE TABLE identities (
    channel     TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    chat        TEXT    NOT NULL,
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX identities_person ON identities(person_id);

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id      INTEGER NOT NULL REFERENCES persons(id),
    channel           TEXT    NOT NULL,
    chat              TEXT    NOT NULL,
    subject           TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    priority          TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    line              INTEGER NOT NULL,
    category          TEXT,
    lang              TEXT    NOT NULL,
    assignee          TEXT,
    created_ms        INTEGER NOT NULL,
    updated_ms        INTEGER NOT NULL,
    first_response_ms INTEGER,
    resolved_ms       INTEGER,
    closed_ms         INTEGER
);
CREATE INDEX tickets_requester ON tickets(requester_id, id);
CREATE INDEX tickets_status ON tickets(status);

CREATE TABLE ticket_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    at_ms      INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    body       TEXT    NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

CREATE TABLE questions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    text         TEXT    NOT NULL,
    lang         TEXT    NOT NULL,
    decision     TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    article      TEXT,
    suggested    TEXT,
    confidence_pm INTEGER,
    guessed_kind TEXT    NOT NULL,
    ticket_id    INTEGER REFERENCES tickets(id),
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL
);
CREATE INDEX questions_person ON questions(person_id, id);
-- Questions still waiting for the user: found without reading a person's whole history.
CREATE INDEX questions_pending ON questions(person_id)
    WHERE state IN ('answered', 'suggested', 'choosing_kind');

CREATE TABLE conversations (
    person_id      INTEGER PRIMARY KEY REFERENCES persons(id),
    current_ticket INTEGER REFERENCES tickets(id),
    updated_ms     INTEGER NOT NULL
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT    NOT NULL,
    chat            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    created_ms      INTEGER NOT NULL,
    next_attempt_ms INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_until_ms  INTEGER,
    sent_ms         INTEGER,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox(sent_ms, next_attempt_ms, id);

CREATE TABLE inbound_seen (
    channel    TEXT    NOT NULL,
    update_id  TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL,
    PRIMARY KEY (channel, update_id)
);
