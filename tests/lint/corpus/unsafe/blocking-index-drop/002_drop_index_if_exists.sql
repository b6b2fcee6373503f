-- Drops an index IF EXISTS without CONCURRENTLY.
-- Unsafe: same ACCESS EXCLUSIVE lock on the table.
-- Source: squawk docs, require-concurrent-index-deletion
-- expect: require-concurrent-index-deletion
DROP INDEX IF EXISTS orders_created_at_idx;
