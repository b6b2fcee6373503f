-- Creates a security_invoker view; down drops it.
-- Safe: views hold no data.
-- Source: PostgreSQL docs, CREATE VIEW / DROP VIEW
-- expect: none
-- migrate:up
CREATE VIEW user_counts WITH (security_invoker = true) AS
    SELECT tenant_id, count(*) AS users FROM users GROUP BY tenant_id;
-- migrate:down
DROP VIEW user_counts;
