-- A view joining VPS instances to addresses on a condition that ignores one side.
-- Unsafe: every instance is joined to every address: costs are multiplied.
-- Source: issue 11/15 reference customer (cost guide); PostgreSQL docs, Joined Tables
-- expect: ban-left-join-unrelated-condition
CREATE VIEW vps_addresses AS
    SELECT v.hostname, a.address
    FROM vps_instances v LEFT JOIN smtp_ip_addresses a ON v.region = 'eu';
