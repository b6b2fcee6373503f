-- Creates next month's partition of usage_events.
-- Safe: CREATE TABLE ... PARTITION OF takes a lock the application does not wait on long; the partition inherits
--   the key.
-- Source: PostgreSQL docs, Table Partitioning
-- expect: none
CREATE TABLE usage_events_2026_02 PARTITION OF usage_events
    FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
