-- Non-transactional migration: index CONCURRENTLY up, DROP INDEX CONCURRENTLY down.
-- Safe: neither direction blocks writes.
-- Source: squawk docs, require-concurrent-index-creation / -deletion
-- expect: none
-- tenantdb: no-transaction
-- migrate:up
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_created_at_idx ON users (tenant_id, created_at);
-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS users_created_at_idx;
