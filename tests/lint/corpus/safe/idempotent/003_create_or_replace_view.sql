-- CREATE OR REPLACE VIEW with security_invoker.
-- Safe: re-runnable, and RLS applies through the view.
-- Source: PostgreSQL docs, CREATE VIEW
-- expect: none
CREATE OR REPLACE VIEW active_users WITH (security_invoker = true) AS
    SELECT tenant_id, id, email FROM users WHERE status = 'active';
