-- Drops the composite primary key of users (default name users_pkey).
-- Unsafe: uniqueness of (tenant_id, id) is no longer enforced and logical replication of UPDATE/DELETE stops
--   working.
-- Source: PostgreSQL docs, ALTER TABLE DROP CONSTRAINT; Logical Replication, REPLICA IDENTITY
-- expect: ban-drop-primary-key
ALTER TABLE users DROP CONSTRAINT users_pkey CASCADE;
