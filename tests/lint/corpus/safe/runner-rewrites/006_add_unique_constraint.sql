-- ADD CONSTRAINT ... UNIQUE on users.
-- Safe: tenantdb's runner rewrites it online by default (online = true): lint reports the rewrite as info, not a
--   failure (CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX).
-- Source: tenantdb DESIGN, online rewrites
-- expect: none
ALTER TABLE users ADD CONSTRAINT users_tenant_email_key UNIQUE (tenant_id, email);
