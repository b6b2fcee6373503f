-- DROP INDEX CONCURRENTLY inside BEGIN ... COMMIT.
-- Unsafe: rejected inside a transaction block.
-- Source: PostgreSQL docs, DROP INDEX
-- expect: ban-concurrently-in-transaction
-- postgresql: rejects 25001
BEGIN;
DROP INDEX CONCURRENTLY IF EXISTS orders_created_at_idx;
COMMIT;
