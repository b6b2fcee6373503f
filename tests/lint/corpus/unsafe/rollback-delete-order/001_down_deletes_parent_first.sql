-- The down section deletes seeded tenants before their users.
-- Unsafe: users references tenants: the first DELETE fails with a foreign-key violation and the rollback stops.
-- Source: issue 15, reference customer's classes: a rollback that deletes parents before children
-- expect: ban-down-delete-order
-- postgresql: rejects 23503
-- migrate:up
INSERT INTO tenants (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'seed');
INSERT INTO users (tenant_id, email, full_name) VALUES ('00000000-0000-0000-0000-000000000001', 'seed@example.com', 'Seed');
-- migrate:down
DELETE FROM tenants WHERE id = '00000000-0000-0000-0000-000000000001';
DELETE FROM users WHERE tenant_id = '00000000-0000-0000-0000-000000000001';
