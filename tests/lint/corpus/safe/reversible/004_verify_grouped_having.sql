-- Verify with GROUP BY ... HAVING: returns only the duplicated hostnames.
-- Safe: an aggregate with HAVING returns rows only on a violation.
-- Source: tenantdb DESIGN, verify blocks
-- expect: none
-- migrate:up
ALTER TABLE vps_instances ADD COLUMN fqdn text;
-- migrate:down
ALTER TABLE vps_instances DROP COLUMN fqdn;
-- migrate:verify
SELECT fqdn, count(*) FROM vps_instances WHERE fqdn IS NOT NULL GROUP BY fqdn HAVING count(*) > 1;
