-- Replaces active_users without security_invoker.
-- Unsafe: CREATE OR REPLACE VIEW without the option resets it to owner's rights: RLS on users no longer applies.
-- Source: PostgreSQL docs, CREATE VIEW
-- expect: require-security-invoker-view
CREATE OR REPLACE VIEW active_users AS
    SELECT tenant_id, id, email FROM users WHERE status = 'active';
