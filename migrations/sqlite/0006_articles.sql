-- Knowledge-base articles: every edit is a new version with its author and time. The latest
-- version of a (slug, lang) is the article; `state` says whether it is published (indexed),
-- a draft (made from a ticket, waiting for an admin) or deleted (soft: older versions stay).
-- `seq` orders all changes, so a search index can follow the table from a mark.
CREATE TABLE article_versions (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    slug      TEXT    NOT NULL,
    lang      TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    state     TEXT    NOT NULL,
    title     TEXT    NOT NULL,
    body      TEXT    NOT NULL,
    tags      TEXT    NOT NULL,
    category  TEXT,
    questions TEXT    NOT NULL,
    author    TEXT    NOT NULL,
    at_ms     INTEGER NOT NULL,
    note      TEXT    NOT NULL,
    UNIQUE (slug, lang, version)
);
