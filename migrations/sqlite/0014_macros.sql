-- Saved replies: a name, and its text in each language it has (the requester's is used).
CREATE TABLE macros (
    name TEXT NOT NULL,
    lang TEXT NOT NULL,
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (name, lang)
);
