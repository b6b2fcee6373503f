-- The down section deletes seeded VPS instances before their IP addresses.
-- Unsafe: smtp_ip_addresses references vps_instances: the rollback fails on the first statement.
-- Source: issue 15, reference customer's classes: parents before children
-- expect: ban-down-delete-order
-- postgresql: rejects 23503
-- migrate:up
INSERT INTO vps_instances (hostname, region) VALUES ('mx-seed-1', 'eu');
INSERT INTO smtp_ip_addresses (vps_id, address)
    SELECT id, '192.0.2.10' FROM vps_instances WHERE hostname = 'mx-seed-1';
-- migrate:down
DELETE FROM vps_instances WHERE hostname = 'mx-seed-1';
DELETE FROM smtp_ip_addresses WHERE address = '192.0.2.10';
