-- Creates an index on orders CONCURRENTLY, IF NOT EXISTS, in a non-transactional migration.
-- Safe: CONCURRENTLY builds without blocking writes; IF NOT EXISTS lets an interrupted run be resumed.
-- Source: squawk docs, require-concurrent-index-creation; PostgreSQL docs, CREATE INDEX (Building Indexes
--   Concurrently)
-- expect: none
-- tenantdb: no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (tenant_id, status);
