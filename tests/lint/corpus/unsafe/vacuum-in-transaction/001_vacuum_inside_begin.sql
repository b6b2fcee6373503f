-- Runs VACUUM between the file's own BEGIN and COMMIT.
-- Unsafe: PostgreSQL rejects VACUUM inside a transaction block: the migration fails.
-- Source: issue 15, reference customer's classes: VACUUM inside a transaction; PostgreSQL docs, VACUUM
-- expect: ban-concurrently-in-transaction
-- postgresql: rejects 25001
BEGIN;
DELETE FROM audit_logs WHERE created_at < '2020-01-01';
VACUUM audit_logs;
COMMIT;
