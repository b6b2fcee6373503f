-- Detaches a partition of usage_events without CONCURRENTLY.
-- Unsafe: takes ACCESS EXCLUSIVE on the whole partitioned table.
-- Source: squawk docs, require-concurrent-partition-detach; PostgreSQL docs, ALTER TABLE DETACH PARTITION
-- expect: require-concurrent-detach-partition
ALTER TABLE usage_events DETACH PARTITION usage_events_2026_01;
