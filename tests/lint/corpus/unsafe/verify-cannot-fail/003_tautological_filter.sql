-- A verify block filtered by x = x.
-- Unsafe: the filter is true for every non-NULL row: the check reports every row or nothing useful.
-- Source: issue 15, reference customer's classes: a filter like x = x
-- expect: verify-cannot-fail
-- migrate:up
ALTER TABLE vps_instances ADD COLUMN datacenter text;
-- migrate:down
ALTER TABLE vps_instances DROP COLUMN datacenter;
-- migrate:verify
SELECT id FROM vps_instances WHERE region = region AND datacenter IS NULL AND false;
