-- Creates a tenant table and enables RLS but creates no policy.
-- Unsafe: every non-owner role sees no rows and every write fails.
-- Source: PostgreSQL docs, Row Security Policies (default deny)
-- expect: require-rls-on-tenant-table
CREATE TABLE tenant_domains (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    domain text NOT NULL,
    PRIMARY KEY (tenant_id, domain)
);
ALTER TABLE tenant_domains ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
