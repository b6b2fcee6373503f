-- Creates a tenant table with RLS and grants SELECT, INSERT on it to tenant_api.
-- Safe: RLS limits the tenant role to its own rows.
-- Source: PostgreSQL docs, GRANT; Row Security Policies
-- expect: none
CREATE TABLE tenant_exports (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    requested_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE tenant_exports ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_exports
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
GRANT SELECT, INSERT ON tenant_exports TO tenant_api;
