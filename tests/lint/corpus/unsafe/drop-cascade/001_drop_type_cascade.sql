-- Drops the enum order_status with CASCADE.
-- Unsafe: CASCADE drops orders.status along with the type: a column of data deleted without being named.
-- Source: PostgreSQL docs, DROP TYPE; Dependency Tracking
-- expect: ban-drop-cascade
DROP TYPE order_status CASCADE;
