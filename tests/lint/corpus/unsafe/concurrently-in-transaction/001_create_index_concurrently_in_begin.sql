-- CREATE INDEX CONCURRENTLY between BEGIN and COMMIT.
-- Unsafe: PostgreSQL rejects it: CREATE INDEX CONCURRENTLY cannot run inside a transaction block.
-- Source: squawk docs, ban-concurrent-index-creation-in-transaction; PostgreSQL docs, CREATE INDEX
-- expect: ban-concurrently-in-transaction
-- postgresql: rejects 25001
BEGIN;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_coupon_idx ON orders (tenant_id, coupon_code);
COMMIT;
