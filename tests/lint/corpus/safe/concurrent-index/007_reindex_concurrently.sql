-- Rebuilds an index CONCURRENTLY.
-- Safe: REINDEX CONCURRENTLY builds a replacement without blocking writes.
-- Source: squawk docs, require-concurrent-reindex; PostgreSQL docs, REINDEX CONCURRENTLY
-- expect: none
-- tenantdb: no-transaction
REINDEX INDEX CONCURRENTLY orders_created_at_idx;
