-- Adds a column IF NOT EXISTS.
-- Safe: catalog-only and re-runnable.
-- Source: squawk docs, prefer-robust-stmts
-- expect: none
ALTER TABLE orders ADD COLUMN IF NOT EXISTS currency text NOT NULL DEFAULT 'EUR';
