-- Runs REINDEX ... CONCURRENTLY inside BEGIN ... COMMIT.
-- Unsafe: REINDEX CONCURRENTLY cannot run inside a transaction block.
-- Source: PostgreSQL docs, REINDEX
-- expect: ban-concurrently-in-transaction
-- postgresql: rejects 25001
BEGIN;
REINDEX INDEX CONCURRENTLY orders_created_at_idx;
COMMIT;
