-- Locks audit_logs and builds a GIN index on it.
-- Unsafe: the whole build runs under the lock; LOCK makes the script transaction-scoped, so the runner cannot
--   rewrite it online here.
-- Source: PostgreSQL docs, CREATE INDEX; explicit locking
-- expect: require-concurrent-index-creation, ban-lock-table
LOCK TABLE audit_logs IN SHARE MODE;
CREATE INDEX audit_logs_details_idx ON audit_logs USING gin (details);
