-- Adds a foreign key from tenants to plans after SET LOCAL lock_timeout.
-- Unsafe: validation scans tenants while both tables are locked (SHARE ROW EXCLUSIVE); SET LOCAL means the runner
--   cannot rewrite it online here.
-- Source: squawk docs, adding-foreign-key-constraint; strong_migrations README, dangerous operations, adding a
--   foreign key
-- expect: require-not-valid-constraint
SET LOCAL lock_timeout = '2s';
ALTER TABLE tenants ADD CONSTRAINT tenants_plan_fk2 FOREIGN KEY (plan_id) REFERENCES plans (id);
