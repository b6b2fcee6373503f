-- Narrows orders.amount from numeric(12,2) to numeric(10,2).
-- Unsafe: the table is rewritten under ACCESS EXCLUSIVE and every index rebuilt.
-- Source: squawk docs, changing-column-type; strong_migrations README, dangerous operations, changing the type of
--   a column; PostgreSQL docs, ALTER TABLE SET DATA TYPE
-- expect: ban-column-type-change
ALTER TABLE orders ALTER COLUMN amount TYPE numeric(10, 2);
