-- A policy casting current_setting(..., true) to uuid without NULLIF.
-- Unsafe: an empty setting ('' after RESET) fails the cast: every query of the table errors.
-- Source: PostgreSQL docs, current_setting
-- expect: require-missing-ok-current-setting
CREATE POLICY tenant_read ON order_items FOR SELECT
    USING (tenant_id = current_setting('app.current_tenant_id', true)::uuid);
