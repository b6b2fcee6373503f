-- Drops an index CONCURRENTLY IF EXISTS.
-- Safe: waits for queries using the index instead of locking the table against them.
-- Source: squawk docs, require-concurrent-index-deletion
-- expect: none
-- tenantdb: no-transaction
DROP INDEX CONCURRENTLY IF EXISTS orders_created_at_idx;
