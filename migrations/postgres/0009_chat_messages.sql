-- Messages about a ticket posted in an agents' chat without threads (a Telegram group
-- without topics): an agent's reply to one of them is about that ticket.
CREATE TABLE chat_messages (
    channel    TEXT    NOT NULL,
    chat       TEXT    NOT NULL,
    message_id TEXT    NOT NULL,
    ticket_id  BIGINT NOT NULL REFERENCES tickets(id),
    PRIMARY KEY (channel, chat, message_id)
);
