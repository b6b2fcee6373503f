-- Widens order_items.quantity from integer to bigint.
-- Unsafe: integer to bigint changes the storage: full rewrite under ACCESS EXCLUSIVE.
-- Source: strong_migrations README, dangerous operations, changing the type of a column
-- expect: ban-column-type-change
ALTER TABLE order_items ALTER COLUMN quantity TYPE bigint;
