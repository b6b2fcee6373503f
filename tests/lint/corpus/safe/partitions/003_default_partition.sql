-- Creates a DEFAULT partition for usage_events.
-- Safe: a new, empty partition.
-- Source: PostgreSQL docs, Table Partitioning
-- expect: none
CREATE TABLE usage_events_default PARTITION OF usage_events DEFAULT;
