-- Creates citext together with a table that uses it.
-- Unsafe: the extension is created inside the migration's transaction.
-- Source: PostgreSQL docs, CREATE EXTENSION
-- expect: ban-create-extension-in-transaction
CREATE EXTENSION citext;
CREATE TABLE mailbox_domains (
    domain citext PRIMARY KEY,
    verified boolean NOT NULL DEFAULT false
);
