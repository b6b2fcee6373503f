-- CREATE INDEX CONCURRENTLY cannot run in a transaction: tenantdb runs this file statement by statement,
-- journaled, and drops an INVALID index left by an interrupted build before it retries.
-- migrate:up
CREATE INDEX CONCURRENTLY IF NOT EXISTS tenants_name_idx ON tenants (lower(name));

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS tenants_name_idx;

-- migrate:verify
SELECT 'tenants_name_idx is missing' WHERE to_regclass('tenants_name_idx') IS NULL;
