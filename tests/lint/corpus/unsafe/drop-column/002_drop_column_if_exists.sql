-- Drops orders.coupon_code IF EXISTS.
-- Unsafe: same breakage and data loss; the guard only makes it re-runnable.
-- Source: squawk docs, ban-drop-column
-- expect: ban-drop-column
ALTER TABLE orders DROP COLUMN IF EXISTS coupon_code;
