-- Creates a table like the partition, then attaches it.
-- Safe: ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the parent (PostgreSQL 12+); the new table is empty.
-- Source: PostgreSQL docs, Table Partitioning (ATTACH PARTITION)
-- expect: none
CREATE TABLE usage_events_2026_04 (LIKE usage_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE usage_events ATTACH PARTITION usage_events_2026_04
    FOR VALUES FROM ('2026-04-01') TO ('2026-05-01');
