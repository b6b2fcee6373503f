-- Creates a tenant-scoped assignment table with RLS enabled and forced and a tenant policy, in one migration.
-- Safe: the table is isolated from the moment it exists.
-- Source: PostgreSQL docs, Row Security Policies
-- expect: none
CREATE TABLE tenant_ip_assignments (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    ip_id bigint NOT NULL REFERENCES smtp_ip_addresses (id),
    PRIMARY KEY (tenant_id, ip_id)
);
ALTER TABLE tenant_ip_assignments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_ip_assignments
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
