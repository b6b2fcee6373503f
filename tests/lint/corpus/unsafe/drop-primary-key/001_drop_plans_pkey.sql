-- Drops the primary key of plans by its default name.
-- Unsafe: foreign keys referencing it must go first (or CASCADE); lookups by id lose their index; replication
--   identity is lost.
-- Source: squawk rule list / diesel-guard: dropping a primary key; PostgreSQL docs, ALTER TABLE DROP CONSTRAINT
-- expect: ban-drop-primary-key
-- postgresql: rejects 2BP01
ALTER TABLE plans DROP CONSTRAINT plans_pkey;
