-- A tenant policy that casts current_setting('app.current_tenant_id') without missing_ok.
-- Unsafe: a session without the setting gets an error instead of no rows (and '' fails the uuid cast).
-- Source: PostgreSQL docs, current_setting(setting_name [, missing_ok ])
-- expect: require-missing-ok-current-setting
DROP POLICY tenant_isolation ON audit_logs;
CREATE POLICY tenant_isolation ON audit_logs
    USING (tenant_id = current_setting('app.current_tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('app.current_tenant_id')::uuid);
