-- DROP INDEX CONCURRENTLY inside BEGIN ... COMMIT.
-- Unsafe: rejected inside a transaction block.
-- Source: PostgreSQL docs, DROP INDEX
-- expect: ban-concurrently-in-transaction
BEGIN;
DROP INDEX CONCURRENTLY IF EXISTS orders_created_at_idx;
COMMIT;
