-- Creates a table with tenant_id and no row-level security.
-- Unsafe: isolation depends on every query remembering its tenant filter.
-- Source: PostgreSQL docs, Row Security Policies; tenantdb DESIGN, tenant isolation
-- expect: require-rls-on-tenant-table
CREATE TABLE invoices (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    total numeric(12, 2) NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
