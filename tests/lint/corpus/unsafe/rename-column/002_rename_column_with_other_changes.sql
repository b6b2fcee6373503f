-- Renames orders.note to comment next to an additive change.
-- Unsafe: the additive change is harmless, the rename breaks every deployed reader and writer of orders.note.
-- Source: strong_migrations README, dangerous operations, renaming a column; pgroll docs, rename_column operation
--   (expand/contract instead)
-- expect: ban-rename-column
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
ALTER TABLE orders RENAME COLUMN note TO comment;
