-- Adds a GiST exclusion constraint to smtp_ip_addresses.
-- Unsafe: blocks reads and writes of smtp_ip_addresses while the index is built; NOT VALID is not available for
--   EXCLUDE.
-- Source: strong_migrations README, dangerous operations, adding an exclusion constraint
-- expect: ban-exclude-constraint-on-existing-table
ALTER TABLE smtp_ip_addresses ADD CONSTRAINT smtp_ip_unique_address EXCLUDE USING gist (address inet_ops WITH &&);
