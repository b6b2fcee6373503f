-- Sets a local statement_timeout and creates a unique index on users.
-- Unsafe: the build blocks writes to users; SET LOCAL makes the script transaction-scoped, so the runner cannot
--   rewrite it online here.
-- Source: squawk docs, require-concurrent-index-creation
-- expect: require-concurrent-index-creation
SET LOCAL statement_timeout = '10min';
CREATE UNIQUE INDEX users_tenant_email_idx ON users (tenant_id, email);
