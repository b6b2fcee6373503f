-- Sets the default plan of new tenants to plan 1; verify returns a row when plan 1 does not exist.
-- Safe: the verify query returns a row exactly when the default points nowhere.
-- Source: tenantdb DESIGN, verify blocks
-- expect: none
-- migrate:up
ALTER TABLE tenants ALTER COLUMN plan_id SET DEFAULT 1;
-- migrate:down
ALTER TABLE tenants ALTER COLUMN plan_id DROP DEFAULT;
-- migrate:verify
SELECT 'default plan 1 is missing' WHERE NOT EXISTS (SELECT FROM plans WHERE id = 1);
