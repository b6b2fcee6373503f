-- Verify lists the tenants still without a plan after the migration assigned one to new signups.
-- Safe: returns rows exactly when there is a violation.
-- Source: tenantdb DESIGN, verify blocks
-- expect: none
-- migrate:up
ALTER TABLE tenants ALTER COLUMN plan_id SET DEFAULT 1;
-- migrate:down
ALTER TABLE tenants ALTER COLUMN plan_id DROP DEFAULT;
-- migrate:verify
SELECT id FROM tenants WHERE plan_id IS NULL AND created_at > now();
