-- Who was last seen on duty per line, so the change of shift is noticed once (by one
-- instance) and the open tickets are handed over to the next person.
CREATE TABLE duty_state (
    line BIGINT NOT NULL PRIMARY KEY,
    who  TEXT   NOT NULL
);
