-- Drops an index of orders without CONCURRENTLY.
-- Unsafe: DROP INDEX takes ACCESS EXCLUSIVE on orders: reads and writes queue behind it and behind any long query.
-- Source: squawk docs, require-concurrent-index-deletion; strong_migrations README, dangerous operations, removing
--   an index non-concurrently
-- expect: require-concurrent-index-deletion
DROP INDEX orders_created_at_idx;
