-- Truncates audit_logs.
-- Unsafe: deletes every row under ACCESS EXCLUSIVE.
-- Source: squawk docs, ban-truncate-cascade; PostgreSQL docs, TRUNCATE
-- expect: ban-truncate
TRUNCATE audit_logs;
