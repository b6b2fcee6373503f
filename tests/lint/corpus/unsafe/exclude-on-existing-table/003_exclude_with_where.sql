-- Adds a partial EXCLUDE constraint on the existing table vps_instances.
-- Unsafe: built under ACCESS EXCLUSIVE like any exclusion constraint; the WHERE does not make it online.
-- Source: strong_migrations README, dangerous operations, adding an exclusion constraint
-- expect: ban-exclude-constraint-on-existing-table
ALTER TABLE vps_instances ADD CONSTRAINT vps_one_active_host EXCLUDE USING btree (hostname WITH =) WHERE (monthly_cost > 0);
