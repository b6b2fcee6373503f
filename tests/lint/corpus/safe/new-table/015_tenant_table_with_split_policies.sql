-- Creates a tenant table with RLS and separate SELECT and INSERT policies, both tenant-scoped.
-- Safe: every write is checked against the current tenant.
-- Source: PostgreSQL docs, CREATE POLICY
-- expect: none
CREATE TABLE tenant_contacts (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    email text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE tenant_contacts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY contacts_read ON tenant_contacts FOR SELECT
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
CREATE POLICY contacts_write ON tenant_contacts FOR INSERT
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
