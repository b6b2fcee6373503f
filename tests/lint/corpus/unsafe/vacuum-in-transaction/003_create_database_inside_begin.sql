-- Creates a database inside the file's transaction.
-- Unsafe: CREATE DATABASE cannot run inside a transaction block.
-- Source: PostgreSQL docs, CREATE DATABASE
-- expect: ban-concurrently-in-transaction
-- postgresql: rejects 25001
BEGIN;
CREATE DATABASE tenant_archive;
COMMIT;
