-- Adds a CHECK on vps_instances.monthly_cost NOT VALID.
-- Safe: no scan under the lock.
-- Source: PostgreSQL docs, ALTER TABLE ADD CONSTRAINT NOT VALID
-- expect: none
ALTER TABLE vps_instances ADD CONSTRAINT vps_cost_non_negative CHECK (monthly_cost >= 0) NOT VALID;
