-- Validates a foreign key added NOT VALID earlier.
-- Safe: SHARE UPDATE EXCLUSIVE on the referencing table, ROW SHARE on the referenced one: no write stall.
-- Source: strong_migrations README, dangerous operations, adding a foreign key (second migration)
-- expect: none
ALTER TABLE tenants VALIDATE CONSTRAINT tenants_plan_checked_fk;
