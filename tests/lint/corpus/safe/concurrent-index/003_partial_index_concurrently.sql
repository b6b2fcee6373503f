-- Creates a partial index on orders CONCURRENTLY.
-- Safe: non-blocking build of a small index.
-- Source: PostgreSQL docs, Partial Indexes; CREATE INDEX CONCURRENTLY
-- expect: none
-- tenantdb: no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_pending_idx ON orders (tenant_id, created_at) WHERE status = 'pending';
