-- Creates a unique index on users CONCURRENTLY.
-- Safe: writes continue during the build; a failed build leaves an INVALID index the runner drops before retrying.
-- Source: strong_migrations README, dangerous operations, adding an index non-concurrently (the safe way)
-- expect: none
-- tenantdb: no-transaction
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_tenant_email_idx ON users (tenant_id, email);
