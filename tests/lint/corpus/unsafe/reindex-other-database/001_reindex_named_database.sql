-- REINDEX DATABASE naming a database.
-- Unsafe: PostgreSQL only reindexes the current database and rejects any other name; where the name matches, the
--   whole database is locked index by index.
-- Source: issue 15, reference customer's classes: REINDEX naming another database; PostgreSQL docs, REINDEX
-- expect: ban-reindex-other-database
REINDEX DATABASE billing_legacy;
