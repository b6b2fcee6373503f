-- The down section deletes audit rows created at or after the migration's date.
-- Unsafe: audit rows the application wrote after the migration ran are deleted by the rollback, not only the
--   migration's own.
-- Source: issue 15, reference customer's classes: a rollback that deletes rows created after the migration
-- expect: ban-down-deletes-new-rows
-- migrate:up
INSERT INTO audit_logs (tenant_id, action) SELECT id, 'plan-migrated' FROM tenants;
-- migrate:down
DELETE FROM audit_logs WHERE created_at >= '2026-03-01 00:00:00+00';
