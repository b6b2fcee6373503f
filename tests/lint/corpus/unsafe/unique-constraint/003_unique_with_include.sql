-- Adds a UNIQUE constraint with INCLUDE columns to orders.
-- Unsafe: INCLUDE is outside what the online rewrite expresses: built under ACCESS EXCLUSIVE.
-- Source: squawk docs, disallowed-unique-constraint; PostgreSQL docs, ALTER TABLE ADD CONSTRAINT ... USING INDEX
-- expect: ban-add-unique-constraint
ALTER TABLE orders ADD CONSTRAINT orders_coupon_key UNIQUE (tenant_id, coupon_code) INCLUDE (amount);
