-- Creates an expression index on lower(email) CONCURRENTLY.
-- Safe: non-blocking build.
-- Source: PostgreSQL docs, Indexes on Expressions
-- expect: none
-- tenantdb: no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_lower_email_idx ON users (tenant_id, lower(email));
