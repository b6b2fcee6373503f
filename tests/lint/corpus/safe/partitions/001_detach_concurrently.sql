-- Detaches an old partition CONCURRENTLY in a non-transactional migration.
-- Safe: DETACH ... CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on the parent.
-- Source: squawk docs, require-concurrent-partition-detach; PostgreSQL docs, ALTER TABLE DETACH PARTITION
--   CONCURRENTLY
-- expect: none
-- tenantdb: no-transaction
ALTER TABLE usage_events DETACH PARTITION usage_events_2026_01 CONCURRENTLY;
