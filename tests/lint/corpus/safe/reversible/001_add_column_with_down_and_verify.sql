-- Adds a nullable column; down drops it; verify returns a row only when the column is missing.
-- Safe: the down's DROP COLUMN is archived by the runner; the verify query can fail.
-- Source: tenantdb DESIGN, migration files (verify: every returned row is a violation)
-- expect: none
-- migrate:up
ALTER TABLE vps_instances ADD COLUMN provider text;
-- migrate:down
ALTER TABLE vps_instances DROP COLUMN provider;
-- migrate:verify
SELECT 'provider column missing'
WHERE NOT EXISTS (
    SELECT FROM information_schema.columns WHERE table_name = 'vps_instances' AND column_name = 'provider'
);
