-- migrate:up
ALTER TABLE tenants ADD COLUMN plan text NOT NULL DEFAULT 'free';
INSERT INTO tenants (name, plan) VALUES ('Acme Mail — Zürich', 'pro');

-- migrate:down
DELETE FROM tenants WHERE name = 'Acme Mail — Zürich';
ALTER TABLE tenants DROP COLUMN plan;
