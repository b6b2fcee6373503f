-- Adds an EXCLUDE constraint to the existing table vps_instances.
-- Unsafe: an exclusion constraint builds its index under ACCESS EXCLUSIVE and cannot be added NOT VALID or USING
--   INDEX.
-- Source: strong_migrations README, dangerous operations, adding an exclusion constraint; PostgreSQL docs, ALTER
--   TABLE ADD table_constraint
-- expect: ban-exclude-constraint-on-existing-table
ALTER TABLE vps_instances ADD CONSTRAINT vps_one_host EXCLUDE USING btree (hostname WITH =);
