-- Adds a UNIQUE constraint to users inside BEGIN ... COMMIT.
-- Unsafe: the index build blocks reads and writes of users; the runner cannot rewrite it online here.
-- Source: squawk docs, disallowed-unique-constraint
-- expect: ban-add-unique-constraint
BEGIN;
ALTER TABLE users ADD CONSTRAINT users_tenant_email_key UNIQUE (tenant_id, email);
COMMIT;
