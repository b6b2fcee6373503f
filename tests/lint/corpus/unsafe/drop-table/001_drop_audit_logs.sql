-- Drops the existing table audit_logs.
-- Unsafe: every tenant's audit rows are deleted; code using the table breaks.
-- Source: squawk docs, ban-drop-table; pgroll docs, drop_table
-- expect: ban-drop-table
DROP TABLE audit_logs;
