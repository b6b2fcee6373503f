-- Adds a CHECK constraint to orders inside BEGIN ... COMMIT.
-- Unsafe: the whole table is scanned under ACCESS EXCLUSIVE; the runner cannot rewrite it online here.
-- Source: squawk docs, constraint-missing-not-valid; strong_migrations README, dangerous operations, adding a
--   check constraint; PostgreSQL docs, ALTER TABLE (NOT VALID)
-- expect: require-not-valid-constraint
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount >= 0);
COMMIT;
