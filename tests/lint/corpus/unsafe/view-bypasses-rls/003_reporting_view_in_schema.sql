-- Creates reporting.user_emails over users without security_invoker.
-- Unsafe: a view in another schema bypasses RLS the same way.
-- Source: PostgreSQL docs, Row Security Policies (views)
-- expect: require-security-invoker-view
CREATE VIEW reporting.user_emails AS SELECT tenant_id, email FROM users;
