-- Known issues (problem management): one fault behind many tickets. A ticket links to at
-- most one; an update or the fix reaches every linked requester at once.
CREATE TABLE problems (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'open',
    author      TEXT    NOT NULL,
    created_ms  BIGINT  NOT NULL,
    resolved_ms BIGINT
);
CREATE TABLE problem_links (
    ticket_id  BIGINT NOT NULL PRIMARY KEY REFERENCES tickets(id),
    problem_id BIGINT NOT NULL REFERENCES problems(id),
    linked_ms  BIGINT NOT NULL
);
CREATE INDEX problem_links_problem ON problem_links(problem_id);
