-- Grants ALL on a view to the reporting role.
-- Unsafe: ALL on an auto-updatable view includes INSERT, UPDATE, DELETE: a reporting role can write through it.
-- Source: issue 15, reference customer's classes: GRANT ALL on a view to a reporting role; PostgreSQL docs, GRANT,
--   Updatable Views
-- expect: ban-grant-all-on-view
GRANT ALL ON active_users TO reporting;
