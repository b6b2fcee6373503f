-- Drops a view and recreates it with a new column, in one transaction.
-- Safe: views hold no data; one transaction means no instant without the view.
-- Source: PostgreSQL docs, DROP VIEW
-- expect: none
DROP VIEW IF EXISTS active_users;
CREATE VIEW active_users WITH (security_invoker = true) AS
    SELECT tenant_id, id, email, created_at FROM users WHERE status = 'active';
GRANT SELECT ON active_users TO tenant_api;
