-- Creates a tenant table with a primary key, RLS enabled and forced, and a tenant policy with WITH CHECK.
-- Safe: a new empty table locks nothing anyone waits for; isolation is complete.
-- Source: PostgreSQL docs, CREATE TABLE; Row Security Policies; pgroll docs, create_table
-- expect: none
CREATE TABLE invoices (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    number text NOT NULL,
    total numeric(12, 2) NOT NULL DEFAULT 0,
    issued_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invoices
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
