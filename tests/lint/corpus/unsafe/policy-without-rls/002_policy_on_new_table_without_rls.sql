-- Creates a table and a tenant policy on it but never enables RLS.
-- Unsafe: every tenant reads every row: the policy is inert.
-- Source: PostgreSQL docs, Row Security Policies
-- expect: ban-policy-without-rls, require-rls-on-tenant-table
CREATE TABLE api_tokens (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    token_hash text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE POLICY tenant_isolation ON api_tokens
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
