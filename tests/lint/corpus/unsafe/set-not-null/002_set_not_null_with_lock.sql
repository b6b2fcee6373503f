-- Locks orders and sets coupon_code NOT NULL.
-- Unsafe: the scan holds ACCESS EXCLUSIVE; with LOCK in the script the runner cannot rewrite it online here.
-- Source: strong_migrations README, dangerous operations, setting NOT NULL on an existing column
-- expect: ban-set-not-null, ban-lock-table
LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;
ALTER TABLE orders ALTER COLUMN coupon_code SET NOT NULL;
