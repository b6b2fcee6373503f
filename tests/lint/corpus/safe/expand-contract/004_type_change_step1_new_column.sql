-- Change orders.amount's precision, expand step: add amount_v2 numeric(14,4).
-- Safe: a new nullable column is catalog-only; the old column keeps serving old code.
-- Source: strong_migrations README, dangerous operations, changing the type of a column (the safe way); pgroll
--   docs, alter_column change_type
-- expect: none
ALTER TABLE orders ADD COLUMN amount_v2 numeric(14, 4);
