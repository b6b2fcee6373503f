-- Adds a CHECK NOT VALID and validates it inside the same BEGIN ... COMMIT.
-- Unsafe: the ACCESS EXCLUSIVE lock of ADD CONSTRAINT is held until COMMIT, so the validating scan runs under it
--   anyway.
-- Source: strong_migrations README, dangerous operations, adding a check constraint (validate in a separate
--   migration)
-- expect: require-not-valid-constraint
BEGIN;
ALTER TABLE vps_instances ADD CONSTRAINT vps_cost_positive CHECK (monthly_cost >= 0) NOT VALID;
ALTER TABLE vps_instances VALIDATE CONSTRAINT vps_cost_positive;
COMMIT;
