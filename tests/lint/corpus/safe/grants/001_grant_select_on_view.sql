-- GRANT SELECT on a security_invoker view to reporting.
-- Safe: read-only access, and RLS applies.
-- Source: PostgreSQL docs, GRANT
-- expect: none
GRANT SELECT ON active_users TO reporting;
