-- Renames the existing table orders to purchases.
-- Unsafe: every running instance still queries orders and fails with 'relation does not exist'.
-- Source: squawk docs, renaming-table; strong_migrations README, dangerous operations, renaming a table
-- expect: ban-rename-table
ALTER TABLE orders RENAME TO purchases;
