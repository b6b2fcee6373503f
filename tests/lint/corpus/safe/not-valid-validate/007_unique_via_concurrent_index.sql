-- Adds a unique constraint USING an index built CONCURRENTLY in an earlier migration.
-- Safe: ADD CONSTRAINT ... USING INDEX only attaches the index: a brief lock, no build.
-- Source: squawk docs, disallowed-unique-constraint; strong_migrations README, dangerous operations, adding a
--   unique constraint
-- expect: none
ALTER TABLE users ADD CONSTRAINT users_tenant_email_key UNIQUE USING INDEX users_tenant_email_unique_idx;
