-- DROP TABLE IF EXISTS of a scratch table, immediately followed by its CREATE TABLE.
-- Safe: the idempotency guard of a rebuildable scratch table no migration created before: no data is lost.
-- Source: issue 15 (noise: DROP TABLE IF EXISTS in an idempotency guard is flagged as data loss)
-- expect: none
DROP TABLE IF EXISTS import_scratch;
CREATE TABLE import_scratch (
    line integer PRIMARY KEY,
    raw text NOT NULL
);
