DELETE FROM tenants WHERE name = 'Acme Mail — Zürich';
ALTER TABLE tenants DROP COLUMN plan;
