-- Creates a tenant table with RLS enabled but not forced.
-- Unsafe: the table owner (the role the application often connects as) bypasses the policy.
-- Source: PostgreSQL docs, ALTER TABLE FORCE ROW LEVEL SECURITY
-- expect: require-force-rls
CREATE TABLE webhooks (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    url text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhooks USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid) WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
