BEGIN;
ALTER TABLE tenants ADD COLUMN plan text NOT NULL DEFAULT 'free';
INSERT INTO tenants (name, plan) VALUES ('Acme Mail — Zürich', 'pro');
COMMIT;
