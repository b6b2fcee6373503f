-- CLUSTER orders on an index.
-- Unsafe: CLUSTER rewrites the table under ACCESS EXCLUSIVE like VACUUM FULL.
-- Source: squawk docs, prefer-repack; PostgreSQL docs, CLUSTER
-- expect: ban-vacuum-full
CLUSTER orders USING orders_created_at_idx;
