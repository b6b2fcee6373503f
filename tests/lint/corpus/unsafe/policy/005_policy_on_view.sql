-- Creates a policy on the view active_users.
-- Unsafe: PostgreSQL rejects policies on views (42809).
-- Source: PostgreSQL docs, CREATE POLICY
-- expect: ban-policy-on-view
-- postgresql: rejects 42809
CREATE POLICY tenant_isolation ON active_users USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
