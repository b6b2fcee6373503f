-- Drops the primary key of vps_instances with IF EXISTS.
-- Unsafe: smtp_ip_addresses references it: the drop fails, or with CASCADE silently drops the foreign key too.
-- Source: PostgreSQL docs, ALTER TABLE DROP CONSTRAINT
-- expect: ban-drop-primary-key
-- postgresql: rejects 2BP01
ALTER TABLE vps_instances DROP CONSTRAINT IF EXISTS vps_instances_pkey;
