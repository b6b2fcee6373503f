-- Adds a GiST exclusion constraint to users.
-- Unsafe: blocks reads and writes of users while the index is built.
-- Source: strong_migrations README, dangerous operations, adding an exclusion constraint
-- expect: ban-exclude-constraint-on-existing-table
ALTER TABLE smtp_ip_addresses ADD CONSTRAINT smtp_ip_unique_address EXCLUDE USING gist (address inet_ops WITH &&);
