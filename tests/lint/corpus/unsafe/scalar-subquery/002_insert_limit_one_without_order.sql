-- Inserts an IP address for 'the first' VPS chosen by LIMIT 1 without ORDER BY.
-- Unsafe: the chosen VPS is arbitrary and may change between runs and replicas.
-- Source: PostgreSQL docs, LIMIT and OFFSET (without ORDER BY the subset is unpredictable)
-- expect: ban-unordered-limit-subquery
INSERT INTO smtp_ip_addresses (vps_id, address) VALUES ((SELECT id FROM vps_instances WHERE region = 'eu' LIMIT 1), '198.51.100.7');
