-- Adds a foreign key NOT VALID.
-- Safe: no validating scan while both tables are locked.
-- Source: squawk docs, adding-foreign-key-constraint; strong_migrations README, dangerous operations, adding a
--   foreign key
-- expect: none
ALTER TABLE tenants ADD CONSTRAINT tenants_plan_fk2 FOREIGN KEY (plan_id) REFERENCES plans (id) NOT VALID;
