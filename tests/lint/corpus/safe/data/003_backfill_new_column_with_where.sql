-- Adds a column and backfills it from another column, in a bounded batch with WHERE.
-- Safe: only the new column is written; the old values stay, so nothing needs restoring.
-- Source: strong_migrations README, dangerous operations, backfilling data
-- expect: none
ALTER TABLE orders ADD COLUMN amount_cents bigint;
UPDATE orders SET amount_cents = (amount * 100)::bigint
 WHERE amount_cents IS NULL AND created_at >= '2026-01-01' AND created_at < '2026-02-01';
