-- Finds VPS instances without addresses with NOT EXISTS.
-- Safe: NOT EXISTS has no NULL trap (unlike NOT IN).
-- Source: PostgreSQL docs, Subquery Expressions (EXISTS)
-- expect: none
CREATE TABLE idle_vps (
    vps_id bigint PRIMARY KEY
);
INSERT INTO idle_vps (vps_id)
SELECT v.id FROM vps_instances v
WHERE NOT EXISTS (SELECT FROM smtp_ip_addresses a WHERE a.vps_id = v.id);
