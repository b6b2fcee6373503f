-- Locks orders in ACCESS EXCLUSIVE mode for a data fix.
-- Unsafe: every reader and writer of orders waits until the migration commits.
-- Source: strong_migrations README, dangerous operations, using shared or exclusive locking; PostgreSQL docs, LOCK
-- expect: ban-lock-table
LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;
UPDATE orders SET coupon_code = upper(coupon_code) WHERE coupon_code IS NOT NULL;
