-- The down section deletes tenants WHERE created_at > the migration time.
-- Unsafe: every tenant that signed up after the migration is deleted with the rollback.
-- Source: issue 15, reference customer's classes: DELETE ... WHERE created_at > the migration time
-- expect: ban-down-deletes-new-rows
-- migrate:up
INSERT INTO tenants (name) VALUES ('demo-tenant');
-- migrate:down
DELETE FROM tenants WHERE created_at > now() - interval '1 day';
