-- Replaces the policy of orders: DROP POLICY IF EXISTS, then CREATE POLICY.
-- Safe: both in one transaction, so there is no instant without a policy; RLS stays enabled.
-- Source: PostgreSQL docs, CREATE POLICY / DROP POLICY
-- expect: none
DROP POLICY IF EXISTS tenant_isolation ON orders;
CREATE POLICY tenant_isolation ON orders
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
