-- Adds a CHECK constraint NOT VALID.
-- Safe: NOT VALID skips the scan: only a brief ACCESS EXCLUSIVE lock; new rows are checked at once.
-- Source: squawk docs, constraint-missing-not-valid; strong_migrations README, dangerous operations, adding a
--   check constraint; PostgreSQL docs, ALTER TABLE NOT VALID
-- expect: none
ALTER TABLE orders ADD CONSTRAINT orders_amount_non_negative CHECK (amount >= 0) NOT VALID;
