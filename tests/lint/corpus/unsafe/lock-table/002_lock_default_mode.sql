-- LOCK TABLE users with no mode.
-- Unsafe: the default mode is ACCESS EXCLUSIVE.
-- Source: PostgreSQL docs, LOCK
-- expect: ban-lock-table
LOCK TABLE users;
