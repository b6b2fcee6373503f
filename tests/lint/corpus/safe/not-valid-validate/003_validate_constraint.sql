-- Validates a constraint added NOT VALID by an earlier migration.
-- Safe: VALIDATE takes SHARE UPDATE EXCLUSIVE: reads and writes continue during the scan.
-- Source: strong_migrations README, dangerous operations, adding a check constraint (second migration); PostgreSQL
--   docs, ALTER TABLE VALIDATE CONSTRAINT
-- expect: none
ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_checked;
