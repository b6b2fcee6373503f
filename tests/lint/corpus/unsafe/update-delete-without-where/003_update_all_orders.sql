-- Recomputes orders.total for every row.
-- Unsafe: rewrites every row of the largest table in one transaction: write locks on all rows, bloat, replication
--   lag.
-- Source: strong_migrations README, dangerous operations, backfilling data
-- expect: require-where-on-update-delete
UPDATE orders SET total = amount;
