-- Creates an index on orders inside the file's own BEGIN ... COMMIT.
-- Unsafe: CREATE INDEX without CONCURRENTLY holds a SHARE lock: writes to orders stall for the whole build; the
--   runner cannot rewrite it online here (nothing inside BEGIN ... COMMIT is rewritten).
-- Source: squawk docs, require-concurrent-index-creation; strong_migrations README, dangerous operations, adding
--   an index non-concurrently; PostgreSQL docs, CREATE INDEX (Building Indexes Concurrently)
-- expect: require-concurrent-index-creation
BEGIN;
CREATE INDEX orders_status_idx ON orders (tenant_id, status);
COMMIT;
