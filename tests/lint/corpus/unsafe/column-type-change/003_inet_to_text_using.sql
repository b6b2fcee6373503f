-- Converts smtp_ip_addresses.address from inet to text with USING.
-- Unsafe: a full rewrite under ACCESS EXCLUSIVE, and code relying on inet operators (<<, masklen) breaks.
-- Source: PostgreSQL docs, ALTER TABLE ALTER COLUMN TYPE USING
-- expect: ban-column-type-change
ALTER TABLE smtp_ip_addresses ALTER COLUMN address TYPE text USING host(address);
