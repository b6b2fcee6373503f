-- Rebuilds an index without CONCURRENTLY.
-- Unsafe: REINDEX blocks writes to the table and reads that use the index for the whole rebuild.
-- Source: squawk docs, require-concurrent-reindex; PostgreSQL docs, REINDEX
-- expect: require-concurrent-reindex
REINDEX INDEX orders_created_at_idx;
