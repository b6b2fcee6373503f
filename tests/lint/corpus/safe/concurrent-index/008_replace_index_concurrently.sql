-- Replaces an index: builds the new one CONCURRENTLY, then drops the old one CONCURRENTLY.
-- Safe: neither step blocks writes; pgroll's create_index/drop_index do the same.
-- Source: pgroll docs, create_index and drop_index operations
-- expect: none
-- tenantdb: no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_tenant_created_idx ON orders (tenant_id, created_at DESC);
DROP INDEX CONCURRENTLY IF EXISTS orders_created_at_idx;
