-- Inserts an address whose vps_id comes from a lookup by hostname.
-- Unsafe: vps_id is NOT NULL: the migration fails on every database where that host does not exist.
-- Source: issue 15, reference customer's classes: NULL inserted into a NOT NULL column only once data exists
-- expect: ban-nullable-scalar-subquery-insert
-- postgresql: rejects 23502
INSERT INTO smtp_ip_addresses (vps_id, address) VALUES ((SELECT id FROM vps_instances WHERE hostname = 'mx-1'), '203.0.113.5');
