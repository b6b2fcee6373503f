-- Drops smtp_ip_addresses IF EXISTS.
-- Unsafe: the table exists and holds data: IF EXISTS does not make this a harmless guard.
-- Source: squawk docs, ban-drop-table
-- expect: ban-drop-table
DROP TABLE IF EXISTS smtp_ip_addresses;
