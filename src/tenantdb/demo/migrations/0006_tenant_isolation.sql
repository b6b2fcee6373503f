-- Row-level security: a session sees only the tenant named in app.current_tenant_id, set per transaction with
-- set_config('app.current_tenant_id', '<uuid>', true). Unset (or empty) means no rows, never an error.
-- migrate:up
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);

ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subscriptions
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);

ALTER TABLE vps_instances ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON vps_instances
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);

-- migrate:down
DROP POLICY tenant_isolation ON vps_instances;
ALTER TABLE vps_instances NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
DROP POLICY tenant_isolation ON subscriptions;
ALTER TABLE subscriptions NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
DROP POLICY tenant_isolation ON tenants;
ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;

-- migrate:verify
SELECT relname || ' is not protected by forced row-level security'
FROM pg_class
WHERE oid IN ('tenants'::regclass, 'subscriptions'::regclass, 'vps_instances'::regclass)
  AND NOT (relrowsecurity AND relforcerowsecurity);
