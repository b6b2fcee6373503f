-- The down section deletes audit rows newer than an interval.
-- Unsafe: rows the application wrote since the migration are deleted along with the migration's own.
-- Source: issue 15, reference customer's classes: DELETE ... WHERE created_at > the migration time
-- expect: ban-down-deletes-new-rows
-- migrate:up
INSERT INTO audit_logs (tenant_id, action) SELECT id, 'retention-policy-enabled' FROM tenants;
-- migrate:down
DELETE FROM audit_logs WHERE created_at > now() - interval '7 days';
