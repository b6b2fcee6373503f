-- A verify block that returns count(*) of bad rows.
-- Unsafe: an aggregate without GROUP BY always returns exactly one row, so the check fails always (or, read as a
--   pass, never detects anything).
-- Source: issue 15, reference customer's classes: verification queries that cannot fail
-- expect: verify-cannot-fail
-- migrate:up
ALTER TABLE vps_instances ADD COLUMN provider text;
-- migrate:down
ALTER TABLE vps_instances DROP COLUMN provider;
-- migrate:verify
SELECT count(*) FROM vps_instances WHERE provider IS NULL;
