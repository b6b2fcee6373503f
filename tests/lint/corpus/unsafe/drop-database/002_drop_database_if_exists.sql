-- Drops a database with IF EXISTS.
-- Unsafe: the guard makes it re-runnable, not less destructive.
-- Source: squawk docs, ban-drop-database; PostgreSQL docs, DROP DATABASE
-- expect: ban-drop-database
-- tenantdb: no-transaction
DROP DATABASE IF EXISTS reporting_copy WITH (FORCE);
