-- Creates a GIN index on audit_logs.details CONCURRENTLY.
-- Safe: non-blocking build.
-- Source: PostgreSQL docs, GIN Indexes; CREATE INDEX CONCURRENTLY
-- expect: none
-- tenantdb: no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_logs_details_idx ON audit_logs USING gin (details);
