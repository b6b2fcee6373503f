-- DROP TABLE IF EXISTS audit_logs followed by CREATE TABLE audit_logs: recreating an existing table.
-- Unsafe: looks like an idempotency guard, but audit_logs exists and holds every tenant's rows: all of them are
--   deleted.
-- Source: strong_migrations README, dangerous operations, creating a table with the force option
-- expect: ban-drop-table
DROP TABLE IF EXISTS audit_logs;
CREATE TABLE audit_logs (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    action text NOT NULL,
    details jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_logs
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
