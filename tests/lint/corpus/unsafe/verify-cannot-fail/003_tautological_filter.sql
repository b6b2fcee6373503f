-- A verify block meant to compare an address's region with its server's, written v.region <> v.region.
-- Unsafe: a column compared with itself: the condition is never true, so the check can never return a row.
-- Source: issue 15, reference customer's classes: a filter like x = x
-- expect: verify-cannot-fail
-- migrate:up
ALTER TABLE vps_instances ADD COLUMN datacenter text;
-- migrate:down
ALTER TABLE vps_instances DROP COLUMN datacenter;
-- migrate:verify
SELECT a.id FROM smtp_ip_addresses a JOIN vps_instances v ON v.id = a.vps_id WHERE v.region <> v.region;
