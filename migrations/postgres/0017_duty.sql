-- An agent who took the duty of a line now (`/duty take`), until that shift ends.
CREATE TABLE duty_taken (
    line     BIGINT NOT NULL PRIMARY KEY,
    who      TEXT   NOT NULL,
    until_ms BIGINT NOT NULL
);
