-- Drops a policy IF EXISTS and recreates it, but creates its table without IF NOT EXISTS.
-- Unsafe: the re-run stops at CREATE TABLE before the policy is recreated.
-- Source: issue 15, reference customer's classes: re-run failures
-- expect: require-consistent-rerun-guards
CREATE TABLE notes (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    body text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON notes;
CREATE POLICY tenant_isolation ON notes
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
