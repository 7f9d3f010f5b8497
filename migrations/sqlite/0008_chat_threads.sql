-- A ticket's own thread in an agents' chat: a Telegram forum topic (or a Discord thread),
-- so what agents write there is known to be about that ticket.
CREATE TABLE chat_threads (
    channel   TEXT    NOT NULL,
    chat      TEXT    NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    thread    TEXT    NOT NULL,
    closed    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, chat, ticket_id)
);
CREATE UNIQUE INDEX chat_threads_thread ON chat_threads(channel, chat, thread);
